"""Datadog Webhooks integration: whatever JSON template the user configured.

There is no fixed schema, so detection only trusts our own template (docs/alert-sources.md,
`"source": "datadog"`); anything else needs `--alert-format datadog` and is read leniently:
`alert_transition` and the `[Triggered on {scope}] ...` title prefix of older custom templates
(as in the public captures), Datadog's default template, and `$VARIABLES` left unsubstituted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import single, start_time, status_from
from incident_kit.alerts.model import Alert, Delivery, ParseOptions
from incident_kit.alerts.severity import DATADOG, map_severity
from incident_kit.alerts.timestamps import parse_timestamp

# the fields of our template that a payload from it always has
_TEMPLATE_KEYS = ("alert_cycle_key", "transition", "alert_id")
_RESOLVED = frozenset({"recovered", "resolved", "ok", "success"})
# "[Triggered on {host:a,role:b}] ", "[Recovered] ", "[P1] " ... before the monitor name
_PREFIX = re.compile(r"\s*\[(?P<word>[A-Za-z][A-Za-z -]*|P\d)(?: on \{(?P<scope>[^}]*)\})?\]")
_UNSET = re.compile(r"\$[A-Z_]+(?:\[[^\]]*\])?")


class DatadogFormat:
    name = "datadog"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        return f.get(payload, "source") == "datadog" and any(
            _value(payload, k) is not None for k in _TEMPLATE_KEYS
        )

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        raw_title = _value(payload, "title") or ""
        title, prefix_word, prefix_scope = _strip_prefix(raw_title)
        transition = _value(payload, "transition") or _value(payload, "alert_transition")
        alert_type = _value(payload, "alert_type")
        # the most explicit signal wins: $ALERT_TRANSITION, $ALERT_TYPE, then the title prefix
        word = transition or alert_type or prefix_word
        resolved = status_from(word, resolved=_RESOLVED) == "resolved"
        scope = _value(payload, "scope") or prefix_scope
        priority = _value(payload, "priority")
        severity, raw_severity = map_severity(self.name, priority or alert_type, DATADOG, options)
        tags = _tags(_value(payload, "tags") or _value(payload, "event_tags"))
        date = parse_timestamp(_value(payload, "date")) or parse_timestamp(_value(payload, "last_updated"))
        alert = Alert(
            title=f.text(title) or "Datadog alert",
            status="resolved" if resolved else "firing",
            dedup_key=_dedup_key(payload, scope, title),
            service=f.text(_value(payload, "service"))
            or f.text(tags.get("service"))
            or f.text(_tags(scope).get("service")),
            metric=f.text(_value(payload, "metric"), f.NAME_LEN),
            severity=severity,
            raw_severity=raw_severity,
            started_at=start_time(None if resolved else date, options),
            ended_at=date if resolved else None,
            links=f.links([("Datadog", _value(payload, "link")), ("Snapshot", payload.get("snapshot"))]),
            labels=f.labels(
                {
                    "scope": scope,
                    "alert_id": _value(payload, "alert_id"),
                    "event_type": _value(payload, "event_type"),
                    "transition": transition,
                }
            ),
        )
        return single(self.name, "datadog", alert)


def _value(payload: Mapping[str, Any], name: str) -> str | None:
    """A template field as text, None when empty or still a literal `$VARIABLE`."""
    value = payload.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f.text(value)  # e.g. an unquoted $ALERT_ID
    if not isinstance(value, str) or not value.strip() or _UNSET.fullmatch(value.strip()):
        return None
    return value


def _strip_prefix(title: str) -> tuple[str, str | None, str | None]:
    """(monitor name, transition word, scope) from `[Triggered on {scope}] name`."""
    word = scope = None
    for _ in range(4):  # "[P1] [Triggered on {...}]" at most; bounded input, bounded work
        match = _PREFIX.match(title[:500])
        if not match:
            break
        if not match.group("word").startswith("P"):
            word = match.group("word")
        scope = match.group("scope") or scope
        title = title[match.end() :]
    return title.strip(), word, scope


def _dedup_key(payload: Mapping[str, Any], scope: str | None, title: str) -> str:
    """$ALERT_CYCLE_KEY links trigger to recovery; else monitor + scope; else name + scope.

    Not the event id (`$ID`): it differs with every delivery.
    """
    cycle = _value(payload, "alert_cycle_key")
    if cycle:
        return f.key("datadog", "cycle", cycle)
    monitor = _value(payload, "alert_id")
    if monitor:
        return f.key("datadog", "monitor", monitor, scope or "")
    aggregate = _value(payload, "aggreg_key")
    if aggregate:
        return f.key("datadog", "aggregate", aggregate)
    return f.key("datadog", "title", scope or "", title)


def _tags(raw: str | None) -> dict[str, str]:
    """`key:value` pairs from a comma-separated tag list (`$TAGS`, `$ALERT_SCOPE`)."""
    out: dict[str, str] = {}
    for item in (raw or "").split(",")[:200]:
        name, sep, value = item.strip().partition(":")
        if sep and name and name not in out:
            out[name] = value
    return out


FORMAT = DatadogFormat()
