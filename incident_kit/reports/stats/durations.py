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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
    return Durations(count=len(values), median_seconds=median(values), p90_seconds=p90(values))


def utc(moment: datetime) -> datetime:
    # The files hold UTC; a naive value can only come from a hand edit without "Z".
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
    end = getattr(incident, _END_KEY[metric])
    start = _start(metric, incident)
    if end is None or start is None:
        return None
    return (utc(end) - start[1]) // timedelta(seconds=1)


def metric_stats(
    metric: str,
    incidents: Sequence[IncidentSummary],
    warnings: list[str],
    severities: Sequence[str] = SEVERITIES,
) -> MetricStats:
    """Overall, per-severity and per-service durations; appends data errors to `warnings`."""
    found = _valid_durations(metric, incidents, warnings)
    return MetricStats(
        name=metric,
        overall=summarize([s for _, s in found]),
        by_severity=_grouped(found, _severity_of, severities),
        by_service=_grouped(found, _service_of, ()),
    )


def resolve_trend(incidents: Sequence[IncidentSummary]) -> tuple[MonthDurations, ...]:
    """Time to resolve per month of declaration, for the months that have any."""
    per_month: dict[str, list[int]] = {}
    for incident, seconds in _valid_durations("time_to_resolve", incidents, []):
        moment = reference_time(incident)
        if moment is not None:
            per_month.setdefault(month_of(moment), []).append(seconds)
    return tuple(MonthDurations(m, summarize(per_month[m])) for m in sorted(per_month))


def none_last(key: str | None) -> tuple[bool, str]:
    """Sort key: names in order, the missing one (None) after them."""
    return (key is None, key or "")


def _start(metric: str, incident: IncidentSummary) -> tuple[str, datetime] | None:
    for key in _START_KEYS[metric]:
        value = getattr(incident, key)
        if value is not None and not (key == "detected_at" and stale_detection(incident)):
            return key, utc(value)
    return None


def stale_detection(incident: IncidentSummary) -> bool:
    """A detection long before the declaration is an alert's first-seen time (a Sentry issue
    from 2019), not when anyone could have acted: the times count from the declaration."""
    if incident.detected_at is None or incident.declared_at is None:
        return False
    return utc(incident.declared_at) - utc(incident.detected_at) > STALE_DETECTION


def _valid_durations(
    metric: str, incidents: Sequence[IncidentSummary], warnings: list[str]
) -> list[tuple[IncidentSummary, int]]:
    found = []
    for incident in incidents:
        seconds = duration_seconds(metric, incident)
        if seconds is None:
            continue
        if metric == "time_to_acknowledge" and stale_detection(incident):
            assert incident.detected_at is not None and incident.declared_at is not None
            days = (utc(incident.declared_at) - utc(incident.detected_at)).days
            warnings.append(
                f"{incident.id}: detected_at is {days} days before declared_at; "
                "its times count from the declaration"
            )
        if seconds < 0:
            start = _start(metric, incident)
            start_key = start[0] if start else "its start"
            warnings.append(
                f"{incident.id}: {_END_KEY[metric]} is before {start_key}; "
                f"left out of {metric.replace('_', ' ')}"
            )
            continue
        found.append((incident, seconds))
    return found


def _grouped(
    found: Sequence[tuple[IncidentSummary, int]],
    key: Callable[[IncidentSummary], str | None],
    known: Sequence[str],
) -> tuple[GroupDurations, ...]:
    groups: dict[str | None, list[int]] = {k: [] for k in known}
    for incident, seconds in found:
        groups.setdefault(key(incident), []).append(seconds)
    unknown = sorted((k for k in groups if k not in known), key=none_last)
    return tuple(GroupDurations(k, summarize(groups[k])) for k in (*known, *unknown))


def _severity_of(incident: IncidentSummary) -> str | None:
    return incident.severity


def _service_of(incident: IncidentSummary) -> str | None:
    return incident.service
