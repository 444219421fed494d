"""Time zones people type: the team's zone, IANA names, offsets and a few common abbreviations.

Abbreviations are a small explicit table rather than a dependency: each one is the fixed
offset it names (`PST` is UTC-08:00 all year), and `PT`/`ET`/`CT`/`MT` name the region's local
time (PST in winter, PDT in summer). Ambiguous ones (`IST`: India, Ireland or Israel) are
refused with the offsets to choose from.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

# abbreviation -> (offset in minutes, the region whose local time it is a season of)
ABBREVIATIONS: dict[str, tuple[int, str | None]] = {
    "UTC": (0, None),
    "GMT": (0, None),
    "Z": (0, None),
    "HST": (-600, None),
    "AKST": (-540, "America/Anchorage"),
    "AKDT": (-480, "America/Anchorage"),
    "PST": (-480, "America/Los_Angeles"),
    "PDT": (-420, "America/Los_Angeles"),
    "MST": (-420, "America/Denver"),
    "MDT": (-360, "America/Denver"),
    "CST": (-360, "America/Chicago"),
    "CDT": (-300, "America/Chicago"),
    "EST": (-300, "America/New_York"),
    "EDT": (-240, "America/New_York"),
    "WET": (0, "Europe/Lisbon"),
    "WEST": (60, "Europe/Lisbon"),
    "BST": (60, "Europe/London"),
    "CET": (60, "Europe/Berlin"),
    "CEST": (120, "Europe/Berlin"),
    "EET": (120, "Europe/Helsinki"),
    "EEST": (180, "Europe/Helsinki"),
    "MSK": (180, None),
    "SGT": (480, None),
    "HKT": (480, None),
    "AWST": (480, None),
    "JST": (540, None),
    "KST": (540, None),
    "ACST": (570, "Australia/Adelaide"),
    "ACDT": (630, "Australia/Adelaide"),
    "AEST": (600, "Australia/Sydney"),
    "AEDT": (660, "Australia/Sydney"),
    "NZST": (720, "Pacific/Auckland"),
    "NZDT": (780, "Pacific/Auckland"),
}
# a region's local time, whatever the season
REGIONS = {
    "PT": "America/Los_Angeles",
    "MT": "America/Denver",
    "CT": "America/Chicago",
    "ET": "America/New_York",
}
AMBIGUOUS = {
    "IST": "India +05:30, Ireland +01:00 or Israel +02:00",
    "AST": "Atlantic -04:00 or Arabia +03:00",
}
_OFFSET = re.compile(r"^([+-])(\d{1,2})(?::?(\d{2}))?$")
_UTC_NAMES = frozenset(["UTC", "Z", "GMT", "ETC/UTC", "ETC/GMT", "UCT", "UNIVERSAL", "ZULU", "UTC0"])


class UnknownZone(ValueError):
    """A zone nobody can place; the message says what to type instead."""


def team_zone(configured: str | None, tz_env: str | None) -> tzinfo:
    """The zone times without one are read in: `timezone:` in the config, else `TZ`, else UTC.

    An unusable `TZ` (a POSIX rule string, a typo) is ignored: the config is validated, the
    environment is not ours to refuse.
    """
    for name in (configured, (tz_env or "").lstrip(":")):
        if not name:
            continue
        try:
            return named(name)
        except UnknownZone:
            continue
    return UTC


def named(name: str) -> tzinfo:
    """An IANA zone (`Europe/Berlin`); UTC and its aliases are `datetime.UTC`."""
    if name.upper() in _UTC_NAMES:
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownZone(f"unknown time zone {name!r}") from None


def lookup(text: str) -> tzinfo:
    """What a person typed after a time: `Z`, `+01:00`, `-0800`, `PST`, `ET`, `Europe/Paris`."""
    offset = _OFFSET.match(text)
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise UnknownZone(f"offset {text!r} is out of range (-12:00 .. +14:00)")
        delta = timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
        return UTC if not delta else timezone(delta)
    upper = text.upper()
    if upper in ABBREVIATIONS:
        minutes_east, _ = ABBREVIATIONS[upper]
        return UTC if minutes_east == 0 else timezone(timedelta(minutes=minutes_east), upper)
    if upper in REGIONS:
        return named(REGIONS[upper])
    if upper in AMBIGUOUS:
        raise UnknownZone(f"{upper} could mean {AMBIGUOUS[upper]}; give the offset instead")
    if "/" in text or upper in _UTC_NAMES:
        return named(text)
    raise UnknownZone(
        f"unknown time zone {text!r}; use an offset (-08:00), a zone name (America/Los_Angeles) "
        "or one of PST, EST, CET, …"
    )


def season_note(abbreviation: str, at: datetime) -> str | None:
    """`PST` typed for a July time: the region's clocks said PDT then; say so."""
    upper = abbreviation.upper()
    if upper not in ABBREVIATIONS or ABBREVIATIONS[upper][1] is None:
        return None
    minutes_east, region = ABBREVIATIONS[upper]
    assert region is not None
    local = at.astimezone(named(region))
    offset = local.utcoffset()
    if offset is None or offset == timedelta(minutes=minutes_east):
        return None
    return (
        f"{upper} is UTC{offset_text(timedelta(minutes=minutes_east))}, but on {local:%Y-%m-%d} "
        f"{region} was on {local.tzname()} (UTC{offset_text(offset)}); took {upper} as typed "
        f"— say {local.tzname()} or {region} for local time"
    )


def offset_text(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def is_utc(zone: tzinfo) -> bool:
    return zone is UTC


def label(zone: tzinfo) -> str:
    """A zone as a person reads it in a message: `Europe/Berlin`, `UTC`, `PST`, `+05:30`."""
    if is_utc(zone):
        return "UTC"
    key = getattr(zone, "key", None)
    if isinstance(key, str):
        return key
    name = zone.tzname(None)
    offset = zone.utcoffset(None)
    if name and not name.startswith("UTC"):
        return name
    return offset_text(offset) if offset is not None else str(zone)
