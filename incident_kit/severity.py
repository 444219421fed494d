"""Severity: parsing what people type, and the precedence that picks one for an alert."""

from __future__ import annotations

from incident_kit.config.settings import Config
from incident_kit.errors import InputError
from incident_kit.model import SEVERITIES


def normalise(value: str) -> str:
    """`SEV-2`, `sev2`, `SEV_2`, `Sev 2`, `2` or `P2` → `SEV-2`; anything else is refused."""
    text = "".join(value.strip().upper().replace("_", "-").split())  # "SEV 1" -> "SEV1"
    if text.isdigit():
        text = f"SEV-{text}"
    elif len(text) == 2 and text[0] == "P" and text[1].isdigit():  # priorities: P1 is SEV-1
        text = f"SEV-{text[1]}"
    if text.startswith("SEV") and not text.startswith("SEV-"):
        text = "SEV-" + text[3:]
    if text not in SEVERITIES:
        raise InputError(
            f"severity {value!r}: choose one of {', '.join(SEVERITIES)} (sev1, 1 and P1 also work; "
            "SEV-1 is the most severe)"
        )
    return text


def by_rules(config: Config, value: float | None, threshold: float | None) -> str | None:
    """The configured rule for how far `value` exceeds `threshold` (the SLO), if any."""
    if value is None or threshold is None or threshold <= 0:
        return None
    ratio = value / threshold
    for rule in config.severity_rules:
        if ratio >= rule.min_ratio:
            return rule.severity
    return None


def choose(
    config: Config,
    explicit: str | None,
    from_payload: str | None,
    value: float | None,
    threshold: float | None,
) -> str:
    """An explicit --severity wins, then the payload's own, then config rules, then the default."""
    return explicit or from_payload or by_rules(config, value, threshold) or config.default_severity
