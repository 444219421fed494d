"""Alertmanager and Grafana groups: one delivery per group, listing its alerts."""

from __future__ import annotations

from collections.abc import Callable

from support.alerts import RECEIVED_AT, at

from incident_kit.alerts import Delivery

Parse = Callable[..., Delivery]
AM_GROUP_KEY = 'alertmanager:{}/{team="payments"}:{alertname="CheckoutErrors"}'
GRAFANA_GROUP_KEY = 'grafana:{}/{service="api"}:{service="api"}'


def test_alertmanager_group_is_one_delivery_listing_every_alert(own_delivery: Parse) -> None:
    d = own_delivery("alertmanager/group-firing.json")
    assert d.format == "alertmanager"
    assert d.dedup_key == AM_GROUP_KEY
    assert d.status == "firing"  # two of three alerts fire
    assert [a.status for a in d.alerts] == ["firing", "firing", "resolved"]
    # titled by what fires: 2 of the 3 listed, and the 2 the sender truncated said as such
    assert d.title == "Checkout error rate above 5% (2 firing, +2 not listed)"
    assert d.truncated_alerts == 2
    assert d.service == "checkout"
    assert d.severity == "SEV-1"  # one firing alert is critical
    assert d.raw_severity == "warning"  # no common severity label: the first alert's
    assert d.started_at == at(2026, 11, 26, 14, 50)  # the earliest alert
    assert d.ended_at is None
    assert [a.dedup_key for a in d.alerts] == [
        "alertmanager:fingerprint:0f1e2d3c4b5a6978",
        "alertmanager:fingerprint:8899aabbccddeeff",
        "alertmanager:fingerprint:1122334455667788",
    ]
    assert d.alerts[0].started_at == at(2026, 11, 26, 15, 4, 5, 123456)  # ns truncated
    assert d.alerts[0].ended_at is None  # zero time
    assert d.alerts[2].ended_at == at(2026, 11, 26, 15)
    assert [(link.title, link.url) for link in d.links] == [
        ("Source", "https://prometheus.example.com/graph?g0.expr=rate%28errors%5B5m%5D%29"),
        ("Runbook", "https://runbooks.example.com/checkout-errors"),
        ("Alertmanager", "https://alertmanager.example.com"),
    ]
    assert d.labels == {"alertname": "CheckoutErrors", "service": "checkout", "team": "payments"}


def test_alertmanager_resolved_group_keeps_the_group_key(own_delivery: Parse) -> None:
    d = own_delivery("alertmanager/group-resolved.json")
    assert d.dedup_key == AM_GROUP_KEY  # what links it to the firing delivery
    assert d.status == "resolved"
    assert d.severity == "SEV-3"
    assert d.started_at == at(2026, 11, 26, 15, 2)
    assert d.ended_at == at(2026, 11, 26, 15, 45)  # the last alert to end
    assert d.title == "Checkout error rate above 5% (2 resolved)"  # all resolved: their count


def test_alertmanager_minimal_alert_degrades_gracefully(own_delivery: Parse) -> None:
    d = own_delivery("alertmanager/minimal.json")
    assert d.status == "firing"  # neither alert nor group status: firing
    assert d.title == "DiskFull"
    assert d.service == "node"  # job label
    assert d.severity is None and d.raw_severity is None
    assert d.started_at == RECEIVED_AT
    assert d.links == ()
    # no fingerprint: the label set identifies the alert
    assert d.alerts[0].dedup_key == 'alertmanager:labels:{"alertname": "DiskFull", "job": "node"}'


def test_grafana_group(own_delivery: Parse) -> None:
    d = own_delivery("grafana/group-firing.json")
    assert d.format == "grafana"
    assert d.dedup_key == GRAFANA_GROUP_KEY
    assert d.status == "firing"
    assert d.title == "API p99 latency above 800 ms (2 firing)"  # no common summary/alertname
    assert d.service == "api"
    assert d.severity == "SEV-2"  # high beats warning
    assert d.started_at == at(2026, 11, 26, 15, 0, 0, 500000)  # 17:00:00.5+02:00
    assert d.value is None  # several alerts
    assert [a.value for a in d.alerts] == [912.5, 0.031]  # refId A, then B
    assert [link.title for link in d.alerts[0].links] == ["Rule", "Dashboard", "Silence", "Runbook"]


def test_grafana_resolved_group(own_delivery: Parse) -> None:
    d = own_delivery("grafana/group-resolved.json")
    assert d.dedup_key == GRAFANA_GROUP_KEY
    assert d.status == "resolved"
    assert d.ended_at == at(2026, 11, 26, 23, 0)  # 17:30-05:30 is the latest end
    assert d.alerts[1].ended_at == at(2026, 11, 26, 14, 10)  # 16:10+02:00
    assert d.alerts[0].value is None  # values: null


def test_grafana_nodata_alert_is_detected_without_org_id(own_delivery: Parse) -> None:
    d = own_delivery("grafana/nodata.json")
    assert d.format == "grafana"  # version 1 + state
    assert d.title == "DatasourceNoData"
    assert d.status == "firing"
    assert d.service is None
    assert d.started_at == at(2026, 11, 26, 15)
