"""A payload that names its system in a shape we do not read is refused saying so.

"Matches no known format" for a payload that is plainly Sentry's leaves the user guessing; the
refusal names the system, what is off, and what is supported, and quotes a payload value only
when it is a plain name.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_kit.alerts import ParseOptions, parse_delivery
from incident_kit.errors import InputError

CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "alertmanager-version-2",
        {"version": "2", "groupKey": "{}:{}", "receiver": "team", "status": "firing", "alerts": []},
        "looks like Prometheus Alertmanager, but its webhook version is '2'; supported: versions"
        ' "4" and "3"',
    ),
    (
        "grafana-version-2",
        {"version": "2", "orgId": 1, "groupKey": "{}:{}", "alerts": []},
        "looks like Grafana, but its webhook version is '2'; supported: unified alerting \"1\"",
    ),
    (
        "grafana-legacy-unknown-state",
        {"ruleId": 4, "ruleUrl": "http://grafana/x", "state": "exploded", "evalMatches": []},
        "looks like Grafana legacy alerting, but its state is 'exploded'; supported: states alerting,"
        " no_data, ok, paused, pending",
    ),
    (
        "sentry-comment",
        {"action": "created", "installation": {"uuid": "u"}, "data": {"comment": "hi"}},
        "looks like Sentry, but a webhook of resource 'comment'; supported: issue alerts (data.event),"
        " metric alerts (data.metric_alert) and issue webhooks (data.issue)",
    ),
    (
        "sentry-legacy-plugin",
        {"project_slug": "web", "triggering_rules": ["r"], "url": "https://sentry.io/x", "event": {}},
        "looks like Sentry, but the legacy WebHooks plugin's payload (use an internal integration)",
    ),
    (
        "eventbridge-ec2",
        {
            "version": "0",
            "source": "aws.ec2",
            "detail-type": "EC2 Instance State-change Notification",
            "detail": {},
        },
        "looks like an AWS EventBridge event, but 'EC2 Instance State-change Notification' from"
        " 'aws.ec2'; supported: 'CloudWatch Alarm State Change' from aws.cloudwatch",
    ),
    (
        "pagerduty-v2",
        {"messages": [{"event": "incident.trigger", "incident": {"id": "P1"}}]},
        "looks like PagerDuty, but a V1/V2 webhook (messages[]), which PagerDuty has retired",
    ),
    (
        "gcp-version-2",
        {"version": "2.0", "incident": {"incident_id": "0.x", "state": "open"}},
        "looks like Google Cloud Monitoring, but its schema version is '2.0'; supported: versions 1.x",
    ),
    (
        "azure-activity-log",
        {"schemaId": "Microsoft.Insights/activityLogs", "data": {"status": "Activated", "context": {}}},
        "looks like Azure Monitor, but its schemaId is 'Microsoft.Insights/activityLogs'"
        " (a per-signal schema)",
    ),
    (
        "opsgenie-without-alert",
        {"action": "Create", "integrationName": "Webhook", "alert": {"message": "x"}},
        "looks like Opsgenie, but it lacks action or alert.alertId",
    ),
    (
        "datadog-source-without-template-keys",
        {"source": "datadog", "title": "CPU high", "message": "x"},
        "looks like Datadog (source: datadog), but it has none of alert_cycle_key, transition, alert_id",
    ),
]


@pytest.mark.parametrize(("payload", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_named_system_in_an_unknown_shape_is_refused_saying_which(
    payload: dict[str, Any], expected: str, options: ParseOptions
) -> None:
    with pytest.raises(InputError) as raised:
        parse_delivery(json.dumps(payload).encode(), options=options)
    message = str(raised.value)
    assert message.startswith("alert payload " + expected.split(",")[0].split(";")[0]), message
    assert expected in message


def test_the_same_refusal_comes_out_of_a_dispatch_envelope(options: ParseOptions) -> None:
    sentry_comment = CASES[3][1]
    wrapped = {"event_type": "alert", "client_payload": {"alert": sentry_comment}}
    with pytest.raises(InputError, match="looks like Sentry, but a webhook of resource 'comment'"):
        parse_delivery(json.dumps(wrapped).encode(), options=options)


def test_a_value_that_is_not_a_plain_name_is_not_quoted_back(options: ParseOptions) -> None:
    payload = {"version": "0", "source": "aws.ec2", "detail-type": "x\n::error::<!here>", "detail": {}}
    with pytest.raises(InputError) as raised:
        parse_delivery(json.dumps(payload).encode(), options=options)
    assert "an unrecognised value from 'aws.ec2'" in str(raised.value)
    assert "error" not in str(raised.value) and "here" not in str(raised.value)


def test_a_payload_naming_no_system_still_gets_the_general_refusal(options: ParseOptions) -> None:
    with pytest.raises(InputError, match="matches no known format"):
        parse_delivery(b'{"hello": "world"}', options=options)
