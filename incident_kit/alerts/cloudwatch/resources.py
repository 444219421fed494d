"""What every CloudWatch alarm shape shares: its resource, severity, value and console link.

The classic alarm message (SNS, PascalCase) and the state-change shape (EventBridge and
Lambda alarm actions, camelCase) name the same things differently; these helpers take the
already-extracted values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from incident_kit.alerts import fields as f
from incident_kit.alerts.model import AlertStatus, NotAnAlert, ParseOptions
from incident_kit.alerts.severity import CLOUDWATCH, map_severity
from incident_kit.errors import InputError

NAME = "cloudwatch"
STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")
# dimensions that name the affected resource, best first; others only if none of these
RESOURCE_DIMENSIONS = (
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
_ALARM_ARN = re.compile(r"arn:aws[a-z-]*:cloudwatch:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:alarm:(.+)")


def status_of(state: str | None, options: ParseOptions) -> AlertStatus:
    """ALARM fires, OK resolves; INSUFFICIENT_DATA is ignored unless config says it fires."""
    if state == "INSUFFICIENT_DATA" and not options.insufficient_data_as_alert:
        raise NotAnAlert("CloudWatch alarm went to INSUFFICIENT_DATA; ignored by default")
    if state not in STATES:
        raise InputError("CloudWatch alarm has no usable state (ALARM, OK or INSUFFICIENT_DATA)")
    return "resolved" if state == "OK" else "firing"


def severity_of(description: object, state: str, options: ParseOptions) -> tuple[str | None, str | None]:
    """No severity in the schema: our `severity=<word>` convention in the description, else
    the state itself, which config can map (severity_maps.cloudwatch.alarm)."""
    token = _SEVERITY_TOKEN.search(description[:1000] if isinstance(description, str) else "")
    return map_severity(NAME, token.group(1) if token else state, CLOUDWATCH, options)


def service_of(dimensions: Mapping[str, Any]) -> str | None:
    for name in RESOURCE_DIMENSIONS:
        found = f.text(dimensions.get(name))
        if found:
            return found
    return None


def datapoint_in(reason: object) -> float | None:
    """The first datapoint of a state reason: `... [1062305.0 (14/02/19 23:53:00)] ...`."""
    match = _DATAPOINT.search(reason[:1000] if isinstance(reason, str) else "")
    return f.number(match.group(1)) if match else None


def title_of(name: str, description: str | None) -> str:
    # re-sanitised: joining two clean strings can make a new "::" or overflow the bound
    if description and description != name:
        return f.text(f"{name}: {description}") or name
    return name


def alarm_name_in(arn: object) -> str | None:
    """The alarm name at the end of an alarm ARN (composite alarms list their children so)."""
    match = _ALARM_ARN.fullmatch(arn) if isinstance(arn, str) and len(arn) < 600 else None
    return f.text(match.group(2)) if match else None


def console_url(arn: object, name: object) -> str | None:
    """The alarm's console page, when the ARN gives a real region (the payload has no link)."""
    match = _ALARM_ARN.fullmatch(arn) if isinstance(arn, str) and len(arn) < 600 else None
    if not match or not isinstance(name, str):
        return None
    region = match.group(1)
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#alarmsV2:alarm/{quote(name, safe='')}"
    )
