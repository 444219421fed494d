"""Datadog Webhooks integration: whatever JSON template the user configured.

There is no fixed schema, so detection trusts three shapes and nothing looser:
- our own template (docs/alert-sources.md, `"source": "datadog"`);
- Datadog's default payload (`body`, `last_updated`, `event_type`, `title`, `date`,
  `org{id, name}`, `id`), which has no status field: the `[Triggered]`/`[Recovered]` title
  prefix says it;
- a custom template without a `source` that carries a Datadog transition
  (`alert_transition`/`transition`: Triggered, Recovered, Warn, No Data…) and a Datadog-only
  field (a monitor `event_type`, `alert_id`, `alert_cycle_key`, `aggreg_key`, `event_tags`).
Anything else needs `--alert-format datadog` and is read leniently, `$VARIABLES` left
unsubstituted included. A `[TEST]` title token marks Datadog's test notifications.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import single, start_time, status_from
from incident_kit.alerts.detection import unknown_shape
from incident_kit.alerts.model import Alert, Delivery, ParseOptions
from incident_kit.alerts.severity import DATADOG, map_severity
from incident_kit.alerts.timestamps import parse_timestamp

# the fields of our template that a payload from it always has
_TEMPLATE_KEYS = ("alert_cycle_key", "transition", "alert_id")
_RESOLVED = frozenset({"recovered", "resolved", "ok", "success"})
# "[Triggered on {host:a,role:b}] ", "[Recovered] ", "[P1] " ... before the monitor name
_PREFIX = re.compile(r"\s*\[(?P<word>[A-Za-z][A-Za-z -]*|P\d)(?: on \{(?P<scope>[^}]*)\})?\]")
_UNSET = re.compile(r"\$[A-Z_]+(?:\[[^\]]*\])?")
_TRANSITIONS = frozenset(
    {"triggered", "recovered", "warn", "warned", "no data", "re-triggered", "re-warned", "renotify"}
)
_MONITOR_EVENT = re.compile(r"(?:[a-z]+_){0,3}(?:alert_monitor|monitor|service_check)")
_DATADOG_ONLY = ("alert_id", "alert_cycle_key", "aggreg_key", "event_tags")
TEST_NOTIFICATION = "Datadog test notification"


class DatadogFormat:
    name = "datadog"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        ours = f.get(payload, "source") == "datadog" and any(
            _value(payload, k) is not None for k in _TEMPLATE_KEYS
        )
        return ours or _is_default_payload(payload) or _is_sourceless_template(payload)

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        if f.get(payload, "source") != "datadog":
            return None
        return unknown_shape(
            "Datadog (source: datadog)",
            "it has none of " + ", ".join(_TEMPLATE_KEYS),
            "the template in docs/alert-sources.md, or --alert-format datadog for any other",
        )

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        raw_title = _value(payload, "title") or _value(payload, "alert_title") or ""
        title, prefix_word, prefix_scope, flags = _strip_prefix(raw_title)
        transition = _value(payload, "transition") or _value(payload, "alert_transition")
        alert_type = _value(payload, "alert_type")
        # the most explicit signal wins: $ALERT_TRANSITION, $ALERT_TYPE, then the title prefix
        word = transition or alert_type or prefix_word
        resolved = status_from(word, resolved=_RESOLVED) == "resolved"
        scope = _value(payload, "scope") or prefix_scope
        priority = _value(payload, "priority") or _value(payload, "alert_priority")
        severity, raw_severity = map_severity(
            self.name, priority or alert_type or flags.get("priority"), DATADOG, options
        )
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
        test = TEST_NOTIFICATION if "test" in flags else None
        return single(self.name, "datadog", alert, test_notification=test)


def _is_default_payload(payload: Mapping[str, Any]) -> bool:
    """Datadog's default webhook payload, the one a webhook sends until someone edits it."""
    return (
        f.has(payload, "org", "id")
        and f.has(payload, "org", "name")
        and all(f.has(payload, key) for key in ("event_type", "last_updated", "title", "date"))
    )


def _is_sourceless_template(payload: Mapping[str, Any]) -> bool:
    transition = _value(payload, "alert_transition") or _value(payload, "transition") or ""
    if transition.strip().lower() not in _TRANSITIONS:
        return False
    event_type = (_value(payload, "event_type") or "")[:60]
    return bool(_MONITOR_EVENT.fullmatch(event_type)) or any(
        _value(payload, key) is not None for key in _DATADOG_ONLY
    )


def _value(payload: Mapping[str, Any], name: str) -> str | None:
    """A template field as text, None when empty or still a literal `$VARIABLE`."""
    value = payload.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f.text(value)  # e.g. an unquoted $ALERT_ID
    if not isinstance(value, str) or not value.strip() or _UNSET.fullmatch(value.strip()):
        return None
    return value


def _strip_prefix(title: str) -> tuple[str, str | None, str | None, dict[str, str]]:
    """(monitor name, transition word, scope, flags) from `[P1] [Triggered on {scope}] [TEST] name`.

    Flags: `priority` from a `[P1]` token, `test` from Datadog's `[TEST]` token.
    """
    word = scope = None
    flags: dict[str, str] = {}
    for _ in range(5):  # "[P1] [Triggered on {...}] [TEST]" at most; bounded input, bounded work
        match = _PREFIX.match(title[:500])
        if not match:
            break
        token = match.group("word")
        if token.upper() == "TEST":
            flags["test"] = token
        elif re.fullmatch(r"P\d", token):
            flags["priority"] = token
        else:
            word = token
        scope = match.group("scope") or scope
        title = title[match.end() :]
    return title.strip(), word, scope, flags


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
