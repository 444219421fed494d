"""Incident ids: the alert codes that let an alert find its open incident from folder names."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

from incident_kit.ids import ALPHABET, ID_PATTERN, AlertCodes, alert_codes, code_of, new_id


def _five_bits_at_a_time(key: str, day: str, attempt: int) -> str:
    """The definition, written out slowly: CRC-32 of key, day and attempt; 5 bits per letter."""
    value = zlib.crc32(key.encode() + b"\0incident-kit alert " + day.encode() + b" %d" % attempt)
    return "".join(ALPHABET[(value >> shift) & 31] for shift in (15, 10, 5, 0))


def test_alert_codes_are_the_crc_of_key_day_and_attempt() -> None:
    for key in ("native:a:b:c", "alertmanager:ÄÖ:☃", ""):
        for day in ("20261126", "20240101"):
            assert alert_codes(key, day) == [_five_bits_at_a_time(key, day, n) for n in range(8)]


def test_the_same_key_gets_other_codes_on_other_days() -> None:
    codes = AlertCodes("native:checkout:p99")
    days = [f"202611{d:02}" for d in range(1, 29)]
    firsts = {codes.on(day)[0] for day in days}
    assert len(firsts) >= len(days) - 1  # 28 draws from 2**20: a clash is possible, not likely
    assert codes.on("20261126") == alert_codes("native:checkout:p99", "20261126")


def test_new_id_takes_the_first_free_code_that_day_then_a_random_one() -> None:
    at = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    codes = alert_codes("k", "20261126")
    assert new_id(at, set(), dedup_key="k") == f"inc-20261126-{codes[0]}"
    taken = {f"inc-20261126-{code}" for code in codes[:3]}
    assert new_id(at, taken, dedup_key="k") == f"inc-20261126-{codes[3]}"
    everything = {f"inc-20261126-{code}" for code in codes}
    fallback = new_id(at, everything, lambda: "zzzz", dedup_key="k")
    assert fallback == "inc-20261126-zzzz" and ID_PATTERN.match(fallback)
    assert code_of(fallback) == "zzzz"
