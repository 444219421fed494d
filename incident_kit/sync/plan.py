"""What `incident sync` owes people, decided from the files alone (pure).

The delivery state lives in each incident's frontmatter under `slack:` — the channel, the
message timestamps, `announced` (the state people were last told: status and its stamp,
severity, commander), the timeline watermark (`told_at`, and `told`: the entries at that very
second already handled) and `reminded` (the overdue-update window last reminded of). Comparing
them with the files gives the milestones still to tell (`milestones.story`), whether the
change came from a CLI command or from a person editing the file in a pull request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incident_kit import timeline, updates
from incident_kit.config.settings import Config
from incident_kit.markdown.frontmatter import format_timestamp
from incident_kit.model import SEVERITIES, TERMINAL_STATUSES, IncidentSummary
from incident_kit.summaries.fields import as_datetime
from incident_kit.sync.milestones import STAMP, STATUS_OF, Milestone, digest, story

# the `slack.announce` name of each event kind (None: the incident channel only)
TOPIC = {
    "declared": "declared",
    "acknowledged": "acknowledged",
    "commander_changed": "commander_changed",
    "mitigated": "mitigated",
    "resolved": "resolved",
    "reopened": "reopened",
    "postmortem_ready": "postmortem",
    "closed": "closed",
    "cancelled": "cancelled",
    "merged": "merged",
    "update": "update",
}


@dataclass(frozen=True)
class Plan:
    """What one incident is owed now."""

    milestones: tuple[Milestone, ...]
    entries: tuple[timeline.Entry, ...]  # the timeline, as read (empty when not needed)
    reminder: datetime | None  # the overdue window to remind the commander of
    cadence: updates.Cadence | None
    wanted: bool  # anything at all to do (a channel, a status message, an archive too)


def slack_state(data: Mapping[str, Any], backend: str | None = None) -> dict[str, Any]:
    """What was delivered for this incident; with `backend`, only what that channel was told:
    messages printed on the console (no token) are still owed to Slack once a token is set."""
    state = data.get("slack")
    if not isinstance(state, Mapping) or (backend is not None and state.get("via") not in (None, backend)):
        return {}
    return dict(state)


def plan(
    incident: IncidentSummary,
    body: str,
    source: str,
    state: Mapping[str, Any],
    config: Config,
    now: datetime,
) -> Plan:
    announced = state.get("announced")
    announced = announced if isinstance(announced, Mapping) else None
    if announced is None and incident.status in TERMINAL_STATUSES:
        return Plan((), (), None, None, False)  # an old incident never announced stays quiet
    archive = config.slack.archive_on_close and incident.status in TERMINAL_STATUSES
    if announced is not None and incident.status in TERMINAL_STATUSES and _told_state(announced, incident):
        # over, and told so: nothing more to tell (its timeline is not even read)
        return Plan((), (), None, None, bool(archive and not state.get("archived")))
    told_at, told, known = watermark(state)
    entries = timeline.entries(body, source)
    found = story(
        incident, entries, announced, told_at=told_at, told=told, timeline_known=known or announced is None
    )
    cadence = updates.cadence(
        incident.status,
        incident.declared_at,
        incident.last_update_at,
        config.updates.every_minutes(incident.severity),
    )
    reminder = reminder_window(cadence, state, now)
    wanted = bool(
        found
        or reminder
        or announced is None
        or not _told_state(announced, incident)
        or not known
        or (state.get("channel_id") and not state.get("status_ts"))  # a failure after the events
        or (archive and not state.get("archived"))
        or (cadence is not None and state.get("status_due") != _due_text(cadence, now))
    )
    return Plan(tuple(found), tuple(entries), reminder, cadence, wanted)


def watermark(state: Mapping[str, Any]) -> tuple[datetime | None, tuple[str, ...], bool]:
    """(`told_at`, `told`, whether the timeline is watched at all — not in a state written
    before it was)."""
    told_at = as_datetime(state.get("told_at"))
    told = state.get("told")
    digests = tuple(str(d) for d in told) if isinstance(told, list) else ()
    return told_at, digests, "told_at" in state


def reminder_window(
    cadence: updates.Cadence | None, state: Mapping[str, Any], now: datetime
) -> datetime | None:
    """The overdue window to remind of, once: None while on time or when already reminded."""
    window = cadence.window(now) if cadence is not None else None
    if window is None or state.get("reminded") == format_timestamp(window):
        return None
    return window


def announced_at(milestone: Milestone, incident: IncidentSummary, config: Config) -> bool:
    """Does the announcement channel hear this milestone (or one folded into it)?"""
    levels = config.severity_scale.levels
    topics = [_topic(kind, milestone, levels) for kind in (milestone.kind, *milestone.also)]
    severity = incident.severity
    if milestone.kind == "severity_changed":  # those told of the worse one hear it end
        changed = [s for s in (milestone.previous, milestone.current) if s]
        severity = min(changed, key=lambda s: rank(s, levels), default=severity)
    return any(topic is not None and config.slack.announces(severity, topic) for topic in topics)


def rank(severity: str, levels: Sequence[str] = SEVERITIES) -> int:
    """0 for the most severe level of the scale; unknown ones after every level."""
    return list(levels).index(severity) if severity in levels else len(levels)


def _topic(kind: str, milestone: Milestone, levels: Sequence[str]) -> str | None:
    if kind == "severity_changed":
        worse = rank(milestone.current or "", levels) < rank(milestone.previous or "", levels)
        return "escalated" if worse else "deescalated"
    return TOPIC.get(kind)


def advance(state: dict[str, Any], milestone: Milestone, incident: IncidentSummary) -> None:
    """Record one milestone as told, as soon as it is posted: a failure later tells it no
    second time."""
    announced = dict(state.get("announced") or {})
    kind = milestone.kind
    if kind == "declared":
        announced = {"status": "triage", "severity": incident.severity, "commander": incident.commander}
    elif kind == "severity_changed":
        announced["severity"] = milestone.current
    elif kind == "commander_changed":
        announced["commander"] = milestone.current
    elif kind == "reopened":
        announced["status"], announced["status_at"] = milestone.current or "investigating", ""
    elif kind in STATUS_OF:
        announced["status"], announced["status_at"] = STATUS_OF[kind], milestone.status_at or ""
    state["announced"] = announced
    if milestone.from_timeline and milestone.entry is not None and milestone.entry.at is not None:
        _mark(state, [milestone.entry])


def finish(
    state: dict[str, Any], incident: IncidentSummary, entries: Sequence[timeline.Entry], now: datetime
) -> None:
    """Everything owed was told: the state now is what people know."""
    stamp = getattr(incident, STAMP.get(incident.status, ""), None)
    state["announced"] = {
        "status": incident.status,
        "status_at": format_timestamp(stamp) if isinstance(stamp, datetime) else "",
        "severity": incident.severity,
        "commander": incident.commander,
    }
    _mark(state, [e for e in entries if e.at is not None])
    state.setdefault("told_at", None)  # the timeline is watched from here on


def _mark(state: dict[str, Any], entries: Sequence[timeline.Entry]) -> None:
    """Move the watermark to the latest of `entries` (never back)."""
    stamps = [e.at for e in entries if e.at is not None]
    if not stamps:
        return
    latest = max(stamps)
    told_at = as_datetime(state.get("told_at"))
    if told_at is not None and told_at > latest:
        return
    told = list(state.get("told") or []) if told_at == latest else []
    for entry in entries:
        if entry.at == latest and digest(entry) not in told:
            told.append(digest(entry))
    state["told_at"], state["told"] = format_timestamp(latest), told


def _told_state(announced: Mapping[str, Any], incident: IncidentSummary) -> bool:
    return (
        announced.get("status") == incident.status
        and announced.get("severity") == incident.severity
        and announced.get("commander") == incident.commander
    )


def status_due(cadence: updates.Cadence | None, now: datetime) -> str | None:
    """What the status message says of the next update, as recorded (`slack.status_due`): the
    status message is refreshed when it changes, e.g. when the update falls overdue."""
    return _due_text(cadence, now)


def _due_text(cadence: updates.Cadence | None, now: datetime) -> str | None:
    if cadence is None:
        return None
    due = format_timestamp(cadence.due)
    return f"overdue since {due}" if cadence.overdue(now) else f"due {due}"
