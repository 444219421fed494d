"""How a reminder's state lives in the files: the `reminders:` mapping of an incident's frontmatter.

    reminders:
      unacknowledged-1: {window: "2026-12-03T08:05:00Z", state: sent, at: "2026-12-03T08:06:10Z"}

One entry per reminder key: the window it was last claimed for (a reminder goes out once per
window), its state — `pending` (claimed by a run that is sending it), `sent`, or `failed` (the
send failed; the next run retries) — and when that state was written. A claim whose run died
before recording the outcome is taken over once it is `LEASE` old, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from incident_kit.markdown.frontmatter import format_timestamp
from incident_kit.summaries.fields import as_datetime

State = Literal["pending", "sent", "failed"]
KEY = "reminders"
# how long a claim belongs to the run that made it (it sends within seconds; a crashed run's
# claim is taken over by a run at least this much later)
LEASE = timedelta(minutes=10)


def entry_of(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """The recorded state of reminder `key` in an incident's frontmatter, if any."""
    block = data.get(KEY)
    entry = block.get(key) if isinstance(block, Mapping) else None
    return entry if isinstance(entry, Mapping) else None


def claimable(entry: Mapping[str, Any] | None, window: str, now: datetime) -> bool:
    """May a run claim reminder `key` for `window` now? Not when it was sent for that window,
    nor while another run's claim on it is fresh; yes when never claimed for it, or when its
    send failed, or when its claimer has been silent for a `LEASE`."""
    if entry is None or window_text(entry.get("window")) != window:
        return True
    state = entry.get("state")
    if state == "sent":
        return False
    if state == "pending":
        at = as_datetime(entry.get("at"))
        return at is None or now - at >= LEASE
    return True  # failed (or anything unknown a person typed): try again


def entry(window: str, state: State, now: datetime, error: str | None = None) -> dict[str, Any]:
    """What is written for a reminder."""
    written: dict[str, Any] = {"window": window, "state": state, "at": format_timestamp(now)}
    if error:
        written["error"] = error[:200]
    return written


def window_text(value: Any) -> str:
    """A recorded window as written (YAML may have read a timestamp as a datetime)."""
    stamp = as_datetime(value) if not isinstance(value, str) else None
    return format_timestamp(stamp) if stamp is not None else str(value)
