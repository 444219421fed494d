"""The current time, and the forgiving `--at` parser.

`INCIDENT_KIT_NOW` (RFC 3339) pins the clock for tests and reproducible demos.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

from incident_kit.errors import InputError

_RELATIVE = re.compile(r"^-?(\d+)\s*(s|sec|m|min|h|hr|d|day)s?(\s+ago)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400, "day": 86400}
FUTURE_SKEW = timedelta(minutes=5)


def now() -> datetime:
    pinned = os.environ.get("INCIDENT_KIT_NOW")
    if pinned:
        return parse_when(pinned, datetime.now(UTC), allow_future=True)
    return datetime.now(UTC).replace(microsecond=0)


def parse_when(text: str, reference: datetime, *, allow_future: bool = False) -> datetime:
    """`2026-11-26T14:05:00Z`, `2026-11-26 15:05+01:00`, `20m ago`, or `14:05`: the last time it
    was 14:05 UTC (yesterday's, when typed at 00:10 for 23:50)."""
    try:
        when = _parse(text, reference)
    except (OverflowError, ValueError):  # "999999d ago", year 1 with a +01:00 offset
        raise InputError(f"--at {text!r}: out of range; check the date") from None
    if when < EARLIEST:
        raise InputError(f"--at {text!r} is before {EARLIEST.year}; check the year")
    if not allow_future and when > reference + FUTURE_SKEW:
        raise InputError(f"--at {text!r} is in the future ({when:%Y-%m-%dT%H:%M:%SZ})")
    return when


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # a typo'd year, not an incident to back-date


def _parse(text: str, reference: datetime) -> datetime:
    value = text.strip()
    relative = _RELATIVE.match(value.lower())
    clock = _CLOCK.match(value)
    if relative:
        when = reference - timedelta(seconds=int(relative.group(1)) * _UNITS[relative.group(2)])
    elif clock:
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise InputError(f"--at {text!r}: not a valid time of day")
        when = reference.astimezone(UTC).replace(hour=hour, minute=minute, second=second, microsecond=0)
        if when > reference + FUTURE_SKEW:
            when -= timedelta(days=1)  # 23:50 typed at 00:10 means twenty minutes ago
    else:
        iso = value.replace(" ", "T", 1)
        if iso.endswith(("Z", "z")):
            iso = iso[:-1] + "+00:00"
        try:
            when = datetime.fromisoformat(iso)
        except ValueError:
            raise InputError(
                f"--at {text!r}: use RFC 3339 (2026-11-26T14:05:00Z), HH:MM in UTC, or '20m ago'"
            ) from None
        if when.tzinfo is None:
            raise InputError(f"--at {text!r}: add a time zone (Z for UTC, or +01:00)")
    return when.astimezone(UTC).replace(microsecond=0)
