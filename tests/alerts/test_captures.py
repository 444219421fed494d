"""Every real-world capture in shared/fixtures/alerts, normalised field by field.

Expected values were read off each payload by hand (times converted to UTC by hand and
checked with `date -u -d @<epoch>`), not copied from the parser's output.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from support.alert_captures import assert_capture_matches
from support.alert_safety import assert_delivery_safe
from support.alerts import CAPTURES as CAPTURE_DIR
from support.alerts import RECEIVED_AT, at

from incident_kit.alerts import NotAnAlert, ParseOptions, parse_delivery
from incident_kit.errors import InputError

CAPTURES: dict[str, dict[str, Any]] = {
    "alertmanager/firing-two-alerts-grouped-zulip.json": {
        "format": "alertmanager",
        "source": "alertmanager",
        "status": "firing",
        "dedup_key": "alertmanager:{}/{}:{}",
        "title": "High CPU core temperature (2 firing)",  # commonAnnotations.summary
        "service": None,  # no service/job/namespace label anywhere
        "severity": "SEV-1",  # severity=critical
        "started_at": at(2020, 2, 6, 0, 17, 58, 432911),
        "alerts": 2,
        "alert_keys": [
            "alertmanager:fingerprint:a1bc48475b20e73d",
            "alertmanager:fingerprint:c2ea85182f28cbd9",
        ],
        "links": [
            "http://cobalt:9090/graph?g0.expr=avg+by%28host%29+%28sensors_temp_input%7Bfeature"
            "%3D~%22core_%5B0-9%5D%2B%22%7D%29+%3E+15&g0.tab=1",
            "http://ops1:9093",
        ],
    },
    "alertmanager/resolved-kube-prometheus-group-prom2teams.json": {
        "format": "alertmanager",
        "status": "resolved",
        "dedup_key": 'alertmanager:{}/{alertname="CPUThrottlingHigh"}:{}',
        "title": "CPUThrottlingHigh",  # no common summary: commonLabels.alertname
        "service": "monitoring",  # the namespace label
        "severity": "SEV-3",  # warning
        "started_at": at(2019, 1, 28, 20, 26, 23, 868893),
        "ended_at": at(2019, 1, 28, 20, 27, 23, 868893),
        "alerts": 1,
        "link_titles": ["Source", "Runbook", "Alertmanager"],
        "links": [
            "http://ot-mon-prometheus-operator-prometheus.monitoring:9090/graph?g0.expr=100+%2A+sum"
            "+by%28container_name%2C+pod_name%2C+namespace%29+%28increase%28container_cpu_cfs_thro"
            "ttled_periods_total%5B5m%5D%29%29+%2F+sum+by%28container_name%2C+pod_name%2C+namespac"
            "e%29+%28increase%28container_cpu_cfs_periods_total%5B5m%5D%29%29+%3E+25&g0.tab=1",
            "https://github.com/kubernetes-monitoring/kubernetes-mixin/tree/master/runbook.md"
            "#alert-name-cputhrottlinghigh",
            "http://ot-mon-prometheus-operator-alertmanager.monitoring:9093",
        ],
    },
    "alertmanager/firing-legacy-minimal-prometheus-msteams.json": {
        "format": "alertmanager",
        "status": "firing",  # no per-alert status: the group's
        "dedup_key": 'alertmanager:{}:{alertname="high_memory_load"}',
        "title": "Prometheus Test",
        "service": "docker_nodes",  # the one alert's job label
        "severity": "SEV-3",
        "started_at": at(2018, 3, 7, 11, 33, 21, 873077),  # -05:00 offset
        "ended_at": None,  # zero time
        "alerts": 1,
        # commonAnnotations.runbook, then the Alertmanager itself
        "links": [
            "https://github.com/bzon/prometheus-msteams",
            "http://docker.for.mac.host.internal:9093",
        ],
    },
    "grafana/docs-example-firing-two-alerts.json": {
        "format": "grafana",
        "status": "firing",
        "dedup_key": "grafana:{}:{}",
        "title": "This alert was triggered for zone us-1 (2 firing)",  # first alert's summary
        "service": None,
        "severity": None,
        "started_at": at(2021, 10, 12, 7, 51, 3, 157076),  # +02:00
        "alerts": 2,
        "value": None,  # two alerts: no single value
        "alert_values": [44.23943737541908, 44.23943737541908],  # refId B (C is the condition)
        "links": [
            "https://play.grafana.org/alerting/1afz29v7z/edit",
            "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname"
            "%3DT2%2Cteam%3Dblue%2Czone%3Dus-1",
            "https://myrunbook.com/runbook/1234",
            "https://play.grafana.org/alerting/d1rdpdv7k/edit",
            "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname"
            "%3DT1%2Cteam%3Dblue%2Czone%3Deu-1",
            "https://play.grafana.org/",
        ],
    },
    "grafana/default-payload-one-alert-grafana-alerting-test.json": {
        "format": "grafana",
        "status": "firing",
        "dedup_key": "grafana:alertname",
        "title": "alert1",
        "service": None,
        "severity": None,
        "started_at": RECEIVED_AT,  # startsAt is the zero time
        "alerts": 1,
        "value": None,  # values: null
        "links": [
            "http://localhost/test?orgId=1",
            "http://localhost/alerting/silence/new?alertmanager=grafana&matcher=alertname%3Dalert1"
            "&matcher=lbl1%3Dval1&orgId=1",
            "http://localhost",
        ],
    },
    "grafana/firing-with-values-image-v11-zulip.json": {
        "format": "grafana",
        "status": "firing",
        "dedup_key": 'grafana:{}/{debug="true"}:{alertname="Memory (copy)", grafana_folder="device"}',
        "title": "High memory usage",
        "service": None,  # labels alertname/debug/grafana_folder only
        "severity": None,
        "started_at": at(2024, 3, 1, 2, 9),
        "alerts": 1,
        "value": 2473545728.0,  # refId A
        "threshold": None,
        "link_titles": ["Rule", "Dashboard", "Panel", "Silence", "Image", "Grafana"],
        "links": [
            "https://play.grafana.org/alerting/grafana/dd2f0260-3cfc-4c65-a4c4-f3f632c551f4/view?orgId=1",
            "https://play.grafana.org/d/ece9fb32-7f71-4be9-bd94-2f23608ae5b9?orgId=1",
            "https://play.grafana.org/d/ece9fb32-7f71-4be9-bd94-2f23608ae5b9?orgId=1&viewPanel=2",
            "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matcher=alertname"
            "%3DMemory+%28copy%29&matcher=debug%3Dtrue&matcher=grafana_folder%3Ddevice&orgId=1",
            "https://grafana.com/assets/img/blog/mixed_styles.png",
            "https://play.grafana.org/",
        ],
    },
    "grafana/resolved-v9-zulip.json": {
        "format": "grafana",
        "status": "resolved",
        "dedup_key": 'grafana:{}/{test="true"}:{}',
        "title": "This is a summary field, failure on <no value>",
        "service": None,
        "severity": None,
        "links": [
            "https://grafana.example.com/alerting/grafana/zTjxv_C7k/view",
            "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname"
            "%3DTest+alert&matcher=test%3Dtrue",
            "https://example.com/",
            "https://grafana.example.com/",
        ],
        "started_at": at(2022, 6, 17, 0, 41, 0, 782137),
        "ended_at": at(2022, 6, 17, 0, 51, 24, 67337),
        "alerts": 1,
        "value": None,  # only a valueString
    },
    "pagerduty/v3-incident-triggered-zulip.json": {
        "format": "pagerduty",
        "status": "firing",
        "dedup_key": "pagerduty:PFQZPSY",
        "title": "Test Incident 3",
        "service": "pig208",
        "severity": "SEV-2",  # priority null, urgency high
        "raw_severity": "high",
        "started_at": at(2021, 6, 4, 13, 35, 29, 781000),  # no created_at: occurred_at
        "alerts": 1,
        "links": [
            "https://pig208.pagerduty.com/incidents/PFQZPSY",
            "https://pig208.pagerduty.com/services/PA2P440",
        ],
    },
    "pagerduty/v3-incident-resolved-zulip.json": {
        "format": "pagerduty",
        "status": "resolved",
        "dedup_key": "pagerduty:PCPZE64",
        "title": "Test Incident",
        "service": "pig208",
        "severity": "SEV-2",  # priority null, urgency high
        "started_at": at(2021, 6, 4, 13, 16, 53, 816000),  # no created_at: occurred_at
        "links": [
            "https://pig208.pagerduty.com/incidents/PCPZE64",
            "https://pig208.pagerduty.com/services/PA2P440",
        ],
        "ended_at": at(2021, 6, 4, 13, 16, 53, 816000),
        "alerts": 1,
    },
    "pagerduty/v3-incident-priority-updated-pagerduty-docs.json": {
        "format": "pagerduty",
        "status": "firing",  # data.status triggered
        "dedup_key": "pagerduty:PGR0VU2",
        "title": "A little bump in the road",
        "service": "API Service",
        "severity": "SEV-1",  # priority P1
        "started_at": at(2020, 4, 9, 15, 16, 27),  # created_at
        "links": [
            "https://acme.pagerduty.com/incidents/PGR0VU2",
            "https://acme.pagerduty.com/services/PF9KMXH",
        ],
        "alerts": 1,
    },
    "opsgenie/create-zulip.json": {
        "format": "opsgenie",
        "status": "firing",
        "dedup_key": "opsgenie:ec03dad6-62c8-4c94-b38b-d88f398e900f",
        "title": "another alert",
        "service": "Server",  # entity
        "severity": "SEV-3",  # priority 3 (an integer)
        "started_at": at(2017, 8, 14, 11, 25, 56, 288000),  # createdAt ms
        "alerts": 1,
        "links": [],
    },
    "opsgenie/close-zulip.json": {
        "format": "opsgenie",
        "status": "resolved",
        "dedup_key": "opsgenie:052652ac-5d1c-464a-812a-7dd18bbfba8c",
        "title": "test alert",
        "service": None,  # entity ""
        "severity": None,
        "started_at": at(2015, 1, 5, 10, 3, 11, 104000),
        "ended_at": at(2015, 1, 5, 10, 6, 14, 669001),  # updatedAt ns, truncated to µs
        "links": [],
        "alerts": 1,
    },
    "sentry/issue-alert-triggered-sentry-docs.json": {
        "format": "sentry",
        "status": "firing",
        "dedup_key": "sentry:issue:1117540176",
        "title": "ReferenceError: heck is not defined",
        "service": "front-end",  # project slug in the event's API url
        "severity": "SEV-2",  # level error
        "started_at": at(2019, 8, 19, 21, 6, 17, 677000),
        "alerts": 1,
        "links": [
            "https://sentry.io/organizations/test-org/issues/1117540176/events/"
            "e4874d664c3540c1a32eab185f12c5ab/"
        ],
    },
    "sentry/metric-alert-resolved-sentry-docs.json": {
        "format": "sentry",
        "status": "resolved",
        "dedup_key": "sentry:metric:4",
        "title": "Too many errors",  # alert_rule.name
        "service": "bar",
        "metric": "count()",
        "value": 1000.0,  # "1000 events in the last 10 minutes"
        "threshold": None,  # triggers: []
        "severity": None,
        "started_at": at(2020, 9, 13, 12, 26, 40),
        "alerts": 1,
        "links": ["https://sentry.io/organizations/baz/alerts/1/"],
    },
    "aws-cloudwatch-sns/sns-https-notification-alarm-alerta.json": {
        "format": "cloudwatch",
        "status": "firing",
        "dedup_key": "cloudwatch:1234567890:EU (Ireland):bucketbytesAlarm",  # no AlarmArn
        "title": "bucketbytesAlarm: bucket bytes size exceeded",
        "service": "try.alerta.io",  # BucketName dimension
        "metric": "BucketSizeBytes",
        "value": 1062305.0,  # from NewStateReason
        "threshold": 0.0,
        "severity": None,
        "raw_severity": "ALARM",
        "started_at": at(2019, 2, 15, 23, 53, 45, 93000),  # +0000 without a colon
        "alerts": 1,
        "links": [],  # no ARN, so no console link
    },
    "aws-cloudwatch-sns/lambda-sns-event-alarm-single-metric-aws-lambda-go.json": {
        "format": "cloudwatch",
        "status": "firing",
        "dedup_key": "cloudwatch:arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE",
        "title": "EXAMPLE",  # description equals the name
        "service": "TestInstance",
        "metric": "NetworkOut",
        "value": 1234.0,
        "threshold": 0.0,
        "severity": None,
        "started_at": at(2015, 6, 3, 17, 43, 27, 123000),
        "alerts": 1,
        "links": [],  # "REGION" is no region
    },
    "aws-cloudwatch-sns/lambda-sns-event-alarm-multiple-metrics-aws-lambda-go.json": {
        "format": "cloudwatch",
        "status": "firing",
        "dedup_key": "cloudwatch:arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE",
        "title": "EXAMPLE",
        "severity": None,
        "started_at": at(2015, 6, 3, 17, 43, 27, 123000),
        "links": [],
        "service": "TestInstance",  # from Metrics[].MetricStat.Metric.Dimensions
        "metric": "NetworkOut",
        "value": 1234.0,
        "threshold": 0.0,
        "alerts": 1,
    },
    "gcp-monitoring/incident-open-v1.2-cloudforet.json": {
        "format": "gcp-monitoring",
        "status": "firing",
        "dedup_key": "gcp-monitoring:0.mtdi83m6w8ao",
        "title": "choonho-server-cpu-alert-policy-test",
        "service": None,  # only a project_id resource label
        "metric": "compute.googleapis.com/instance/cpu/utilization",
        "value": 0.79,
        "threshold": 0.5,
        "severity": None,  # no severity field in this version
        "started_at": at(2023, 2, 2, 5, 29, 47),  # epoch 1675315787
        "ended_at": None,
        "alerts": 1,
        "links": [
            "https://console.cloud.google.com/monitoring/alerting/incidents/0.mtdi83m6w8ao"
            "?project=xxxxxxxxxxxxxxxxxxxxxxxx"
        ],
    },
    "gcp-monitoring/incident-closed-v1.2-cloudforet.json": {
        "format": "gcp-monitoring",
        "status": "resolved",
        "dedup_key": "gcp-monitoring:0.mteuirnn0v0k",
        "title": "choonho-server-cpu-alert-policy-test",
        "service": None,
        "severity": None,
        "metric": "compute.googleapis.com/instance/cpu/utilization",
        "links": [
            "https://console.cloud.google.com/monitoring/alerting/incidents/0.mteuirnn0v0k"
            "?project=YYYYYYYYYYYYYYYYYYYYY13"
        ],
        "value": 0.008,
        "threshold": 0.5,
        "started_at": at(2023, 2, 3, 4, 20, 7),  # 1675398007
        "ended_at": at(2023, 2, 3, 4, 27, 14),  # 1675398434
        "alerts": 1,
    },
    "azure-monitor/common-schema-metric-alert-resolved-ms-docs.json": {
        "format": "azure-monitor",
        "status": "resolved",
        "dedup_key": "azure-monitor:/subscriptions/<subscription ID>/providers/"
        "Microsoft.AlertsManagement/alerts/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e",
        "title": "WCUS-R2-Gen2",
        "service": "wcus-r2-gen2",  # configurationItems[0]
        "metric": "Percentage CPU",
        "value": 7.727,
        "threshold": 25.0,  # "25", a string
        "severity": "SEV-4",  # Sev3
        "raw_severity": "Sev3",
        "started_at": at(2019, 3, 22, 13, 58, 24, 371321),  # 7 fractional digits
        "ended_at": at(2019, 3, 22, 14, 3, 16, 224631),
        "alerts": 1,
        "links": [],
    },
}

NOT_ALERTS = {
    "aws-cloudwatch-sns/sns-https-notification-insufficient-data-alerta.json": NotAnAlert,
    "aws-cloudwatch-sns/sns-https-subscription-confirmation-alerta.json": InputError,
    # client_payload {"unit": false, "integration": true} carries no alert
    "github/repository-dispatch-octokit.json": InputError,
}


@pytest.mark.parametrize("relative", sorted(CAPTURES))
def test_capture_normalises_to_the_expected_fields(
    relative: str, shared_capture: Callable[[str], bytes], options: ParseOptions
) -> None:
    delivery = parse_delivery(shared_capture(relative), options=options)
    assert_capture_matches(delivery, CAPTURES[relative], relative)


@pytest.mark.parametrize("relative", sorted(NOT_ALERTS))
def test_capture_that_is_not_an_alert_is_refused(
    relative: str, shared_capture: Callable[[str], bytes], options: ParseOptions
) -> None:
    with pytest.raises(NOT_ALERTS[relative]) as raised:
        parse_delivery(shared_capture(relative), options=options)
    assert "\n" not in str(raised.value)


def test_every_capture_is_covered() -> None:
    from alerts.test_captures_new_shapes import NEW_CAPTURES, NEW_NOT_ALERTS

    present = {p.relative_to(CAPTURE_DIR).as_posix() for p in CAPTURE_DIR.rglob("*.json")}
    covered = [*CAPTURES, *NOT_ALERTS, *NEW_CAPTURES, *NEW_NOT_ALERTS]
    assert len(covered) == len(set(covered)), "a capture is expected twice"
    assert present == set(covered)


@pytest.mark.parametrize(
    ("relative", "status", "started"),
    [
        (
            "datadog/custom-template-triggered-codenow-fluffy.json",
            "firing",
            at(2015, 11, 25, 7, 12, 10),
        ),
        ("datadog/custom-template-recovered-codenow-fluffy.json", "resolved", RECEIVED_AT),
    ],
)
def test_datadog_custom_capture_without_a_source_is_detected_and_forcing_changes_nothing(
    relative: str,
    status: str,
    started: datetime,
    shared_capture: Callable[[str], bytes],
    options: ParseOptions,
) -> None:
    delivery = parse_delivery(shared_capture(relative), options=options)
    assert delivery == parse_delivery(shared_capture(relative), options=options, format_name="datadog")
    assert_delivery_safe(delivery)
    assert delivery.status == status
    # both deliveries share the key, so the recovery finds the incident the trigger opened
    assert delivery.dedup_key == "datadog:title:host:i-3b93aafb:Dock is almost out of memory..."
    assert delivery.title == "Dock is almost out of memory..."  # prefix stripped
    assert delivery.started_at == started
    assert delivery.labels["scope"] == "host:i-3b93aafb"
    if status == "resolved":
        assert delivery.ended_at == at(2015, 11, 25, 7, 11, 17)  # date 1448435477000 ms


def test_subscription_confirmation_says_how_to_confirm(
    shared_capture: Callable[[str], bytes], options: ParseOptions
) -> None:
    raw = shared_capture("aws-cloudwatch-sns/sns-https-subscription-confirmation-alerta.json")
    with pytest.raises(InputError) as raised:
        parse_delivery(raw, options=options)
    message = str(raised.value)
    assert "SubscribeURL (https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription" in message
    assert "aws sns confirm-subscription --topic-arn arn:aws:sns:eu-west-1:1234567890:alerta-test" in message
