"""Telling people: the Slack (or console) messages each incident still owes.

Every remote write is either found again by a marker before it is repeated (channel purpose,
message key) or is a harmless overwrite (topic, status message). A failure stops that
incident's deliveries, keeps everything delivered so far, and leaves the rest pending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
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
from incident_kit.sync.milestones import STATUS_OF, Milestone, digest
from incident_kit.sync.plan import Plan, advance, announced_at, finish, plan, slack_state, status_due
from incident_kit.sync.results import Links, SyncResults
from incident_kit.sync.wording import Sources, words
from incident_kit.updates import Cadence

if TYPE_CHECKING:
    from incident_kit.notify.messages import SlackMessage
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
    for incident in incidents:
        summary = summary_of(incident)
        state = slack_state(incident.data, backend)
        owed = plan(summary, incident.document.body, incident.source, state, config, now)
        if not owed.wanted:
            continue
        before = dict(state)
        try:
            _deliver(notifier, incident, summary, owed, state, config, links, now, results)
        except (DeliveryError, FileFormatError) as error:  # this incident waits, the others go on
            results.pending.append(f"{summary.id}: {error.message}")
        if state != before:  # record whatever was delivered, even when a later step failed
            state["via"] = backend
            results.slack[incident.rel] = state


def _deliver(
    notifier: Notifier,
    incident: IncidentFile,
    summary: IncidentSummary,
    owed: Plan,
    state: dict[str, Any],
    config: Config,
    links: Links,
    now: datetime,
    results: SyncResults,
) -> None:
    from incident_kit.notify.messages import render_status
    from incident_kit.notify.notifier import MessageNotFound

    url = links.folder(incident.rel)
    channel_id = _channel(notifier, summary, state, config, now, results)
    entries = owed.entries
    where = _sources(incident, links)
    shown = _as_told(summary, state)
    for milestone in owed.milestones:
        shown = _after(shown, milestone)  # each message shows the incident as it was then
        message = _message(milestone, shown, entries, where, url, now)
        key = _key(summary, milestone, now)
        if announced_at(milestone, summary, config):
            notifier.post(config.slack.announcement_channel, message, key=key + "/announce")
        notifier.post(channel_id, message, key=key)
        results.delivered.append(f"{summary.id}: {milestone.kind}")
        advance(state, milestone, summary)
    if owed.reminder is not None and owed.cadence is not None:
        message = _reminder(summary, owed.cadence, config, url, now)
        window = format_timestamp(owed.reminder)
        notifier.post(channel_id, message, key=f"{summary.id}/update_overdue/{window}")
        state["reminded"] = window
        results.delivered.append(
            f"{summary.id}: reminded {summary.commander or 'nobody'} of the overdue update"
        )
    due = status_due(owed.cadence, now)
    status = render_status(summary, url=url, levels=config.severity_scale.levels, next_update=due)
    if state.get("status_ts"):
        try:
            notifier.update(channel_id, str(state["status_ts"]), status)
        except MessageNotFound:
            state["status_ts"] = None  # someone deleted it: post a new one
    if not state.get("status_ts"):
        state["status_ts"] = notifier.post(channel_id, status, key=f"{summary.id}/status").ts
    finish(state, summary, entries, now)
    state["status_due"] = due
    if config.slack.archive_on_close and summary.status in TERMINAL_STATUSES and not state.get("archived"):
        notifier.archive(channel_id)
        state["archived"] = True
        results.delivered.append(f"{summary.id}: archived #{state.get('channel_name')}")


def _channel(
    notifier: Notifier,
    summary: IncidentSummary,
    state: dict[str, Any],
    config: Config,
    now: datetime,
    results: SyncResults,
) -> str:
    """The incident's channel: created, named, its topic set and its people invited, once."""
    from incident_kit.notify.channel_names import channel_name
    from incident_kit.notify.messages import render_topic

    if not state.get("channel_id"):
        name = channel_name(
            config.slack.channel_pattern,
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
    return channel_id


def _message(
    milestone: Milestone,
    summary: IncidentSummary,
    entries: Sequence[timeline.Entry],
    where: Sources,
    url: str | None,
    now: datetime,
) -> SlackMessage:
    from incident_kit.notify.messages import Event, render_slack

    said = words(milestone, summary, entries, where)
    return render_slack(
        Event(
            kind=milestone.kind,
            incident=summary,
            at=milestone.at or now,
            actor=said.actor,
            detail=said.detail,
            facts=said.facts,
            previous=milestone.previous,
            current=milestone.current,
            also=milestone.also,
            url=url,
        )
    )


def _as_told(summary: IncidentSummary, state: dict[str, Any]) -> IncidentSummary:
    """The incident as people last heard of it."""
    told = state.get("announced")
    if not isinstance(told, dict):
        return replace(summary, status="triage")
    return replace(
        summary,
        status=str(told.get("status") or summary.status),
        severity=str(told.get("severity") or summary.severity),
        commander=told.get("commander"),
    )


def _after(shown: IncidentSummary, milestone: Milestone) -> IncidentSummary:
    if milestone.kind == "severity_changed" and milestone.current:
        return replace(shown, severity=milestone.current)
    if milestone.kind == "commander_changed":
        return replace(shown, commander=milestone.current)
    if milestone.kind == "reopened":
        return replace(shown, status=milestone.current or "investigating")
    if milestone.kind in STATUS_OF:
        return replace(shown, status=STATUS_OF[milestone.kind])
    return shown


def _key(summary: IncidentSummary, milestone: Milestone, now: datetime) -> str:
    """The message's identity, found again in the channel before it is posted twice."""
    when = format_timestamp(milestone.at) if milestone.at else "undated"
    key = f"{summary.id}/{milestone.kind}/{when}"
    if milestone.kind in ("note", "update") and milestone.entry is not None:
        key += f"/{digest(milestone.entry)}"
    elif milestone.kind in ("severity_changed", "commander_changed"):
        key += f"/{milestone.previous}-{milestone.current}"
    return key


def _reminder(
    summary: IncidentSummary, cadence: Cadence, config: Config, url: str | None, now: datetime
) -> SlackMessage:
    from incident_kit.notify.messages import Event, render_slack

    commander = summary.commander
    person = str(config.slack.users.get(commander, commander)) if commander else None
    ask = f"`incident update {summary.id} TEXT` posts one" if commander else "assign a commander"
    detail = f"{commander or 'Nobody'}: stakeholders are owed an update; {cadence.describe(now)}. {ask}."
    return render_slack(
        Event(kind="update_overdue", incident=summary, at=now, detail=detail, url=url, mention=person)
    )


def _sources(incident: IncidentFile, links: Links) -> Sources:
    path = f"{incident.rel}/{POSTMORTEM_FILE}"
    return Sources(
        body=incident.document.body,
        source=incident.source,
        cancel_reason=safe_text(incident.data.get("cancel_reason") or "", 500) or None,
        postmortem_path=links.folder(path) or path,
        postmortem_exists=(incident.folder / POSTMORTEM_FILE).exists(),
    )


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
