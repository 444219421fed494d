"""Response times of incidents: durations between lifecycle timestamps, their median and p90.

- Time to acknowledge = `acknowledged_at` - (`detected_at` else `declared_at`).
- Time to mitigate / resolve = `mitigated_at` / `resolved_at` - (`impact_started_at` else
  `detected_at` else `declared_at`).
- A detection more than `lifecycle.STALE_DETECTION` (7 days) before the declaration is an
  alert's first-seen time, not a detection: those incidents count from the declaration, with
  a warning.
- Durations are whole seconds (rounded down). A negative one is a data error: it is left out
  and reported as a warning rather than dragging the median down.
- **Median**: the middle value; for an even count the mean of the two middle values, rounded
  down to the second.
- **p90**: nearest rank, the ceil(0.9 x n)-th smallest value. It is always an observed value;
  with fewer than 10 values it is the largest one.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from incident_kit.lifecycle import STALE_DETECTION
from incident_kit.model import SEVERITIES, IncidentSummary

METRICS = ("time_to_acknowledge", "time_to_mitigate", "time_to_resolve")

# Acknowledging answers the page, so it counts from detection; mitigation and resolution end
# the impact, so they count from when the impact began when that is known.
_START_KEYS = {
    "time_to_acknowledge": ("detected_at", "declared_at"),
    "time_to_mitigate": ("impact_started_at", "detected_at", "declared_at"),
    "time_to_resolve": ("impact_started_at", "detected_at", "declared_at"),
}
_END_KEY = {
    "time_to_acknowledge": "acknowledged_at",
    "time_to_mitigate": "mitigated_at",
    "time_to_resolve": "resolved_at",
}


@dataclass(frozen=True)
class Durations:
    """Median and p90 of one set of durations, in seconds (None when there is none)."""

    count: int
    median_seconds: int | None
    p90_seconds: int | None


@dataclass(frozen=True)
class GroupDurations:
    key: str | None  # a severity or a service (None: incidents without a service)
    durations: Durations


@dataclass(frozen=True)
class MetricStats:
    name: str  # one of METRICS
    overall: Durations
    by_severity: tuple[GroupDurations, ...]  # SEV-1..SEV-4 always, then unknown ones
    by_service: tuple[GroupDurations, ...]  # services with data, by name, None last


@dataclass(frozen=True)
class MonthDurations:
    month: str  # "YYYY-MM" of declaration
    durations: Durations


def median(values: Sequence[int]) -> int:
    """Middle value; mean of the two middle ones for an even count, rounded down."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median of no values")
    if n % 2:
        return ordered[n // 2]
    return (ordered[n // 2 - 1] + ordered[n // 2]) // 2


def p90(values: Sequence[int]) -> int:
    """Nearest-rank 90th percentile: the ceil(0.9 n)-th smallest value."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("p90 of no values")
    rank = (9 * len(ordered) + 9) // 10  # ceil(9n/10) in integers: no float rounding surprises
    return ordered[rank - 1]


def summarize(values: Sequence[int]) -> Durations:
    if not values:
        return Durations(count=0, median_seconds=None, p90_seconds=None)
    ordered = sorted(values)  # once: `median` and `p90` find the same order
    return Durations(count=len(values), median_seconds=median(ordered), p90_seconds=p90(ordered))


def utc(moment: datetime) -> datetime:
    # The files hold UTC; a naive value can only come from a hand edit without "Z".
    if moment.tzinfo is UTC:  # as the summaries make them: the same moment, no conversion
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def reference_time(incident: IncidentSummary) -> datetime | None:
    """When the incident is dated for filters and months: declared, else detected, else impact."""
    for value in (incident.declared_at, incident.detected_at, incident.impact_started_at):
        if value is not None:
            return utc(value)
    return None


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def duration_seconds(metric: str, incident: IncidentSummary) -> int | None:
    """The incident's duration for `metric` in whole seconds, None if a timestamp is missing."""
    span = _span(metric, _moments(incident, stale_detection(incident)))
    return None if span is None else span[1]


class MetricTally:
    """One metric's durations, overall, per severity and per service, collected one incident at
    a time: only the seconds are kept (as compact `array`s), since exact medians and p90s need
    every value."""

    def __init__(self, metric: str, severities: Sequence[str] = SEVERITIES) -> None:
        self.metric = metric
        self._known = tuple(severities)
        self._overall = array("q")
        self._by_severity: dict[str | None, array[int]] = {k: array("q") for k in severities}
        self._by_service: dict[str | None, array[int]] = {}

    def add(self, severity: str, service: str | None, seconds: Sequence[int]) -> None:
        """Count the durations of incidents of `severity` and `service`."""
        self._overall.extend(seconds)
        _group(self._by_severity, severity).extend(seconds)
        _group(self._by_service, service).extend(seconds)

    def result(self) -> MetricStats:
        return MetricStats(
            name=self.metric,
            overall=summarize(self._overall),
            by_severity=_grouped(self._by_severity, self._known),
            by_service=_grouped(self._by_service, ()),
        )


class MonthTally:
    """Time to resolve per month of declaration (see `reference_time`), one incident at a time."""

    def __init__(self) -> None:
        self._per_month: dict[str, array[int]] = {}

    def add(self, month: str, seconds: Sequence[int]) -> None:
        """Count the times to resolve of incidents declared in `month` ("YYYY-MM")."""
        _group(self._per_month, month).extend(seconds)

    def result(self) -> tuple[MonthDurations, ...]:
        return tuple(MonthDurations(m, summarize(self._per_month[m])) for m in sorted(self._per_month))


K = TypeVar("K")


def _group(groups: dict[K, array[int]], key: K) -> array[int]:
    """The durations kept under `key`, made on first use (not an empty array per call)."""
    found = groups.get(key)
    if found is None:
        found = groups[key] = array("q")
    return found


def none_last(key: str | None) -> tuple[bool, str]:
    """Sort key: names in order, the missing one (None) after them."""
    return (key is None, key or "")


def _start(metric: str, incident: IncidentSummary) -> tuple[str, datetime] | None:
    moments = _moments(incident, stale_detection(incident))
    key = _start_key(metric, moments)
    return None if key is None else (key, moments[key])


def _moments(incident: IncidentSummary, stale: bool) -> dict[str, datetime]:
    """The incident's timestamps a metric starts or ends at, in UTC; a stale detection left out."""
    moments: dict[str, datetime] = {}
    for key in _MOMENT_KEYS:
        value = getattr(incident, key)
        if value is not None and not (stale and key == "detected_at"):
            moments[key] = utc(value)
    return moments


def _start_key(metric: str, moments: dict[str, datetime]) -> str | None:
    return next((key for key in _START_KEYS[metric] if key in moments), None)


def _span(metric: str, moments: dict[str, datetime]) -> tuple[str, int] | None:
    """Where `metric` starts (its key) and its length in whole seconds; None: a moment missing."""
    end = moments.get(_END_KEY[metric])
    start_key = _start_key(metric, moments)
    if end is None or start_key is None:
        return None
    return start_key, (end - moments[start_key]) // _SECOND


def stale_detection(incident: IncidentSummary) -> bool:
    """A detection long before the declaration is an alert's first-seen time (a Sentry issue
    from 2019), not when anyone could have acted: the times count from the declaration."""
    if incident.detected_at is None or incident.declared_at is None:
        return False
    return utc(incident.declared_at) - utc(incident.detected_at) > STALE_DETECTION


def measured(incident: IncidentSummary) -> tuple[list[int | None], list[tuple[int, str]]]:
    """Each metric's duration (METRICS order; None when a timestamp is missing or it is
    negative, a data error) and the data warnings, as (index in METRICS, message) — the
    incident's timestamps read once for all three (`record_of` calls it for 10,000 incidents
    on a cold read)."""
    stale = stale_detection(incident)
    moments = _moments(incident, stale)
    durations: list[int | None] = []
    warnings: list[tuple[int, str]] = []
    for index, metric in enumerate(METRICS):
        span = _span(metric, moments)
        if span is None:
            durations.append(None)
            continue
        start_key, seconds = span
        if stale and metric == "time_to_acknowledge":
            assert incident.detected_at is not None and incident.declared_at is not None
            days = (utc(incident.declared_at) - utc(incident.detected_at)).days
            warnings.append(
                (
                    index,
                    f"{incident.id}: detected_at is {days} days before declared_at; "
                    "its times count from the declaration",
                )
            )
        if seconds < 0:
            words = metric.replace("_", " ")
            warnings.append(
                (index, f"{incident.id}: {_END_KEY[metric]} is before {start_key}; left out of {words}")
            )
            durations.append(None)
            continue
        durations.append(seconds)
    return durations, warnings


_SECOND = timedelta(seconds=1)
# every timestamp a metric starts or ends at (a stale detection left out: see `measured`)
_MOMENT_KEYS = tuple(dict.fromkeys([*(k for keys in _START_KEYS.values() for k in keys), *_END_KEY.values()]))


def _grouped(groups: dict[str | None, array[int]], known: Sequence[str]) -> tuple[GroupDurations, ...]:
    unknown = sorted((k for k in groups if k not in known), key=none_last)
    return tuple(GroupDurations(k, summarize(groups[k])) for k in (*known, *unknown))
