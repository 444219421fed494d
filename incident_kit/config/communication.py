"""Who hears what, and how often: `slack.announce` and `updates.every` in the config.

Their defaults (in `settings.py`) are given for SEV-1..SEV-4; on a team's own scale they apply
level by level, most severe first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from incident_kit.config.settings import (
    ANNOUNCE_EVENTS,
    DEFAULT_ANNOUNCE,
    DEFAULT_UPDATE_EVERY,
    UpdateSettings,
)

if TYPE_CHECKING:
    from incident_kit.config.reader import ConfigReader

T = TypeVar("T")
MAX_CADENCE_MINUTES = 7 * 24 * 60


def read_announce(reader: ConfigReader, slack: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """`slack.announce`: per severity, the events the announcement channel hears."""
    node = reader.mapping(slack, "announce", "slack.announce")
    out = by_rank(reader.scale.levels, DEFAULT_ANNOUNCE, DEFAULT_ANNOUNCE["SEV-4"])
    for name in node:
        where = f"slack.announce.{name}"
        events = reader.strings(node, name, where)
        if unknown := [event for event in events if event not in ANNOUNCE_EVENTS]:
            message = f"unknown event {unknown[0]!r}; events: {', '.join(ANNOUNCE_EVENTS)}"
            raise reader.fail(node, name, where, message)
        out[reader.severity(node, name, where, name)] = events
    return out


def read_updates(reader: ConfigReader, data: Mapping[str, Any]) -> UpdateSettings:
    """`updates.every`: per severity, minutes (`30`, `30m`, `1h`; `off` or null: none)."""
    node = reader.mapping(reader.mapping(data, "updates", "updates"), "every", "updates.every")
    every = by_rank(reader.scale.levels, DEFAULT_UPDATE_EVERY, 0)
    for name, value in node.items():
        where = f"updates.every.{name}"
        every[reader.severity(node, name, where, name)] = _minutes(reader, node, name, where, value)
    return UpdateSettings(every={level: minutes for level, minutes in every.items() if minutes})


def _minutes(reader: ConfigReader, node: Any, key: str, where: str, value: Any) -> int:
    text = str(value).strip().lower()
    if value is None or value is False or text in ("off", "none", "0"):
        return 0
    scale = 60 if text.endswith("h") else 1
    digits = text.removesuffix("h").removesuffix("m").removesuffix("min").strip()
    if isinstance(value, bool) or not digits.isdigit() or not 0 < int(digits) * scale <= MAX_CADENCE_MINUTES:
        raise reader.fail(
            node, key, where, f"{value!r} is not a cadence like 30m or 1h (up to a week), or off"
        )
    return int(digits) * scale


def by_rank(levels: tuple[str, ...], defaults: Mapping[str, T], rest: T) -> dict[str, T]:
    """Defaults given for SEV-1..SEV-4, on the team's scale level by level (most severe first)."""
    return {level: defaults.get(f"SEV-{rank}", rest) for rank, level in enumerate(levels, start=1)}
