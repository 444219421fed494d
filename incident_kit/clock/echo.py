"""Saying a stored time back to the person who typed it: their zone, UTC as stored, how long ago.

`14:05 PST = 2026-11-26T22:05:00Z, 55 minutes ago` — the UTC part is exactly what the file
holds, so a glance shows whether `--at` meant what was intended.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from incident_kit.clock import zones


def stamp(at: datetime) -> str:
    """The stored form: RFC 3339 in UTC, whole seconds."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe(at: datetime, zone: tzinfo, now: datetime) -> str:
    ago = ago_text(now - at)
    if zones.is_utc(zone):
        return f"{stamp(at)}, {ago}"
    local = at.astimezone(zone)
    today = now.astimezone(zone).date()
    if local.date() == today:
        day = ""
    elif local.date() == today - timedelta(days=1):
        day = "yesterday "
    else:
        day = f"{local:%Y-%m-%d} "
    clock = f"{local:%H:%M:%S}" if local.second else f"{local:%H:%M}"
    return f"{day}{clock} {local.tzname()} = {stamp(at)}, {ago}"


def ago_text(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if abs(seconds) < 60:
        return "just now"
    later = seconds < 0
    seconds = abs(seconds)
    parts = []
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
    text = " ".join(parts[:2])
    return f"in {text}" if later else f"{text} ago"
