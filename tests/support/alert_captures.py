"""Checking a parsed real capture against expectations written by hand from its text."""

from __future__ import annotations

from typing import Any

from incident_kit.alerts import Delivery
from support.alert_safety import assert_delivery_safe

# what every capture's expectations must state (value/threshold only where the format has them)
REQUIRED = {
    "format", "status", "dedup_key", "title", "service", "severity", "started_at", "alerts", "links",
}  # fmt: skip
_FIELDS = (
    "format", "status", "dedup_key", "title", "service", "severity", "metric", "source", "value",
    "threshold", "started_at", "ended_at", "raw_severity", "test_notification", "truncated_alerts",
)  # fmt: skip


def assert_capture_matches(delivery: Delivery, expected: dict[str, Any], relative: str) -> None:
    missing = REQUIRED - set(expected)
    assert not missing, f"the expectations for {relative} lack {sorted(missing)}"
    assert_delivery_safe(delivery)
    for name in _FIELDS:
        if name in expected:
            assert getattr(delivery, name) == expected[name], name
    if "source" not in expected:
        assert delivery.source == expected["format"]
    if "test_notification" not in expected:
        assert delivery.test_notification is None, "only the captures that say so are tests"
    assert len(delivery.alerts) == expected["alerts"]
    if "alert_keys" in expected:
        assert [a.dedup_key for a in delivery.alerts] == expected["alert_keys"]
    if "alert_statuses" in expected:
        assert [a.status for a in delivery.alerts] == expected["alert_statuses"]
    if "alert_values" in expected:
        assert [a.value for a in delivery.alerts] == expected["alert_values"]
    if "links" in expected:
        assert [link.url for link in delivery.links] == expected["links"]
    if "link_titles" in expected:
        assert [link.title for link in delivery.links] == expected["link_titles"]
    for name, value in expected.get("labels", {}).items():
        assert delivery.alerts[0].labels.get(name) == value, name
    if "description" in expected:
        assert delivery.alerts[0].description == expected["description"]
