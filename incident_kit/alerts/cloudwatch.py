"""AWS CloudWatch alarms via SNS: the HTTP(S) subscription body or the Lambda event wrapper.

Either way the alarm is a JSON *string* in `Message`, parsed a second time under the same
limits. `ALARM` fires, `OK` resolves, `INSUFFICIENT_DATA` is ignored unless configured.
A `SubscriptionConfirmation` is refused with instructions: confirming means visiting a URL
from the payload, which the tool will not do on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import single, start_time
from incident_kit.alerts.model import Alert, Delivery, NotAnAlert, ParseOptions
from incident_kit.alerts.payload import parse_json_text
from incident_kit.alerts.severity import CLOUDWATCH, map_severity
from incident_kit.alerts.timestamps import parse_timestamp
from incident_kit.errors import InputError
from incident_kit.sanitize import safe_url

SNS_TYPES = frozenset({"Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"})
# dimensions that name the affected resource, best first; others only if none of these
_RESOURCE_DIMENSIONS = (
    "ServiceName",
    "FunctionName",
    "DBInstanceIdentifier",
    "DBClusterIdentifier",
    "LoadBalancer",
    "TargetGroup",
    "TableName",
    "QueueName",
    "TopicName",
    "BucketName",
    "ClusterName",
    "AutoScalingGroupName",
    "InstanceId",
)
_DATAPOINT = re.compile(r"\[([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?) \(")
_SEVERITY_TOKEN = re.compile(r"\bseverity\s*[=:]\s*([A-Za-z0-9_-]{1,20})", re.IGNORECASE)
_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{1,12}:[A-Za-z0-9_.-]{1,256}")
_ALARM_ARN = re.compile(r"arn:aws[a-z-]*:cloudwatch:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:alarm:.+")
_SNS_HOST = re.compile(r"sns\.[a-z]{2}(?:-[a-z]+)+-\d\.amazonaws\.com(?:\.cn)?")


class CloudWatchFormat:
    name = "cloudwatch"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        return _sns_envelope(payload) is not None

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        sns = _sns_envelope(payload)
        if sns is None:
            raise InputError("not an AWS SNS message (no Type/TopicArn, no Records[0].Sns)")
        kind = f.get_str(sns, "Type")
        if kind == "SubscriptionConfirmation":
            raise InputError(_confirmation_help(sns))
        if kind == "UnsubscribeConfirmation":
            raise NotAnAlert("AWS SNS unsubscribe confirmation; nothing to declare")
        alarm = _alarm(sns.get("Message"))
        state = f.get_str(alarm, "NewStateValue")
        if state == "INSUFFICIENT_DATA" and not options.insufficient_data_as_alert:
            raise NotAnAlert("CloudWatch alarm went to INSUFFICIENT_DATA; ignored by default")
        if state not in ("ALARM", "OK", "INSUFFICIENT_DATA"):
            raise InputError("CloudWatch alarm has no usable NewStateValue")
        return single(self.name, "cloudwatch", _to_alert(alarm, state, options))


def _sns_envelope(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The SNS message itself, from the HTTP body or the Lambda event wrapper."""
    if f.get_str(payload, "Type") in SNS_TYPES and f.has(payload, "TopicArn"):
        return payload
    wrapped = f.get(payload, "Records", 0, "Sns")
    if isinstance(wrapped, Mapping) and f.get_str(wrapped, "Type") in SNS_TYPES:
        return wrapped
    return None


def _alarm(message: object) -> Mapping[str, Any]:
    if isinstance(message, str):
        alarm: Mapping[str, Any] = parse_json_text(message, what="SNS Message")
    elif isinstance(message, Mapping):  # a relay that already decoded it
        alarm = message
    else:
        raise InputError("SNS notification has no Message")
    if f.text(alarm.get("AlarmName")) is None:
        raise InputError("SNS notification Message is not a CloudWatch alarm (no AlarmName)")
    return alarm


def _to_alert(alarm: Mapping[str, Any], state: str, options: ParseOptions) -> Alert:
    trigger = f.get_map(alarm, "Trigger")
    name = f.get_text(alarm, "AlarmName") or "CloudWatch alarm"
    description = f.get_text(alarm, "AlarmDescription")
    token = _SEVERITY_TOKEN.search((f.get_str(alarm, "AlarmDescription") or "")[:1000])
    # no severity in the schema: our `severity=<word>` convention, else the state itself,
    # which config can map (severity_maps.cloudwatch.alarm) and the default otherwise covers
    raw = token.group(1) if token else state
    severity, raw_severity = map_severity("cloudwatch", raw, CLOUDWATCH, options)
    arn = alarm.get("AlarmArn")
    if f.text(arn):
        dedup_key = f.key("cloudwatch", arn)
    else:
        dedup_key = f.key(
            "cloudwatch", alarm.get("AWSAccountId"), alarm.get("Region"), alarm.get("AlarmName")
        )
    datapoint = _DATAPOINT.search((f.get_str(alarm, "NewStateReason") or "")[:1000])
    changed = parse_timestamp(alarm.get("StateChangeTime"))
    dimensions = dict(_dimensions(trigger))
    return Alert(
        # re-sanitised: joining two clean strings can make a new "::" or overflow the bound
        title=f.text(f"{name}: {description}") or name if description and description != name else name,
        status="resolved" if state == "OK" else "firing",
        dedup_key=dedup_key,
        service=_service(dimensions) or f.get_text(trigger, "Namespace"),
        metric=f.get_text(trigger, "MetricName", max_len=f.NAME_LEN) or _first_metric(trigger),
        value=f.number(datapoint.group(1)) if datapoint else None,
        threshold=f.get_number(trigger, "Threshold"),
        severity=severity,
        raw_severity=raw_severity,
        started_at=start_time(changed, options),
        ended_at=changed if state == "OK" else None,
        links=f.links([("CloudWatch alarm", _console_url(arn, alarm.get("AlarmName")))]),
        labels=f.labels(
            dimensions,
            {
                "account": alarm.get("AWSAccountId"),
                "region": alarm.get("Region"),
                "namespace": trigger.get("Namespace"),
                "comparison": trigger.get("ComparisonOperator"),
            },
        ),
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


def _service(dimensions: Mapping[str, Any]) -> str | None:
    for name in _RESOURCE_DIMENSIONS:
        found = f.text(dimensions.get(name))
        if found:
            return found
    return None


def _first_metric(trigger: Mapping[str, Any]) -> str | None:
    for metric in f.get_list(trigger, "Metrics"):
        found = f.get_text(metric, "MetricStat", "Metric", "MetricName", max_len=f.NAME_LEN)
        if found:
            return found
    return None


def _console_url(arn: object, name: object) -> str | None:
    """The alarm's console page, when the ARN gives a real region (the payload has no link)."""
    match = _ALARM_ARN.fullmatch(arn) if isinstance(arn, str) else None
    if not match or not isinstance(name, str):
        return None
    region = match.group(1)
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#alarmsV2:alarm/{quote(name, safe='')}"
    )


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


FORMAT = CloudWatchFormat()
