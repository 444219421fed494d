"""Payload severities → SEV-1..SEV-4: built-in maps per format, overridable from config.

The defaults are listed per source in docs/alert-sources.md. An unknown value maps to None so the core can
apply its own rules and default; the raw value is always kept for the record.
"""

from __future__ import annotations

from collections.abc import Mapping

from incident_kit.alerts.fields import text
from incident_kit.alerts.model import SEVERITIES, ParseOptions

# "sev1", "sev-1", "sev_1", "sev 1", "sev-01" ... in any case, for every format that uses labels
_SEV_FORMS = {
    f"sev{sep}{pad}{n}": f"SEV-{n}" for n in range(1, 5) for sep in ("", "-", "_", " ") for pad in ("", "0")
}

# Alertmanager / Grafana `labels.severity` by convention; also the native fallback words
LABELS: Mapping[str, str] = {
    **_SEV_FORMS,
    "critical": "SEV-1",
    "page": "SEV-1",
    "p1": "SEV-1",
    "high": "SEV-2",
    "error": "SEV-2",
    "major": "SEV-2",
    "p2": "SEV-2",
    "warning": "SEV-3",
    "warn": "SEV-3",
    "medium": "SEV-3",
    "p3": "SEV-3",
    "info": "SEV-4",
    "low": "SEV-4",
    "minor": "SEV-4",
    "none": "SEV-4",
    "p4": "SEV-4",
    "p5": "SEV-4",
}
NATIVE: Mapping[str, str] = {**LABELS, "1": "SEV-1", "2": "SEV-2", "3": "SEV-3", "4": "SEV-4"}
PRIORITIES: Mapping[str, str] = {
    "p1": "SEV-1",
    "p2": "SEV-2",
    "p3": "SEV-3",
    "p4": "SEV-4",
    "p5": "SEV-4",
}
DATADOG: Mapping[str, str] = {**PRIORITIES, "error": "SEV-2", "warning": "SEV-3", "info": "SEV-4"}
PAGERDUTY: Mapping[str, str] = {**PRIORITIES, "high": "SEV-2", "low": "SEV-4"}
OPSGENIE: Mapping[str, str] = {
    **PRIORITIES,
    "1": "SEV-1",
    "2": "SEV-2",
    "3": "SEV-3",
    "4": "SEV-4",
    "5": "SEV-4",
}
SENTRY: Mapping[str, str] = {
    "fatal": "SEV-1",
    "critical": "SEV-1",  # metric alert action
    "error": "SEV-2",
    "warning": "SEV-3",
    "info": "SEV-4",
    "debug": "SEV-4",
}
GCP: Mapping[str, str] = {
    "critical": "SEV-1",
    "error": "SEV-2",
    "warning": "SEV-3",
    "no severity": "SEV-4",
}
AZURE: Mapping[str, str] = {
    "sev0": "SEV-1",
    "sev1": "SEV-2",
    "sev2": "SEV-3",
    "sev3": "SEV-4",
    "sev4": "SEV-4",
}
# CloudWatch alarms carry no severity: `ALARM` is left to config (severity_maps.cloudwatch.alarm
# or the default); a `severity=<word>` token in the description uses the label words.
CLOUDWATCH: Mapping[str, str] = {**LABELS, "insufficient_data": "SEV-4"}


def map_severity(
    format_name: str, raw: object, builtin: Mapping[str, str], options: ParseOptions
) -> tuple[str | None, str | None]:
    """(a level of the team's scale or None, the raw value as sanitised text or None).

    The config's per-format map first, then a word the config's scale names (an alias like
    `critical` on SEV-0), then the format's built-in map put onto the scale."""
    raw_text = text(raw, 64)
    if raw_text is None:
        return None, None
    wanted = " ".join(raw_text.lower().split())
    configured = options.severity_maps.get(format_name, {})
    # config keys are meant to be lower-cased already; compare leniently all the same
    for candidate, sev in configured.items():
        if isinstance(candidate, str) and " ".join(candidate.lower().split()) == wanted:
            normalised = _normalise(sev, options)
            if normalised:
                return normalised, raw_text
    named = options.scale.configured_level(raw_text)
    if named is not None:
        return named, raw_text
    return options.scale.onto(builtin.get(wanted)), raw_text


def most_severe(severities: list[str | None], options: ParseOptions | None = None) -> str | None:
    """The worst level of the scale (SEV-1 beats SEV-4); None when no alert had one."""
    levels = options.scale.levels if options is not None else SEVERITIES
    known = [sev for sev in severities if sev in levels]
    return min(known, key=levels.index) if known else None


def _normalise(value: object, options: ParseOptions) -> str | None:
    if not isinstance(value, str):
        return None
    found = options.scale.lookup(value)
    if found is not None:
        return found
    return options.scale.onto(_SEV_FORMS.get(value.strip().lower()))
