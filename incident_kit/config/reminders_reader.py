"""`reminders:` in incidents/config.yaml, read and checked (`config.reminders` holds the types).

Like the other readers it walks the tree through `ConfigReader`, so an error names the file,
line and dotted key; severity-keyed defaults apply to the team's scale level by level.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from incident_kit.config.communication import by_rank
from incident_kit.config.reminders import (
    DEFAULT_ESCALATION,
    DEFAULT_POSTMORTEM,
    NOTIFY,
    EscalationStep,
    PostmortemDeadline,
    ReminderSettings,
)

if TYPE_CHECKING:
    from incident_kit.config.reader import ConfigReader

MAX_MINUTES = 90 * 24 * 60
_DURATION = r"^(\d+)\s*(m|min|h|d)?$"  # compiled on first use: a cached config never reads a duration
_UNIT = {None: 1, "m": 1, "min": 1, "h": 60, "d": 24 * 60}


def read_reminders(reader: ConfigReader, data: Mapping[str, Any]) -> ReminderSettings:
    node = reader.mapping(data, "reminders", "reminders")
    levels = reader.scale.levels
    escalation = by_rank(levels, DEFAULT_ESCALATION, ())
    steps_node = reader.mapping(node, "escalation", "reminders.escalation")
    for name, value in steps_node.items():
        where = f"reminders.escalation.{name}"
        level = reader.severity(steps_node, name, where, name)
        escalation[level] = _steps(reader, steps_node, name, where, value)
    postmortem = by_rank(levels, DEFAULT_POSTMORTEM, PostmortemDeadline())
    deadlines = reader.mapping(node, "postmortem", "reminders.postmortem")
    for name in deadlines:
        where = f"reminders.postmortem.{name}"
        level = reader.severity(deadlines, name, where, name)
        entry = reader.mapping(deadlines, name, where)
        postmortem[level] = PostmortemDeadline(
            _minutes(reader, entry, "start", f"{where}.start"),
            _minutes(reader, entry, "close", f"{where}.close"),
        )
    repeat = _minutes(reader, node, "repeat", "reminders.repeat") if "repeat" in node else 24 * 60
    if repeat == 0:
        raise reader.fail(node, "repeat", "reminders.repeat", "must be a duration like 12h or 1d")
    return ReminderSettings(
        escalation={level: steps for level, steps in escalation.items() if steps},
        postmortem={level: d for level, d in postmortem.items() if d.start_minutes or d.close_minutes},
        action_items=reader.boolean(node, "action_items", "reminders.action_items", True),
        repeat_minutes=repeat,
    )


def _steps(reader: ConfigReader, node: Any, key: str, where: str, value: Any) -> tuple[EscalationStep, ...]:
    if value is None or value is False:
        return ()
    if not isinstance(value, list):
        raise reader.fail(node, key, where, "must be a list of {after: 15m, notify: commander}")
    steps: list[EscalationStep] = []
    for index, item in enumerate(value):
        at = f"{where}[{index}]"
        if not isinstance(item, Mapping):
            raise reader.fail(value, index, at, "must be a mapping like {after: 15m, notify: commander}")
        notify = item.get("notify")
        if notify not in NOTIFY:
            raise reader.fail(item, "notify", f"{at}.notify", f"{notify!r} is not one of {', '.join(NOTIFY)}")
        after = _minutes(reader, item, "after", f"{at}.after")
        if steps and after <= steps[-1].after_minutes:
            raise reader.fail(item, "after", f"{at}.after", "must come later than the step before it")
        steps.append(EscalationStep(after, notify))
    return tuple(steps)


def _minutes(reader: ConfigReader, node: Any, key: str, where: str) -> int:
    """`30m`, `2h`, `3d` (a bare number is minutes); `off`, null or 0: none."""
    value = node.get(key) if isinstance(node, Mapping) else None
    text = str(value).strip().lower()
    if value is None or value is False or text in ("off", "none", "0"):
        return 0
    match = re.match(_DURATION, text)
    minutes = int(match.group(1)) * _UNIT[match.group(2)] if match else 0
    if isinstance(value, bool) or not 0 < minutes <= MAX_MINUTES:
        message = f"{value!r} is not a duration like 30m, 2h or 3d (up to 90d), or off"
        raise reader.fail(node, key, where, message)
    return minutes
