"""Alert payloads in: detect the format, normalise to one `Delivery`.

`parse_delivery` is the entry the CLI calls with the raw bytes of a webhook body. Formats are
`AlertFormat` objects in a dict, in detection order (docs/alert-sources.md): the first
whose `detect` says yes parses the payload. Datadog comes last because, lacking a schema, it
is only recognised by our own template.

Each entry of the dict is a `Listed` format: its name, the module of its adapter and a cheap
test (`could_be`) of a key its `detect` cannot do without. An adapter's module is imported only
when that test passes (or when it is forced by name, or asked to parse), so detecting one
payload does not import twelve parsers (~10-15 ms of a `declare --alert-payload`). The adapter's
own `detect` still decides; `could_be` only rules out what it would refuse, and a test checks
that on every fixture and capture (tests/alerts/test_registry.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

from incident_kit.alerts import detection
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

Payload = Mapping[str, Any]


class Listed:
    """A format of the registry, its adapter imported on first use (see the module doc)."""

    __slots__ = ("_format", "_load", "could_be", "name")

    def __init__(
        self, name: str, load: Callable[[], AlertFormat], could_be: Callable[[Payload], bool]
    ) -> None:
        self.name = name
        self.could_be = could_be  # False only when the adapter's `detect` would say no
        self._load = load
        self._format: AlertFormat | None = None

    def adapter(self) -> AlertFormat:
        if self._format is None:
            self._format = self._load()
        return self._format

    def detect(self, payload: Payload) -> bool:
        return self.could_be(payload) and self.adapter().detect(payload)

    def parse(self, payload: Payload, options: ParseOptions) -> Delivery:
        return self.adapter().parse(payload, options)

    def looks_like(self, payload: Payload) -> str | None:
        return self.adapter().looks_like(payload)

    def __repr__(self) -> str:
        return f"Listed({self.name!r})"


def _module(name: str) -> Callable[[], AlertFormat]:
    def load() -> AlertFormat:
        fmt: AlertFormat = import_module(f"incident_kit.alerts.{name}").FORMAT
        return fmt

    return load


def _any_key(*keys: str) -> Callable[[Payload], bool]:
    return lambda payload: any(key in payload for key in keys)


def _cloudwatch(payload: Payload) -> bool:
    # an SNS message (or its Lambda wrapper), a bare alarm, or an event from aws.cloudwatch
    return _any_key("Type", "Records", "AlarmName")(payload) or payload.get("source") == "aws.cloudwatch"


_DIRECT = (
    Listed("azure-monitor", _module("azure_monitor"), _any_key("schemaId")),
    Listed("cloudwatch", _module("cloudwatch"), _cloudwatch),
    Listed("gcp-monitoring", _module("gcp_monitoring"), _any_key("incident")),
    Listed("pagerduty", _module("pagerduty"), _any_key("event")),
    # before Grafana: both send groups; `version` tells them apart
    Listed("alertmanager", _module("alertmanager"), _any_key("groupKey")),
    Listed("grafana", _module("grafana"), _any_key("alerts", "state")),  # a group, or a legacy rule
    Listed("opsgenie", _module("opsgenie"), _any_key("action")),
    Listed("sentry", _module("sentry"), _any_key("installation")),
)
# Datadog last: only our own template (`source`, a transition) or its default payload (`org`)
# identifies it
_LAST = (
    Listed("native", _module("native"), _any_key("spec_id")),
    Listed("datadog", _module("datadog"), _any_key("source", "org", "alert_transition", "transition")),
)
_INNER: dict[str, AlertFormat] = {fmt.name: fmt for fmt in (*_DIRECT, *_LAST)}


def _dispatch() -> AlertFormat:
    # a repository_dispatch envelope holds one of the others; it is given them, not the registry
    from incident_kit.alerts.github_dispatch import GitHubDispatchFormat

    return GitHubDispatchFormat(_INNER)


DISPATCH = Listed("github-dispatch", _dispatch, _any_key("client_payload", "alert"))
FORMATS: dict[str, AlertFormat] = {fmt.name: fmt for fmt in (*_DIRECT, DISPATCH, *_LAST)}


def detect_format(payload: Payload, *, formats: Mapping[str, AlertFormat] | None = None) -> AlertFormat:
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
        if fmt.name != DISPATCH.name and DISPATCH.detect(payload):
            from incident_kit.alerts.github_dispatch import unwrap

            payload = dict(unwrap(payload))
    return fmt.parse(payload, options)
