"""The JSON document of `incident stats --format json`: its shape is a public contract.

Durations are whole seconds (null when there is nothing to measure). Keys from closed sets
(statuses, severities, kinds, metrics) are object keys; groups whose key may be missing
(service, owner) are arrays of objects with a nullable key field, in the order of `Stats`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from incident_kit.reports.stats.durations import Durations, utc
from incident_kit.reports.stats.figures import Stats


def as_dict(stats: Stats) -> dict[str, Any]:
    """`stats` as plain JSON-able data (see the module doc and docs/stats.md)."""
    return {
        "generated_at": utc(stats.generated_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "filters": {
            "since": _iso(stats.filters.since),
            "until": _iso(stats.filters.until),
            "service": stats.filters.service,
            "severity": stats.filters.severity,
        },
        "incidents": {
            "total": stats.total,
            "undated": stats.undated,
            "by_status": {c.key: c.count for c in stats.by_status},
            "by_severity": {c.key: c.count for c in stats.by_severity},
            "by_kind": {c.key: c.count for c in stats.by_kind},
            "by_service": [{"service": c.key, "count": c.count} for c in stats.by_service],
            "by_month": [
                {
                    "month": m.month,
                    "total": m.total,
                    "by_severity": {c.key: c.count for c in m.by_severity},
                }
                for m in stats.by_month
            ],
        },
        "excluded_from_times": {
            "drill": stats.excluded_from_times.drill,
            "merged": stats.excluded_from_times.merged,
            "cancelled": stats.excluded_from_times.cancelled,
        },
        "times": {
            m.name: {
                "overall": _durations(m.overall),
                "by_severity": {g.key: _durations(g.durations) for g in m.by_severity},
                "by_service": [{"service": g.key, **_durations(g.durations)} for g in m.by_service],
            }
            for m in stats.times
        },
        "time_to_resolve_by_month": [
            {"month": m.month, **_durations(m.durations)} for m in stats.resolve_trend
        ],
        "action_items": {
            "total": stats.action_items.total,
            "open": stats.action_items.open,
            "overdue": stats.action_items.overdue,
            "by_owner": [
                {"owner": o.owner, "open": o.open, "overdue": o.overdue} for o in stats.action_items.by_owner
            ],
            "overdue_items": [
                {
                    "incident_id": o.incident_id,
                    "item_id": o.item_id,
                    "text": o.text,
                    "owner": o.owner,
                    "due": o.due.isoformat(),
                    "days_overdue": o.days_overdue,
                }
                for o in stats.action_items.overdue_items
            ],
        },
        "repeat_offenders": [
            {"kind": o.kind, "key": o.key, "count": o.count, "incident_ids": list(o.incident_ids)}
            for o in stats.repeat_offenders
        ],
        "warnings": list(stats.warnings),
    }


def render_json(stats: Stats) -> str:
    """One JSON document, pretty-printed, ending in a newline."""
    return json.dumps(as_dict(stats), indent=2, ensure_ascii=False) + "\n"


def _durations(durations: Durations) -> dict[str, int | None]:
    return {
        "count": durations.count,
        "median_seconds": durations.median_seconds,
        "p90_seconds": durations.p90_seconds,
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
