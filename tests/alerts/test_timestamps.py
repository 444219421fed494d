"""parse_timestamp: every time shape seen in real payloads, and garbage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.alerts import at

from incident_kit.alerts.timestamps import parse_timestamp


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # RFC 3339 with nanoseconds (Alertmanager): truncated to microseconds
        ("2020-02-06T00:17:58.432911368Z", at(2020, 2, 6, 0, 17, 58, 432911)),
        # offset with a colon (Grafana docs)
        ("2021-10-12T09:51:03.157076+02:00", at(2021, 10, 12, 7, 51, 3, 157076)),
        ("2018-03-07T06:33:21.873077559-05:00", at(2018, 3, 7, 11, 33, 21, 873077)),
        # offset without a colon (CloudWatch)
        ("2019-02-15T23:53:45.093+0000", at(2019, 2, 15, 23, 53, 45, 93000)),
        ("2019-02-15T23:53:45.093-0130", at(2019, 2, 16, 1, 23, 45, 93000)),
        # seven fractional digits (Azure)
        ("2019-03-22T13:58:24.3713213Z", at(2019, 3, 22, 13, 58, 24, 371321)),
        # epoch seconds as an int (GCP), and as a string
        (1675315787, at(2023, 2, 2, 5, 29, 47)),
        ("1675315787", at(2023, 2, 2, 5, 29, 47)),
        # epoch milliseconds as a string (Datadog) and as an int (Opsgenie createdAt)
        ("1448435530000", at(2015, 11, 25, 7, 12, 10)),
        (1502709956288, at(2017, 8, 14, 11, 25, 56, 288000)),
        # epoch nanoseconds above 2^53 (Opsgenie updatedAt), exact to the microsecond
        (1420452374669001603, at(2015, 1, 5, 10, 6, 14, 669001)),
        (1502709956288000110, at(2017, 8, 14, 11, 25, 56, 288000)),
        # epoch microseconds
        (1502709956288123, at(2017, 8, 14, 11, 25, 56, 288123)),
        # epoch float seconds (Sentry timestamp)
        (1566248777.677, at(2019, 8, 19, 21, 6, 17, 677000)),
        ("1566248777.677", at(2019, 8, 19, 21, 6, 17, 677000)),
        # looser ISO forms
        ("2026-11-26 15:30:00", at(2026, 11, 26, 15, 30)),  # naive: taken as UTC
        ("2026-11-26T15:30Z", at(2026, 11, 26, 15, 30)),
        ("2026-11-26", at(2026, 11, 26)),
        ("2026-11-26T15:30:00,5+01:00", at(2026, 11, 26, 14, 30, 0, 500000)),
        ("  2026-11-26T15:30:00 UTC ", at(2026, 11, 26, 15, 30)),
        # RFC 2822
        ("Thu, 26 Nov 2026 15:30:00 +0100", at(2026, 11, 26, 14, 30)),
        # a datetime already
        (datetime(2026, 11, 26, 16, 30, tzinfo=timezone(timedelta(hours=1))), at(2026, 11, 26, 15, 30)),
    ],
)
def test_known_shapes(raw: object, expected: datetime) -> None:
    parsed = parse_timestamp(raw)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "raw",
    [
        "0001-01-01T00:00:00Z",  # Go's zero time: no end yet
        "0001-01-01T00:00:00+01:00",  # ...which would underflow when moved to UTC
        "9999-12-31T23:00:00-05:00",  # ...or overflow
        None,
        True,
        False,
        0,
        -1,
        "",
        "   ",
        "yesterday",
        "2019-13-45T99:99:99Z",
        "2019-02-30T00:00:00Z",
        "2019-06-30T23:59:60Z",  # leap second
        "2019-02-15T23:53:45+2400",
        "9" * 30,
        "1" * 200,
        float("nan"),
        float("inf"),
        -float("inf"),
        1e300,
        10**400,
        [],
        {},
        "1e5",
        "2300-01-01T00:00:00Z",  # a unit mistake, not a date
        "99999999999999999999",  # 20 digits: 5138 read as nanoseconds... still refused
    ],
)
def test_garbage_is_none_not_an_exception(raw: object) -> None:
    assert parse_timestamp(raw) is None


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.integers(),
        st.floats(),
        st.booleans(),
        st.none(),
        st.from_regex(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,12})?([+-]\d{2}:?\d{2}|Z)?"),
    )
)
def test_never_raises_and_is_always_aware_utc(raw: object) -> None:
    parsed = parse_timestamp(raw)
    assert parsed is None or (parsed.tzinfo is UTC and 1970 < parsed.year < 2200)
