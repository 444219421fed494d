"""What incident-kit tells people, rendered for Slack (Block Kit + fallback) and the console.

Pure: plain data in, strings and dicts out. Each event is first reduced to one `_Content`
(cleaned, single-sourced text), then written out per sink, so Slack and the console always
say the same thing.

Untrusted text (titles, names, plans) never lands in `mrkdwn`: it goes into `plain_text`
objects, which Slack does not format, so a stray `*`, `` ` `` or `~` cannot restyle the
message. Everything sent to Slack still has `&`, `<`, `>` escaped (Slack parses those in every
text object) and mass mentions broken (`sanitize.neutralise_mentions`). The only `mrkdwn` we
emit is our own: date tokens and the link to the incident.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from incident_kit.model import SEVERITIES, IncidentSummary
from incident_kit.sanitize import ELLIPSIS, safe_text, safe_url

EventKind = Literal[
    "declared",
    "acknowledged",
    "severity_changed",
    "commander_changed",
    "mitigated",
    "resolved",
    "reopened",
    "cancelled",
    "merged",
    "postmortem_ready",
    "closed",
    "update",
    "note",
    "update_overdue",
]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)

# Slack's limits (docs.slack.dev, Block Kit reference); lengths are counted conservatively
# in UTF-16 code units, so an emoji counts twice.
MAX_BLOCKS = 50
HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
TEXT_MAX = 4000  # chat.update refuses a longer fallback (msg_too_long)
TOPIC_MAX = 250

_SEVERITY_EMOJI = ("🔴", "🟠", "🟡", "🔵")  # by rank on the team's scale, most severe first
_KIND_EMOJI: dict[EventKind, str] = {
    "declared": "🚨",
    "acknowledged": "👀",
    "severity_changed": "📶",
    "commander_changed": "🧭",
    "mitigated": "🩹",
    "resolved": "✅",
    "reopened": "🔁",
    "cancelled": "🚫",
    "merged": "🔗",
    "postmortem_ready": "📝",
    "closed": "🏁",
    "update": "📣",
    "note": "🗒️",
    "update_overdue": "⏰",
}
_DETAIL_LABEL: dict[EventKind, str] = {
    "mitigated": "Mitigation plan",
    "resolved": "Resolution",
    "reopened": "Why reopened",
    "cancelled": "Why cancelled",
    "postmortem_ready": "Post-mortem",
    "update": "Update",
    "note": "Note",
    "update_overdue": "Reminder",
}
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")  # only a real user id becomes a ping
_FOLDED = {"acknowledged": "acknowledged", "mitigated": "mitigated", "resolved": "resolved"}


@dataclass(frozen=True)
class Event:
    """One thing that happened to an incident; `incident` is its state after the event."""

    kind: EventKind
    incident: IncidentSummary
    at: datetime
    actor: str | None = None
    detail: str | None = None  # mitigation plan, resolution summary, reopen/cancel reason
    previous: str | None = None  # the old severity or commander, for the *_changed kinds
    url: str | None = None  # the incident folder (or the post-mortem) on the web
    facts: tuple[tuple[str, str], ...] = ()  # more labelled text: the final communication's
    also: tuple[EventKind, ...] = ()  # milestones of the same moment told with this one
    current: str | None = None  # the new severity or commander (default: the incident's)
    mention: str | None = None  # a Slack user id to ping (trusted: from the configuration)

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}")


@dataclass(frozen=True)
class SlackMessage:
    """A message as Slack gets it (`text` fallback + `blocks`) and as the console prints it."""

    text: str
    blocks: tuple[dict[str, Any], ...]
    plain: str


@dataclass(frozen=True)
class _Content:
    """Cleaned text, shared by every sink; nothing here is escaped for one sink yet."""

    headline: str  # "🩹 Mitigated"
    incident_id: str
    title: str
    severity: str
    fields: tuple[tuple[str, str], ...]
    detail: tuple[str, str] | None  # (label, possibly multi-line text)
    facts: tuple[tuple[str, str], ...]  # more (label, text), after the detail
    actor: str | None
    mention: str | None  # a checked Slack user id
    at: datetime | None
    url: str | None
    path: str


def render_slack(event: Event) -> SlackMessage:
    """The Block Kit message posted for `event` (announcement, incident channel)."""
    return _to_slack(_event_content(event))


def render_plain(event: Event) -> str:
    """The same message as plain text, for the console channel."""
    return _to_plain(_event_content(event))


def severity_emoji(severity: str, levels: Sequence[str] = SEVERITIES) -> str:
    """🔴 for the scale's most severe level, then 🟠 🟡 🔵; ⚪ for the rest and unknown ones."""
    rank = list(levels).index(severity) if severity in levels else len(_SEVERITY_EMOJI)
    return _SEVERITY_EMOJI[rank] if rank < len(_SEVERITY_EMOJI) else "⚪"


def render_status(
    incident: IncidentSummary,
    *,
    url: str | None = None,
    levels: Sequence[str] = SEVERITIES,
    next_update: str | None = None,
) -> SlackMessage:
    """The one status message kept up to date (`chat.update`) in the incident channel;
    `levels` is the team's severity scale, most severe first; `next_update` says when
    stakeholders are owed the next update (`overdue since …`)."""
    inc = incident
    ended = {"cancelled": "Cancelled", "merged": "Merged"}.get(inc.status, "Closed")
    stamps = (
        ("Declared", inc.declared_at),
        ("Mitigated", inc.mitigated_at),
        ("Resolved", inc.resolved_at),
        (ended, inc.closed_at),  # closed_at is also stamped by cancel and merge
    )
    fields = _incident_fields(inc) + tuple((k, _when(v)) for k, v in stamps if v is not None)
    if next_update:
        fields += (("Next update", _one_line(next_update, 100)),)
    content = _Content(
        headline=f"{severity_emoji(inc.severity, levels)} Status",
        incident_id=_one_line(inc.id, 100),
        title=_one_line(inc.title, 300) or "(untitled)",
        severity=_one_line(inc.severity, 20),
        fields=fields,
        detail=None,
        facts=(),
        actor=None,
        mention=None,
        at=_latest(inc),
        url=safe_url(url) if url else None,
        path=_one_line(inc.path, 300),
    )
    return _to_slack(content)


def render_topic(incident: IncidentSummary) -> str:
    """The incident channel's topic: one line, no formatting, at most 250 characters."""
    commander = _one_line(incident.commander, 100) or "unassigned"
    parts = (incident.severity, incident.status, f"IC {commander}", incident.title)
    return _clip(_slack_escape(" · ".join(_one_line(p, 300) for p in parts)), TOPIC_MAX)


def _event_content(event: Event) -> _Content:
    inc = event.incident
    detail_text = _block_text(event.detail)
    label = _DETAIL_LABEL.get(event.kind, "Details")
    return _Content(
        headline=f"{_KIND_EMOJI[event.kind]} {_headline(event)}",
        incident_id=_one_line(inc.id, 100),
        title=_one_line(inc.title, 300) or "(untitled)",
        severity=_one_line(inc.severity, 20),
        fields=_incident_fields(inc),
        detail=(label, detail_text) if detail_text else None,
        facts=tuple((_one_line(k, 60), text) for k, v in event.facts if (text := _block_text(v))),
        actor=_one_line(event.actor, 100) or None,
        mention=event.mention if event.mention and _USER_ID.match(event.mention) else None,
        at=event.at,
        url=safe_url(event.url) if event.url else None,
        path=_one_line(inc.path, 300),
    )


def _headline(event: Event) -> str:
    also = [_FOLDED[kind] for kind in event.also if kind in _FOLDED]
    headline = _headline_alone(event)
    return f"{headline} (also {' and '.join(also)})" if also else headline


def _headline_alone(event: Event) -> str:
    inc = event.incident
    previous = _one_line(event.previous, 100)
    if event.kind == "severity_changed":
        now = _one_line(event.current or inc.severity, 20)
        return f"Severity {previous} → {now}" if previous else f"Severity now {now}"
    if event.kind == "commander_changed":
        now = _one_line(event.current or inc.commander, 100) or "unassigned"
        return f"Commander {previous or 'unassigned'} → {now}"
    if event.kind == "merged":
        into = _one_line(inc.merged_into, 100)
        return f"Merged into {into}" if into else "Merged"
    return {
        "declared": "Incident declared",
        "acknowledged": "Acknowledged: investigating",
        "mitigated": "Mitigated",
        "resolved": "Resolved",
        "reopened": "Reopened",
        "cancelled": "Cancelled",
        "postmortem_ready": "Post-mortem started",
        "closed": "Closed",
        "update": "Update",
        "note": "Note",
        "update_overdue": "Stakeholder update overdue",
    }[event.kind]


def _incident_fields(inc: IncidentSummary) -> tuple[tuple[str, str], ...]:
    fields = [
        ("Incident", _one_line(inc.id, 100)),
        ("Status", _one_line(inc.status, 40).capitalize()),
        ("Severity", _one_line(inc.severity, 20)),
        ("Commander", _one_line(inc.commander, 100) or "unassigned"),
    ]
    if inc.service:
        fields.append(("Service", _one_line(inc.service, 100)))
    if inc.kind == "drill":
        fields.append(("Kind", "Drill (not a real incident)"))
    return tuple(fields)


# --- Slack ---------------------------------------------------------------------------


def _to_slack(c: _Content) -> SlackMessage:
    header = f"{c.headline} · {c.severity} · {c.title}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(_clip(_slack_escape(header), HEADER_MAX))},
        {
            "type": "section",
            "fields": [_plain(_clip(_slack_escape(f"{k}: {v}"), FIELD_MAX)) for k, v in c.fields[:10]],
        },
    ]
    for label, text in _sections(c):
        blocks.append(
            {"type": "section", "text": _plain(_clip(_slack_escape(f"{label}:\n{text}"), SECTION_MAX))}
        )
    context = _slack_context(c)
    if context:
        blocks.append({"type": "context", "elements": context})
    fallback = f"{c.headline}: {c.title} ({c.incident_id}, {c.severity})"
    for label, text in _sections(c):
        fallback += f"\n{label}: {text}"
    return SlackMessage(
        text=_clip(_slack_escape(fallback), TEXT_MAX),
        blocks=tuple(blocks[:MAX_BLOCKS]),
        plain=_to_plain(c),
    )


def _sections(c: _Content) -> list[tuple[str, str]]:
    return ([c.detail] if c.detail else []) + list(c.facts)


def _slack_context(c: _Content) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    if c.mention:
        elements.append({"type": "mrkdwn", "text": f"<@{c.mention}>"})
    if c.actor:
        elements.append(_plain(_clip(_slack_escape(f"by {c.actor}"), SECTION_MAX)))
    if c.at is not None:
        at = _utc(c.at)
        # readers see their own time zone; the text after `|` is what old clients show
        stamp = f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{_when(at)}>"
        elements.append({"type": "mrkdwn", "text": stamp})
    if c.url:
        # safe_url percent-encoded `|` and `>`; `&` is Slack's to unescape
        link = f"<{_slack_escape(c.url)}|{_slack_escape(c.incident_id)}>"
        elements.append({"type": "mrkdwn", "text": link, "verbatim": True})
    elif c.path:
        elements.append(_plain(_clip(_slack_escape(c.path), SECTION_MAX)))
    return elements


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text or " ", "emoji": True}


def _slack_escape(text: str) -> str:
    """Slack's three control characters; mentions were already broken by `safe_text`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    """At most `limit` UTF-16 units, never ending inside an `&amp;`-style entity."""
    if _units(text) <= limit:
        return text
    kept: list[str] = []
    used = 0
    for ch in text:
        used += _units(ch)
        if used > limit - 1:  # room for the ellipsis
            break
        kept.append(ch)
    cut = "".join(kept)
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def _units(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


# --- console ---------------------------------------------------------------------------


def _to_plain(c: _Content) -> str:
    lines = [f"{c.headline}: {c.incident_id} · {c.severity} · {c.title}"]
    lines.append("  " + " · ".join(f"{k}: {v}" for k, v in c.fields[1:]))
    for label, text in _sections(c):
        lines.append(f"  {label}:")
        # a fixed non-blank prefix: no line of untrusted text starts a printed line
        lines.extend(f"  | {line}" for line in text.split("\n"))
    footer = [f"by {c.actor}"] if c.actor else []
    if c.at is not None:
        footer.append(_when(c.at))
    footer.append(c.url or c.path)
    lines.append("  " + " · ".join(part for part in footer if part))
    return "\n".join(lines)


# --- shared text helpers --------------------------------------------------------------


def _one_line(text: object, max_len: int) -> str:
    """One inert line: no controls, no mass mentions, no workflow commands."""
    return safe_text(text, max_len) if text is not None else ""


def _block_text(text: str | None, max_lines: int = 60) -> str:
    """Multi-line free text (a plan, a summary), each line made inert, blank runs squeezed."""
    if not text:
        return ""
    lines: list[str] = []
    for raw in text.splitlines()[: max_lines * 2]:
        line = _one_line(raw, SECTION_MAX)
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines[:max_lines]).strip("\n")


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _when(at: datetime) -> str:
    return _utc(at).strftime("%Y-%m-%d %H:%M UTC")


def _latest(inc: IncidentSummary) -> datetime | None:
    stamps = [t for t in (inc.declared_at, inc.mitigated_at, inc.resolved_at, inc.closed_at) if t is not None]
    return max(stamps, key=_utc) if stamps else None
