"""Incident statistics: counts, response times, action items and repeat offenders.

Pure computation over `IncidentSummary` (or their `StatRecord`s, see `record`) and `ActionItem`
streams, in one pass each (`tally.StatsTally` keeps counts and the durations, never the
incidents), into the types of `figures`; response times are defined in `durations`, the JSON
shape in `to_json`, the text and Markdown in `render`.
Definitions (also in docs/stats.md):

- **Which incidents count.** An incident's date is its `declared_at` (else `detected_at`, else
  `impact_started_at`), as a UTC calendar date. `since` and `until` are inclusive days:
  `since=2026-01-01, until=2026-01-31` is the whole of January. `service` and `severity` match
  exactly. Every selected incident counts in the counts, drills and cancelled ones included.
  An incident with no date at all is counted (as `undated`) only when no date filter is given.
- **Times** (see `stats_times`): drills, cancelled and merged incidents are left out.
- **Action items** of the selected incidents: open = not done; overdue = open with a due date
  before the UTC date of `now`.
- **Repeat offenders**: services and alert dedup keys with two or more selected incidents,
  drills and merged duplicates not counted (cancelled false alarms are: a noisy alert is
  exactly what this list should surface).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from incident_kit.errors import InputError
from incident_kit.model import SEVERITIES, ActionItem, IncidentSummary
from incident_kit.reports.stats.figures import Filters, Stats
from incident_kit.reports.stats.record import StatRecord, record_of
from incident_kit.reports.stats.tally import StatsTally


def compute_stats(
    incidents: Iterable[IncidentSummary],
    action_items: Iterable[ActionItem],
    *,
    now: datetime,
    since: date | None = None,
    until: date | None = None,
    service: str | None = None,
    severity: str | None = None,
    severities: Sequence[str] = SEVERITIES,
) -> Stats:
    """Compute every statistic for the incidents the filters select (see the module doc).

    One pass over `incidents`, then one over `action_items` (both may be generators): only
    per-group tallies are kept, not the incidents. `now` only decides which action items are
    overdue (by its UTC date); `severities` is the team's scale, most severe first (counts list
    each level, zeros too).
    """
    return compute_stats_of_records(
        map(record_of, incidents),
        action_items,
        now=now,
        since=since,
        until=until,
        service=service,
        severity=severity,
        severities=severities,
    )


def compute_stats_of_records(
    records: Iterable[StatRecord],
    action_items: Iterable[ActionItem],
    *,
    now: datetime,
    since: date | None = None,
    until: date | None = None,
    service: str | None = None,
    severity: str | None = None,
    severities: Sequence[str] = SEVERITIES,
) -> Stats:
    """`compute_stats` of the incidents' `StatRecord`s (as the report records cache keeps them)."""
    if since is not None and until is not None and since > until:
        raise InputError(f"--since {since.isoformat()} is after --until {until.isoformat()}")
    filters = Filters(since=since, until=until, service=service, severity=severity)
    tally = StatsTally(filters, now, severities)
    for record in records:
        tally.add(record)
    for item in action_items:
        tally.add_action_item(item)
    return tally.result()


def compute_stats_of_partials(
    partials: Iterable[list[Any]],
    action_items: Iterable[ActionItem],
    *,
    now: datetime,
    severities: Sequence[str] = SEVERITIES,
) -> Stats:
    """`compute_stats` with no filter, of unfiltered tallies' `partial`s (each month's
    incidents, as the report months cache keeps them), in the incidents' order."""
    tally = StatsTally(Filters(), now, severities)
    for partial in partials:
        tally.merge(partial)
    for item in action_items:
        tally.add_action_item(item)
    return tally.result()
