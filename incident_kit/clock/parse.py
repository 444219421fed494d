"""What people type for a time, read in the team's zone (pure: the zone is a parameter).

Accepted, in any case and spacing:

- `now`
- back from now: `20m ago`, `2h30m ago`, `1h 5m`, `90s`, `2 hours ago`, `-15m`
- a clock time, meaning the last time it was that time: `14:05`, `14:05:30`, `3pm`, `3:15 pm`, `noon`
- a day and a time: `yesterday 23:00`, `today 9am`, `2026-12-02 14:30`, `2026-12-02T14:30:00`
- any of the times with a zone: `Z`, `+01:00`, `-0800`, `PST`, `CET`, `ET`, `Europe/Paris`

A time without a zone is in the team's zone. A wall-clock time a daylight-saving change skipped
is refused with the time to type instead; one that happened twice is taken once (the later for a
bare clock time — the last time it was that time —, the earlier for a dated one) with a note
naming the other. Every refusal says what would work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import NamedTuple

from incident_kit.clock import zones
from incident_kit.errors import InputError

FUTURE_SKEW = timedelta(minutes=5)  # a laptop clock a little behind the one that declared
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # a typo'd year, not an incident to back-date

_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "week", "weeks"), 7 * 86400),
}
# Patterns are strings compiled on first use (re caches them): most commands parse no typed
# time, and compiling these at import costs every command ~3 ms.
_DURATION = r"^-?\s*((?:\d+\s*[a-z]+\s*)+?)(?:\s*ago)?$"
_PAIR = r"(\d+)\s*([a-z]+)"
_CLOCK = (
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?"
    r"(?:\s*(?P<ampm>[ap])\.?m\.?)?"
)
_ZONE = r"(?:\s*(?P<zone>z|[+-]\d{1,2}(?::?\d{2})?|[a-z][a-z0-9_+/-]*))?"
_DAY_CLOCK = rf"^(?:(?P<day>today|yesterday)\s+)?{_CLOCK}{_ZONE}$"  # matched ignoring case
_DATED = rf"^(?P<date>\d{{4}}-\d{{2}}-\d{{2}})(?:(?:t|\s+){_CLOCK})?{_ZONE}$"  # matched ignoring case
_WORDS = {"noon": "12:00", "midnight": "00:00"}

Refuse = Callable[[str], InputError]


class When(NamedTuple):
    """An instant someone typed, and how to say it back to them."""

    at: datetime  # aware, UTC, whole seconds
    zone: tzinfo  # the zone they typed, else the team's: the echo speaks it
    note: str | None = None  # a choice made for them (a time that happened twice, PST in July)


def parse(
    text: str,
    reference: datetime,
    zone: tzinfo,
    *,
    allow_future: bool = False,
    flag: str = "--at",
) -> When:
    """The instant `text` means at `reference` (aware) for a team whose clocks show `zone`."""

    def refuse(message: str) -> InputError:
        return InputError(f"{flag} {text!r}: {message}")

    try:
        when = _parse(" ".join(text.strip().split()), reference, zone, refuse)
        at = when.at.astimezone(UTC).replace(microsecond=0)
    except (OverflowError, ValueError):  # "999999d ago", year 1 with a +01:00 offset
        raise refuse("out of range; check the date") from None
    if at < EARLIEST:
        raise refuse(f"is before {EARLIEST.year}; check the year")
    if not allow_future and at > reference + FUTURE_SKEW:
        raise refuse(
            f"is in the future ({at:%Y-%m-%dT%H:%M:%SZ}); leave it out for now, or check the day and zone"
        )
    return When(at, when.zone, when.note)


def _parse(value: str, reference: datetime, team: tzinfo, refuse: Refuse) -> When:
    lowered = value.lower()
    if lowered == "now":
        return When(reference, team)
    if lowered.startswith("in ") or lowered.endswith("from now"):
        raise refuse("that is in the future; give the time it happened, or leave it out for now")
    back = _duration(lowered)
    if back is not None:
        return When(reference - back, team)
    if lowered in ("today", "yesterday"):
        raise refuse(f"add the time of day, e.g. '{lowered} 23:00'")
    value = re.sub(r"\b(noon|midnight)\b", lambda m: _WORDS[m.group(1).lower()], value, flags=re.I)
    match = re.match(_DAY_CLOCK, value, re.I)
    if match:
        return _clock_time(match, reference, team, refuse)
    match = re.match(_DATED, value, re.I)
    if match:
        return _dated(match, team, refuse)
    raise refuse(
        "not a time; use now, 20m ago, 2h30m ago, 14:05, 3pm, yesterday 23:00 or 2026-11-26 14:05 "
        f"(in {zones.label(team)}), or add a zone: 14:05 PST, 2026-11-26T14:05:00Z"
    )


def _duration(lowered: str) -> timedelta | None:
    match = re.match(_DURATION, lowered)
    if not match:
        return None
    pairs = re.findall(_PAIR, match.group(1))
    if not pairs or any(unit not in _UNITS for _, unit in pairs):
        return None  # "3pm": a clock time, not three "pm"s
    return timedelta(seconds=sum(int(n) * _UNITS[unit] for n, unit in pairs))


def _clock_time(match: re.Match[str], reference: datetime, team: tzinfo, refuse: Refuse) -> When:
    day_word = (match.group("day") or "").lower()
    zone_text = match.group("zone")
    if zone_text and zone_text.lower() in ("today", "yesterday"):  # "3pm yesterday"
        day_word, zone_text = zone_text.lower(), None
    zone = _zone(zone_text, team, refuse)
    wall = _time_of(match, refuse)
    today = reference.astimezone(zone).date()
    if day_word:
        day = today - timedelta(days=1 if day_word == "yesterday" else 0)
        return _with_notes(_on_day(day, wall, zone, refuse, later=False), zone_text)
    instants = _instants(today, wall, zone)
    if not instants:
        raise refuse(_skipped(today, wall, zone))
    if not any(i <= reference + FUTURE_SKEW for i in instants):
        # 23:50 typed at 00:10 means twenty minutes ago, not tonight
        return _with_notes(_on_day(today - timedelta(days=1), wall, zone, refuse, later=True), zone_text)
    chosen = max(i for i in instants if i <= reference + FUTURE_SKEW)
    note = _twice(today, wall, zone, instants, chosen) if len(instants) > 1 else None
    return _with_notes(When(chosen, zone, note), zone_text)


def _dated(match: re.Match[str], team: tzinfo, refuse: Refuse) -> When:
    try:
        day = date.fromisoformat(match.group("date"))
    except ValueError:
        raise refuse(f"{match.group('date')} is not a date") from None
    if match.group("hour") is None:
        raise refuse(f"add the time of day, e.g. '{day} 14:05'")
    zone_text = match.group("zone")
    zone = _zone(zone_text, team, refuse)
    return _with_notes(_on_day(day, _time_of(match, refuse), zone, refuse, later=False), zone_text)


def _zone(text: str | None, team: tzinfo, refuse: Refuse) -> tzinfo:
    if not text:
        return team
    try:
        return zones.lookup(text)
    except zones.UnknownZone as error:
        raise refuse(str(error)) from None


def _time_of(match: re.Match[str], refuse: Refuse) -> time:
    hour, minute, second = int(match.group("hour")), match.group("minute"), match.group("second")
    ampm = (match.group("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise refuse(
                f"{hour}{ampm}m is not a time; use {hour:02d}:{int(minute or 0):02d}, or 1 to 12 am/pm"
            )
        hour = hour % 12 + (12 if ampm == "p" else 0)
    elif minute is None:
        twelve = f"{hour % 12 or 12}{'pm' if hour >= 12 else 'am'}"
        raise refuse(f"say {hour:02d}:00 or {twelve}" if hour < 24 else "not a time of day")
    if hour > 23 or int(minute or 0) > 59 or int(second or 0) > 59:
        raise refuse("not a time of day (00:00 to 23:59)")
    return time(hour, int(minute or 0), int(second or 0))


def _instants(day: date, wall: time, zone: tzinfo) -> list[datetime]:
    """When clocks in `zone` read `wall` on `day`: once; never (skipped by a daylight-saving
    change); or twice (the hour the clocks went back)."""
    if isinstance(zone, timezone):
        return [datetime.combine(day, wall, zone)]
    found: list[datetime] = []
    for fold in (0, 1):
        local = datetime.combine(day, wall.replace(fold=fold), zone)
        instant = local.astimezone(UTC)
        if (
            instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)
            and instant not in found
        ):
            found.append(instant)
    return sorted(found)


def _on_day(day: date, wall: time, zone: tzinfo, refuse: Refuse, *, later: bool) -> When:
    instants = _instants(day, wall, zone)
    if not instants:
        raise refuse(_skipped(day, wall, zone))
    chosen = instants[-1] if later else instants[0]
    return When(chosen, zone, _twice(day, wall, zone, instants, chosen) if len(instants) > 1 else None)


def _skipped(day: date, wall: time, zone: tzinfo) -> str:
    after = datetime.combine(day, wall, zone).astimezone(UTC).astimezone(zone)
    before = datetime.combine(day, wall.replace(fold=0), zone).utcoffset() or timedelta(0)
    return (
        f"{wall:%H:%M} did not happen on {day} in {zones.label(zone)} (the clocks skipped it for "
        f"daylight saving); say {after:%H:%M} {after.tzname()}, or give the offset: "
        f"'{day} {wall:%H:%M} {zones.offset_text(before)}'"
    )


def _twice(day: date, wall: time, zone: tzinfo, instants: list[datetime], chosen: datetime) -> str:
    names = [i.astimezone(zone).tzname() for i in instants]
    taken = instants.index(chosen)
    other = names[1 - taken]
    return (
        f"{wall:%H:%M} happened twice on {day} in {zones.label(zone)} ({names[0]}, then {names[1]}); "
        f"took the {'later' if taken else 'earlier'} ({chosen:%Y-%m-%dT%H:%M:%SZ}); "
        f"say '{day} {wall:%H:%M} {other}' for the other"
    )


def _with_notes(when: When, zone_text: str | None) -> When:
    if when.note is None and zone_text:
        note = zones.season_note(zone_text, when.at)
        if note:
            return When(when.at, when.zone, note)
    return when
