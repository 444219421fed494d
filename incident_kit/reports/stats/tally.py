"""`StatsTally`: what `compute` keeps while the incidents stream by, and how one tally's
count of some incidents (`partial`) merges into another's (see its doc)."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from incident_kit.model import KINDS, SEVERITIES, STATUSES, ActionItem
from incident_kit.reports.stats.durations import METRICS, MetricTally, MonthTally, none_last, utc
from incident_kit.reports.stats.figures import (
    ActionItemStats,
    Count,
    Exclusions,
    Filters,
    MonthCount,
    OverdueItem,
    OwnerItems,
    RepeatOffender,
    Stats,
)
from incident_kit.reports.stats.record import StatRecord, moment_of

_RESOLVE = METRICS.index("time_to_resolve")


class StatsTally:
    """What `compute_stats` keeps while the incidents stream by: how many incidents share each
    combination of groups (status, severity, kind, service, month, exclusion: a few hundred
    keys, one count per incident), each metric's durations per severity and service, and the
    times to resolve per month (compact arrays: exact medians need every value), the selected
    ids (for the action items and the repeat offenders, whose ids are printed) and the
    warnings."""

    def __init__(self, filters: Filters, now: datetime, severities: Sequence[str] = SEVERITIES) -> None:
        self.generated_at = utc(now)
        self.filters = filters
        self._filtered = filters != Filters()
        self.severities = tuple(severities)
        self.total = 0
        self._combinations: dict[_Combination, int] = {}
        self._durations: dict[tuple[str, str | None], tuple[array[int], ...]] = {}  # by metric
        self._trend: dict[str, array[int]] = {}  # times to resolve by month
        self.selected_ids: set[str] = set()
        # (metric, chronological order, id, arrival, message): sorted, as the incidents were
        self.warnings: list[tuple[int, int, str, int, str]] = []
        self.groups: dict[tuple[str, str], _Group] = {}  # repeat offender candidates
        self._today = utc(now).date()  # action items due before it are overdue
        self._item_total = 0
        self._open_by_owner: Counter[str | None] = Counter()
        self._overdue: list[ActionItem] = []  # printed, one by one

    def add(self, incident: StatRecord) -> None:
        """Count one incident if the filters select it."""
        if self._filtered and not _selected(incident, self.filters):
            return
        self.total += 1
        self.selected_ids.add(incident.id)
        severity, service, month, reason = (
            incident.severity,
            incident.service,
            incident.month,
            incident.exclusion,
        )
        combination = (incident.status, severity, incident.kind, service, month, reason)
        self._combinations[combination] = self._combinations.get(combination, 0) + 1
        if reason is None:
            durations = incident.durations
            if durations[0] is not None or durations[1] is not None or durations[2] is not None:
                kept = self._durations_of(severity, service)
                for index, seconds in enumerate(durations):
                    if seconds is not None:
                        kept[index].append(seconds)
                resolved = durations[_RESOLVE]
                if resolved is not None and month is not None:
                    self._trend_of(month).append(resolved)
            for index, message in incident.warnings:
                self.warnings.append((index, incident.order, incident.id, self.total, message))
        if reason != "drill" and reason != "merged":
            for kind, value in (("service", service), ("dedup_key", incident.dedup_key)):
                if value:
                    self._group_of(kind, value).add(incident.order, incident.id)

    PARTIAL_PARTS = 7  # the length of `partial()`

    def partial(self) -> list[Any]:
        """What this tally counted of the incidents (not the action items), as JSON-able data
        another tally can `merge`: how an unfiltered tally of one month's incidents is kept
        between runs."""
        return [
            self.total,
            [[*combination, n] for combination, n in self._combinations.items()],
            [[*group, *(values.tolist() for values in kept)] for group, kept in self._durations.items()],
            [[month, values.tolist()] for month, values in self._trend.items()],
            list(self.selected_ids),
            [list(warning) for warning in self.warnings],
            [[kind, value, group.ids, group.orders.tolist()] for (kind, value), group in self.groups.items()],
        ]

    def merge(self, partial: list[Any]) -> None:
        """Count the incidents another unfiltered tally counted (its `partial`), as if they
        were added now, after the ones added so far."""
        if self._filtered:
            raise ValueError("a filtered tally counts its incidents one by one")
        total, combinations, durations, trend, ids, warnings, groups = partial
        arrivals = self.total
        self.total += total
        for *combination, n in combinations:
            key: _Combination = tuple(combination)
            self._combinations[key] = self._combinations.get(key, 0) + n
        for severity, service, *values in durations:
            for held, more in zip(self._durations_of(severity, service), values, strict=True):
                held.extend(more)
        for month, values in trend:
            self._trend_of(month).extend(values)
        self.selected_ids.update(ids)
        self.warnings.extend(
            (index, order, iid, arrival + arrivals, m) for index, order, iid, arrival, m in warnings
        )
        for kind, value, group_ids, orders in groups:
            candidates = self._group_of(kind, value)
            candidates.ids.extend(group_ids)
            candidates.orders.extend(orders)

    # the kept values of one group, made on first use

    def _durations_of(self, severity: str, service: str | None) -> tuple[array[int], ...]:
        kept = self._durations.get((severity, service))
        if kept is None:
            kept = self._durations[severity, service] = tuple(array("q") for _ in METRICS)
        return kept

    def _trend_of(self, month: str) -> array[int]:
        kept = self._trend.get(month)
        if kept is None:
            kept = self._trend[month] = array("q")
        return kept

    def _group_of(self, kind: str, value: str) -> _Group:
        kept = self.groups.get((kind, value))
        if kept is None:
            kept = self.groups[kind, value] = _Group()
        return kept

    def add_action_item(self, item: ActionItem) -> None:
        """Count one action item if its incident was selected (after every incident)."""
        if item.incident_id not in self.selected_ids:
            return
        self._item_total += 1
        if item.done:
            return
        self._open_by_owner[item.owner] += 1
        if item.due is not None and item.due < self._today:
            self._overdue.append(item)

    def _action_item_stats(self) -> ActionItemStats:
        today = self._today
        overdue = [
            OverdueItem(a.incident_id, a.item_id, a.text, a.owner, a.due, (today - a.due).days)
            for a in self._overdue
            if a.due is not None
        ]
        overdue.sort(key=lambda o: (o.due, o.incident_id, o.item_id, none_last(o.owner), o.text))
        overdue_by_owner = Counter(o.owner for o in overdue)
        by_owner = [OwnerItems(owner, n, overdue_by_owner[owner]) for owner, n in self._open_by_owner.items()]
        by_owner.sort(key=lambda o: (-o.overdue, -o.open, none_last(o.owner)))
        return ActionItemStats(
            total=self._item_total,
            open=self._open_by_owner.total(),
            overdue=len(overdue),
            by_owner=tuple(by_owner),
            overdue_items=tuple(overdue),
        )

    def result(self) -> Stats:
        severities = self.severities
        self.warnings.sort(key=lambda w: w[:4])
        by_status: Counter[str] = Counter()
        by_severity: Counter[str] = Counter()
        by_kind: Counter[str] = Counter()
        by_service: Counter[str | None] = Counter()
        by_month: dict[str, Counter[str]] = {}
        reasons: Counter[str | None] = Counter()
        undated = 0
        for (status, severity, kind, service, month, reason), n in self._combinations.items():
            by_status[status] += n
            by_severity[severity] += n
            by_kind[kind] += n
            by_service[service] += n
            reasons[reason] += n
            if month is None:
                undated += n
            else:
                by_month.setdefault(month, Counter())[severity] += n
        metrics = [MetricTally(name, severities) for name in METRICS]
        trend = MonthTally()
        for (severity, service), kept in self._durations.items():
            for metric, values in zip(metrics, kept, strict=True):
                if values:
                    metric.add(severity, service, values)
        for month, values in self._trend.items():
            trend.add(month, values)
        return Stats(
            generated_at=self.generated_at,
            filters=self.filters,
            total=self.total,
            undated=undated,
            by_status=_counts(by_status, STATUSES),
            by_severity=_counts(by_severity, severities),
            by_kind=_counts(by_kind, KINDS),
            by_service=_service_counts(by_service),
            by_month=_by_month(by_month, severities),
            excluded_from_times=Exclusions(
                drill=reasons["drill"],
                merged=reasons["merged"],
                cancelled=reasons["cancelled"],
            ),
            times=tuple(metric.result() for metric in metrics),
            resolve_trend=trend.result(),
            action_items=self._action_item_stats(),
            repeat_offenders=_repeat_offenders(self.groups),
            warnings=tuple(w[4] for w in self.warnings),
            severities=severities,
        )


# status, severity, kind, service, month, exclusion: the groups one incident is counted in
_Combination = tuple[str, str, str, "str | None", "str | None", "str | None"]


def month_range(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from first to last inclusive."""
    year, month = int(first[:4]), int(first[5:])
    months = []
    while (current := f"{year:04d}-{month:02d}") <= last:
        months.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _selected(incident: StatRecord, filters: Filters) -> bool:
    if filters.service is not None and incident.service != filters.service:
        return False
    if filters.severity is not None and incident.severity != filters.severity:
        return False
    if filters.since is None and filters.until is None:
        return True
    if incident.month is None:
        return False
    day = moment_of(incident.order).date()
    if filters.since is not None and day < filters.since:
        return False
    return filters.until is None or day <= filters.until


def _counts(counter: Counter[str], known: Sequence[str]) -> tuple[Count, ...]:
    """Every known key in its natural order (zeros included), then unknown keys by name."""
    unknown = sorted(k for k in counter if k not in known)
    return tuple(Count(k, counter[k]) for k in (*known, *unknown))


def _service_counts(counter: Counter[str | None]) -> tuple[Count, ...]:
    ordered = sorted(counter.items(), key=lambda kv: (-kv[1], none_last(kv[0])))
    return tuple(Count(key, n) for key, n in ordered)


def _by_month(per_month: dict[str, Counter[str]], severities: Sequence[str]) -> tuple[MonthCount, ...]:
    if not per_month:
        return ()
    # Every month lists the same severities, so a chart can draw one series per severity.
    every: Counter[str] = Counter()
    for counts in per_month.values():
        every.update(counts)
    known = [c.key for c in _counts(every, severities)]
    months = []
    for month in month_range(min(per_month), max(per_month)):
        counts = per_month.get(month, Counter())
        by_severity = tuple(Count(key, counts[key]) for key in known if key is not None)
        months.append(MonthCount(month, counts.total(), by_severity))
    return tuple(months)


class _Group:
    """The incidents of one repeat offender candidate: ids with their chronological order."""

    __slots__ = ("ids", "orders")

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.orders = array("q")

    def add(self, order: int, incident_id: str) -> None:
        self.ids.append(incident_id)
        self.orders.append(order)

    def oldest_first(self) -> tuple[str, ...]:
        # stable: equal moments and ids keep the order they came in (the arrival breaks ties)
        ranked = sorted(zip(self.orders, self.ids, range(len(self.ids)), strict=True))
        return tuple(incident_id for _, incident_id, _ in ranked)


def _repeat_offenders(groups: dict[tuple[str, str], _Group]) -> tuple[RepeatOffender, ...]:
    offenders = [
        RepeatOffender(kind, value, len(group.ids), group.oldest_first())
        for (kind, value), group in groups.items()
        if len(group.ids) >= 2
    ]
    offenders.sort(key=lambda o: (-o.count, o.kind != "service", o.key))
    return tuple(offenders)
