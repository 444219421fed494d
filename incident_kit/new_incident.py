"""A new `incident.md`, rendered from data (the only time the tool writes a whole file)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from incident_kit.markdown.frontmatter import render_scalar
from incident_kit.sanitize import md_inline
from incident_kit.timeline import format_entry
from incident_kit.vocabulary import SEVERITIES

STATUS_COMMENT = "# triage | investigating | mitigated | resolved | postmortem | closed | cancelled | merged"


class NewIncident(NamedTuple):
    id: str
    title: str
    severity: str
    kind: str
    service: str | None
    source: str
    commander: str | None
    declared_at: datetime
    detected_at: datetime
    impact_started_at: datetime | None
    summary: str
    timeline: Sequence[tuple[datetime, str, str]]  # (at, what, who)
    alert: Mapping[str, Any] | None = None
    links: Sequence[Mapping[str, str]] = tuple()
    alerts_block: Sequence[str] = ()  # the alerts it lists, rendered by `alert_list`
    severities: Sequence[str] = SEVERITIES  # the team's scale, most severe first


def render(incident: NewIncident) -> str:
    scalar = render_scalar
    lines = [
        "---",
        "# incident-kit: the current state of this incident. Edit by hand or with `incident`;",
        "# comments, key order and unknown keys are kept.",
        f"id: {incident.id}",
        f"title: {scalar(incident.title)}",
        f"status: triage  {STATUS_COMMENT}",
        f"severity: {incident.severity}  # {incident.severities[0]} (worst) .. {incident.severities[-1]}",
        f"kind: {incident.kind}  # incident | drill",
        f"service: {scalar(incident.service)}",
        f"source: {scalar(incident.source)}",
        f"commander: {scalar(incident.commander)}",
        "roles: {}",
        f"impact_started_at: {scalar(incident.impact_started_at)}",
        f"detected_at: {scalar(incident.detected_at)}",
        f"declared_at: {scalar(incident.declared_at)}",
        "acknowledged_at: null",
        "mitigated_at: null",
        "resolved_at: null",
        "postmortem_at: null",
        "closed_at: null",
        "last_update_at: null  # the last stakeholder update (incident update)",
        "cancel_reason: null",
        "merged_into: null",
    ]
    if incident.alert:
        lines.append("alert:")
        for key, value in incident.alert.items():
            lines.append(f"  {key}: {scalar(value)}")
    lines += incident.alerts_block
    if incident.links:
        lines.append("links:")
        for link in incident.links:
            lines.append(f"  - title: {scalar(link['title'])}")
            lines.append(f"    url: {scalar(link['url'])}")
    else:
        lines.append("links: []")
    lines.append("---")
    lines += ["", "## Summary", "", incident.summary, "", "## Timeline", ""]
    lines += [format_entry(at, what, who) for at, what, who in incident.timeline]
    lines += ["", "## Links", ""]
    lines += [f"- [{md_inline(link['title'], 100)}](<{link['url']}>)" for link in incident.links]
    return "\n".join(lines).rstrip("\n") + "\n"
