"""`incident sync`: deliver pending notifications, action-item and tracking issues; one commit of results."""

from __future__ import annotations

import os
import sys
from contextlib import redirect_stdout
from typing import Any

from incident_kit import action_items, ids
from incident_kit.change import Change
from incident_kit.context import Context, emit_json
from incident_kit.delivery import backend as _backend
from incident_kit.delivery import github_pacing, http_timeout
from incident_kit.delivery import read_all as _read_all
from incident_kit.errors import DeliveryError, FileFormatError
from incident_kit.store import POSTMORTEM_FILE, IncidentFile, Store
from incident_kit.summaries.fields import summary_of
from incident_kit.sync.dispatches import sync_remediation
from incident_kit.sync.issues import sync_issues
from incident_kit.sync.people import sync_people
from incident_kit.sync.plan import announced_at, plan, slack_state
from incident_kit.sync.results import SyncResults, apply_results, links_from_env
from incident_kit.sync.tracking import sync_tracking, tracking_work
from incident_kit.transaction import record


def run(ctx: Context, *, dry_run: bool, push: bool | None, fmt: str = "text") -> int:
    """`--format json`: progress (and the console's messages) go to stderr, and stdout gets one
    document: what was delivered, what is still pending, the commit, or (dry run) the plan."""
    if fmt != "json":
        return _run(ctx, dry_run=dry_run, push=push, report={})
    report: dict[str, Any] = {
        "dry_run": dry_run,
        "delivered": [],
        "pending": [],
        "planned": [],
        "commit": None,
    }
    failure: DeliveryError | None = None
    with redirect_stdout(sys.stderr):
        try:
            _run(ctx, dry_run=dry_run, push=push, report=report)
        except DeliveryError as error:
            failure = error
    report["ok"] = failure is None
    emit_json(report)
    if failure is not None:
        raise failure
    return 0


def _run(ctx: Context, *, dry_run: bool, push: bool | None, report: dict[str, Any]) -> int:
    store = Store(ctx.root)
    incidents, broken = _read_all(store)
    if dry_run:
        return _dry_run(ctx, store, incidents, broken, report)
    from incident_kit.notify import notifier_from_env

    timeout = http_timeout(ctx.env)
    notifier = notifier_from_env(ctx.env, timeout=timeout)
    backend = _backend(ctx.env)
    if backend == "console":
        print(
            "SLACK_BOT_TOKEN is not set: messages are printed here, NOT sent to Slack "
            "(a sync with the token, e.g. the sync workflow, posts them)"
        )
    links = links_from_env(ctx.env, ctx.config)
    results = SyncResults(pending=list(broken))
    sync_people(notifier, backend, store, incidents, ctx.config, links, ctx.now, results)
    sync_remediation(ctx.env, incidents, ctx.config, results)
    if ctx.env.get("GITHUB_TOKEN", "").strip():
        from incident_kit.github.client import GitHubClient

        try:
            client = GitHubClient.from_env(ctx.env, timeout=timeout, **github_pacing(ctx.env))
        except DeliveryError as error:
            results.pending.append(f"GitHub: {error.message}")
        else:
            sync_issues(client, store, incidents, ctx.config, links, results)
            sync_tracking(client, incidents, ctx.config.github.tracking_issues, links, results)
    else:
        waiting = _items_without_issue(store, incidents)
        if waiting:
            print(f"GITHUB_TOKEN is not set: {waiting} action item(s) wait for their GitHub issue")
        owed = len(tracking_work(incidents, ctx.config.github.tracking_issues, links, SyncResults()))
        if owed:
            print(f"GITHUB_TOKEN is not set: {owed} tracking issue(s) wait to be opened or updated")
    if results.changed():
        touched = sorted(
            {
                ids.id_part(rel.split("/")[2])
                for rel in [*results.slack, *results.issues, *results.ticked, *results.tracking]
            }
        )
        outcome = record(
            ctx,
            lambda fresh: Change(
                incident_id=None,
                subject=f"incident-kit: sync ({len(touched)} incident(s))",
                writes=apply_results(fresh, results, now=ctx.now, actor=ctx.actor.name),
                trailers={"Action": "sync", "Incidents": ", ".join(touched[:20])},
            ),
            push=push,
        )
        if outcome.commit:
            print(f"recorded delivery state in {outcome.commit[:12]}")
            report["commit"] = outcome.commit
    for line in results.delivered:
        print(f"delivered  {line}")
    report["delivered"] = list(results.delivered)
    report["pending"] = list(results.pending)
    if results.pending:
        first = results.pending[0]
        more = f" (and {len(results.pending) - 1} more)" if len(results.pending) > 1 else ""
        raise DeliveryError(f"sync incomplete; still pending: {first}{more}; the next sync retries it")
    if not results.delivered:
        print("nothing to deliver")
    return 0


def _items_without_issue(store: Store, incidents: list[IncidentFile]) -> int:
    count = 0
    for incident in incidents:
        path = incident.folder / POSTMORTEM_FILE
        if os.path.lexists(path):
            try:
                items, _ = action_items.parse(incident.id, store.read_text(path), store.rel(path))
            except FileFormatError:
                continue  # sync_issues reports it
            count += sum(1 for item in items if item.issue is None)
    return count


def _dry_run(
    ctx: Context, store: Store, incidents: list[IncidentFile], broken: list[str], report: dict[str, Any]
) -> int:
    planned_lines: list[str] = report.setdefault("planned", [])
    backend = _backend(ctx.env)
    if backend == "console":
        print("SLACK_BOT_TOKEN is not set: this plans what the console would print, not Slack")
    announcement = ctx.config.slack.announcement_channel
    planned = 0

    def would(line: str) -> None:
        print(line)
        planned_lines.append(line)

    for incident in incidents:
        summary = summary_of(incident)
        state = slack_state(incident.data, backend)
        try:
            owed = plan(summary, incident.document.body, incident.source, state, ctx.config, ctx.now)
        except FileFormatError as error:  # a Timeline written twice: this one is skipped
            broken.append(f"skipped {error.message} (see `incident validate`)")
            continue
        if not owed.wanted:
            continue
        if not state.get("channel_id"):
            would(f"would create the channel for {summary.id} and invite its people")
            planned += 1
        for milestone in owed.milestones:
            also = f" and {announcement}" if announced_at(milestone, summary, ctx.config) else ""
            would(f"would post {milestone.kind} for {summary.id} (incident channel{also})")
            planned += 1
        if owed.reminder is not None:
            who = summary.commander or "the channel"
            would(f"would remind {who} that the update for {summary.id} is overdue")
            planned += 1
    links = links_from_env(ctx.env, ctx.config)
    settings = ctx.config.github.tracking_issues
    github = bool(ctx.env.get("GITHUB_TOKEN", "").strip())  # without it, sync only counts them
    tracking = tracking_work(incidents, settings, links, SyncResults()) if github else []
    for incident, _view, need in tracking:
        verb = "open (or find by marker)" if need == "create" else "update"
        would(f"would {verb} the tracking issue of {incident.id}")
        planned += 1
    waiting = _items_without_issue(store, incidents)
    if waiting:
        would(f"would open GitHub issues for {waiting} action item(s) (or find them by marker)")
        planned += waiting
    if not planned:
        print("nothing to deliver")
    if broken:  # what a real sync would skip: exit 1, as it would
        report["pending"] = list(broken)
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        raise DeliveryError(f"sync would skip {broken[0]}{more}")
    return 0
