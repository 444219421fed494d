"""What `incident sync` owes people, decided from the files alone (pure).

The delivery state lives in each incident's frontmatter under `slack:` — the channel, the
message timestamps, and `announced`, the last state people were told about. Comparing
`announced` with the current frontmatter gives the events still to post, whether the change
came from a CLI command or from a person editing the file in a pull request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from incident_kit.model import TERMINAL_STATUSES, IncidentSummary
from incident_kit.notify.messages import EventKind

ANNOUNCED_KEYS = ("status", "severity", "commander")

# the event people hear about when an incident reaches a status
STATUS_EVENTS: dict[str, EventKind] = {
    "mitigated": "mitigated",
    "resolved": "resolved",
    "postmortem": "postmortem_ready",
    "closed": "closed",
    "cancelled": "cancelled",
    "merged": "merged",
}


@dataclass(frozen=True)
class PendingEvent:
    kind: EventKind
    previous: str | None = None  # old severity or commander, for the *_changed kinds


def slack_state(data: Mapping[str, Any], backend: str | None = None) -> dict[str, Any]:
    """What was delivered for this incident; with `backend`, only what that channel was told:
    messages printed on the console (no token) are still owed to Slack once a token is set."""
    state = data.get("slack")
    if not isinstance(state, Mapping) or (backend is not None and state.get("via") not in (None, backend)):
        return {}
    return dict(state)


def current_state(incident: IncidentSummary) -> dict[str, str | None]:
    return {key: getattr(incident, key) for key in ANNOUNCED_KEYS}


def needs_sync(incident: IncidentSummary, state: Mapping[str, Any], *, archive_on_close: bool) -> bool:
    """Is anything owed for this incident? Old closed incidents never announced stay quiet."""
    announced = state.get("announced")
    if not isinstance(announced, Mapping):
        return incident.status not in TERMINAL_STATUSES
    if any(announced.get(key) != value for key, value in current_state(incident).items()):
        return True
    if state.get("channel_id") and not state.get("status_ts"):
        return True  # the status message was never posted (a failure after the events)
    return bool(archive_on_close and incident.status in TERMINAL_STATUSES and not state.get("archived"))


def pending_events(incident: IncidentSummary, state: Mapping[str, Any]) -> list[PendingEvent]:
    """Events since the last announcement, in the order people should read them."""
    announced = state.get("announced")
    if not isinstance(announced, Mapping):
        events = [PendingEvent("declared")]
        if incident.status in STATUS_EVENTS:
            events.append(PendingEvent(STATUS_EVENTS[incident.status]))
        return events
    events = []
    if announced.get("severity") != incident.severity:
        events.append(PendingEvent("severity_changed", _text(announced.get("severity"))))
    if announced.get("commander") != incident.commander:
        events.append(PendingEvent("commander_changed", _text(announced.get("commander"))))
    before = announced.get("status")
    if before != incident.status:
        if incident.status == "investigating" and before in ("mitigated", "resolved"):
            events.append(PendingEvent("reopened"))
        elif incident.status == "investigating":
            events.append(PendingEvent("acknowledged"))
        elif incident.status in STATUS_EVENTS:
            events.append(PendingEvent(STATUS_EVENTS[incident.status]))
    return events


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
