"""Incident ids and folder names.

`inc-YYYYMMDD-xxxx`: the UTC declaration date plus four Crockford base-32 characters, random
for an incident declared by hand and derived from the dedup key and the day for one declared
from an alert (`alert_codes`).
Sayable on a call ("k3f7"), unique without coordination between clones or workflow runs
(re-rolled on a local clash; validate catches clashes between branches), never reused.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable, Container
from datetime import UTC, datetime
from functools import cache

from incident_kit.sanitize import slugify

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford: no i, l, o, u
ID_PATTERN = re.compile(r"^inc-(\d{8})-([0-9a-hjkmnp-tv-z]{4})$")
FOLDER_PATTERN = re.compile(r"^(inc-\d{8}-[0-9a-hjkmnp-tv-z]{4})(?:-[a-z0-9-]*)?$")
_SLUG_LENGTH = 40


ALERT_CODES = 8  # codes an alert's incident may take, in order, before a random one


def new_id(
    declared_at: datetime,
    taken: Container[str],
    random_part: Callable[[], str] | None = None,
    *,
    dedup_key: str | None = None,
) -> str:
    """A fresh id for `declared_at`, not in `taken`.

    An incident declared from an alert takes the first free code of its dedup key
    (`alert_codes`), so the open incident of an alert is found from folder names alone.
    """
    draw = random_part or _random_part
    day = declared_at.astimezone(UTC).strftime("%Y%m%d")
    for code in alert_codes(dedup_key, day) if dedup_key is not None else ():
        if f"inc-{day}-{code}" not in taken:
            return f"inc-{day}-{code}"
    for _ in range(1000):
        candidate = f"inc-{day}-{draw()}"
        if candidate not in taken:
            return candidate
    raise RuntimeError("could not allocate an incident id")  # 32**4 per day: unreachable


def _random_part() -> str:
    # 32 letters divide 256, so a random byte modulo 32 picks each one with equal chance
    # (os.urandom, not `secrets`: that imports hashlib and OpenSSL, ~4 ms per command)
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in os.urandom(4))


def alert_codes(dedup_key: str, day: str) -> list[str]:
    """The random parts an incident declared for `dedup_key` on `day` (YYYYMMDD) may have, in
    order of preference.

    Four letters of CRC-32 of the key, the day and the attempt: an index, not a security
    boundary — a key made to collide only moves its incident to its next code. The day is in it
    so that an alert that fires again next week gets another code: short references (`k3f7`)
    to recurring alerts' incidents stay unique.
    """
    return AlertCodes(dedup_key).on(day)


class AlertCodes:
    """`alert_codes` for one key over many days: the key is hashed once, each day once."""

    def __init__(self, dedup_key: str) -> None:
        self._key_crc = zlib.crc32(dedup_key.encode("utf-8", "surrogatepass"))
        self._days: dict[str, list[str]] = {}

    def on(self, day: str) -> list[str]:
        codes = self._days.get(day)
        if codes is None:
            day_crc = zlib.crc32(
                b"\0incident-kit alert " + day.encode("utf-8", "surrogateescape"), self._key_crc
            )
            pairs = _letter_pairs()
            codes = []
            for attempt in _ATTEMPTS:
                value = zlib.crc32(attempt, day_crc)
                codes.append(pairs[(value >> 10) & 1023] + pairs[value & 1023])
            self._days[day] = codes
        return codes


_ATTEMPTS = tuple(b" %d" % attempt for attempt in range(ALERT_CODES))


@cache
def _letter_pairs() -> tuple[str, ...]:
    """Two letters for each 10-bit number: four letters are two lookups."""
    return tuple(a + b for a in ALPHABET for b in ALPHABET)


# Where each part of `inc-YYYYMMDD-xxxx` sits. The hot loops read thousands of folder names, so
# these are slices (a regex per name costs ~10x more); every caller goes through the helpers.
ID_LENGTH = 17
_DAY = slice(4, 12)
_MONTH = slice(4, 10)
_CODE = slice(13, 17)


def id_part(folder: str) -> str:
    """The id at the start of a folder name: `inc-20261126-7kqz-db-down` -> `inc-20261126-7kqz`."""
    return folder[:ID_LENGTH]


def day_of(incident_id: str) -> str:
    """The declaration day of an id (or folder name): `inc-20261126-7kqz` -> `20261126`."""
    return incident_id[_DAY]


def code_of(incident_id: str) -> str:
    """The random part of an id (or folder name): `inc-20261126-7kqz` -> `7kqz`."""
    return incident_id[_CODE]


def month_of(incident_id: str) -> str | None:
    """The month folder an id, or a prefix of one as long as `inc-YYYYMM`, lives in; else None."""
    digits = incident_id[_MONTH]
    if not (incident_id.startswith("inc-") and len(digits) == 6 and digits.isdigit()):
        return None
    return f"{digits[:4]}-{digits[4:]}"


def with_spoken_code(ref: str) -> str:
    """`s5bo` as typed after hearing "s-5-b-oh" is `s5b0`: ids never hold i, l, o or u.

    In a full id only the code is read aloud, never the date or a folder name's slug."""
    if ref.startswith("inc-"):
        return ref[: _CODE.start] + code_of(ref).translate(_SPOKEN) + ref[_CODE.stop :]
    return ref.translate(_SPOKEN) if "-" not in ref else ref


_SPOKEN = str.maketrans({"o": "0", "i": "1", "l": "1"})  # Crockford: read aloud, o is 0, i and l are 1


def folder_name(incident_id: str, title: str) -> str:
    slug = slugify(title, max_len=_SLUG_LENGTH)
    return f"{incident_id}-{slug}" if slug else incident_id


def month_folder(declared_at: datetime) -> str:
    return declared_at.astimezone(UTC).strftime("%Y-%m")


def id_from_folder(name: str) -> str | None:
    match = FOLDER_PATTERN.match(name)
    return match.group(1) if match else None
