"""`reminders:` in incidents/config.yaml: who `incident remind` pings, and when.

- `escalation`: per severity, the steps for an incident nobody has acknowledged (still in
  triage): after so long since it was declared, ping the commander, then the rotation's next
  person, then the stakeholders;
- `postmortem`: per severity, how long after the resolution the post-mortem should be started
  (`start`) and closed (`close`);
- `action_items`: one digest per owner of their overdue action items;
- `repeat`: how often an overdue post-mortem or action item is reminded of again.

Severity-keyed defaults are given for SEV-1..SEV-4 and apply to a team's own scale level by
level (`communication.by_rank`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from incident_kit.config.reader import ConfigReader

Notify = Literal["commander", "next_on_call", "stakeholders"]
NOTIFY: tuple[Notify, ...] = get_args(Notify)
MAX_MINUTES = 90 * 24 * 60
_DURATION = re.compile(r"^(\d+)\s*(m|min|h|d)?$")
_UNIT = {None: 1, "m": 1, "min": 1, "h": 60, "d": 24 * 60}


@dataclass(frozen=True)
class EscalationStep:
    """Ping `notify` once an incident has gone unacknowledged `after_minutes` since declared."""

    after_minutes: int
    notify: Notify


@dataclass(frozen=True)
class PostmortemDeadline:
    """Minutes after the resolution by which the post-mortem is started, and closed (0: none)."""

    start_minutes: int = 0
    close_minutes: int = 0


DEFAULT_ESCALATION: Mapping[str, tuple[EscalationStep, ...]] = {
    "SEV-1": (
        EscalationStep(5, "commander"),
        EscalationStep(15, "next_on_call"),
        EscalationStep(30, "stakeholders"),
    ),
    "SEV-2": (
        EscalationStep(15, "commander"),
        EscalationStep(30, "next_on_call"),
        EscalationStep(60, "stakeholders"),
    ),
}
DEFAULT_POSTMORTEM: Mapping[str, PostmortemDeadline] = {
    "SEV-1": PostmortemDeadline(2 * 24 * 60, 7 * 24 * 60),
    "SEV-2": PostmortemDeadline(3 * 24 * 60, 14 * 24 * 60),
}


@dataclass(frozen=True)
class ReminderSettings:
    """`reminders:` — see the module docstring."""

    escalation: Mapping[str, tuple[EscalationStep, ...]] = field(
        default_factory=lambda: dict(DEFAULT_ESCALATION)
    )
    postmortem: Mapping[str, PostmortemDeadline] = field(default_factory=lambda: dict(DEFAULT_POSTMORTEM))
    action_items: bool = True
    repeat_minutes: int = 24 * 60


def read_reminders(reader: ConfigReader, data: Mapping[str, Any]) -> ReminderSettings:
    from incident_kit.config.communication import by_rank

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
    match = _DURATION.match(text)
    minutes = int(match.group(1)) * _UNIT[match.group(2)] if match else 0
    if isinstance(value, bool) or not 0 < minutes <= MAX_MINUTES:
        message = f"{value!r} is not a duration like 30m, 2h or 3d (up to 90d), or off"
        raise reader.fail(node, key, where, message)
    return minutes
