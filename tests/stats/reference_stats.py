"""The list-based `compute_stats` as it was before it streamed (frozen copy, for equivalence).

`incident_kit.reports.stats.compute.compute_stats` now keeps tallies in one pass; the tests in
`test_stats_streaming.py` check it gives exactly what this sorted-list version gave. Only the
computation is copied: the result types are the real ones, so results compare with `==`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime

from incident_kit.errors import InputError
from incident_kit.model import KINDS, SEVERITIES, STATUSES, ActionItem, IncidentSummary
from incident_kit.reports.stats.durations import (
    _END_KEY,
    METRICS,
    GroupDurations,
    MetricStats,
    MonthDurations,
    _start,
    duration_seconds,
    month_of,
    none_last,
    reference_time,
    stale_detection,
    summarize,
    utc,
)
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
from incident_kit.reports.stats.record import exclusion
from incident_kit.reports.stats.tally import month_range


def reference_stats(
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
