"""Assembling `Alert`s and `Delivery`s the same way in every adapter."""

from __future__ import annotations

from datetime import UTC, datetime

from incident_kit.alerts.fields import TEXT_LEN
from incident_kit.alerts.model import Alert, AlertStatus, Delivery, ParseOptions

RESOLVED_WORDS = frozenset({"resolved", "ok", "recovered", "closed", "inactive", "normal"})


def status_from(raw: object, *, resolved: frozenset[str] = RESOLVED_WORDS) -> AlertStatus:
    """Firing unless the value says resolved: an unknown status must not hide a problem."""
    if isinstance(raw, str) and raw.strip().lower() in resolved:
        return "resolved"
    return "firing"


def start_time(parsed: datetime | None, options: ParseOptions) -> datetime:
    """The payload's start time, else when the delivery was received (the model's promise)."""
    if parsed is not None:
        return parsed
    received = options.received_at
    return received.replace(tzinfo=UTC) if received.tzinfo is None else received.astimezone(UTC)


def with_suffix(title: str, suffix: str, max_len: int = TEXT_LEN) -> str:
    """`title` + `suffix` within `max_len`, shortening the title rather than the suffix."""
    if not suffix:
        return title
    room = max_len - len(suffix)
    if len(title) > room:
        title = title[: max(room - 1, 0)].rstrip() + "…"
    return title + suffix


def single(format_name: str, source: str, alert: Alert, *, test_notification: str | None = None) -> Delivery:
    """The delivery of a one-alert format: the alert's fields are the incident's."""
    return Delivery(
        format=format_name,
        source=source,
        dedup_key=alert.dedup_key,
        status=alert.status,
        title=alert.title,
        alerts=(alert,),
        service=alert.service,
        metric=alert.metric,
        value=alert.value,
        threshold=alert.threshold,
        severity=alert.severity,
        started_at=alert.started_at,
        links=alert.links,
        labels=alert.labels,
        raw_severity=alert.raw_severity,
        ended_at=alert.ended_at,
        test_notification=test_notification,
    )
