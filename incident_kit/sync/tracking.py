"""Tools: one GitHub tracking issue per incident, opened and kept in step by `incident sync`.

The incident records its issue (`tracking_issue: 12`) and a digest of what the issue was last
made to show (`tracking_issue_synced`): a sync whose rendering has the same digest makes no
call at all; one that differs reads the issue and sends only the fields that differ. An issue
linked at declare time (an issue form) is adopted the same way: its text is kept and the
tool's block is appended. A create is preceded by one lookup of the marker per sync (a create
whose outcome was lost, or whose record was never committed, is found, not repeated).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from incident_kit import timeline
from incident_kit.config.settings import TrackingIssueSettings
from incident_kit.errors import DeliveryError, FileFormatError
from incident_kit.store import IncidentFile
from incident_kit.summaries.fields import summary_of
from incident_kit.sync.results import Links, SyncResults
from incident_kit.sync.tracking_view import (
    NUMBER_KEY,
    SYNCED_KEY,
    Owed,
    TrackingView,
    merged_body,
    merged_labels,
    owed,
    render,
    tracking_number,
)

if TYPE_CHECKING:
    from incident_kit.github.client import GitHubClient, IssueRef


def tracking_work(
    incidents: Sequence[IncidentFile], settings: TrackingIssueSettings, links: Links, results: SyncResults
) -> list[tuple[IncidentFile, TrackingView, Owed]]:
    """The incidents whose tracking issue is owed a create or an update (no network)."""
    work: list[tuple[IncidentFile, TrackingView, Owed]] = []
    if not settings.enabled:
        return work
    for incident in incidents:
        summary = summary_of(incident)
        if tracking_number(incident.data) is None and owed(summary, incident.data, settings, None) is None:
            continue  # most incidents: no issue and none wanted, decided before reading the timeline
        try:
            entries = timeline.entries(incident.document.body, incident.source)
        except FileFormatError as error:
            results.pending.append(f"skipped {error.message} (see `incident validate`)")
            continue
        view = render(summary, incident.data, entries, settings, links.folder(incident.source))
        need = owed(summary, incident.data, settings, view.digest())
        if need is not None:
            work.append((incident, view, need))
    return work


def sync_tracking(
    client: GitHubClient,
    incidents: Sequence[IncidentFile],
    settings: TrackingIssueSettings,
    links: Links,
    results: SyncResults,
) -> None:
    index: dict[str, IssueRef] | None = None
    lookup_failed = False
    labels = _Labels(client)
    for incident, view, need in tracking_work(incidents, settings, links, results):
        if need == "create" and lookup_failed:
            continue  # no create without the lookup (the next sync retries both)
        try:
            number = tracking_number(incident.data)
            if need == "create":
                if index is None:
                    index = dict(client.index_action_item_issues(settings.label))
                found = index.get(view.marker)
                if found is None:
                    labels.ensure(view.labels)
                    ref = client.create_marked_issue(
                        marker=view.marker,
                        title=view.title,
                        body=view.block,
                        labels=view.labels,
                        label=settings.label,
                    )
                    index[view.marker] = ref
                    _record(results, incident, ref.number, view.digest() if ref.state == view.state else None)
                    results.delivered.append(f"{incident.id}: opened tracking issue #{ref.number}")
                    if ref.state == view.state:
                        continue
                    number = ref.number
                else:  # opened by an earlier sync whose record was lost: adopted, not repeated
                    _record(results, incident, found.number, None)
                    results.delivered.append(f"{incident.id}: found tracking issue #{found.number}")
                    number = found.number
            if number is not None:
                _update(client, incident, view, number, results, labels)
        except DeliveryError as error:
            results.pending.append(f"{incident.id} tracking issue: {error.message}")
            lookup_failed = lookup_failed or (need == "create" and index is None)


def _update(
    client: GitHubClient,
    incident: IncidentFile,
    view: TrackingView,
    number: int,
    results: SyncResults,
    ensured: _Labels,
) -> None:
    """Send what differs between the issue and the view; then record the view as shown."""
    current = client.issue(number)
    body = merged_body(current.body, view, incident.id)
    labels = merged_labels(current.labels, view)
    changes: dict[str, Any] = {}
    if current.title != view.title:
        changes["title"] = view.title
    if body != current.body:
        changes["body"] = body
    if set(labels) != set(current.labels):
        ensured.ensure(view.labels)
        changes["labels"] = labels
    if current.ref.state != view.state:
        changes["state"] = view.state
    if changes:
        client.edit_issue(number, **changes, reason=view.reason or "completed")
        said = {"open": "reopened", "closed": "closed"}.get(str(changes.get("state")), "updated")
        fields = ", ".join(key for key in changes if key != "state")
        results.delivered.append(
            f"{incident.id}: tracking issue #{number} {said}" + (f" ({fields})" if fields else "")
        )
    _record(results, incident, number, view.digest())


def _record(results: SyncResults, incident: IncidentFile, number: int, digest: str | None) -> None:
    record: dict[str, Any] = {NUMBER_KEY: number}
    if digest is not None:
        record[SYNCED_KEY] = digest
    results.tracking[incident.rel] = record


class _Labels:
    """The labels a sync has made sure exist (`severity: SEV-1` the first time one escalates),
    so each is checked once per sync and only when an issue is about to carry it."""

    def __init__(self, client: GitHubClient) -> None:
        self._client = client
        self._known: set[str] = set()

    def ensure(self, labels: Sequence[str]) -> None:
        missing = [label for label in labels if label not in self._known]
        if missing:
            self._client.ensure_labels(missing)
            self._known.update(missing)
