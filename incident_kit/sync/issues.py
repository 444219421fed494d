"""Tools: one GitHub issue per post-mortem action item, found again by its marker, never twice."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from incident_kit import action_items
from incident_kit.config.settings import Config
from incident_kit.errors import DeliveryError, FileFormatError
from incident_kit.model import ActionItem
from incident_kit.sanitize import safe_text
from incident_kit.store import POSTMORTEM_FILE, IncidentFile, Store
from incident_kit.sync.results import Links, SyncResults

if TYPE_CHECKING:
    from incident_kit.github.client import GitHubClient, IssueRef


def sync_issues(
    client: GitHubClient,
    store: Store,
    incidents: Sequence[IncidentFile],
    config: Config,
    links: Links,
    results: SyncResults,
) -> None:
    labels = list(config.github.labels)
    work: list[tuple[IncidentFile, str, list[ActionItem]]] = []
    for incident in incidents:
        path = incident.folder / POSTMORTEM_FILE
        if not os.path.lexists(path):
            continue
        rel = store.rel(path)
        try:
            items, problems = action_items.parse(incident.id, store.read_text(path), rel)
        except FileFormatError as error:  # a symlink, a 50 MB file: this one waits, not all
            results.pending.append(f"skipped {error.message} (see `incident validate`)")
            continue
        unnamed = [p for p in problems if p.code in (action_items.NO_ID, action_items.DUPLICATE_ID)]
        if unnamed:
            # an item without its own id has no marker to be found by: refuse before sending
            # anything rather than open one issue for two lines, or none for one
            first = unnamed[0]
            results.pending.append(
                f"{incident.id}: no action-item issue opened: {rel}:{first.line}: {first.message}"
                + (f" (and {len(unnamed) - 1} more)" if len(unnamed) > 1 else "")
            )
            continue
        if any(item.issue is None or not item.done for item in items):
            work.append((incident, rel, items))
    if not work:
        return
    try:
        client.ensure_labels(labels)
        known = dict(client.index_action_item_issues(labels[0]))
    except DeliveryError as error:
        results.pending.append(f"GitHub issues: {error.message}")
        return
    logins = dict(config.github.logins)
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
    known: dict[str, IssueRef],
    labels: list[str],
    logins: Mapping[str, Any],
    links: Links,
    results: SyncResults,
) -> None:
    from incident_kit.github.client import action_item_marker

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
            known[marker] = ref
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
