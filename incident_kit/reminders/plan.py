"""Which reminders are due, from the incidents, the config and the time alone (pure).

Three kinds:
- `unacknowledged`: an incident still in triage past an escalation step's threshold (minutes
  since it was declared) pings that step's people — the commander, then the rotation's next
  person, then the stakeholders. Each step fires once (its window is its threshold moment);
- `postmortem_start` / `postmortem_close`: a resolved incident whose post-mortem is not started,
  or not closed, by the severity's deadline after the resolution; again every `repeat`;
- `action_items`: one digest per owner of their open action items past their due date, every
  `repeat` (windows counted from the epoch, so every incident agrees on them).

A reminder is due when no run sent it for its window and no other run's claim is fresh
(`record.claimable`); for a digest, in none of the incidents its items come from.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from incident_kit.config.reminders import EscalationStep
from incident_kit.config.settings import Config
from incident_kit.markdown.frontmatter import format_timestamp
from incident_kit.model import ActionItem, IncidentSummary
from incident_kit.reminders import record

Kind = Literal["unacknowledged", "postmortem_start", "postmortem_close", "action_items"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PLAIN_OWNER = re.compile(r"^[a-z0-9][a-z0-9._-]{0,40}$")


@dataclass(frozen=True)
class Subject:
    """One incident as the planner needs it."""

    summary: IncidentSummary
    rel: str  # its folder, relative to the repository root
    data: Mapping[str, Any]  # its frontmatter (the `reminders:` state, the tracking issue)
    items: tuple[ActionItem, ...] = ()  # its post-mortem's action items

    @property
    def tracking_issue(self) -> int | None:
        value = self.data.get("tracking_issue")
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None

    @property
    def channel_id(self) -> str | None:
        """The incident's Slack channel, when `sync` created one there."""
        slack = self.data.get("slack")
        if isinstance(slack, Mapping) and slack.get("via") in (None, "slack") and slack.get("channel_id"):
            return str(slack["channel_id"])
        return None


@dataclass(frozen=True)
class Reminder:
    """One reminder due now: recorded under `key` for `window` in each of `subjects`."""

    kind: Kind
    key: str
    window: str
    subjects: tuple[Subject, ...]
    recipients: tuple[str, ...]  # people (config names), in the order to ping them
    due_since: datetime  # the threshold or deadline that was passed
    step: int = 0  # the escalation step (1-based), for `unacknowledged`
    notify: str = ""  # what the step notifies (commander, next_on_call, stakeholders)
    owner: str | None = None  # the digest's owner
    items: tuple[tuple[str, ActionItem], ...] = field(default=())  # (incident id, item)

    def describe(self) -> str:
        if self.kind == "action_items":
            return f"action-item digest for {self.owner} ({len(self.items)} overdue)"
        incident = self.subjects[0].summary.id
        if self.kind == "unacknowledged":
            return f"{incident}: unacknowledged, step {self.step} ({self.notify})"
        return f"{incident}: post-mortem not {'started' if self.kind == 'postmortem_start' else 'closed'}"


def due(subjects: Sequence[Subject], config: Config, now: datetime) -> list[Reminder]:
    """Every reminder due at `now` that no run has sent (or is sending) for its window."""
    found: list[Reminder] = []
    for subject in subjects:
        found += _unacknowledged(subject, config, now)
        found += _postmortem(subject, config, now)
    if config.reminders.action_items:
        found += _digests(subjects, config, now)
    return found


def _unacknowledged(subject: Subject, config: Config, now: datetime) -> list[Reminder]:
    summary = subject.summary
    if summary.status != "triage" or summary.acknowledged_at is not None or summary.declared_at is None:
        return []
    steps = config.reminders.escalation.get(summary.severity, ())
    out = []
    for number, step in enumerate(steps, start=1):
        threshold = summary.declared_at + timedelta(minutes=step.after_minutes)
        if threshold > now:
            break
        key, window = f"unacknowledged-{number}", format_timestamp(threshold)
        if record.claimable(record.entry_of(subject.data, key), window, now):
            people = recipients(step, summary, config, now)
            out.append(
                Reminder("unacknowledged", key, window, (subject,), people, threshold, number, step.notify)
            )
    return out


def _postmortem(subject: Subject, config: Config, now: datetime) -> list[Reminder]:
    summary = subject.summary
    deadline = config.reminders.postmortem.get(summary.severity)
    resolved = summary.resolved_at or summary.postmortem_at
    if deadline is None or resolved is None:
        return []
    kind: Kind
    if summary.status == "resolved" and deadline.start_minutes:
        kind, minutes = "postmortem_start", deadline.start_minutes
    elif summary.status == "postmortem" and deadline.close_minutes:
        kind, minutes = "postmortem_close", deadline.close_minutes
    else:
        return []
    passed = resolved + timedelta(minutes=minutes)
    if passed > now:
        return []
    repeat = timedelta(minutes=config.reminders.repeat_minutes)
    window = format_timestamp(passed + repeat * ((now - passed) // repeat))
    key = kind.replace("_", "-")
    if not record.claimable(record.entry_of(subject.data, key), window, now):
        return []
    people = (summary.commander,) if summary.commander else ()
    return [Reminder(kind, key, window, (subject,), people, passed)]


def _digests(subjects: Sequence[Subject], config: Config, now: datetime) -> list[Reminder]:
    repeat = timedelta(minutes=config.reminders.repeat_minutes)
    window = format_timestamp(_EPOCH + repeat * ((now - _EPOCH) // repeat))
    today = now.astimezone(UTC).date()
    by_owner: dict[str, list[tuple[Subject, ActionItem]]] = {}
    for subject in subjects:
        if subject.summary.status in ("cancelled", "merged"):
            continue
        for item in subject.items:
            if not item.done and item.owner and item.due is not None and item.due < today:
                by_owner.setdefault(item.owner, []).append((subject, item))
    out = []
    for owner in sorted(by_owner):
        pairs = by_owner[owner]
        key = digest_key(owner)
        holders = tuple({s.rel: s for s, _ in pairs}.values())
        if all(record.claimable(record.entry_of(s.data, key), window, now) for s in holders):
            earliest = min(item.due for _, item in pairs if item.due is not None)
            since = datetime(earliest.year, earliest.month, earliest.day, tzinfo=UTC) + timedelta(days=1)
            items = tuple((s.summary.id, item) for s, item in pairs)
            reminder = Reminder(
                "action_items", key, window, holders, (owner,), since, owner=owner, items=items
            )
            out.append(reminder)
    return out


def digest_key(owner: str) -> str:
    """The record key of `owner`'s digest: their name when it is a plain one, else a hash."""
    lowered = owner.lower()
    if _PLAIN_OWNER.match(lowered):
        return f"action-items-{lowered}"
    return f"action-items-{hashlib.sha256(owner.encode('utf-8', 'surrogatepass')).hexdigest()[:10]}"


def recipients(
    step: EscalationStep, summary: IncidentSummary, config: Config, now: datetime
) -> tuple[str, ...]:
    """Who an escalation step pings."""
    if step.notify == "commander":
        return (summary.commander,) if summary.commander else ()
    if step.notify == "next_on_call":
        nxt = next_on_call(summary, config, now)
        return (nxt,) if nxt else ()
    return tuple(config.stakeholders.get(summary.severity, ()))


def next_on_call(summary: IncidentSummary, config: Config, now: datetime) -> str | None:
    """The rotation's next person after the commander: the member after them in the incident's
    rotation (the service's, else the default); without a commander in it, whoever is on call."""
    from incident_kit.oncall import on_call

    name = config.default_rotation
    service = config.services.get(summary.service or "")
    if service is not None and service.rotation:
        name = service.rotation
    rotation = config.rotations.get(name) if name else None
    if rotation is None or not rotation.members:
        return None
    members = rotation.members
    commander = summary.commander
    if commander in members:
        after = members[(members.index(commander) + 1) % len(members)]
        return after if after != commander else None
    current = on_call(rotation, now)
    return current if current != commander else None
