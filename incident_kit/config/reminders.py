"""`reminders:` in incidents/config.yaml, typed: who `incident remind` pings, and when
(`reminders_reader` reads and checks it).

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

# No `from __future__ import annotations` here: typing.NamedTuple compiles every string
# annotation into a ForwardRef when the class is made, which every command pays for.

from collections.abc import Mapping
from typing import Literal, NamedTuple, get_args

Notify = Literal["commander", "next_on_call", "stakeholders"]
NOTIFY: tuple[Notify, ...] = get_args(Notify)


class EscalationStep(NamedTuple):
    """Ping `notify` once an incident has gone unacknowledged `after_minutes` since declared."""

    after_minutes: int
    notify: Notify


class PostmortemDeadline(NamedTuple):
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


class ReminderSettings(NamedTuple):
    """`reminders:` — see the module docstring."""

    escalation: Mapping[str, tuple[EscalationStep, ...]] = dict(DEFAULT_ESCALATION)
    postmortem: Mapping[str, PostmortemDeadline] = dict(DEFAULT_POSTMORTEM)
    action_items: bool = True
    repeat_minutes: int = 24 * 60
