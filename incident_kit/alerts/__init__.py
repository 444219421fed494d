"""Alert payloads in: detect the format, normalise to one `Delivery`.

`parse_delivery` is the entry the CLI calls with the raw bytes of a webhook body. Formats are
`AlertFormat` objects in a dict, in detection order (docs/alert-sources.md): the first
whose `detect` says yes parses the payload. Datadog comes last because, lacking a schema, it
is only recognised by our own template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import (
    alertmanager,
    azure_monitor,
    cloudwatch,
    datadog,
    detection,
    gcp_monitoring,
    github_dispatch,
    grafana,
    native,
    opsgenie,
    pagerduty,
    sentry,
)
from incident_kit.alerts.model import AlertFormat, Delivery, NotAnAlert, ParseOptions
from incident_kit.alerts.payload import MAX_BYTES, MAX_DEPTH, load_payload

__all__ = [
    "FORMATS",
    "AlertFormat",
    "Delivery",
    "NotAnAlert",
    "ParseOptions",
    "detect_format",
    "format_by_name",
    "parse_delivery",
]

_DIRECT = (
    azure_monitor.FORMAT,
    cloudwatch.FORMAT,
    gcp_monitoring.FORMAT,
    pagerduty.FORMAT,
    alertmanager.FORMAT,  # before Grafana: both send groups; `version` tells them apart
    grafana.FORMAT,
    opsgenie.FORMAT,
    sentry.FORMAT,
)
_LAST = (native.FORMAT, datadog.FORMAT)  # Datadog last: only our own template identifies it
# a repository_dispatch envelope holds one of the others; it is given them, not the registry
DISPATCH = github_dispatch.GitHubDispatchFormat({fmt.name: fmt for fmt in (*_DIRECT, *_LAST)})
FORMATS: dict[str, AlertFormat] = {fmt.name: fmt for fmt in (*_DIRECT, DISPATCH, *_LAST)}


def detect_format(
    payload: Mapping[str, Any], *, formats: Mapping[str, AlertFormat] | None = None
) -> AlertFormat:
    """The first format (in detection order) that recognises the payload, or `InputError`."""
    return detection.detect_format(payload, FORMATS if formats is None else formats)


def format_by_name(name: str) -> AlertFormat:
    """The format called `name` (case and `_`/`-` forgiven), or `InputError` listing them."""
    return detection.format_by_name(name, FORMATS)


def parse_delivery(
    raw: bytes,
    *,
    options: ParseOptions,
    format_name: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Delivery:
    """Raw webhook body → `Delivery`; `InputError` (exit 2) or `NotAnAlert` (exit 0) else.

    A forced format still looks inside a repository_dispatch envelope, so the alert workflow
    can pass its event as is and `--alert-format datadog` applies to the alert within.
    """
    payload = load_payload(raw, max_bytes=max_bytes, max_depth=max_depth)
    if format_name is None:
        fmt = detect_format(payload)
    else:
        fmt = format_by_name(format_name)
        if fmt.name != github_dispatch.NAME and DISPATCH.detect(payload):
            payload = dict(github_dispatch.unwrap(payload))
    return fmt.parse(payload, options)
