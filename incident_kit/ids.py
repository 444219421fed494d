"""Incident ids and folder names.

`inc-YYYYMMDD-xxxx`: the UTC declaration date plus four random Crockford base-32 characters.
Sayable on a call ("k3f7"), unique without coordination between clones or workflow runs
(re-rolled on a local clash; validate catches clashes between branches), never reused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Container
from datetime import UTC, datetime

from incident_kit.sanitize import slugify

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford: no i, l, o, u
ID_PATTERN = re.compile(r"^inc-(\d{8})-([0-9a-hjkmnp-tv-z]{4})$")
FOLDER_PATTERN = re.compile(r"^(inc-\d{8}-[0-9a-hjkmnp-tv-z]{4})(?:-[a-z0-9-]*)?$")
_SLUG_LENGTH = 40


def new_id(
    declared_at: datetime,
    taken: Container[str],
    random_part: Callable[[], str] | None = None,
) -> str:
    """A fresh id for `declared_at`, not in `taken`."""
    draw = random_part or _random_part
    day = declared_at.astimezone(UTC).strftime("%Y%m%d")
    for _ in range(1000):
        candidate = f"inc-{day}-{draw()}"
        if candidate not in taken:
            return candidate
    raise RuntimeError("could not allocate an incident id")  # 32**4 per day: unreachable


def _random_part() -> str:
    # 32 letters divide 256, so a random byte modulo 32 picks each one with equal chance
    # (os.urandom, not `secrets`: that imports hashlib and OpenSSL, ~4 ms per command)
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in os.urandom(4))


def folder_name(incident_id: str, title: str) -> str:
    slug = slugify(title, max_len=_SLUG_LENGTH)
    return f"{incident_id}-{slug}" if slug else incident_id


def month_folder(declared_at: datetime) -> str:
    return declared_at.astimezone(UTC).strftime("%Y-%m")


def id_from_folder(name: str) -> str | None:
    match = FOLDER_PATTERN.match(name)
    return match.group(1) if match else None
