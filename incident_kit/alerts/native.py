"""The seed's own flat payload, and what a hand-written sender is likely to add to it.

    {"source": "production_monitor", "spec_id": "spec-core-001-authentication",
     "metric": "p99_latency", "value": 350, "slo": 200, "severity": "SEV-2"}

`spec_id` is the service (config maps spec ids to services by alias). Optional extras:
`status` ("resolved"), `title`, `started_at`/`timestamp`, `ended_at`, `threshold` (for `slo`),
`url`/`runbook_url`/`links`, `labels`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import single, start_time, status_from
from incident_kit.alerts.model import Alert, Delivery, ParseOptions
from incident_kit.alerts.severity import NATIVE, map_severity
from incident_kit.alerts.timestamps import parse_timestamp


class NativeFormat:
    name = "native"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        return all(f.has(payload, k) for k in ("spec_id", "metric", "value"))

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        return None  # our own shape names no system

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        source = f.get_text(payload, "source", max_len=f.NAME_LEN) or "native"
        service = f.get_text(payload, "spec_id")
        metric = f.get_text(payload, "metric", max_len=f.NAME_LEN)
        value = f.get_number(payload, "value")
        threshold = f.get_number(payload, "slo")
        if threshold is None:
            threshold = f.get_number(payload, "threshold")
        severity, raw_severity = map_severity(self.name, payload.get("severity"), NATIVE, options)
        status = status_from(payload.get("status"))
        alert = Alert(
            title=f.get_text(payload, "title")
            or f.text(_title(metric, value, threshold, service))
            or "alert",
            status=status,
            # raw values, so two specs differing only in unprintable characters stay apart
            dedup_key=f.key(
                "native",
                payload.get("source") or "native",
                payload.get("spec_id"),
                payload.get("metric"),
            ),
            service=service,
            metric=metric,
            value=value,
            threshold=threshold,
            severity=severity,
            raw_severity=raw_severity,
            started_at=start_time(
                parse_timestamp(payload.get("started_at")) or parse_timestamp(payload.get("timestamp")),
                options,
            ),
            ended_at=parse_timestamp(payload.get("ended_at")) if status == "resolved" else None,
            links=f.links(_link_pairs(payload)),
            labels=f.labels(payload.get("labels")),
        )
        return single(self.name, source, alert)


def _title(metric: str | None, value: float | None, threshold: float | None, service: str | None) -> str:
    what = metric or "alert"
    if value is not None and threshold is not None:
        side = "above" if value > threshold else "below" if value < threshold else "at"
        what = f"{what} {format_number(value)} {side} SLO {format_number(threshold)}"
    elif value is not None:
        what = f"{what} {format_number(value)}"
    return f"{what} on {service}" if service else what


def format_number(value: float) -> str:
    """350.0 → "350", 0.25 → "0.25": how a person would write the payload's number."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def _link_pairs(payload: Mapping[str, Any]) -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = [
        ("Source", payload.get("url")),
        ("Runbook", payload.get("runbook_url")),
    ]
    for item in f.get_list(payload, "links"):
        if isinstance(item, str):
            pairs.append(("Link", item))
        elif isinstance(item, Mapping):
            pairs.append((f.get_text(item, "title", max_len=80) or "Link", item.get("url")))
    return pairs


FORMAT = NativeFormat()
