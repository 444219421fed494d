"""Choosing a payload's format: by detection, in order, or by the name a sender gave."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts.model import AlertFormat
from incident_kit.errors import InputError
from incident_kit.sanitize import safe_text


def detect_format(payload: Mapping[str, Any], formats: Mapping[str, AlertFormat]) -> AlertFormat:
    """The first of `formats` (in detection order) that recognises the payload, or `InputError`."""
    for fmt in formats.values():
        if fmt.detect(payload):
            return fmt
    raise InputError(
        "alert payload matches no known format ("
        + ", ".join(formats)
        + "); pass --alert-format NAME to force one (Datadog needs it unless the payload"
        " uses the template in docs/alert-sources.md)"
    )


def format_by_name(name: str, formats: Mapping[str, AlertFormat]) -> AlertFormat:
    """The format called `name` (case and `_`/`-` forgiven), or `InputError` listing them."""
    wanted = name.strip().lower().replace("_", "-")
    fmt = formats.get(wanted)
    if fmt is None:
        shown = safe_text(name, 40)
        raise InputError(f"unknown alert format {shown!r}; valid formats: " + ", ".join(formats))
    return fmt
