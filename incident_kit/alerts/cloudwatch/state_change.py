"""The alarm state-change shape: EventBridge events and Lambda alarm actions.

EventBridge delivers `{"detail-type": "CloudWatch Alarm State Change", "source":
"aws.cloudwatch", "resources": [<alarm ARN>], "detail": {...}}`; a Lambda alarm action receives
`{"source": "aws.cloudwatch", "alarmArn": ..., "alarmData": {...}}`. The inner object is the
same camelCase alarm: `alarmName`, `state{value, reason, reasonData, timestamp}`,
`previousState`, `configuration{description, metrics[] | alarmRule}`. These are the only forms
that carry a composite alarm's rule and the children that triggered it. Sources: the
CloudWatch user guide, "Alarm events and EventBridge" and "Lambda alarm actions".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import start_time
from incident_kit.alerts.cloudwatch import resources as r
from incident_kit.alerts.detection import shown, unknown_shape
from incident_kit.alerts.model import Alert, NotAnAlert, ParseOptions
from incident_kit.alerts.payload import parse_json_text
from incident_kit.alerts.timestamps import parse_timestamp
from incident_kit.errors import IncidentKitError, InputError

STATE_CHANGE = "CloudWatch Alarm State Change"
CONFIGURATION_CHANGE = "CloudWatch Alarm Configuration Change"
_MAX_CHILDREN = 10


def is_event(payload: Mapping[str, Any]) -> bool:
    """An EventBridge event about a CloudWatch alarm."""
    detail_type = f.get_str(payload, "detail-type") or ""
    return (
        f.get_str(payload, "source") == "aws.cloudwatch"
        and detail_type.startswith("CloudWatch Alarm")
        and isinstance(f.get(payload, "detail"), Mapping)
    )


def is_alarm_action(payload: Mapping[str, Any]) -> bool:
    """The event a Lambda function receives as an alarm's action."""
    return f.get_str(payload, "source") == "aws.cloudwatch" and isinstance(
        f.get(payload, "alarmData"), Mapping
    )


def looks_like_event(payload: Mapping[str, Any]) -> str | None:
    """An EventBridge event we do not read: another CloudWatch event, or another AWS service."""
    source = f.get_str(payload, "source") or ""
    if not (f.has(payload, "detail-type") and source.startswith("aws.") and f.has(payload, "detail")):
        return None
    return unknown_shape(
        "an AWS EventBridge event",
        f"{shown(f.get(payload, 'detail-type'))} from {shown(source)}",
        f"{STATE_CHANGE!r} from aws.cloudwatch",
    )


def to_alert(payload: Mapping[str, Any], options: ParseOptions) -> Alert:
    if is_alarm_action(payload):
        data = f.get_map(payload, "alarmData")
        arn, account = payload.get("alarmArn"), payload.get("accountId")
    else:
        detail_type = f.get_str(payload, "detail-type")
        if detail_type == CONFIGURATION_CHANGE:
            raise NotAnAlert("CloudWatch alarm configuration change, not a state change; nothing to declare")
        if detail_type != STATE_CHANGE:
            raise InputError(looks_like_event(payload) or "not a CloudWatch alarm state-change event")
        data = f.get_map(payload, "detail")
        arn, account = f.get(payload, "resources", 0), payload.get("account")
    state = f.get_str(data, "state", "value")
    status = r.status_of(state, options)
    assert state is not None
    name_raw = data.get("alarmName")
    name = f.text(name_raw) or r.alarm_name_in(arn)
    if name is None:
        raise InputError("CloudWatch alarm event has neither alarmName nor an alarm ARN")
    configuration = f.get_map(data, "configuration")
    reason_data = _reason_data(f.get(data, "state", "reasonData"))
    metric = _returned_metric(configuration)
    dimensions = f.get_map(metric, "metricStat", "metric", "dimensions")
    changed = parse_timestamp(f.get(data, "state", "timestamp")) or parse_timestamp(payload.get("time"))
    severity, raw_severity = r.severity_of(configuration.get("description"), state, options)
    datapoints = f.get_list(reason_data, "recentDatapoints")
    rule = f.get_str(configuration, "alarmRule")
    children = [
        child
        for entry in f.get_list(reason_data, "triggeringAlarms")[:_MAX_CHILDREN]
        if (child := r.alarm_name_in(f.get(entry, "arn")))
    ]
    # by ARN: the same key as the alarm's SNS notifications
    dedup_key = f.key(r.NAME, arn) if f.text(arn) else f.key(r.NAME, account, payload.get("region"), name_raw)
    return Alert(
        title=r.title_of(name, f.get_text(configuration, "description")),
        status=status,
        dedup_key=dedup_key,
        service=r.service_of(dimensions) or f.get_text(metric, "metricStat", "metric", "namespace"),
        metric=f.get_text(metric, "metricStat", "metric", "name", max_len=f.NAME_LEN)
        or f.get_text(metric, "label", max_len=f.NAME_LEN),
        value=f.number(datapoints[0]) if datapoints else r.datapoint_in(f.get(data, "state", "reason")),
        threshold=_first_number(
            f.get_number(reason_data, "threshold"), f.get_number(configuration, "threshold")
        ),
        severity=severity,
        raw_severity=raw_severity,
        started_at=start_time(changed, options),
        ended_at=changed if status == "resolved" else None,
        links=f.links([("CloudWatch alarm", r.console_url(arn, name_raw))]),
        labels=f.labels(
            dimensions,
            {
                "account": account,
                "region": payload.get("region"),
                "alarm_rule": rule,
                "triggered_by": ", ".join(children) or None,
                "actions_suppressed_by": f.get(data, "state", "actionsSuppressedBy"),
            },
        ),
        description=_composite(rule, children) or f.get_text(data, "state", "reason"),
    )


def _first_number(*values: float | None) -> float | None:
    return next((value for value in values if value is not None), None)


def _reason_data(raw: object) -> Mapping[str, Any]:
    """`reasonData`, itself a JSON string; unreadable detail is dropped, not fatal."""
    if isinstance(raw, Mapping):
        return raw
    if not isinstance(raw, str) or len(raw) > 64 * 1024:
        return {}
    try:
        return parse_json_text(raw, what="CloudWatch reasonData")
    except IncidentKitError:
        return {}


def _returned_metric(configuration: Mapping[str, Any]) -> Mapping[str, Any]:
    """The metric the alarm watches: the first that has a metric, else the returned one."""
    metrics = [m for m in f.get_list(configuration, "metrics") if isinstance(m, Mapping)]
    with_stat = [m for m in metrics if isinstance(f.get(m, "metricStat"), Mapping)]
    returned = [m for m in metrics if f.get(m, "returnData") is True]
    return (with_stat or returned or [{}])[0]


def _composite(rule: str | None, children: list[str]) -> str | None:
    if not rule:
        return None
    text = f"composite alarm {rule}"
    if children:
        text += "; triggered by " + ", ".join(children)
    return f.text(text)
