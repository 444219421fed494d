"""What an incident's tracking issue should show, decided from the files alone (pure).

The issue's title, labels, state and the block of its body that the tool owns are rendered
here; `sync.tracking` compares them with GitHub and sends only what differs. Incident text is
untrusted (alert payloads, pull requests): every field is one inert Markdown line and every
`@` is broken, so nobody is pinged and nothing renders as HTML, a link or a heading.

The owned block sits between `<!-- incident-kit: ID tracking -->` (the marker a lost create is
found again by) and `<!-- /incident-kit: ID tracking -->`; text around it (an issue form's
answers, when the issue was opened by one and adopted) is left as people wrote it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from incident_kit import timeline
from incident_kit.config.settings import TrackingIssueSettings
from incident_kit.markdown.frontmatter import format_timestamp
from incident_kit.model import TERMINAL_STATUSES, IncidentSummary
from incident_kit.sanitize import ZWSP, md_inline, plain, safe_text, safe_url
from incident_kit.updates import PREFIX as UPDATE_PREFIX

NUMBER_KEY = "tracking_issue"  # the issue's number, in the incident's frontmatter
SYNCED_KEY = "tracking_issue_synced"  # digest of what the issue was last made to show
SEVERITY_LABEL = "severity: "
STATUS_LABEL = "status: "
MAX_TITLE = 256  # GitHub's limit
_MAX_LABEL = 50
_MENTION = re.compile(r"@(?=[A-Za-z0-9_])")
_MAX_LINKS = 20

State = Literal["open", "closed"]
Reason = Literal["completed", "not_planned"]
Owed = Literal["create", "update"]


@dataclass(frozen=True)
class TrackingView:
    title: str
    labels: tuple[str, ...]  # the lookup label first
    block: str  # the owned part of the body, markers included
    state: State
    reason: Reason | None  # why it is closed (None while open)

    @property
    def marker(self) -> str:
        return self.block.split("\n", 1)[0]

    def digest(self) -> str:
        """Changes whenever anything the issue shows would change."""
        text = "\x00".join((self.title, ",".join(self.labels), self.block, self.state, self.reason or ""))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def marker(incident_id: str) -> str:
    return f"<!-- incident-kit: {incident_id} tracking -->"


def end_marker(incident_id: str) -> str:
    return f"<!-- /incident-kit: {incident_id} tracking -->"


def tracking_number(data: Mapping[str, Any]) -> int | None:
    """The recorded issue number (`tracking_issue: 12`; `"#12"` is read too), else None."""
    value = data.get(NUMBER_KEY)
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().lstrip("#").isdigit():
        value = int(value.strip().lstrip("#"))
    return value if isinstance(value, int) and value > 0 else None


def owed(
    incident: IncidentSummary, data: Mapping[str, Any], settings: TrackingIssueSettings, digest: str | None
) -> Owed | None:
    """What the incident's tracking issue needs now: None when it is in step (no call at all).

    One is created for a wanted severity while the incident is not over (an old closed one
    never gets one); once it exists it is kept in step whatever the severity becomes.
    """
    if not settings.enabled:
        return None
    if tracking_number(data) is None:
        wanted = settings.wanted(incident.severity) and incident.status not in TERMINAL_STATUSES
        return "create" if wanted else None
    if digest is not None and data.get(SYNCED_KEY) == digest:
        return None
    return "update"


def render(
    incident: IncidentSummary,
    data: Mapping[str, Any],
    entries: Sequence[timeline.Entry],
    settings: TrackingIssueSettings,
    file_url: str | None,
) -> TrackingView:
    state: State = "closed" if incident.status in TERMINAL_STATUSES else "open"
    reason: Reason | None = None
    if state == "closed":
        reason = "completed" if incident.status == "closed" else "not_planned"
    labels = (
        settings.label,
        _label(SEVERITY_LABEL + incident.severity),
        _label(STATUS_LABEL + incident.status),
    )
    return TrackingView(_title(incident), labels, _block(incident, data, entries, file_url), state, reason)


def merged_body(current: str, view: TrackingView, incident_id: str) -> str:
    """`current` with the owned block replaced (or appended, for an adopted issue)."""
    start, end = current.find(marker(incident_id)), current.find(end_marker(incident_id))
    if start >= 0 and end > start:
        return current[:start] + view.block + current[end + len(end_marker(incident_id)) :]
    if start >= 0:  # the end marker was edited away: everything after the marker is ours
        return current[:start] + view.block
    if not current.strip():
        return view.block
    return f"{current.rstrip()}\n\n{view.block}"


def merged_labels(current: Sequence[str], view: TrackingView) -> tuple[str, ...]:
    """The view's labels, and every label people added that the tool does not manage."""
    ours = set(view.labels)
    kept = [
        label
        for label in current
        if label not in ours and not label.startswith((SEVERITY_LABEL, STATUS_LABEL))
    ]
    return (*view.labels, *kept)


def no_pings(text: str) -> str:
    """`@alice` and `@org/team` shown but inert (a zero-width space after the `@`)."""
    return _MENTION.sub("@" + ZWSP, text)


def _title(incident: IncidentSummary) -> str:
    drill = "[DRILL] " if incident.kind == "drill" else ""
    head = f"{drill}[{safe_text(incident.severity, 20)}] "
    tail = f" ({incident.id})"
    room = MAX_TITLE - len(head) - len(tail)
    return head + no_pings(safe_text(incident.title, room)) + tail


def _label(text: str) -> str:
    return safe_text(text, _MAX_LABEL).replace(",", " ")


def _block(
    incident: IncidentSummary,
    data: Mapping[str, Any],
    entries: Sequence[timeline.Entry],
    file_url: str | None,
) -> str:
    def field(name: str, value: object) -> str:
        return f"- **{name}:** {no_pings(md_inline(value, 300)) if value else '(none)'}"

    def when(name: str, value: datetime | None) -> list[str]:
        return [f"- **{name}:** {format_timestamp(value)}"] if value is not None else []

    lines = [
        marker(incident.id),
        f"Incident **{md_inline(incident.id, 40)}**, kept in step by `incident sync`: edit the "
        "incident, not this part of the issue (it is rewritten).",
        "",
        f"### {no_pings(md_inline(incident.title, 250))}",
        "",
        field("Status", incident.status),
        field("Severity", incident.severity),
        field("Service", incident.service),
        field("Commander", incident.commander),
        *when("Impact started", incident.impact_started_at),
        *when("Declared", incident.declared_at),
        *when("Mitigated", incident.mitigated_at),
        *when("Resolved", incident.resolved_at),
        *when("Closed", incident.closed_at),
    ]
    if incident.merged_into:
        lines.append(field("Merged into", incident.merged_into))
    if file_url:
        lines.append(f"- **Incident file:** {file_url}")
    latest = _latest_update(entries)
    lines += ["", "**Latest update:**", "", f"> {latest}" if latest else "> (none yet)"]
    links = _links(data)
    if links:
        lines += ["", "**Links:**", "", *links]
    lines.append(end_marker(incident.id))
    return "\n".join(lines)


def _latest_update(entries: Sequence[timeline.Entry]) -> str | None:
    updates = [e for e in entries if e.at is not None and plain(e.what).startswith(UPDATE_PREFIX)]
    if not updates:
        return None
    entry = max(updates, key=lambda e: e.at or datetime.min)
    text = plain(entry.what).removeprefix(UPDATE_PREFIX)
    who = f" — {no_pings(md_inline(plain(entry.who), 64))}" if entry.who else ""
    at = format_timestamp(entry.at) if entry.at is not None else ""
    return f"{at}: {no_pings(md_inline(text, 1000))}{who}"


def _links(data: Mapping[str, Any]) -> list[str]:
    raw = data.get("links")
    out: list[str] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping):
            continue
        url = safe_url(item.get("url"))
        if url is None:
            continue
        title = no_pings(md_inline(item.get("title") or url, 200))
        out.append(f"- [{title}](<{url}>)")
        if len(out) >= _MAX_LINKS:
            break
    return out
