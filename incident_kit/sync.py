"""`incident sync`: tell people (Slack or the console) and tools (GitHub issues) what changed.

Idempotent by construction: what was delivered is recorded in the files (the `slack:` block of
each incident, the `— issue: #N` of each action item), and every remote write is either found
again by a marker before it is repeated (channel purpose, message key, issue marker) or is a
harmless overwrite (topic, status message). A failure stops that incident's deliveries,
keeps everything delivered so far, and leaves the rest pending for the next sync.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from incident_kit import action_items, timeline
from incident_kit.config import Config
from incident_kit.errors import DeliveryError
from incident_kit.frontmatter import format_timestamp
from incident_kit.model import TERMINAL_STATUSES, ActionItem, IncidentSummary
from incident_kit.sanitize import safe_text
from incident_kit.store import POSTMORTEM_FILE, IncidentFile, Store, summary_of
from incident_kit.sync_plan import PendingEvent, current_state, needs_sync, pending_events, slack_state

if TYPE_CHECKING:
    from incident_kit.github_api import GitHubClient, IssueRef
    from incident_kit.notify import Notifier


@dataclass
class SyncResults:
    """What this run delivered, to be written back; and what is still pending."""

    slack: dict[str, dict[str, Any]] = field(default_factory=dict)  # incident folder -> state
    issues: dict[str, dict[str, str]] = field(default_factory=dict)  # post-mortem path -> item -> ref
    ticked: dict[str, set[str]] = field(default_factory=dict)  # post-mortem path -> done items
    remediation: dict[str, str] = field(default_factory=dict)  # incident folder -> timeline note
    delivered: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def changed(self) -> bool:
        return bool(self.slack or self.issues or self.ticked or self.remediation)


@dataclass(frozen=True)
class Links:
    """Where people can read an incident on the web (None offline)."""

    base: str | None  # e.g. https://github.com/o/r/blob/main

    def folder(self, path: str) -> str | None:
        return f"{self.base}/{path}" if self.base else None


def links_from_env(env: Mapping[str, str], config: Config) -> Links:
    repo = env.get("GITHUB_REPOSITORY")
    if not repo:
        return Links(None)
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    ref = str(config.github.get("ref") or "main")
    return Links(f"{server}/{repo}/blob/{ref}")


# --- Slack (or the console) ----------------------------------------------------------------


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
    archive = bool(config.slack.get("archive_on_close"))
    for incident in incidents:
        summary = summary_of(incident)
        state = slack_state(incident.data, backend)
        if not needs_sync(summary, state, archive_on_close=archive):
            continue
        before = dict(state)
        try:
            _deliver(notifier, incident, summary, state, config, links, now, results)
        except DeliveryError as error:
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
    from incident_kit.notify import MessageNotFound
    from incident_kit.notify.channel_names import channel_name
    from incident_kit.notify.messages import Event, render_slack, render_status, render_topic

    url = links.folder(incident.rel)
    announcement = str(config.slack.get("announcement_channel") or "#incidents")
    if not state.get("channel_id"):
        pattern = str(config.slack.get("channel_pattern") or "inc-{date}-{slug}")
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
            kind=pending.kind,  # type: ignore[arg-type]
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
    status = render_status(summary, url=url)
    if state.get("status_ts"):
        try:
            notifier.update(channel_id, str(state["status_ts"]), status)
        except MessageNotFound:
            state["status_ts"] = None  # someone deleted it: post a new one
    if not state.get("status_ts"):
        state["status_ts"] = notifier.post(channel_id, status, key=f"{summary.id}/status").ts
    state["announced"] = current_state(summary)
    if (
        config.slack.get("archive_on_close")
        and summary.status in TERMINAL_STATUSES
        and not state.get("archived")
    ):
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
    people = dict(config.slack.get("users") or {})
    wanted = [summary.commander] if summary.commander else []
    wanted += list(config.stakeholders.get(summary.severity, ()))
    wanted += [str(w) for w in config.slack.get("invite") or ()]
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


# --- pending rollback / hotfix dispatches ---------------------------------------------------


def sync_remediation(
    env: Mapping[str, str], incidents: Sequence[IncidentFile], config: Config, results: SyncResults
) -> None:
    from incident_kit import remediation

    for incident in incidents:
        record = incident.data.get("remediation")
        if not isinstance(record, Mapping) or record.get("status") != remediation.PENDING:
            continue
        plan = str(record.get("plan") or "rollback")
        deployment = record.get("deployment_id")
        outcome = remediation.dispatch(
            config, env, plan, incident.id, str(deployment) if deployment else None
        )
        if outcome.status == remediation.DISPATCHED:
            results.remediation[incident.rel] = outcome.note
            results.delivered.append(f"{incident.id}: {outcome.note}")
        else:
            results.pending.append(f"{incident.id}: {outcome.note}")


# --- GitHub issues for action items --------------------------------------------------------


def sync_issues(
    client: GitHubClient,
    store: Store,
    incidents: Sequence[IncidentFile],
    config: Config,
    links: Links,
    results: SyncResults,
) -> None:
    labels = [str(label) for label in config.github.get("labels") or ["incident-action-item"]]
    work: list[tuple[IncidentFile, str, list[ActionItem]]] = []
    for incident in incidents:
        path = incident.folder / POSTMORTEM_FILE
        if not path.is_file():
            continue
        rel = store.rel(path)
        items, _ = action_items.parse(incident.id, store.read_text(path), rel)
        if any(item.issue is None or not item.done for item in items):
            work.append((incident, rel, items))
    if not work:
        return
    try:
        client.ensure_labels(labels)
        known = client.index_action_item_issues(labels[0])
    except DeliveryError as error:
        results.pending.append(f"GitHub issues: {error.message}")
        return
    logins = dict(config.github.get("logins") or {})
    for incident, rel, items in work:
        for item in items:
            try:
                _sync_item(client, incident, rel, item, known, labels, logins, links, results)
            except DeliveryError as error:
                results.pending.append(f"{incident.id} {item.item_id}: {error.message}")


def _sync_item(
    client: GitHubClient,
    incident: IncidentFile,
    rel: str,
    item: ActionItem,
    known: Mapping[str, IssueRef],
    labels: list[str],
    logins: Mapping[str, Any],
    links: Links,
    results: SyncResults,
) -> None:
    from incident_kit.github_api import action_item_marker

    marker = action_item_marker(incident.id, item.item_id)
    ref = known.get(marker)
    if item.issue is None:
        if ref is None:
            owner = str(logins.get(item.owner, item.owner)) if item.owner else None
            ref = client.open_action_item_issue(
                marker=marker,
                title=safe_text(f"{item.text} ({incident.id} {item.item_id})", 250),
                body=_issue_body(incident, rel, item, links),
                labels=labels,
                assignees=[owner] if owner else [],
            )
            results.delivered.append(f"{incident.id} {item.item_id}: opened issue #{ref.number}")
        results.issues.setdefault(rel, {})[item.item_id] = f"#{ref.number}"
    if ref is not None and ref.state == "closed" and not item.done:
        results.ticked.setdefault(rel, set()).add(item.item_id)
        results.delivered.append(f"{incident.id} {item.item_id}: issue #{ref.number} closed, ticked")


def _issue_body(incident: IncidentFile, rel: str, item: ActionItem, links: Links) -> str:
    where = links.folder(rel) or rel
    lines = [
        f"Action item **{item.item_id}** from the post-mortem of incident `{incident.id}`.",
        "",
        f"- Post-mortem: {where}",
        f"- Owner: @{safe_text(item.owner, 64)}" if item.owner else "- Owner: (none)",
        f"- Due: {item.due.isoformat()}" if item.due else "- Due: (none)",
        f"- Type: {item.type}" if item.type else "- Type: (none)",
        "",
        "Closing this issue ticks the item in the post-mortem at the next `incident sync`.",
    ]
    return "\n".join(lines)


# --- writing results back --------------------------------------------------------------------


def apply_results(store: Store, results: SyncResults, *, now: datetime, actor: str) -> dict[str, str]:
    """The files with the delivery results written in, computed on the current (fresh) files."""
    from incident_kit import edit, frontmatter

    writes: dict[str, str] = {}
    for rel_folder, state in results.slack.items():
        folder = store.root / rel_folder
        if not (folder / "incident.md").exists():
            continue
        incident = store.read(folder)
        document = edit.set_nested(incident.document, ["slack"], state)
        text = document.text()
        if text != incident.document.text():
            writes[f"{rel_folder}/incident.md"] = text
    for rel_folder, note in results.remediation.items():
        incident_path = f"{rel_folder}/incident.md"
        document = (
            frontmatter.split(writes[incident_path], incident_path)
            if incident_path in writes
            else store.read(store.root / rel_folder).document
        )
        document = edit.set_nested(document, ["remediation", "status"], "dispatched")
        document = edit.add_entry(document, now, note, actor, incident_path)
        writes[incident_path] = document.text()
    for rel in sorted(set(results.issues) | set(results.ticked)):
        path = store.root / rel
        if not path.exists():
            continue
        original = store.read_text(path)
        text = original
        incident_id = path.parent.name
        for item_id, ref in results.issues.get(rel, {}).items():
            item = _find(text, incident_id, rel, item_id)
            if item is not None and item.issue != ref:
                text = action_items.set_issue(text, item, ref)
        for item_id in sorted(results.ticked.get(rel, set())):
            item = _find(text, incident_id, rel, item_id)
            if item is not None and not item.done:
                text = action_items.set_done(text, item)
        if text != original:
            writes[rel] = text
    return writes


def _find(text: str, incident_id: str, rel: str, item_id: str) -> ActionItem | None:
    items, _ = action_items.parse(incident_id, text, rel)
    return next((item for item in items if item.item_id == item_id), None)
