"""The seed's native payload, and alerts arriving wrapped in a repository_dispatch."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support.alerts import OWN_FIXTURES, RECEIVED_AT, at

from incident_kit.alerts import Delivery, ParseOptions, parse_delivery
from incident_kit.errors import InputError

Parse = Callable[..., Delivery]
SEED_KEY = "native:production_monitor:spec-core-001-authentication:p99_latency"


def test_seed_payload(own_delivery: Parse) -> None:
    d = own_delivery("native/seed.json")
    assert (d.format, d.source) == ("native", "production_monitor")
    assert d.dedup_key == SEED_KEY
    assert d.status == "firing"
    assert d.title == "p99_latency 350 above SLO 200 on spec-core-001-authentication"
    assert d.service == "spec-core-001-authentication"
    assert (d.metric, d.value, d.threshold) == ("p99_latency", 350.0, 200.0)
    assert (d.severity, d.raw_severity) == ("SEV-2", "SEV-2")
    assert d.started_at == RECEIVED_AT
    assert len(d.alerts) == 1 and d.alerts[0].dedup_key == SEED_KEY


def test_native_resolved_joins_the_same_key(own_delivery: Parse) -> None:
    d = own_delivery("native/resolved.json")
    assert d.dedup_key == SEED_KEY
    assert d.status == "resolved"
    assert d.title == "p99_latency 180 below SLO 200 on spec-core-001-authentication"
    assert d.severity == "SEV-2"  # "sev2"
    assert d.started_at == at(2026, 11, 26, 15)  # "+0000"
    assert d.ended_at == at(2026, 11, 26, 15, 30)  # epoch seconds as a string


def test_native_optional_extras(own_delivery: Parse) -> None:
    d = own_delivery("native/extras.json")
    assert d.title == "Search availability dropped"
    assert d.severity == "SEV-1"  # the integer 1
    assert (d.value, d.threshold) == (0.97, 0.999)
    assert d.started_at == at(2026, 11, 26, 15)  # `timestamp`, epoch ms as an int
    assert [(link.title, link.url) for link in d.links] == [
        ("Source", "https://status.example.com/checks/search"),
        ("Runbook", "https://runbooks.example.com/search"),
        ("Link", "https://grafana.example.com/d/search"),
        ("Logs", "https://logs.example.com/search"),
    ]  # the javascript: link is dropped
    assert d.labels == {"region": "eu-west-1", "tier": "1"}  # the nested value is not a label


def test_native_minimal(own_delivery: Parse) -> None:
    d = own_delivery("native/minimal.json")
    assert d.source == "native"
    assert d.dedup_key == "native:native:spec-core-002-payments:error_rate"
    assert d.value == 0.07  # "0.07"
    assert d.threshold is None and d.severity is None
    assert d.title == "error_rate 0.07 on spec-core-002-payments"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("SEV-1", "SEV-1"), ("sev3", "SEV-3"), ("Sev 4", "SEV-4"), ("2", "SEV-2"), (4, "SEV-4"),
     ("critical", "SEV-1"), ("SEV-5", None), ("urgent", None), (None, None), (True, None)],
)  # fmt: skip
def test_native_severity_forms(raw: object, expected: str | None, options: ParseOptions) -> None:
    from incident_kit.alerts.native import FORMAT

    payload = {"spec_id": "s", "metric": "m", "value": 1, "severity": raw}
    assert FORMAT.parse(payload, options).severity == expected


@pytest.mark.parametrize(
    "name",
    [
        "event-native",  # the workflow's whole event, client_payload.alert
        "client-payload-only",  # toJson(github.event.client_payload)
        "bare-native",  # client_payload is the native payload itself
        "alert-as-string",  # client_payload.alert as a JSON string
    ],
)
def test_dispatch_unwraps_to_the_native_payload(own_delivery: Parse, name: str) -> None:
    d = own_delivery(f"github_dispatch/{name}.json")
    assert d.format == "native"
    assert d.dedup_key == SEED_KEY
    assert d.title == "p99_latency 350 above SLO 200 on spec-core-001-authentication"


def test_dispatch_unwraps_a_group(own_delivery: Parse) -> None:
    wrapped = own_delivery("github_dispatch/rest-body-alertmanager.json")
    direct = own_delivery("alertmanager/group-firing.json")
    assert wrapped == direct


def test_dispatch_of_a_bare_payload_with_its_own_alert_key(own_delivery: Parse) -> None:
    # Opsgenie's envelope has an `alert` key: client_payload itself is the alert here
    assert own_delivery("github_dispatch/bare-opsgenie.json") == own_delivery("opsgenie/create.json")


def test_forced_format_applies_inside_the_dispatch(own_delivery: Parse) -> None:
    # Datadog's default payload is detected inside the envelope too, and forcing agrees
    detected = own_delivery("github_dispatch/custom-datadog.json")
    assert detected == own_delivery("datadog/default-template.json")
    wrapped = own_delivery("github_dispatch/custom-datadog.json", format_name="datadog")
    assert wrapped == own_delivery("datadog/default-template.json", format_name="datadog")


def test_sender_names_the_format_in_the_client_payload(own_delivery: Parse) -> None:
    hinted = own_delivery("github_dispatch/format-hint-datadog.json")  # client_payload.format
    assert hinted == own_delivery("datadog/default-template.json", format_name="datadog")


def test_forced_format_names(options: ParseOptions) -> None:
    raw = (OWN_FIXTURES / "gcp_monitoring/open.json").read_bytes()
    for name in ("gcp-monitoring", "GCP_Monitoring", " gcp_monitoring "):
        assert parse_delivery(raw, options=options, format_name=name).format == "gcp-monitoring"
    with pytest.raises(InputError) as raised:
        parse_delivery(raw, options=options, format_name="nagios\n<!here>")
    message = str(raised.value)
    assert "valid formats: azure-monitor, cloudwatch" in message
    assert "\n" not in message and "<!here>" not in message
    # a forced format that does not fit fails cleanly too
    with pytest.raises(InputError):
        parse_delivery(raw, options=options, format_name="alertmanager")
