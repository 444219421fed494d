"""`as_datetime`: a frontmatter timestamp as an aware UTC datetime, read the same whether it takes
the canonical fast path (a `…Z` string the caches hold) or the long one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from incident_kit.markdown.frontmatter import as_datetime


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-26T15:00:00Z", datetime(2026, 11, 26, 15, tzinfo=UTC)),
        ("2026-11-26 15:00:00Z", datetime(2026, 11, 26, 15, tzinfo=UTC)),
        ("2026-11-26T16:00:00+01:00", datetime(2026, 11, 26, 15, tzinfo=UTC)),
        (
            datetime(2026, 11, 26, 16, tzinfo=timezone(timedelta(hours=1))),
            datetime(2026, 11, 26, 15, tzinfo=UTC),
        ),
        (datetime(2026, 11, 26, 15), datetime(2026, 11, 26, 15, tzinfo=UTC)),  # naive: taken as UTC
        ("2026-W48-4T15:00:00Z", datetime(2026, 11, 26, 15, tzinfo=UTC)),  # an ISO week date
        ("2026-11-26T15:00+01Z", datetime(2026, 11, 26, 15, tzinfo=UTC)),  # an offset then Z: the Z wins
        ("2026-11-31T15:00:00Z", None),
        ("2026-11-26", None),  # a date alone is no timestamp
        ("soon", None),
        (None, None),
    ],
)
def test_timestamps_are_read_as_utc(value: object, expected: datetime | None) -> None:
    got = as_datetime(value)
    assert got == expected
    assert got is None or got.tzinfo is UTC
