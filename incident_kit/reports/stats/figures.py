"""What `incident stats` reports: the result types `compute` returns, `render` and `to_json`
print and the site's charts draw (definitions in `compute`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from incident_kit.model import SEVERITIES
from incident_kit.reports.stats.durations import MetricStats, MonthDurations


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
