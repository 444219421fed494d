"""Reading `alerts.severity_maps`, `alerts.test_notifications`, `alerts.grouping` and
`alerts.storm` into typed settings.

Apart from `reader.py` so that file stays one screenful per concern; the same `ConfigReader`
does the walking, so errors name the file, line and dotted key like every other. Unknown keys
are `config/references.py`'s to report, as everywhere else (`validate` suggests the known one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from incident_kit.config.settings import TEST_NOTIFICATION_POLICIES, GroupingRule, StormSettings

if TYPE_CHECKING:
    from incident_kit.config.reader import ConfigReader

_RULE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_DAY = 24 * 60


def read(reader: ConfigReader, alerts: Any) -> dict[str, Any]:
    """The `Config` fields these settings fill, from the `alerts:` mapping."""
    return {
        "severity_maps": _severity_maps(reader, alerts),
        "test_notifications": _choice(
            reader, alerts, "test_notifications", "alerts.test_notifications", TEST_NOTIFICATION_POLICIES
        ),
        "grouping": _grouping(reader, alerts),
        "storm": _storm(reader, alerts),
    }


def _severity_maps(reader: ConfigReader, alerts: Any) -> dict[str, dict[str, str]]:
    maps_node = reader.mapping(alerts, "severity_maps", "alerts.severity_maps")
    maps: dict[str, dict[str, str]] = {}
    for fmt, mapping in maps_node.items():
        where = f"alerts.severity_maps.{fmt}"
        if not isinstance(mapping, Mapping):
            raise reader.fail(maps_node, fmt, where, "must be a mapping of raw value to SEV-n")
        maps[str(fmt)] = {
            str(raw).lower(): reader.severity(mapping, raw, f"{where}.{raw}", sev)
            for raw, sev in mapping.items()
        }
    return maps


def _choice(reader: ConfigReader, node: Any, key: str, where: str, allowed: tuple[str, ...]) -> str:
    value = node.get(key, allowed[0]) if hasattr(node, "get") else allowed[0]
    if value is None:
        return allowed[0]
    if value not in allowed:
        raise reader.fail(node, key, where, f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _grouping(reader: ConfigReader, alerts: Any) -> tuple[GroupingRule, ...]:
    rules = alerts.get("grouping") if hasattr(alerts, "get") else None
    if rules is None:
        return ()
    if not isinstance(rules, list):
        raise reader.fail(alerts, "grouping", "alerts.grouping", "must be a list of rules")
    out: list[GroupingRule] = []
    for index, rule in enumerate(rules):
        out.append(_rule(reader, rules, index, rule, out))
    return tuple(out)


def _rule(
    reader: ConfigReader, rules: Any, index: int, rule: Any, earlier: list[GroupingRule]
) -> GroupingRule:
    where = f"alerts.grouping[{index}]"
    if not hasattr(rule, "get") or not hasattr(rule, "items"):
        raise reader.fail(rules, index, where, "must be a mapping with a name")
    name = rule.get("name")
    if not isinstance(name, str) or not _RULE_NAME.fullmatch(name):
        raise reader.fail(rule, "name", f"{where}.name", "needs a name of lower-case letters, digits and -")
    if any(existing.name == name for existing in earlier):
        raise reader.fail(rule, "name", f"{where}.name", f"another rule is already named {name!r}")
    match = reader.mapping(rule, "match", f"{where}.match")
    by = reader.strings(rule, "by", f"{where}.by") or ("service",)
    for item in by:
        if item not in ("service", "source") and not (item.startswith("labels.") and len(item) > 7):
            raise reader.fail(rule, "by", f"{where}.by", f"{item!r} is not service, source or labels.<name>")
    return GroupingRule(
        name=name,
        sources=_one_or_many(reader, match, "source", f"{where}.match.source"),
        services=_one_or_many(reader, match, "service", f"{where}.match.service"),
        labels=reader.names(match, "labels", f"{where}.match.labels"),
        by=by,
        window_minutes=_minutes(reader, rule, "window_minutes", f"{where}.window_minutes", 30),
    )


def _storm(reader: ConfigReader, alerts: Any) -> StormSettings:
    node = reader.mapping(alerts, "storm", "alerts.storm")
    if not node:
        return StormSettings()
    threshold = reader.integer(node, "threshold", "alerts.storm.threshold", 0, 0)
    if threshold == 1:
        raise reader.fail(node, "threshold", "alerts.storm.threshold", "must be 0 (off) or at least 2")
    return StormSettings(
        threshold=threshold,
        window_minutes=_minutes(reader, node, "window_minutes", "alerts.storm.window_minutes", 10),
    )


def _minutes(reader: ConfigReader, node: Any, key: str, where: str, default: int) -> int:
    value = reader.integer(node, key, where, default, 1)
    if value > _DAY:
        raise reader.fail(node, key, where, f"must be at most {_DAY} (a day), not {value}")
    return value


def _one_or_many(reader: ConfigReader, node: Any, key: str, where: str) -> tuple[str, ...]:
    value = node.get(key)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return (str(value),)
    return reader.strings(node, key, where)
