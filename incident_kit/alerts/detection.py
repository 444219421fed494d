"""Choosing a payload's format: by detection, in order, or by the name a sender gave."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from incident_kit.alerts.model import AlertFormat
from incident_kit.errors import InputError
from incident_kit.sanitize import safe_text


def detect_format(payload: Mapping[str, Any], formats: Mapping[str, AlertFormat]) -> AlertFormat:
    """The first of `formats` (in detection order) that recognises the payload, or `InputError`."""
    fmt = first_detected(payload, formats)
    if fmt is not None:
        return fmt
    refusal = unknown_shape_refusal(payload, formats)
    if refusal:
        raise InputError(refusal)
    raise InputError(
        "alert payload matches no known format ("
        + ", ".join(formats)
        + "); pass --alert-format NAME to force one (Datadog needs it unless the payload"
        " uses the template in docs/alert-sources.md)"
    )


def first_detected(payload: Mapping[str, Any], formats: Mapping[str, AlertFormat]) -> AlertFormat | None:
    return next((fmt for fmt in formats.values() if fmt.detect(payload)), None)


def unknown_shape_refusal(payload: Mapping[str, Any], formats: Mapping[str, AlertFormat]) -> str | None:
    """When no format detects the payload but one recognises its system: what it says."""
    return next((found for fmt in formats.values() if (found := fmt.looks_like(payload))), None)


_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/()-]{0,79}")


def shown(value: object) -> str:
    """A payload value quoted in a refusal only when it is a plain name (`'EC2 Instance
    State-change Notification'`, `'4'`): anything else is an attacker's text, not echoed."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _PLAIN.fullmatch(value) and "  " not in value:
        return repr(value)
    return "an unrecognised value" if value is not None else "missing"


def unknown_shape(system: str, what: str, supported: str) -> str:
    """The refusal for a payload that names its system in a shape no adapter reads."""
    return f"alert payload looks like {system}, but {what}; supported: {supported}"


def format_by_name(name: str, formats: Mapping[str, AlertFormat]) -> AlertFormat:
    """The format called `name` (case and `_`/`-` forgiven), or `InputError` listing them."""
    wanted = name.strip().lower().replace("_", "-")
    fmt = formats.get(wanted)
    if fmt is None:
        shown = safe_text(name, 40)
        raise InputError(f"unknown alert format {shown!r}; valid formats: " + ", ".join(formats))
    return fmt
