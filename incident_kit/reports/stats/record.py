"""What `stats` and the index need of one incident, worked out once from its summary.

A `StatRecord` holds the incident's groups (status, severity, kind, service, dedup key), why it
is left out of the response times (`exclusion`), its date (as one integer, `order`, and as a
month), each metric's duration and data warnings, the newest moment it records and whether it
is open. It is
a function of the incident file alone (never of `now`, the filters or the team's scale), so a
whole-repository read can keep it per folder and count a warm repository without rebuilding
10,000 summaries (`summaries/report_records` keeps them; `tally.StatsTally` counts them).
`row` and `from_row` are its JSON form.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from incident_kit.model import OPEN_STATUSES, TIMESTAMP_KEYS, IncidentSummary
from incident_kit.reports.stats.durations import METRICS, measured, month_of, reference_time, utc

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
UNDATED = 2**63 - 1  # the `order` of an incident with no date: after every dated one


class StatRecord(NamedTuple):
    id: str
    path: str  # the folder, relative to the repository root
    status: str
    severity: str
    kind: str
    service: str | None
    dedup_key: str | None
    exclusion: str | None  # why it is left out of the times (see `exclusion`), None: it is not
    order: int  # its reference time in microseconds since the epoch; UNDATED when it has none
    month: str | None  # the "YYYY-MM" of its reference time (None: undated)
    durations: Sequence[int | None]  # each metric's valid seconds, in METRICS order
    warnings: Sequence[tuple[int, str]]  # data warnings: (index in METRICS, message), in that order
    latest: int | None  # its newest lifecycle timestamp, in microseconds since the epoch
    is_open: bool


def record_of(incident: IncidentSummary) -> StatRecord:
    reason = exclusion(incident)
    durations, warnings = measured(incident) if reason is None else ([None] * len(METRICS), [])
    moment = reference_time(incident)
    latest = latest_moment(incident)
    return StatRecord(
        incident.id,
        incident.path,
        incident.status,
        incident.severity,
        incident.kind,
        incident.service,
        incident.dedup_key,
        reason,
        UNDATED if moment is None else micros(moment),
        None if moment is None else month_of(moment),
        durations,
        warnings,
        None if latest is None else micros(latest),
        incident.status in OPEN_STATUSES,
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


def latest_moment(incident: IncidentSummary) -> datetime | None:
    """The newest lifecycle timestamp the incident records (UTC)."""
    moments = [utc(value) for key in TIMESTAMP_KEYS if (value := getattr(incident, key, None)) is not None]
    return max(moments, default=None)


def micros(moment: datetime) -> int:
    """An aware moment as microseconds since the epoch (exact, unlike `timestamp()`)."""
    return (moment - _EPOCH) // _MICROSECOND


def moment_of(order: int) -> datetime:
    """The UTC moment `micros` made `order` from."""
    return _EPOCH + timedelta(microseconds=order)


def row(record: StatRecord) -> list[Any]:
    """The record as a JSON array (without its path: the cache line holds the folder)."""
    return [record[0], *record[2:]]


def from_row(path: str, values: list[Any]) -> StatRecord:
    """The record `row` wrote; ValueError when `values` is not one (a damaged cache line)."""
    if not isinstance(values, list) or len(values) != len(StatRecord._fields) - 1:
        raise ValueError("not a stat record")
    record = StatRecord(values[0], path, *values[1:])
    if not isinstance(record.order, int) or len(record.durations) != len(METRICS):
        raise ValueError("not a stat record")
    if not isinstance(record.warnings, list):
        raise ValueError("not a stat record")
    return record
