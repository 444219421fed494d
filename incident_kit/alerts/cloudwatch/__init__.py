"""AWS CloudWatch alarms, in every envelope they reach us in.

- the classic alarm message inside SNS: an HTTP(S) subscription body or a Lambda event
  (`alarm_message`), or forwarded bare by a relay;
- the state-change shape: an EventBridge event or a Lambda alarm action (`state_change`).

`ALARM` fires, `OK` resolves, `INSUFFICIENT_DATA` is ignored unless configured. Every form
keys an alarm by its ARN when it has one, so one alarm reached two ways is one incident.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts.build import single
from incident_kit.alerts.cloudwatch import alarm_message, state_change
from incident_kit.alerts.cloudwatch.resources import NAME
from incident_kit.alerts.model import Delivery, ParseOptions
from incident_kit.errors import InputError


class CloudWatchFormat:
    name = NAME

    def detect(self, payload: Mapping[str, Any]) -> bool:
        return (
            alarm_message.sns_envelope(payload) is not None
            or state_change.is_event(payload)
            or state_change.is_alarm_action(payload)
            or alarm_message.is_bare_alarm(payload)
        )

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        sns = alarm_message.sns_envelope(payload)
        if sns is not None:
            alert = alarm_message.to_alert(alarm_message.alarm_from_sns(sns), options)
        elif state_change.is_event(payload) or state_change.is_alarm_action(payload):
            alert = state_change.to_alert(payload, options)
        elif alarm_message.is_bare_alarm(payload):
            alert = alarm_message.to_alert(payload, options)
        else:
            raise InputError(
                "not a CloudWatch alarm (no SNS Type/TopicArn, Records[0].Sns, EventBridge"
                " alarm event, alarmData or AlarmName)"
            )
        return single(self.name, NAME, alert)

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        return state_change.looks_like_event(payload)


FORMAT = CloudWatchFormat()
