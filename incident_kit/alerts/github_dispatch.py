"""GitHub `repository_dispatch`: an envelope around an alert of another format.

Senders call `POST /repos/{owner}/{repo}/dispatches` with
`{"event_type": "alert", "client_payload": {"alert": <payload>}}` (the alert is nested because
GitHub allows at most 10 top-level keys in `client_payload`). Accepted here, outermost first:

- the workflow's whole event (`$GITHUB_EVENT_PATH`): `action`, `repository`, `client_payload`;
- the REST request body: `event_type`, `client_payload`;
- the client payload alone (`toJson(github.event.client_payload)`): `{"alert": {...}}`.

Inside `client_payload`, the alert is `client_payload.alert` (an object, or a JSON string of
one) or, for small native payloads, `client_payload` itself. It is then detected among the
other formats, unless `client_payload.format` names one; this adapter adds nothing of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.detection import first_detected, format_by_name, unknown_shape_refusal
from incident_kit.alerts.model import AlertFormat, Delivery, ParseOptions
from incident_kit.alerts.payload import parse_json_text
from incident_kit.errors import InputError

NAME = "github-dispatch"


class GitHubDispatchFormat:
    """The envelope format: detects a repository_dispatch event, then parses the alert inside
    with one of the `inner` formats (forced by `client_payload.format`, or detected)."""

    name = NAME

    def __init__(self, inner: Mapping[str, AlertFormat]) -> None:
        self.inner = dict(inner)

    def detect(self, payload: Mapping[str, Any]) -> bool:
        if isinstance(f.get(payload, "client_payload"), Mapping):
            return (f.has(payload, "action") and f.has(payload, "repository", "full_name")) or (
                f.has(payload, "event_type")
            )
        return set(payload) == {"alert"} and isinstance(payload["alert"], Mapping | str)

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        return None  # an envelope that is detected at all is parsed, and says what it lacks

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        others = self.inner
        named = f.get_str(_container(payload), "format")
        if named:  # the sender said which format (Datadog templates cannot be detected)
            if named.strip().lower().replace("_", "-") == NAME:
                raise InputError("client_payload.format cannot be github-dispatch itself")
            fmt = format_by_name(named, {NAME: self, **others})
            return fmt.parse(unwrap(payload), options)
        candidates = _candidates(payload)
        for inner in candidates:
            detected = first_detected(inner, others)
            if detected is not None:
                return detected.parse(inner, options)
        for inner in candidates:  # a system's payload in a shape we do not read: say so
            refusal = unknown_shape_refusal(inner, others)
            if refusal:
                raise InputError(refusal)
        raise InputError(
            "repository_dispatch client_payload holds no recognised alert: send"
            ' {"client_payload": {"alert": <payload>}} (formats: ' + ", ".join(others) + ")"
        )


def unwrap(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The alert inside a dispatch envelope, for a format forced by name."""
    return _candidates(payload)[0]


def _candidates(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Where the alert may be, most likely first: `client_payload.alert`, `client_payload`.

    Both are tried because a bare client payload may have an `alert` key of its own
    (Opsgenie's envelope does).
    """
    container = _container(payload)
    alert = container.get("alert")
    if isinstance(alert, str):  # senders whose templates can only produce a string
        alert = parse_json_text(alert, what="client_payload.alert")
    return [alert, container] if isinstance(alert, Mapping) else [container]


def _container(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    client_payload = f.get(payload, "client_payload")
    return client_payload if isinstance(client_payload, Mapping) else payload
