"""The classic CloudWatch alarm message (PascalCase `AlarmName`, `NewStateValue`, `Trigger`),
inside an SNS notification (HTTP(S) body or Lambda event) or forwarded bare by a relay.

Inside SNS the alarm is a JSON *string* in `Message`, parsed a second time under the same
limits. A `SubscriptionConfirmation` is refused with instructions: confirming means visiting
a URL from the payload, which the tool will not do on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import start_time
from incident_kit.alerts.cloudwatch import resources as r
from incident_kit.alerts.model import Alert, NotAnAlert, ParseOptions
from incident_kit.alerts.payload import parse_json_text
from incident_kit.alerts.timestamps import parse_timestamp
from incident_kit.errors import InputError
from incident_kit.sanitize import safe_url

SNS_TYPES = frozenset({"Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"})
_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{1,12}:[A-Za-z0-9_.-]{1,256}")
_SNS_HOST = re.compile(r"sns\.[a-z]{2}(?:-[a-z]+)+-\d\.amazonaws\.com(?:\.cn)?")


def sns_envelope(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The SNS message itself, from the HTTP body or the Lambda event wrapper."""
    if f.get_str(payload, "Type") in SNS_TYPES and f.has(payload, "TopicArn"):
        return payload
    wrapped = f.get(payload, "Records", 0, "Sns")
    if isinstance(wrapped, Mapping) and f.get_str(wrapped, "Type") in SNS_TYPES:
        return wrapped
    return None


def is_bare_alarm(payload: Mapping[str, Any]) -> bool:
    """The alarm message without its envelope: what a relay forwarding `Message` posts."""
    return (
        f.text(payload.get("AlarmName")) is not None
        and f.get_str(payload, "NewStateValue") is not None
        and any(f.has(payload, k) for k in ("Trigger", "AWSAccountId", "StateChangeTime", "AlarmArn"))
    )


def alarm_from_sns(sns: Mapping[str, Any]) -> Mapping[str, Any]:
    """The alarm inside an SNS message, or the refusal a non-notification deserves."""
    kind = f.get_str(sns, "Type")
    if kind == "SubscriptionConfirmation":
        raise InputError(_confirmation_help(sns))
    if kind == "UnsubscribeConfirmation":
        raise NotAnAlert("AWS SNS unsubscribe confirmation; nothing to declare")
    message = sns.get("Message")
    if isinstance(message, str):
        alarm: Mapping[str, Any] = parse_json_text(message, what="SNS Message")
    elif isinstance(message, Mapping):  # a relay that already decoded it
        alarm = message
    else:
        raise InputError("SNS notification has no Message")
    if f.text(alarm.get("AlarmName")) is None:
        raise InputError("SNS notification Message is not a CloudWatch alarm (no AlarmName)")
    return alarm


def to_alert(alarm: Mapping[str, Any], options: ParseOptions) -> Alert:
    state = f.get_str(alarm, "NewStateValue")
    status = r.status_of(state, options)
    assert state is not None  # status_of refused anything else
    trigger = f.get_map(alarm, "Trigger")
    name = f.get_text(alarm, "AlarmName") or "CloudWatch alarm"
    description = f.get_text(alarm, "AlarmDescription")
    severity, raw_severity = r.severity_of(alarm.get("AlarmDescription"), state, options)
    arn = alarm.get("AlarmArn")
    if f.text(arn):
        dedup_key = f.key(r.NAME, arn)
    else:
        dedup_key = f.key(r.NAME, alarm.get("AWSAccountId"), alarm.get("Region"), alarm.get("AlarmName"))
    changed = parse_timestamp(alarm.get("StateChangeTime"))
    dimensions = dict(_dimensions(trigger))
    return Alert(
        title=r.title_of(name, description),
        status=status,
        dedup_key=dedup_key,
        service=r.service_of(dimensions) or f.get_text(trigger, "Namespace"),
        metric=f.get_text(trigger, "MetricName", max_len=f.NAME_LEN) or _first_metric(trigger),
        value=r.datapoint_in(alarm.get("NewStateReason")),
        threshold=f.get_number(trigger, "Threshold"),
        severity=severity,
        raw_severity=raw_severity,
        started_at=start_time(changed, options),
        ended_at=changed if status == "resolved" else None,
        links=f.links([("CloudWatch alarm", r.console_url(arn, alarm.get("AlarmName")))]),
        labels=f.labels(
            dimensions,
            {
                "account": alarm.get("AWSAccountId"),
                "region": alarm.get("Region"),
                "namespace": trigger.get("Namespace"),
                "comparison": trigger.get("ComparisonOperator"),
            },
        ),
        description=f.get_text(alarm, "NewStateReason"),
    )


def _dimensions(trigger: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(name, value) of the alarm's dimensions, also those of metric-math alarms."""
    lists = [f.get_list(trigger, "Dimensions")]
    for metric in f.get_list(trigger, "Metrics"):
        lists.append(f.get_list(metric, "MetricStat", "Metric", "Dimensions"))
    for dims in lists:
        for dim in dims:
            name = f.get_str(dim, "name")
            if name is not None and f.get(dim, "value") is not None:
                yield name, dim["value"]


def _first_metric(trigger: Mapping[str, Any]) -> str | None:
    for metric in f.get_list(trigger, "Metrics"):
        found = f.get_text(metric, "MetricStat", "Metric", "MetricName", max_len=f.NAME_LEN)
        if found:
            return found
    return None


def _confirmation_help(sns: Mapping[str, Any]) -> str:
    """One line telling the user how to confirm, echoing only values that look genuine."""
    topic = f.get_str(sns, "TopicArn") or ""
    topic_ok = bool(_TOPIC_ARN.fullmatch(topic))
    url = safe_url(f.get(sns, "SubscribeURL"))
    # a forged confirmation could point anywhere: only AWS's own SNS endpoint is repeated
    if url and not _SNS_HOST.fullmatch(urlsplit(url).hostname or ""):
        url = None
    where = f" for topic {topic}" if topic_ok else ""
    visit = f"open its SubscribeURL ({url})" if url else "open the SubscribeURL it carries"
    cli = (
        f"aws sns confirm-subscription --topic-arn {topic} --token <Token from the payload>"
        if topic_ok
        else "aws sns confirm-subscription --topic-arn <TopicArn> --token <Token>"
    )
    return (
        f"AWS SNS SubscriptionConfirmation{where} is not an alarm: confirm the subscription"
        f" once ({visit}, or run `{cli}`), then alarms will arrive as Notifications"
    )
