"""Stakeholder updates: when the next one is due, and whether it is overdue (pure).

While an incident is open, its commander owes stakeholders an update every `updates.every`
minutes for its severity. The clock starts at the declaration (the announcement is the first
communication) and restarts at each `incident update` (`last_update_at`). `list`, `show` and
the Slack status message say when one is overdue; `sync` reminds the commander once per
overdue window — one cadence long, the first starting when the update fell due.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from incident_kit.vocabulary import OPEN_STATUSES

PREFIX = "Update: "  # how an update reads on the timeline, and how sync recognises it


class Cadence(NamedTuple):
    """When the next update of one open incident is due."""

    every: timedelta
    last: datetime  # the last update, or the declaration
    due: datetime

    def overdue(self, now: datetime) -> bool:
        return now > self.due

    def window(self, now: datetime) -> datetime | None:
        """The start of the overdue window `now` falls in (None while not overdue): a reminder
        is owed once per window."""
        if not self.overdue(now):
            return None
        windows = (now - self.due) // self.every
        return self.due + windows * self.every

    def state(self, now: datetime) -> str:
        """`update overdue by 25m`, or `next update due in 10m`."""
        from incident_kit.postmortem import duration_text  # spared on the write path (~1.5 ms)

        if self.overdue(now):
            return f"update overdue by {duration_text((now - self.due).total_seconds())}"
        left = max(timedelta(0), self.due - now)
        return f"next update due in {duration_text(left.total_seconds())}"

    def describe(self, now: datetime) -> str:
        """`update overdue by 25m (every 30m)`."""
        from incident_kit.postmortem import duration_text

        return f"{self.state(now)} (every {duration_text(self.every.total_seconds())})"


def cadence(
    status: str,
    declared_at: datetime | None,
    last_update_at: datetime | None,
    every_minutes: int | None,
) -> Cadence | None:
    """The cadence an incident is held to now, or None (not open, no cadence for its severity)."""
    if status not in OPEN_STATUSES or not every_minutes or declared_at is None:
        return None
    last = max(declared_at, last_update_at) if last_update_at else declared_at
    every = timedelta(minutes=every_minutes)
    return Cadence(every=every, last=last, due=last + every)
