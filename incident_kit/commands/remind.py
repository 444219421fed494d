"""`incident remind`: send the reminders that are due, each once per window.

Once only, across reruns and concurrent runs: a run first *claims* what is due (commits, and
with `--push` lands, `state: pending` records; a rejected push re-plans on what landed, so the
other run's claim wins and this run leaves it alone), then sends what it claimed, then records
each outcome (`sent`, or `failed`: the next run retries it). A run that dies between the claim
and the outcome leaves a `pending` claim that a later run takes over once its lease is up.
Sends are keyed (a Slack message key, a marked GitHub comment), so a taken-over reminder that
had in fact gone out is found, not posted again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime

from incident_kit import action_items, delivery
from incident_kit.change import Change
from incident_kit.config.settings import Config
from incident_kit.context import Context
from incident_kit.errors import DeliveryError, FileFormatError
from incident_kit.model import ActionItem
from incident_kit.reminders import messages, record
from incident_kit.reminders.plan import Reminder, Subject, due
from incident_kit.store import POSTMORTEM_FILE, IncidentFile, Store
from incident_kit.summaries.fields import summary_of
from incident_kit.transaction import record as record_change

Outcome = tuple[Reminder, record.State, str | None]


def run(ctx: Context, *, dry_run: bool, push: bool | None) -> int:
    store = Store(ctx.root)
    subjects, broken = _subjects(store)
    planned = due(subjects, ctx.config, ctx.now)
    if dry_run:
        for reminder in planned:
            print(f"would remind  {reminder.describe()}")
        if not planned:
            print("nothing to remind")
        return 0
    claimed = _claim(ctx, push) if planned else []
    if not claimed:
        print("nothing to remind" if not planned else "nothing to remind (another run claimed it)")
    outcomes = _send(ctx, claimed) if claimed else []
    if outcomes:
        _record(ctx, outcomes, push)
    failed = [f"{reminder.describe()}: {error}" for reminder, state, error in outcomes if state == "failed"]
    for reminder, state, _ in outcomes:
        if state == "sent":
            print(f"reminded  {reminder.describe()}")
    pending = failed + broken
    if pending:
        more = f" (and {len(pending) - 1} more)" if len(pending) > 1 else ""
        raise DeliveryError(f"remind incomplete; still pending: {pending[0]}{more}; the next run retries it")
    return 0


def _subjects(store: Store) -> tuple[list[Subject], list[str]]:
    incidents, broken = delivery.read_all(store)
    subjects = []
    for incident in incidents:
        try:
            items = _items(store, incident)
            subjects.append(Subject(summary_of(incident), incident.rel, incident.data, items))
        except FileFormatError as error:
            broken.append(f"skipped {error.message} (see `incident validate`)")
    return subjects, broken


def _items(store: Store, incident: IncidentFile) -> tuple[ActionItem, ...]:
    path = incident.folder / POSTMORTEM_FILE
    if not os.path.lexists(path):
        return ()
    items, _ = action_items.parse(incident.id, store.read_text(path), store.rel(path))
    return tuple(items)


def _claim(ctx: Context, push: bool | None) -> list[Reminder]:
    """Record `pending` for what is due, planned on the files as they are (after catching up
    with the remote, and again after every lost push race); what the landed claim holds."""
    claimed: list[Reminder] = []

    def operation(fresh: Store) -> Change:
        subjects, _ = _subjects(fresh)
        claimed[:] = due(subjects, ctx.config, ctx.now)
        marks = [(r, "pending", None) for r in claimed]
        return _change(fresh, marks, ctx.now, "claim")  # type: ignore[arg-type]

    outcome = record_change(ctx, operation, push=push)
    if outcome.commit:
        print(f"claimed {len(claimed)} reminder(s) in {outcome.commit[:12]}")
    return claimed if outcome.commit else []


def _send(ctx: Context, claimed: Sequence[Reminder]) -> list[Outcome]:
    from incident_kit.notify import notifier_from_env

    timeout = delivery.http_timeout(ctx.env)
    notifier = notifier_from_env(ctx.env, timeout=timeout)
    if delivery.backend(ctx.env) == "console":
        print("SLACK_BOT_TOKEN is not set: reminders are printed here, NOT sent to Slack")
    client = None
    client_error: str | None = None
    if ctx.env.get("GITHUB_TOKEN", "").strip() and any(_issues(r) for r in claimed):
        from incident_kit.github.client import GitHubClient

        try:
            client = GitHubClient.from_env(ctx.env, timeout=timeout, **delivery.github_pacing(ctx.env))
        except DeliveryError as error:
            client_error = error.message
    outcomes: list[Outcome] = []
    for reminder in claimed:
        try:
            message = messages.render_slack(reminder, ctx.now, ctx.config.slack.users)
            notifier.post(_channel(reminder, ctx.config), message, key=messages.slack_key(reminder))
            if _issues(reminder) and client_error is not None:
                raise DeliveryError(f"GitHub: {client_error}")
            if client is not None:
                body = messages.render_comment(reminder, ctx.now, ctx.config.github.logins)
                for number in _issues(reminder):
                    client.comment(number, body, marker=messages.marker(reminder))
        except DeliveryError as error:
            outcomes.append((reminder, "failed", error.message))
        else:
            outcomes.append((reminder, "sent", None))
    return outcomes


def _record(ctx: Context, outcomes: Sequence[Outcome], push: bool | None) -> None:
    done = record_change(ctx, lambda fresh: _change(fresh, outcomes, ctx.now, "record"), push=push)
    if done.commit:
        print(f"recorded reminder state in {done.commit[:12]}")


def _change(store: Store, marks: Sequence[Outcome], now: datetime, what: str) -> Change:
    writes: dict[str, str] = {}
    touched: list[str] = []
    for reminder, state, error in marks:
        for subject in reminder.subjects:
            path = f"{subject.rel}/incident.md"
            folder = store.root / subject.rel
            if not (folder / "incident.md").exists():
                continue
            if path in writes:
                from incident_kit.markdown import frontmatter

                document = frontmatter.split(writes[path], path)
            else:
                document = store.read(folder).document
            entry = record.entry(reminder.window, state, now, error)
            writes[path] = document.with_value([record.KEY, reminder.key], entry).text()
            if subject.summary.id not in touched:
                touched.append(subject.summary.id)
    return Change(
        incident_id=None,
        subject=f"incident-kit: remind, {what} {len(marks)} reminder(s)",
        writes=writes,
        trailers={"Action": f"remind-{what}", "Incidents": ", ".join(touched[:20])},
    )


def _channel(reminder: Reminder, config: Config) -> str:
    """The incident's channel when sync made one; else (and for digests) the announcement channel."""
    if reminder.kind != "action_items" and (channel := reminder.subjects[0].channel_id):
        return channel
    return config.slack.announcement_channel


def _issues(reminder: Reminder) -> list[int]:
    if reminder.kind == "action_items":
        return []
    return [n for s in reminder.subjects if (n := s.tracking_issue) is not None]
