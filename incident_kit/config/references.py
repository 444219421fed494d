"""What `validate` checks in the config beyond each value's own shape (pure, over the parsed tree).

- **Unknown keys**: a misspelt `severites:` is silently ignored by the reader; here it is an
  error when a known key is close (with the suggestion), a warning otherwise (a key of your own).
- **References**: a service's or an override's `rotation` that no rotation defines; a severity
  named (default, rules, stakeholders, post-mortem sections, alert maps) that the scale lacks;
  people on call, in stakeholders or invited who have no `slack.users` entry when that map is used.
- **Overlapping overrides** on one rotation, and an override that ends before it starts.

Input is the round-trip YAML tree (mappings carry `.lc` line information); nothing is read here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import get_close_matches
from typing import Any

from incident_kit.config.reader import line_of
from incident_kit.severity import DEFAULT_SCALE, Scale, fold

ERROR = "error"
WARNING = "warning"

ANY = "*"  # any key (a name people choose), each holding what follows
LEAF = None  # a value: not looked into

# every key the config knows; a mapping of key -> what it holds. A new setting goes here too.
KNOWN: dict[str, Any] = {
    "version": LEAF,
    "timezone": LEAF,
    "severities": {ANY: {"description": LEAF, "aliases": LEAF}},
    "default_severity": LEAF,
    "postmortem": {"required_sections": LEAF},
    "severity_rules": [{"min_ratio": LEAF, "severity": LEAF}],
    "services": {ANY: {"aliases": LEAF, "owners": LEAF, "rotation": LEAF}},
    "oncall": {
        "default_rotation": LEAF,
        "rotations": {
            ANY: {"members": LEAF, "period_days": LEAF, "handoff": LEAF, "timezone": LEAF, "start": LEAF}
        },
        "overrides": [{"rotation": LEAF, "who": LEAF, "from": LEAF, "until": LEAF}],
    },
    "stakeholders": LEAF,
    "push": LEAF,
    "alerts": {
        "max_payload_bytes": LEAF,
        "max_depth": LEAF,
        "resolved_marks_mitigated": LEAF,
        "insufficient_data_as_alert": LEAF,
        "severity_maps": LEAF,
        "test_notifications": LEAF,
        "grouping": [
            {
                "name": LEAF,
                "match": {"service": LEAF, "source": LEAF, "labels": LEAF},
                "by": LEAF,
                "window_minutes": LEAF,
            }
        ],
        "storm": {"threshold": LEAF, "window_minutes": LEAF},
    },
    "slack": {
        "announcement_channel": LEAF,
        "channel_pattern": LEAF,
        "invite": LEAF,
        "archive_on_close": LEAF,
        "users": LEAF,
        "announce": LEAF,
    },
    "updates": {"every": LEAF},
    "site": {
        "title": LEAF,
        "url": LEAF,
        "public": {"severities": LEAF, "services": LEAF},
        "components": LEAF,
        "service_status": LEAF,
        "mitigated_status": LEAF,
        "history_days": LEAF,
    },
    "github": {
        "labels": LEAF,
        "rollback_workflow": LEAF,
        "hotfix_workflow": LEAF,
        "ref": LEAF,
        "logins": LEAF,
        "tracking_issues": {"enabled": LEAF, "severities": LEAF, "label": LEAF},
    },
    "reminders": {"escalation": LEAF, "postmortem": LEAF, "action_items": LEAF, "repeat": LEAF},
}
# Slack ids, e-mails and channels name someone without a `slack.users` entry
_ADDRESS = re.compile(r"^(#|[UW][A-Z0-9]{6,}$|[^@\s]+@[^@\s]+\.[^@\s]+$)")


@dataclass(frozen=True)
class Finding:
    line: int
    key: str  # dotted, as the reader's errors name it
    message: str
    level: str = ERROR


def check(data: Any, scale: Scale = DEFAULT_SCALE) -> list[Finding]:
    """Every finding for the config tree `data`, in file order."""
    if not isinstance(data, Mapping):
        return []
    found = list(_unknown_keys(data, KNOWN, ""))
    found += _rotation_references(data)
    found += _severity_references(data, scale)
    found += _people(data)
    found += _overrides(data)
    return sorted(found, key=lambda f: (f.line, f.key))


def suggestion(word: str, choices: Sequence[str]) -> str:
    close = get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def _unknown_keys(node: Mapping[str, Any], known: Mapping[str, Any], where: str) -> Iterator[Finding]:
    names = [k for k in known if k != ANY]
    for key, value in node.items():
        dotted = f"{where}.{key}" if where else str(key)
        if ANY in known:
            inner = known[ANY]
        elif key in known:
            inner = known[key]
        else:
            hint = suggestion(str(key), names)
            yield Finding(
                line_of(node, key),
                dotted,
                f"unknown key {key!r}{hint}; it is ignored"
                if hint
                else f"unknown key {key!r}; it is ignored",
                ERROR if hint else WARNING,
            )
            continue
        if isinstance(inner, Mapping) and isinstance(value, Mapping):
            yield from _unknown_keys(value, inner, dotted)
        elif isinstance(inner, list) and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _unknown_keys(item, inner[0], f"{dotted}[{index}]")


def _mapping(node: Any, key: str) -> Mapping[str, Any]:
    value = node.get(key) if isinstance(node, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def _rotation_references(data: Mapping[str, Any]) -> Iterator[Finding]:
    oncall = _mapping(data, "oncall")
    rotations = [str(name) for name in _mapping(oncall, "rotations")]
    for name, service in _mapping(data, "services").items():
        wanted = service.get("rotation") if isinstance(service, Mapping) else None
        if wanted and str(wanted) not in rotations:
            yield Finding(
                line_of(service, "rotation"),
                f"services.{name}.rotation",
                f"no rotation named {str(wanted)!r}{suggestion(str(wanted), rotations)}; "
                "its incidents get no commander",
            )
    overrides = oncall.get("overrides")
    for index, override in enumerate(overrides if isinstance(overrides, list) else []):
        wanted = override.get("rotation") if isinstance(override, Mapping) else None
        if wanted and str(wanted) not in rotations:
            yield Finding(
                line_of(override, "rotation"),
                f"oncall.overrides[{index}].rotation",
                f"no rotation named {str(wanted)!r}{suggestion(str(wanted), rotations)}; "
                "the override never applies",
            )


def _severity_references(data: Mapping[str, Any], scale: Scale) -> Iterator[Finding]:
    """Severities named outside `severities:` that the scale does not have."""

    def named(node: Any, key: str | int, where: str, value: Any) -> Iterator[Finding]:
        if value is not None and scale.lookup(str(value)) is None:
            hint = suggestion(str(value), scale.levels)
            yield Finding(
                line_of(node, key),
                where,
                f"{value!r} is not a severity of this scale ({', '.join(scale.levels)}){hint}",
            )

    if "default_severity" in data:
        yield from named(data, "default_severity", "default_severity", data.get("default_severity"))
    rules = data.get("severity_rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if isinstance(rule, Mapping) and "severity" in rule:
            yield from named(rule, "severity", f"severity_rules[{index}].severity", rule["severity"])
    for where, node in (
        ("stakeholders", _mapping(data, "stakeholders")),
        ("postmortem.required_sections", _mapping(_mapping(data, "postmortem"), "required_sections")),
    ):
        for key in node:
            yield from named(node, key, f"{where}.{key}", key)
    for fmt, mapping in _mapping(_mapping(data, "alerts"), "severity_maps").items():
        if isinstance(mapping, Mapping):
            for raw, level in mapping.items():
                yield from named(mapping, raw, f"alerts.severity_maps.{fmt}.{raw}", level)


def _people(data: Mapping[str, Any]) -> Iterator[Finding]:
    """People the config names who `slack.users` cannot place, when the team uses that map."""
    known = [str(name) for name in _mapping(_mapping(data, "slack"), "users")]
    users = {fold(name) for name in known}
    if not users:
        return
    seen: set[str] = set()
    for where, node, key, person in _named_people(data):
        handle = person.lstrip("@")
        if _ADDRESS.match(handle) or fold(handle) in users or fold(handle) in seen:
            continue
        seen.add(fold(handle))
        yield Finding(
            line_of(node, key),
            where,
            f"{handle!r} has no slack.users entry{suggestion(handle, known)}; "
            "Slack cannot invite or mention them",
            WARNING,
        )


def _named_people(data: Mapping[str, Any]) -> Iterator[tuple[str, Any, str | int, str]]:
    oncall = _mapping(data, "oncall")
    for name, rotation in _mapping(oncall, "rotations").items():
        members = rotation.get("members") if isinstance(rotation, Mapping) else None
        for person in members if isinstance(members, list) else []:
            yield f"oncall.rotations.{name}.members", rotation, "members", str(person)
    overrides = oncall.get("overrides")
    for index, override in enumerate(overrides if isinstance(overrides, list) else []):
        if isinstance(override, Mapping) and override.get("who"):
            yield f"oncall.overrides[{index}].who", override, "who", str(override["who"])
    stakeholders = _mapping(data, "stakeholders")
    for level, people in stakeholders.items():
        for person in people if isinstance(people, list) else []:
            yield f"stakeholders.{level}", stakeholders, level, str(person)
    slack = _mapping(data, "slack")
    invite = slack.get("invite")
    for person in invite if isinstance(invite, list) else []:
        yield "slack.invite", slack, "invite", str(person)


def _overrides(data: Mapping[str, Any]) -> Iterator[Finding]:
    overrides = _mapping(data, "oncall").get("overrides")
    windows: list[tuple[int, datetime, datetime, str | None, str]] = []
    for index, override in enumerate(overrides if isinstance(overrides, list) else []):
        if not isinstance(override, Mapping):
            continue
        start, end = _instant(override.get("from")), _instant(override.get("until"))
        if start is None or end is None:
            continue  # the reader reports a malformed bound
        if end <= start:
            yield Finding(
                line_of(override, "until"),
                f"oncall.overrides[{index}].until",
                "is not after `from`; the override never applies",
            )
            continue
        rotation = str(override["rotation"]) if override.get("rotation") else None
        who = str(override.get("who") or "?")
        for other, other_start, other_end, other_rotation, other_who in windows:
            same = rotation is None or other_rotation is None or rotation == other_rotation
            if same and start < other_end and other_start < end:
                yield Finding(
                    line_of(override),
                    f"oncall.overrides[{index}]",
                    f"overlaps oncall.overrides[{other}] ({who} and {other_who} from "
                    f"{max(start, other_start):%Y-%m-%dT%H:%M}Z); the first listed wins, so say which",
                )
        windows.append((index, start, end, rotation, who))


def _instant(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        from datetime import UTC

        return value.astimezone(UTC)
    return None
