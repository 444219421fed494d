"""The real captures of issue 18's shapes, normalised field by field.

CloudWatch state changes (EventBridge, Lambda alarm actions, a bare alarm, an `OK` recovery),
Alertmanager webhook version 3, Grafana legacy alerting, Sentry issue webhooks, Datadog's
default payload, test notifications, and payloads that name their system in a shape we do not
read. Expected values were read off each payload by hand (times converted to UTC by hand), not
copied from the parser's output; provenance is in tests/alerts/captures/SOURCES.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support.alert_captures import assert_capture_matches
from support.alerts import RECEIVED_AT, at

from incident_kit.alerts import NotAnAlert, ParseOptions, parse_delivery
from incident_kit.errors import InputError

BYU_ARN = "arn:aws:cloudwatch:us-west-2:598052082689:alarm:tim-cpu-alarm-test"
BYU_OK: dict[str, Any] = {
    "format": "cloudwatch",
    "status": "resolved",  # NewStateValue OK
    "dedup_key": f"cloudwatch:{BYU_ARN}",
    "title": "tim-cpu-alarm-test: Testing for the Alarms processing Lambda",
    "service": "tyk-identity-api-dev",  # the ServiceName dimension
    "metric": "CPUUtilization",
    "value": 0.05164275070031484,  # the datapoint in NewStateReason
    "threshold": 0.059,
    "severity": None,
    "raw_severity": "OK",
    "started_at": at(2022, 10, 18, 20, 15, 10, 941000),  # StateChangeTime, +0000
    "ended_at": at(2022, 10, 18, 20, 15, 10, 941000),
    "alerts": 1,
    "links": [
        "https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2"
        "#alarmsV2:alarm/tim-cpu-alarm-test"
    ],
    "labels": {"ServiceName": "tyk-identity-api-dev", "region": "US West (Oregon)"},
}
GRAFANA_GROUP = 'grafana:{}/{test="true"}:{}'
GRAFANA_FINGERPRINTS = [
    "grafana:fingerprint:aaafafe0953f0962",
    "grafana:fingerprint:fb31814ac93dbe7d",
    "grafana:fingerprint:6f9cd313db421ef1",
]
LEGACY_RULE_URL = "https://grafana.domain.tld/dashboard/db/alarms?fullscreen&edit&tab=alert&panelId=1&orgId=1"

NEW_CAPTURES: dict[str, dict[str, Any]] = {
    # --- CloudWatch ---------------------------------------------------------------------------
    "aws-cloudwatch/bare-alarm-message-ok-byu-alert-lambda.json": BYU_OK,
    # the same alarm's recovery through SNS into a Lambda: the same key, so it resolves either way
    "aws-cloudwatch-sns/lambda-sns-event-ok-byu-alert-lambda.json": BYU_OK,
    "aws-cloudwatch/eventbridge-alarm-state-change-single-metric-aws-docs.json": {
        "format": "cloudwatch",
        "status": "firing",
        "dedup_key": "cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh",
        "title": "ServerCpuTooHigh: Goes into alarm when server CPU utilization is too high!",
        "service": "i-12345678901234567",  # the InstanceId dimension
        "metric": "CPUUtilization",
        "value": 99.50160229693434,  # reasonData.recentDatapoints[0]
        "threshold": 50.0,  # reasonData.threshold
        "severity": None,
        "raw_severity": "ALARM",
        "started_at": at(2019, 10, 2, 17, 4, 40, 989000),  # state.timestamp
        "ended_at": None,
        "alerts": 1,
        "links": [
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
            "#alarmsV2:alarm/ServerCpuTooHigh"
        ],
    },
    "aws-cloudwatch/eventbridge-composite-alarm-state-change-aws-docs.json": {
        "format": "cloudwatch",
        "status": "firing",
        "dedup_key": "cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServiceAggregatedAlarm",
        "title": "ServiceAggregatedAlarm",  # a composite alarm here has no description
        "service": None,
        "metric": None,
        "severity": None,
        "started_at": at(2022, 7, 22, 15, 57, 45, 394000),
        "alerts": 1,
        "links": [
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
            "#alarmsV2:alarm/ServiceAggregatedAlarm"
        ],
        # what only this form carries: the rule, and which child tripped it
        "labels": {
            "alarm_rule": "ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)",
            "triggered_by": "ServerCpuTooHigh",
            "actions_suppressed_by": "WaitPeriod",
        },
        "description": "composite alarm ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh);"
        " triggered by ServerCpuTooHigh",
    },
    "aws-cloudwatch/lambda-alarm-action-metric-aws-lambda-java-libs.json": {
        "format": "cloudwatch",
        "status": "firing",
        "dedup_key": "cloudwatch:arn:aws:cloudwatch:us-east-1:444455556666:alarm:lambda-demo-metric-alarm",
        "title": "lambda-demo-metric-alarm: Metric Alarm to test Lambda actions",
        "service": "i-12345678",
        "metric": "CallCount",
        "value": None,  # reason "test": no datapoint
        "severity": None,
        "started_at": at(2023, 8, 4, 12, 36, 15, 490000),
        "alerts": 1,
        "links": [
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
            "#alarmsV2:alarm/lambda-demo-metric-alarm"
        ],
    },
    "aws-cloudwatch/lambda-alarm-action-composite-aws-lambda-java-libs.json": {
        "format": "cloudwatch",
        "status": "firing",
        # keyed by alarmArn, which in AWS's own file names another alarm than alarmName
        "dedup_key": "cloudwatch:arn:aws:cloudwatch:us-east-1:111122223333:alarm:SuppressionDemo.Main",
        "title": "CompositeDemo.Main",
        "service": None,
        "severity": None,
        "started_at": at(2023, 8, 4, 12, 56, 46, 138000),
        "alerts": 1,
        "links": [
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
            "#alarmsV2:alarm/CompositeDemo.Main"
        ],
        "labels": {"triggered_by": "CompositeDemo.FirstChild"},
    },
    # --- Alertmanager version 3 ------------------------------------------------------------
    "alertmanager/v3-firing-integer-groupkey-alerta.json": {
        "format": "alertmanager",
        "status": "firing",
        "dedup_key": "alertmanager:5615590933959184469",  # the integer groupKey, exactly
        "title": "Connect fail",  # commonAnnotations.summary
        "service": "System",  # the service label
        "severity": "SEV-1",  # critical
        "started_at": at(2016, 8, 1, 10, 27, 8, 8000),  # 13:27:08.008+03:00
        "alerts": 1,
        "links": ["http://prometheus.host:9090/...", "http://alertmanager.host:9093"],
        "description": "Connect to host2 fails",
    },
    # --- Grafana legacy alerting -----------------------------------------------------------
    "grafana/legacy-alerting-alerta.json": {
        "format": "grafana",
        "status": "firing",  # state alerting
        "dedup_key": "grafana:rule:7",
        "title": "Zeta CPU alert",  # ruleName, not the "[Alerting] CPU alert" title
        "service": "monitoring",  # the matched series' job tag
        "metric": "user",
        "value": 97.007606,
        "severity": None,
        "started_at": RECEIVED_AT,  # legacy payloads carry no time
        "alerts": 1,
        "links": [LEGACY_RULE_URL],
        "description": "boom!",
    },
    "grafana/legacy-ok-alerta.json": {
        "format": "grafana",
        "status": "resolved",  # state ok
        "dedup_key": "grafana:rule:7",  # the firing delivery's: it resolves that incident
        "title": "Zeta CPU alert",
        "service": None,
        "severity": None,
        "started_at": RECEIVED_AT,
        "alerts": 1,
        "links": [LEGACY_RULE_URL],
    },
    "grafana/legacy-alerting-tags-v6-alerta.json": {
        "format": "grafana",
        "status": "firing",
        "dedup_key": "grafana:rule:58",
        "title": "Testing -> Battery Voltage alert",  # "TEST" in its title, but a real rule
        "service": "Physical",  # rule tag service
        "metric": "Battery Voltage (millivolts)",
        "value": None,  # two matched series: no single value
        "severity": "SEV-3",  # rule tag severity: warning
        "raw_severity": "warning",
        "started_at": RECEIVED_AT,
        "alerts": 1,
        "links": [
            "https://grafana.logreposit.com/d/Rs6E_oHWk/playground?fullscreen&edit&tab=alert&panelId=2&orgId=1"
        ],
    },
    "grafana/legacy-no-data-v7-zulip.json": {
        "format": "grafana",
        "status": "firing",
        "dedup_key": "grafana:rule:3",
        "title": "No Data alert",
        "service": None,
        "metric": None,  # evalMatches is empty
        "severity": None,
        "started_at": RECEIVED_AT,
        "alerts": 1,
        "links": ["http://localhost:3000/d/GG2qhR3Wz/alerttest?fullscreen&edit&tab=alert&panelId=6&orgId=1"],
    },
    # --- test notifications ----------------------------------------------------------------
    "grafana/legacy-test-notification-zulip.json": {
        "format": "grafana",
        "status": "firing",
        "dedup_key": "grafana:rule:0",
        "title": "Test rule",
        "service": None,
        "severity": None,
        "started_at": RECEIVED_AT,
        "alerts": 1,
        "links": ["http://localhost:3000/", "https://grafana.com/assets/img/blog/mixed_styles.png"],
        "test_notification": "Grafana test notification",
    },
    "grafana/unified-test-notification-v8-zulip.json": {
        "format": "grafana",
        "status": "resolved",
        "dedup_key": 'grafana:{alertname="TestAlert", instance="Grafana"}2022-08-31 05:54:04.52289368'
        " +0000 UTC m=+42208.256292221",
        "title": "Notification test (+1 not listed)",  # truncatedAlerts 1
        "service": None,
        "severity": None,
        "started_at": at(2022, 8, 31, 5, 54, 4, 522893),
        "ended_at": at(2022, 8, 31, 10, 30, 0, 522884),
        "truncated_alerts": 1,
        "alerts": 1,
        "links": [
            "https://zuliptestingwh2.grafana.net/alerting/silence/new?alertmanager=grafana"
            "&matcher=alertname%3DTestAlert&matcher=instance%3DGrafana",
            "https://zuliptestingwh2.grafana.net/",
        ],
        "test_notification": "Grafana test notification",
    },
    "datadog/default-template-test-notification-relay.json": {
        "format": "datadog",  # Datadog's default payload: detected without --alert-format
        "status": "firing",  # "[Triggered]"
        "dedup_key": "datadog:title:-:Host Cluster Alert",  # no monitor id in the default payload
        "title": "Host Cluster Alert",  # "[Triggered] [TEST] " stripped
        "service": None,
        "severity": None,
        "started_at": at(2020, 6, 3, 20, 43, 5),  # date 1591216985000 ms
        "alerts": 1,
        "links": [],
        "test_notification": "Datadog test notification",
    },
    # --- Datadog custom templates without a `source`: detected by their transition ------------
    "datadog/custom-template-triggered-codenow-fluffy.json": {
        "format": "datadog",
        "status": "firing",  # alert_transition Triggered
        "dedup_key": "datadog:title:host:i-3b93aafb:Dock is almost out of memory...",
        "title": "Dock is almost out of memory...",
        "service": None,
        "severity": None,
        "started_at": at(2015, 11, 25, 7, 12, 10),  # date "1448435530000" ms
        "alerts": 1,
        "links": ["https://app.datadoghq.com/event/event?id=3089904566766935419"],
    },
    "datadog/custom-template-recovered-codenow-fluffy.json": {
        "format": "datadog",
        "status": "resolved",  # alert_transition Recovered
        "dedup_key": "datadog:title:host:i-3b93aafb:Dock is almost out of memory...",
        "title": "Dock is almost out of memory...",
        "service": None,
        "severity": None,
        "started_at": RECEIVED_AT,
        "ended_at": at(2015, 11, 25, 7, 11, 17),  # date "1448435477000" ms
        "alerts": 1,
        "links": ["https://app.datadoghq.com/event/event?id=3089903685627551077"],
    },
    # --- a Grafana group seen firing, then partly resolved -------------------------------------
    "grafana/unified-firing-three-v9-zulip.json": {
        "format": "grafana",
        "status": "firing",
        "dedup_key": GRAFANA_GROUP,
        # no common summary: the first firing alert's, and how many fire
        "title": "This is a summary field, failure on badhost.example.com (3 firing)",
        "service": None,
        "severity": None,
        "started_at": at(2022, 6, 17, 1, 3, 0, 782137),  # the earliest alert
        "alerts": 3,
        "alert_keys": GRAFANA_FINGERPRINTS,
        "alert_statuses": ["firing", "firing", "firing"],
        "links": [
            "https://grafana.example.com/alerting/grafana/zTjxv_C7k/view",
            "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname"
            "%3DTest+alert&matcher=deploy%3Dprod&matcher=instance%3Dbadhost.example.com&matcher=job"
            "%3Drabbitmq&matcher=test%3Dtrue",
            "https://example.com/",
            "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname"
            "%3DTest+alert&matcher=deploy%3Dprod&matcher=instance%3Dotherhost.example.com&matcher=job"
            "%3Drabbitmq&matcher=test%3Dtrue",
            "https://grafana.example.com/alerting/grafana/_0rkK_C7z/view",
            "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname"
            "%3DSecond+webhook+test&matcher=test%3Dtrue",
            "https://grafana.example.com/",
        ],
        "description": "This is a description",
    },
    "grafana/unified-mixed-one-firing-two-resolved-v9-zulip.json": {
        "format": "grafana",
        "status": "firing",
        "dedup_key": GRAFANA_GROUP,
        # one firing, two resolved: titled by the one that fires, no count of recovered hosts
        "title": "Testing **another** failing alert",
        "service": None,
        "severity": None,
        "started_at": at(2022, 6, 17, 1, 3, 0, 782137),
        "alerts": 3,
        "alert_keys": GRAFANA_FINGERPRINTS,
        "alert_statuses": ["resolved", "resolved", "firing"],
        "links": [
            "https://grafana.example.com/alerting/grafana/zTjxv_C7k/view",
            "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname"
            "%3DTest+alert&matcher=deploy%3Dprod&matcher=instance%3Dbadhost.example.com&matcher=job"
            "%3Drabbitmq&matcher=test%3Dtrue",
            "https://example.com/",
            "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname"
            "%3DTest+alert&matcher=deploy%3Dprod&matcher=instance%3Dotherhost.example.com&matcher=job"
            "%3Drabbitmq&matcher=test%3Dtrue",
            "https://grafana.example.com/alerting/grafana/_0rkK_C7z/view",
            "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname"
            "%3DSecond+webhook+test&matcher=test%3Dtrue",
            "https://grafana.example.com/",
        ],
    },
    # --- Sentry issue webhooks -------------------------------------------------------------
    "sentry/issue-created-sentry-docs.json": {
        "format": "sentry",
        "status": "firing",  # action created
        "dedup_key": "sentry:issue:1170820242",  # as an issue alert of this issue would key it
        "title": "ReferenceError: blooopy is not defined",
        "service": "front-end",  # project slug
        "severity": "SEV-2",  # level error
        "started_at": at(2019, 8, 19, 20, 58, 37, 391000),  # firstSeen
        "alerts": 1,
        "links": [],  # permalink null, no web_url in this sample
        "description": "?(runner)",  # culprit
    },
    "sentry/issue-created-zulip.json": {
        "format": "sentry",
        "status": "firing",
        "dedup_key": "sentry:issue:1635244907",
        "title": "Exception: Custom exception!",
        "service": "zulip-integration-testing",
        "severity": "SEV-2",
        "started_at": at(2020, 4, 28, 13, 56, 5, 903736),
        "alerts": 1,
        "links": [],
    },
    "sentry/issue-resolved-zulip.json": {
        "format": "sentry",
        "status": "resolved",  # action resolved
        "dedup_key": "sentry:issue:1638821441",
        "title": "Exception: program has entered an invalid state.",
        "service": "zulip-integration-testing",
        "severity": None,  # a resolution does not claim a severity
        "raw_severity": "error",
        "started_at": at(2020, 4, 30, 5, 54, 15, 92476),
        "alerts": 1,
        "links": [],
    },
}

NEW_NOT_ALERTS: dict[str, tuple[type[Exception], str]] = {
    # valid deliveries that are not alerts (exit 0, nothing declared)
    "aws-cloudwatch/eventbridge-alarm-configuration-change-aws-docs.json": (
        NotAnAlert,
        "CloudWatch alarm configuration change, not a state change; nothing to declare",
    ),
    "sentry/issue-ignored-zulip.json": (
        NotAnAlert,
        "Sentry issue ignored: an update to the issue, not an alert; nothing to declare",
    ),
    # the system is named, the shape is one we do not read: refused saying so (exit 2)
    "sentry/error-webhook-zulip.json": (
        InputError,
        "alert payload looks like Sentry, but a webhook of resource 'error'; supported:"
        " issue alerts (data.event), metric alerts (data.metric_alert) and issue webhooks (data.issue)",
    ),
    "pagerduty/v1-webhook-messages-alerta.json": (
        InputError,
        "alert payload looks like PagerDuty, but a V1/V2 webhook (messages[]), which PagerDuty has"
        " retired; supported: V3 webhook subscriptions (one event per request)",
    ),
}


@pytest.mark.parametrize("relative", sorted(NEW_CAPTURES))
def test_new_shape_capture_normalises_to_the_expected_fields(
    relative: str, shared_capture: Callable[[str], bytes], options: ParseOptions
) -> None:
    delivery = parse_delivery(shared_capture(relative), options=options)
    assert_capture_matches(delivery, NEW_CAPTURES[relative], relative)


@pytest.mark.parametrize("relative", sorted(NEW_NOT_ALERTS))
def test_new_capture_that_is_no_alert_is_refused_with_what_it_is(
    relative: str, shared_capture: Callable[[str], bytes], options: ParseOptions
) -> None:
    kind, message = NEW_NOT_ALERTS[relative]
    with pytest.raises(kind) as raised:
        parse_delivery(shared_capture(relative), options=options)
    assert str(raised.value) == message


def test_an_alarm_reached_three_ways_is_one_key(
    shared_capture: Callable[[str], bytes], options: ParseOptions
) -> None:
    """SNS into Lambda, the bare message a relay forwards: one alarm, one incident."""
    keys = {
        parse_delivery(shared_capture(rel), options=options).dedup_key
        for rel in (
            "aws-cloudwatch-sns/lambda-sns-event-ok-byu-alert-lambda.json",
            "aws-cloudwatch/bare-alarm-message-ok-byu-alert-lambda.json",
        )
    }
    assert keys == {f"cloudwatch:{BYU_ARN}"}


def test_a_sentry_issue_alert_and_the_issue_webhooks_share_the_issue_key(
    shared_capture: Callable[[str], bytes], options: ParseOptions
) -> None:
    """The error webhook of the docs' issue carries `issue_id` 1170820242: the issue alert for it
    and the issue webhook would land on one incident, and Sentry resolving the issue resolves it."""
    issue = parse_delivery(shared_capture("sentry/issue-created-sentry-docs.json"), options=options)
    assert issue.dedup_key == "sentry:issue:1170820242"
    assert b'"issue_id": "1170820242"' in shared_capture("sentry/error-webhook-zulip.json")
