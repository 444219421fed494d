"""Incident statistics: counts, response times, action items and repeat offenders.

Pure computation over `IncidentSummary` and `ActionItem` lists; response times are defined in
`stats_times`, the JSON shape in `stats_json`, the text and Markdown in `stats_render`.
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

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from incident_kit.errors import InputError
from incident_kit.model import KINDS, SEVERITIES, STATUSES, ActionItem, IncidentSummary
from incident_kit.reports.stats.durations import (
    METRICS,
    MetricStats,
    MonthDurations,
    metric_stats,
    month_of,
    none_last,
    reference_time,
    resolve_trend,
    utc,
)


@dataclass(frozen=True)
class Filters:
    since: date | None = None  # inclusive, UTC date of declaration
    until: date | None = None  # inclusive: the whole day counts
    service: str | None = None
    severity: str | None = None


@dataclass(frozen=True)
class Count:
    key: str | None  # None: incidents without a service
    count: int


@dataclass(frozen=True)
class MonthCount:
    month: str  # "YYYY-MM"
    total: int
    by_severity: tuple[Count, ...]


@dataclass(frozen=True)
class Exclusions:
    """Incidents left out of the times, each under its first reason: drill, merged, cancelled."""

    drill: int
    merged: int
    cancelled: int


@dataclass(frozen=True)
class OwnerItems:
    owner: str | None  # None: nobody owns the items
    open: int
    overdue: int


@dataclass(frozen=True)
class OverdueItem:
    incident_id: str
    item_id: str
    text: str
    owner: str | None
    due: date
    days_overdue: int


@dataclass(frozen=True)
class ActionItemStats:
    total: int
    open: int
    overdue: int
    by_owner: tuple[OwnerItems, ...]  # most overdue first, then most open, then owner
    overdue_items: tuple[OverdueItem, ...]  # oldest due date first


@dataclass(frozen=True)
class RepeatOffender:
    kind: str  # "service" or "dedup_key"
    key: str
    count: int
    incident_ids: tuple[str, ...]  # oldest first


@dataclass(frozen=True)
class Stats:
    generated_at: datetime
    filters: Filters
    total: int
    undated: int
    by_status: tuple[Count, ...]  # every known status (zeros too), then unknown ones
    by_severity: tuple[Count, ...]  # the scale's levels (zeros too), then unknown ones
    by_kind: tuple[Count, ...]
    by_service: tuple[Count, ...]  # most incidents first, then by name, None last
    by_month: tuple[MonthCount, ...]  # every month from the first to the last, zeros included
    excluded_from_times: Exclusions
    times: tuple[MetricStats, ...]  # in METRICS order
    resolve_trend: tuple[MonthDurations, ...]  # time to resolve per month, months with data
    action_items: ActionItemStats
    repeat_offenders: tuple[RepeatOffender, ...]  # most incidents first
    warnings: tuple[str, ...]
    severities: tuple[str, ...] = SEVERITIES  # the team's scale, most severe first

    def metric(self, name: str) -> MetricStats:
        return next(m for m in self.times if m.name == name)


def compute_stats(
    incidents: Sequence[IncidentSummary],
    action_items: Sequence[ActionItem],
    *,
    now: datetime,
    since: date | None = None,
    until: date | None = None,
    service: str | None = None,
    severity: str | None = None,
    severities: Sequence[str] = SEVERITIES,
) -> Stats:
    """Compute every statistic for the incidents the filters select (see the module doc).

    `now` only decides which action items are overdue (by its UTC date); `severities` is the
    team's scale, most severe first (counts list each level, zeros too).
    """
    if since is not None and until is not None and since > until:
        raise InputError(f"--since {since.isoformat()} is after --until {until.isoformat()}")
    filters = Filters(since=since, until=until, service=service, severity=severity)
    # Sorting first makes every list below independent of the input order.
    selected = sorted((i for i in incidents if _selected(i, filters)), key=_chronological)
    timed = [i for i in selected if exclusion(i) is None]
    warnings: list[str] = []
    times = tuple(metric_stats(name, timed, warnings, severities) for name in METRICS)
    selected_ids = {i.id for i in selected}
    items = [a for a in action_items if a.incident_id in selected_ids]
    reasons = Counter(exclusion(i) for i in selected)
    return Stats(
        generated_at=utc(now),
        filters=filters,
        total=len(selected),
        undated=sum(1 for i in selected if reference_time(i) is None),
        by_status=_counts((i.status for i in selected), STATUSES),
        by_severity=_counts((i.severity for i in selected), severities),
        by_kind=_counts((i.kind for i in selected), KINDS),
        by_service=_service_counts(selected),
        by_month=_by_month(selected, severities),
        excluded_from_times=Exclusions(
            drill=reasons["drill"], merged=reasons["merged"], cancelled=reasons["cancelled"]
        ),
        times=times,
        resolve_trend=resolve_trend(timed),
        action_items=_action_item_stats(items, utc(now).date()),
        repeat_offenders=_repeat_offenders(selected),
        warnings=tuple(warnings),
        severities=tuple(severities),
    )


def exclusion(incident: IncidentSummary) -> str | None:
    """Why the incident is left out of the times (None: it is not)."""
    if incident.kind == "drill":
        return "drill"
    if incident.status == "merged" or incident.merged_into:
        return "merged"
    if incident.status == "cancelled":
        return "cancelled"
    return None


def month_range(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from first to last inclusive."""
    year, month = int(first[:4]), int(first[5:])
    months = []
    while (current := f"{year:04d}-{month:02d}") <= last:
        months.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _selected(incident: IncidentSummary, filters: Filters) -> bool:
    if filters.service is not None and incident.service != filters.service:
        return False
    if filters.severity is not None and incident.severity != filters.severity:
        return False
    if filters.since is None and filters.until is None:
        return True
    moment = reference_time(incident)
    if moment is None:
        return False
    day = moment.date()
    if filters.since is not None and day < filters.since:
        return False
    return filters.until is None or day <= filters.until


def _chronological(incident: IncidentSummary) -> tuple[bool, datetime, str]:
    moment = reference_time(incident)
    return (moment is None, moment or datetime.min.replace(tzinfo=UTC), incident.id)


def _counts(values: Iterable[str], known: Sequence[str]) -> tuple[Count, ...]:
    """Every known key in its natural order (zeros included), then unknown keys by name."""
    counter = Counter(values)
    unknown = sorted(k for k in counter if k not in known)
    return tuple(Count(k, counter[k]) for k in (*known, *unknown))


def _service_counts(incidents: Sequence[IncidentSummary]) -> tuple[Count, ...]:
    counter = Counter(i.service for i in incidents)
    ordered = sorted(counter.items(), key=lambda kv: (-kv[1], none_last(kv[0])))
    return tuple(Count(key, n) for key, n in ordered)


def _by_month(incidents: Sequence[IncidentSummary], severities: Sequence[str]) -> tuple[MonthCount, ...]:
    per_month: dict[str, list[str]] = {}
    for incident in incidents:
        moment = reference_time(incident)
        if moment is not None:
            per_month.setdefault(month_of(moment), []).append(incident.severity)
    if not per_month:
        return ()
    # Every month lists the same severities, so a chart can draw one series per severity.
    known = [c.key for c in _counts((s for sevs in per_month.values() for s in sevs), severities)]
    months = []
    for month in month_range(min(per_month), max(per_month)):
        counts = Counter(per_month.get(month, []))
        by_severity = tuple(Count(key, counts[key]) for key in known if key is not None)
        months.append(MonthCount(month, counts.total(), by_severity))
    return tuple(months)


def _action_item_stats(items: Sequence[ActionItem], today: date) -> ActionItemStats:
    open_items = [a for a in items if not a.done]
    overdue = [
        OverdueItem(a.incident_id, a.item_id, a.text, a.owner, a.due, (today - a.due).days)
        for a in open_items
        if a.due is not None and a.due < today
    ]
    overdue.sort(key=lambda o: (o.due, o.incident_id, o.item_id, none_last(o.owner), o.text))
    open_by_owner = Counter(a.owner for a in open_items)
    overdue_by_owner = Counter(o.owner for o in overdue)
    by_owner = [OwnerItems(owner, n, overdue_by_owner[owner]) for owner, n in open_by_owner.items()]
    by_owner.sort(key=lambda o: (-o.overdue, -o.open, none_last(o.owner)))
    return ActionItemStats(
        total=len(items),
        open=len(open_items),
        overdue=len(overdue),
        by_owner=tuple(by_owner),
        overdue_items=tuple(overdue),
    )


def _repeat_offenders(incidents: Sequence[IncidentSummary]) -> tuple[RepeatOffender, ...]:
    counted = [i for i in incidents if exclusion(i) not in ("drill", "merged")]
    offenders: list[RepeatOffender] = []
    for kind in ("service", "dedup_key"):
        groups: dict[str, list[str]] = {}
        for incident in counted:  # oldest first, so the ids come out in order
            value = incident.service if kind == "service" else incident.dedup_key
            if value:
                groups.setdefault(value, []).append(incident.id)
        offenders.extend(
            RepeatOffender(kind, value, len(ids), tuple(ids))
            for value, ids in groups.items()
            if len(ids) >= 2
        )
    offenders.sort(key=lambda o: (-o.count, o.kind != "service", o.key))
    return tuple(offenders)
