"""One-alert formats, from our own fixtures (tests/alerts/fixtures/<format>/)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support.alerts import OWN_FIXTURES, RECEIVED_AT, at

from incident_kit.alerts import Delivery, NotAnAlert, ParseOptions, parse_delivery

Parse = Callable[..., Delivery]


# --- PagerDuty -------------------------------------------------------------------------


def test_pagerduty_triggered_acknowledged_resolved_share_the_incident(own_delivery: Parse) -> None:
    triggered = own_delivery("pagerduty/triggered.json")
    acknowledged = own_delivery("pagerduty/acknowledged.json")
    resolved = own_delivery("pagerduty/resolved.json")
    assert {d.dedup_key for d in (triggered, acknowledged, resolved)} == {"pagerduty:Q1EXAMPLE"}
    assert [d.status for d in (triggered, acknowledged, resolved)] == ["firing", "firing", "resolved"]
    assert triggered.title == "Checkout latency SLO burn"
    assert triggered.service == "Checkout"
    assert (triggered.severity, triggered.raw_severity) == ("SEV-2", "P2")
    assert triggered.started_at == at(2026, 11, 26, 15)  # created_at, not occurred_at
    assert [link.url for link in triggered.links] == [
        "https://example.pagerduty.com/incidents/Q1EXAMPLE",
        "https://example.pagerduty.com/services/PSVC1",
    ]
    assert triggered.labels["incident_key"] == "checkout-latency"
    assert (resolved.severity, resolved.raw_severity) == ("SEV-4", "low")  # no priority
    assert resolved.ended_at == at(2026, 11, 26, 15, 45, 30)


def test_pagerduty_minimal_incident(own_delivery: Parse) -> None:
    d = own_delivery("pagerduty/minimal.json")
    assert d.dedup_key == "pagerduty:Q2MINIMAL"
    assert d.title == "PagerDuty incident"
    assert d.service is None and d.severity is None
    assert d.started_at == RECEIVED_AT


@pytest.mark.parametrize("name", ["service-updated", "annotated"])
def test_pagerduty_non_incident_events_are_not_alerts(own_delivery: Parse, name: str) -> None:
    with pytest.raises(NotAnAlert):
        own_delivery(f"pagerduty/{name}.json")


# --- Opsgenie --------------------------------------------------------------------------


def test_opsgenie_create_then_close(own_delivery: Parse) -> None:
    create = own_delivery("opsgenie/create.json")
    close = own_delivery("opsgenie/close.json")
    assert create.dedup_key == close.dedup_key == "opsgenie:6b1f2d6e-1111-4c2a-9d3e-0123456789ab"
    assert (create.status, close.status) == ("firing", "resolved")
    assert create.title == "Queue backlog above 10k"
    assert create.service == "billing-worker"
    assert create.severity == "SEV-1"  # "P1"
    assert create.started_at == at(2026, 11, 26, 15, 0, 0, 123000)  # createdAt ms
    assert close.ended_at == at(2026, 11, 26, 16)  # updatedAt ns (…000789)
    assert create.labels == {"alias": "queue-backlog", "tiny_id": "77", "tags": "queue, payments"}


@pytest.mark.parametrize("name", ["acknowledge", "add-note"])
def test_opsgenie_updates_are_not_alerts(own_delivery: Parse, name: str) -> None:
    with pytest.raises(NotAnAlert):
        own_delivery(f"opsgenie/{name}.json")


def test_opsgenie_minimal(own_delivery: Parse) -> None:
    d = own_delivery("opsgenie/minimal.json")
    assert (d.title, d.dedup_key, d.severity) == ("Opsgenie alert", "opsgenie:min-1", None)
    assert d.started_at == RECEIVED_AT


# --- Sentry ----------------------------------------------------------------------------


def test_sentry_metric_alert_fires_then_resolves(own_delivery: Parse) -> None:
    critical = own_delivery("sentry/metric-critical.json")
    resolved = own_delivery("sentry/metric-resolved.json")
    assert critical.dedup_key == resolved.dedup_key == "sentry:metric:91"
    assert (critical.status, resolved.status) == ("firing", "resolved")
    assert critical.title == resolved.title == "Slow checkout"  # the rule, not "Critical: ..."
    assert critical.service == "checkout-web"
    assert critical.metric == "p95(transaction.duration)"
    assert critical.value == 1523.5
    assert critical.threshold == 1200.0  # the critical trigger's
    assert critical.severity == "SEV-1"
    assert critical.started_at == at(2026, 11, 26, 15, 0, 0, 250000)
    assert resolved.value == 640.0 and resolved.threshold is None and resolved.severity is None
    assert resolved.ended_at == at(2026, 11, 26, 15, 40)


def test_sentry_issue_alert_with_only_an_epoch_float(own_delivery: Parse) -> None:
    d = own_delivery("sentry/issue-epoch-float.json")
    assert d.dedup_key == "sentry:issue:4242"
    assert d.status == "firing"
    assert d.title == "OOMKilled: worker"
    assert d.service == "17"  # no event url to take a slug from: the project id
    assert d.severity == "SEV-1"  # fatal
    assert d.started_at == at(2026, 11, 26, 15, 0, 0, 500000)  # timestamp 1795705200.5
    assert d.labels == {"rule": "Crash rule", "level": "fatal", "environment": "production"}


# --- CloudWatch ------------------------------------------------------------------------

ALARM_ARN_KEY = "cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx"


@pytest.mark.parametrize("name", ["sns-alarm", "message-already-decoded"])
def test_cloudwatch_alarm(own_delivery: Parse, name: str) -> None:
    d = own_delivery(f"cloudwatch/{name}.json")
    assert d.dedup_key == ALARM_ARN_KEY
    assert d.status == "firing"
    assert d.title == "checkout-5xx: Checkout 5xx rate; severity=critical"
    assert d.service == "app/checkout/abc"  # LoadBalancer dimension
    assert d.metric == "HTTPCode_Target_5XX_Count"
    assert d.value == 12.5  # the first datapoint in NewStateReason
    assert d.threshold == 5.0
    assert (d.severity, d.raw_severity) == ("SEV-1", "critical")  # severity= token
    assert d.started_at == at(2026, 11, 26, 15)
    assert [link.url for link in d.links] == [
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
        "#alarmsV2:alarm/checkout-5xx"
    ]


def test_cloudwatch_ok_resolves_the_same_alarm(own_delivery: Parse) -> None:
    d = own_delivery("cloudwatch/sns-ok.json")
    assert d.dedup_key == ALARM_ARN_KEY
    assert d.status == "resolved"
    assert d.ended_at == at(2026, 11, 26, 15, 30)
    assert d.value == 0.0


def test_cloudwatch_insufficient_data_is_ignored_unless_configured(own_delivery: Parse) -> None:
    with pytest.raises(NotAnAlert):
        own_delivery("cloudwatch/lambda-insufficient-data.json")
    d = own_delivery("cloudwatch/lambda-insufficient-data.json", insufficient_data_as_alert=True)
    assert d.status == "firing"
    assert (d.severity, d.raw_severity) == ("SEV-4", "INSUFFICIENT_DATA")


def test_cloudwatch_alarm_severity_comes_from_config(own_delivery: Parse) -> None:
    d = own_delivery("cloudwatch/minimal.json", severity_maps={"cloudwatch": {"alarm": "SEV-2"}})
    assert (d.severity, d.raw_severity) == ("SEV-2", "ALARM")


def test_cloudwatch_minimal_alarm(own_delivery: Parse) -> None:
    d = own_delivery("cloudwatch/minimal.json")
    assert d.dedup_key == "cloudwatch:-:-:lonely"  # no ARN, account or region
    assert d.title == "lonely"
    assert (d.service, d.metric, d.value, d.threshold, d.severity) == (None,) * 5
    assert d.started_at == RECEIVED_AT


def test_sns_unsubscribe_is_not_an_alert(own_delivery: Parse) -> None:
    with pytest.raises(NotAnAlert):
        own_delivery("cloudwatch/unsubscribe-confirmation.json")


# --- Google Cloud Monitoring -----------------------------------------------------------


def test_gcp_incident_open_then_closed(own_delivery: Parse) -> None:
    opened = own_delivery("gcp_monitoring/open.json")
    closed = own_delivery("gcp_monitoring/closed.json")
    assert opened.dedup_key == closed.dedup_key == "gcp-monitoring:0.nabc123def456"
    assert (opened.status, closed.status) == ("firing", "resolved")
    assert opened.title == "Checkout latency"
    assert opened.service == "checkout"  # policy_user_labels.service
    assert opened.metric == "run.googleapis.com/request_latencies"
    assert (opened.value, opened.threshold) == (1.234, 0.8)  # both strings
    assert (opened.severity, opened.raw_severity) == ("SEV-1", "Critical")
    assert opened.started_at == at(2026, 11, 26, 15)  # epoch seconds
    assert opened.ended_at is None
    assert closed.ended_at == at(2026, 11, 26, 15, 30)
    assert [link.title for link in opened.links] == ["Cloud Monitoring incident", "Runbook"]


def test_gcp_minimal_older_version(own_delivery: Parse) -> None:
    d = own_delivery("gcp_monitoring/minimal-v1.1.json")
    assert d.title == "CPU high"  # condition_name
    assert d.value is None and d.threshold is None  # "n/a" and ""
    assert d.severity is None and d.service is None
    assert d.started_at == at(2026, 11, 26, 15)  # epoch seconds as a string


# --- Azure Monitor ---------------------------------------------------------------------


def test_azure_metric_alert_fired_then_resolved(own_delivery: Parse) -> None:
    fired = own_delivery("azure_monitor/metric-fired.json")
    resolved = own_delivery("azure_monitor/metric-resolved.json")
    assert fired.dedup_key == resolved.dedup_key
    assert fired.dedup_key.startswith("azure-monitor:/subscriptions/00000000-")
    assert (fired.status, resolved.status) == ("firing", "resolved")
    assert fired.title == "checkout-cpu-high"
    assert fired.service == "checkout-vm-1"  # last segment of the target resource id
    assert (fired.metric, fired.value, fired.threshold) == ("Percentage CPU", 97.25, 90.0)
    assert fired.severity == "SEV-1"  # Sev0
    assert fired.started_at == at(2026, 11, 26, 15, 0, 0, 123456)  # 7 digits
    assert resolved.ended_at == at(2026, 11, 26, 15, 20, 30, 765432)
    assert resolved.value == 41.5
    assert len(fired.links) == 1 and fired.links[0].title == "Investigate"


def test_azure_log_alert_falls_back_to_essentials(own_delivery: Parse) -> None:
    d = own_delivery("azure_monitor/log-fired.json")
    assert d.title == "too-many-errors-in-logs"
    assert d.service == "prod-logs"
    assert d.metric is None
    assert (d.value, d.threshold) == (25.0, 10.0)
    assert d.severity == "SEV-3"  # Sev2
    assert [link.title for link in d.links] == ["Search results"]


# --- Datadog ---------------------------------------------------------------------------


def test_datadog_template_trigger_and_recovery(own_delivery: Parse) -> None:
    triggered = own_delivery("datadog/template-triggered.json")  # detected: our template
    recovered = own_delivery("datadog/template-recovered.json")
    assert triggered.format == "datadog"
    assert triggered.dedup_key == recovered.dedup_key == "datadog:cycle:7162731942349284561"
    assert (triggered.status, recovered.status) == ("firing", "resolved")
    assert triggered.title == "Checkout latency is high"
    assert triggered.service == "checkout"
    assert triggered.metric == "trace.http.request.duration"
    assert (triggered.severity, triggered.raw_severity) == ("SEV-2", "P2")
    assert triggered.started_at == at(2026, 11, 26, 15)  # $DATE, epoch ms as a string
    assert recovered.ended_at == at(2026, 11, 26, 15, 30)
    assert [link.url for link in triggered.links] == ["https://app.datadoghq.com/event/event?id=987654321"]


def test_datadog_unsubstituted_variables_count_as_missing(own_delivery: Parse) -> None:
    d = own_delivery("datadog/template-unset-variables.json")
    assert d.dedup_key == "datadog:monitor:555:host:web-1"  # no cycle key: monitor + scope
    assert d.title == "Disk filling up"  # "[P3] [Warn on {host:web-1}]" stripped
    assert d.status == "firing"
    assert (d.severity, d.raw_severity) == ("SEV-3", "warning")  # priority unset: alert_type
    assert d.service is None and d.metric is None and d.links == ()
    assert d.started_at == RECEIVED_AT


def test_datadog_default_template_is_detected_without_naming_the_format(own_delivery: Parse) -> None:
    d = own_delivery("datadog/default-template.json")
    assert d == own_delivery("datadog/default-template.json", format_name="datadog")
    assert d.dedup_key == "datadog:title:host:db-1:Disk usage high"
    assert d.title == "Disk usage high"
    assert d.status == "firing"  # "[Triggered ...]"
    assert d.started_at == at(2026, 11, 26, 15)


def test_every_own_fixture_is_exercised() -> None:
    """A fixture nobody asserts on is dead weight: each file must be named in some test."""
    sources = "".join(p.read_text("utf-8") for p in OWN_FIXTURES.parent.glob("test_*.py"))
    for path in OWN_FIXTURES.rglob("*.json"):
        relative = path.relative_to(OWN_FIXTURES).as_posix()
        stem = f"{path.parent.name}/{path.stem}"
        assert relative in sources or f'"{path.stem}"' in sources or stem in sources, relative


def test_severity_map_from_config_overrides_the_built_in_entry(options: ParseOptions) -> None:
    raw = (OWN_FIXTURES / "opsgenie/create.json").read_bytes()
    remapped = ParseOptions(received_at=options.received_at, severity_maps={"opsgenie": {"p1": "sev-2"}})
    assert parse_delivery(raw, options=remapped).severity == "SEV-2"
    bogus = ParseOptions(received_at=options.received_at, severity_maps={"opsgenie": {"p1": "x"}})
    assert parse_delivery(raw, options=bogus).severity == "SEV-1"  # invalid entry ignored
