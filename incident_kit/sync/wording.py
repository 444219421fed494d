"""What each milestone says beyond its headline: the reason, the plan, the update — and for a
resolution, the final communication: how long, what it did to people, what fixed it, and where
the post-mortem is (or will be). Pure: the incident's words in, labelled text out; the message
renderer makes it safe for each sink.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from incident_kit.errors import FileFormatError
from incident_kit.markdown import sections
from incident_kit.model import IncidentSummary
from incident_kit.postmortem import duration_text, without_spans
from incident_kit.sync.milestones import ENTRY_PREFIX, Milestone
from incident_kit.timeline import Entry
from incident_kit.updates import PREFIX as UPDATE_PREFIX

_IMPLIED = re.compile(r"^\(also stamps [a-z ]+\)")  # "Resolved (also stamps mitigated) — …"
_PLAN = "Mitigated; plan: "
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")  # `production\_monitor` reads as typed


@dataclass(frozen=True)
class Words:
    detail: str | None = None  # one labelled paragraph (the label comes with the kind)
    facts: tuple[tuple[str, str], ...] = ()  # more labelled paragraphs, in order
    actor: str | None = None


@dataclass(frozen=True)
class Sources:
    """Where the words come from, read by the caller."""

    body: str  # incident.md's body (the Summary is the impact, until a person says better)
    source: str  # its path, for error messages
    cancel_reason: str | None
    postmortem_path: str  # the post-mortem's path, or its URL on the web
    postmortem_exists: bool


def words(milestone: Milestone, incident: IncidentSummary, entries: Sequence[Entry], where: Sources) -> Words:
    kind = milestone.kind
    entry = milestone.entry
    actor = entry.who if entry else None
    if kind in ("note", "update"):
        text = entry.what.removeprefix(UPDATE_PREFIX) if entry else ""
        return Words(detail=text or None, actor=actor)
    if kind == "cancelled":
        return Words(detail=where.cancel_reason or _said(entry, kind), actor=actor)
    if kind == "merged":
        into = incident.merged_into
        return Words(detail=f"Duplicate of {into}: follow {into} from here." if into else None, actor=actor)
    if kind == "postmortem_ready":
        return Words(detail=f"{where.postmortem_path} (being written, blameless)", actor=actor)
    if kind == "closed":
        facts = (("Post-mortem", where.postmortem_path),) if where.postmortem_exists else ()
        return Words(detail=_said(entry, kind), facts=facts, actor=actor)
    if kind == "resolved":
        return Words(detail=None, facts=final_communication(incident, entries, where, entry), actor=actor)
    if kind in ENTRY_PREFIX:
        return Words(detail=_said(entry, kind), actor=actor)
    return Words(actor=actor)


def final_communication(
    incident: IncidentSummary, entries: Sequence[Entry], where: Sources, resolved: Entry | None
) -> tuple[tuple[str, str], ...]:
    """Duration, impact, what fixed it, and the post-mortem to come."""
    start = incident.impact_started_at or incident.detected_at or incident.declared_at
    end = incident.resolved_at
    facts = [("Duration", _duration(start, end))]
    facts.append(("Impact", _summary(where.body, where.source) or f"{incident.severity}; not described yet"))
    fixed = _said(resolved, "resolved") or _plan(entries)
    facts.append(("What fixed it", fixed or "not recorded yet; the post-mortem will say"))
    label = "Post-mortem" if where.postmortem_exists else "Post-mortem (to come)"
    facts.append((label, where.postmortem_path))
    return tuple(facts)


def _duration(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None or end < start:
        return "unknown"
    return f"{duration_text((end - start).total_seconds())} (impact start to resolution)"


def _said(entry: Entry | None, kind: str) -> str | None:
    """What a person added to a transition's entry (`resolve -m …`), without the tool's words."""
    if entry is None:
        return None
    prefix = ENTRY_PREFIX.get(kind, "")
    text = entry.what[len(prefix) :] if entry.what.startswith(prefix) else entry.what
    text = _IMPLIED.sub("", text.strip()).lstrip(" ;:—-").strip()
    if kind == "mitigated":
        text = text.removeprefix("plan: ")  # its label says so already
    return text or None


def _plan(entries: Sequence[Entry]) -> str | None:
    for entry in reversed(entries):
        if entry.what.startswith(_PLAN):
            return entry.what[len(_PLAN) :].split(";")[0].strip() or None
    return None


def _summary(body: str, source: str) -> str | None:
    """The incident's `## Summary` as a person wrote it (not the template's prompt)."""
    lines = body.split("\n")
    try:
        section = sections.find_section(lines, "Summary", source)
    except FileFormatError:  # a Summary written twice: say nothing rather than pick one
        return None
    if section is None:
        return None
    text = without_spans("\n".join(lines[section.heading + 1 : section.end]), "<!--", "-->").strip()
    return _MARKDOWN_ESCAPE.sub(r"\1", text)[:1000] or None
