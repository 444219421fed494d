"""One tolerant timestamp reader for every alert format's time shapes.

Seen in real payloads (tests/alerts/captures): RFC 3339 with nanoseconds
(Alertmanager), `+02:00` offsets (Grafana), `+0000` without a colon (CloudWatch), seven
fractional digits (Azure), epoch seconds as an int (GCP), epoch milliseconds as a string
(Datadog) or an int (Opsgenie `createdAt`), epoch nanoseconds above 2^53 (Opsgenie
`updatedAt`) and epoch float seconds (Sentry). Garbage gives None, never an exception: a bad
time must not lose an alert. So does anything before 1971 or after 2199.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
)
_NUMBER = re.compile(r"[+-]?\d{1,30}(?:\.\d{1,30})?")
# Epoch magnitudes: below 1e11 is seconds (until year 5138), then ms, µs, ns.
_UNITS = ((1e11, 1), (1e14, 10**3), (1e17, 10**6), (1e20, 10**9))


def parse_timestamp(value: object) -> datetime | None:
    """An aware UTC datetime from any shape above, or None (missing, zero time, garbage)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, datetime):
        return _valid(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, int | float):
        return _from_epoch(value)
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip()
    if _NUMBER.fullmatch(text):
        number: int | float = float(text) if "." in text else int(text)
        return _from_epoch(number)
    match = _ISO.fullmatch(text)
    if match:
        return _from_iso(match)
    from email.utils import parsedate_to_datetime  # ~10 ms to import; only this case needs it

    try:  # RFC 2822, as e-mail and some HTTP-minded senders write it
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return _valid(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def _from_epoch(number: int | float) -> datetime | None:
    if isinstance(number, float) and not math.isfinite(number):
        return None
    if number <= 0:  # 1970 is a default value, not an alert time
        return None
    per_second = next((unit for limit, unit in _UNITS if number < limit), None)
    if per_second is None:
        return None
    if isinstance(number, int):  # integer maths: nanoseconds above 2^53 stay exact
        seconds, rest = divmod(number, per_second)
        micros = rest * 10**6 // per_second
    else:
        seconds_f = number / per_second
        seconds = int(seconds_f)
        micros = round((seconds_f - seconds) * 10**6)
    try:
        return _valid(_EPOCH + timedelta(seconds=seconds, microseconds=micros))
    except OverflowError:
        return None


def _from_iso(match: re.Match[str]) -> datetime | None:
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    # fractions beyond microseconds (Alertmanager ns, Azure 7 digits) are truncated
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        stamp = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micros,
            tzinfo=UTC,
        )
    except ValueError:  # month 13, 25 o'clock, a leap second
        return None
    if zone and zone not in ("Z", "z", "UTC", "GMT"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        if offset >= timedelta(hours=24):
            return None
        try:
            stamp -= sign * offset  # the local wall time given, moved to UTC
        except OverflowError:
            return None
    return _valid(stamp)


def _valid(stamp: datetime) -> datetime | None:
    # Go's zero time "0001-01-01T00:00:00Z" means "no end yet"; no alert predates 1971, and
    # one dated after 2200 is a unit mistake that would wreck every duration computed from it
    try:
        stamp = stamp.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return stamp if 1970 < stamp.year < 2200 else None
