"""Telling people: the Slack (or console) messages each incident still owes.

Every remote write is either found again by a marker before it is repeated (channel purpose,
message key) or is a harmless overwrite (topic, status message). A failure stops that
incident's deliveries, keeps everything delivered so far, and leaves the rest pending.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from incident_kit import timeline
from incident_kit.config.settings import Config
from incident_kit.errors import DeliveryError, FileFormatError
from incident_kit.markdown.frontmatter import format_timestamp
from incident_kit.model import TERMINAL_STATUSES, IncidentSummary
from incident_kit.sanitize import safe_text
from incident_kit.store import POSTMORTEM_FILE, IncidentFile, Store
from incident_kit.summaries.fields import summary_of
from incident_kit.sync.plan import (
    PendingEvent,
    current_state,
    needs_sync,
    pending_events,
    slack_state,
)
from incident_kit.sync.results import Links, SyncResults

if TYPE_CHECKING:
    from incident_kit.notify.notifier import Notifier


def sync_people(
    notifier: Notifier,
    backend: str,
    store: Store,
    incidents: Sequence[IncidentFile],
    config: Config,
    links: Links,
    now: datetime,
    results: SyncResults,
) -> None:
    archive = config.slack.archive_on_close
    for incident in incidents:
        summary = summary_of(incident)
        state = slack_state(incident.data, backend)
        if not needs_sync(summary, state, archive_on_close=archive):
            continue
        before = dict(state)
        try:
            _deliver(notifier, incident, summary, state, config, links, now, results)
        except (DeliveryError, FileFormatError) as error:  # this incident waits, the others go on
            results.pending.append(f"{summary.id}: {error.message}")
        if state != before:  # record whatever was delivered, even when a later step failed
            state["via"] = backend
            results.slack[incident.rel] = state


def _deliver(
    notifier: Notifier,
    incident: IncidentFile,
    summary: IncidentSummary,
    state: dict[str, Any],
    config: Config,
    links: Links,
    now: datetime,
    results: SyncResults,
) -> None:
    from incident_kit.notify.channel_names import channel_name
    from incident_kit.notify.messages import Event, render_slack, render_status, render_topic
    from incident_kit.notify.notifier import MessageNotFound

    url = links.folder(incident.rel)
    announcement = config.slack.announcement_channel
    if not state.get("channel_id"):
        pattern = config.slack.channel_pattern
        name = channel_name(
            pattern,
            incident_id=summary.id,
            title=summary.title,
            service=summary.service,
            severity=summary.severity,
            declared_at=summary.declared_at or now,
        )
        channel = notifier.ensure_channel(name, incident_id=summary.id, existing_id=None)
        state["channel_id"], state["channel_name"] = channel.id, channel.name
        results.delivered.append(f"{summary.id}: channel #{channel.name}")
    channel_id = str(state["channel_id"])
    topic = render_topic(summary)
    if state.get("topic") != topic and summary.status not in TERMINAL_STATUSES:
        notifier.set_topic(channel_id, topic)
        state["topic"] = topic
    if not state.get("invited"):
        invitees = _invitees(summary, config)
        if invitees:
            outcome = notifier.invite(channel_id, invitees)
            for who, why in outcome.not_invited:
                results.delivered.append(f"{summary.id}: could not invite {who}: {why}")
        state["invited"] = True
    entries = timeline.entries(incident.document.body, incident.source)
    for pending in pending_events(summary, state):
        event = Event(
            kind=pending.kind,
            incident=summary,
            at=_event_time(pending, summary, now),
            actor=_actor(pending, entries),
            detail=_detail(pending, summary, incident, entries),
            previous=pending.previous,
            url=url,
        )
        message = render_slack(event)
        key = f"{summary.id}/{pending.kind}/{format_timestamp(event.at)}"
        if pending.kind == "declared" or pending.kind == "resolved":
            # the announcement, and the final communication, also go to everyone
            notifier.post(announcement, message, key=key + "/announce")
        notifier.post(channel_id, message, key=key)
        results.delivered.append(f"{summary.id}: {pending.kind}")
        _mark_announced(state, pending, summary)
    status = render_status(summary, url=url, levels=config.severity_scale.levels)
    if state.get("status_ts"):
        try:
            notifier.update(channel_id, str(state["status_ts"]), status)
        except MessageNotFound:
            state["status_ts"] = None  # someone deleted it: post a new one
    if not state.get("status_ts"):
        state["status_ts"] = notifier.post(channel_id, status, key=f"{summary.id}/status").ts
    state["announced"] = current_state(summary)
    if config.slack.archive_on_close and summary.status in TERMINAL_STATUSES and not state.get("archived"):
        notifier.archive(channel_id)
        state["archived"] = True
        results.delivered.append(f"{summary.id}: archived #{state.get('channel_name')}")


def _mark_announced(state: dict[str, Any], pending: PendingEvent, summary: IncidentSummary) -> None:
    """Record each event as soon as it is posted, so a failure later posts it no second time."""
    announced = dict(state.get("announced") or {})
    if pending.kind == "declared":
        announced = {"status": "triage", "severity": summary.severity, "commander": summary.commander}
    elif pending.kind == "severity_changed":
        announced["severity"] = summary.severity
    elif pending.kind == "commander_changed":
        announced["commander"] = summary.commander
    else:
        announced["status"] = summary.status
    state["announced"] = announced


def _invitees(summary: IncidentSummary, config: Config) -> list[str]:
    people = dict(config.slack.users)
    wanted = [summary.commander] if summary.commander else []
    wanted += list(config.stakeholders.get(summary.severity, ()))
    wanted += list(config.slack.invite)
    out: list[str] = []
    for who in wanted:
        if not who or str(who).startswith("#"):
            continue
        resolved = str(people.get(who, who)).lstrip("@")
        if resolved not in out:
            out.append(resolved)
    return out


_TIME_OF = {
    "acknowledged": "acknowledged_at",
    "mitigated": "mitigated_at",
    "resolved": "resolved_at",
    "postmortem_ready": "postmortem_at",
    "closed": "closed_at",
    "cancelled": "closed_at",
    "merged": "closed_at",
    "declared": "declared_at",
}

_ENTRY_OF = {
    "acknowledged": "Acknowledged",
    "mitigated": "Mitigated",
    "resolved": "Resolved",
    "reopened": "Reopened",
}


def _event_time(pending: PendingEvent, summary: IncidentSummary, now: datetime) -> datetime:
    key = _TIME_OF.get(pending.kind)
    value = getattr(summary, key) if key else None
    return value if isinstance(value, datetime) else now


def _last_entry(entries: Sequence[timeline.Entry], prefix: str) -> timeline.Entry | None:
    for entry in reversed(entries):
        if entry.what.startswith(prefix):
            return entry
    return None


def _actor(pending: PendingEvent, entries: Sequence[timeline.Entry]) -> str | None:
    prefix = _ENTRY_OF.get(pending.kind)
    entry = _last_entry(entries, prefix) if prefix else None
    return entry.who if entry else None


def _detail(
    pending: PendingEvent, summary: IncidentSummary, incident: IncidentFile, entries: Sequence[timeline.Entry]
) -> str | None:
    if pending.kind == "cancelled":
        return safe_text(incident.data.get("cancel_reason") or "", 500) or None
    if pending.kind == "merged":
        return f"Duplicate of {summary.merged_into}" if summary.merged_into else None
    if pending.kind == "postmortem_ready":
        return f"{incident.rel}/{POSTMORTEM_FILE}"
    prefix = _ENTRY_OF.get(pending.kind)
    entry = _last_entry(entries, prefix) if prefix else None
    if entry is None:
        return None
    text = entry.what[len(prefix or "") :].lstrip(" ;:—-")
    return text or None
