"""Median, nearest-rank p90, per-incident durations and their human form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.stats_data import at, incident

from incident_kit.reports.stats.durations import duration_seconds, median, p90, summarize
from incident_kit.reports.stats.render import format_duration


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([7], 7),
        ([3, 1, 2], 2),
        ([4, 1, 3, 2], 2),  # (2 + 3) // 2: the mean of the middle two, rounded down
        ([10, 20], 15),
        ([60, 180, 300, 420, 600, 1200, 1800, 2400], 510),
    ],
)
def test_median(values: list[int], expected: int) -> None:
    assert median(values) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, 1),  # ceil(0.9) = 1st
        (5, 5),  # ceil(4.5) = 5th: below ten values the p90 is the maximum
        (9, 9),  # ceil(8.1) = 9th
        (10, 9),  # ceil(9.0) = 9th: exactly 90 % of the values are at or below it
        (11, 10),  # ceil(9.9) = 10th
        (20, 18),
        (21, 19),  # ceil(18.9) = 19th
        (100, 90),
    ],
)
def test_p90_is_nearest_rank(n: int, expected: int) -> None:
    values = list(range(n, 0, -1))  # 1..n, shuffled order must not matter
    assert p90(values) == expected


def test_empty_values_have_no_median_or_p90() -> None:
    assert summarize([]).median_seconds is None
    assert summarize([]).p90_seconds is None
    with pytest.raises(ValueError):
        median([])
    with pytest.raises(ValueError):
        p90([])


def test_acknowledge_counts_from_detection_else_declaration() -> None:
    detected = incident(
        "inc-1",
        detected_at="2026-01-01 10:00",
        declared_at="2026-01-01 10:05",
        acknowledged_at="2026-01-01 10:07",
    )
    declared_only = incident("inc-2", declared_at="2026-01-01 10:05", acknowledged_at="2026-01-01 10:07")
    assert duration_seconds("time_to_acknowledge", detected) == 420
    assert duration_seconds("time_to_acknowledge", declared_only) == 120


def test_mitigate_and_resolve_count_from_impact_else_detection_else_declaration() -> None:
    base = {"mitigated_at": "2026-01-01 11:00", "resolved_at": "2026-01-01 12:00"}
    impact = incident(
        "inc-1",
        impact_started_at="2026-01-01 09:00",
        detected_at="2026-01-01 10:00",
        declared_at="2026-01-01 10:30",
        **base,
    )
    detected = incident("inc-2", detected_at="2026-01-01 10:00", declared_at="2026-01-01 10:30", **base)
    declared = incident("inc-3", declared_at="2026-01-01 10:30", **base)
    assert [duration_seconds("time_to_mitigate", i) for i in (impact, detected, declared)] == [
        7200,
        3600,
        1800,
    ]
    assert [duration_seconds("time_to_resolve", i) for i in (impact, detected, declared)] == [
        10800,
        7200,
        5400,
    ]


def test_missing_end_means_no_duration() -> None:
    unacknowledged = incident("inc-1", declared_at="2026-01-01 10:30")
    assert duration_seconds("time_to_acknowledge", unacknowledged) is None
    assert duration_seconds("time_to_resolve", unacknowledged) is None


def test_partial_seconds_are_rounded_down() -> None:
    moment = at("2026-01-01 10:00")
    inc = incident("inc-1", declared_at=moment, acknowledged_at=moment + timedelta(seconds=59.9))
    assert duration_seconds("time_to_acknowledge", inc) == 59


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (0, "0s"),
        (59, "59s"),
        (60, "1m 00s"),
        (930, "15m 30s"),
        (3599, "59m 59s"),
        (3600, "1h 00m"),
        (3900, "1h 05m"),
        (86399, "23h 59m"),
        (86400, "1d 00h"),
        (2 * 86400 + 3 * 3600 + 59, "2d 03h"),
    ],
)
def test_format_duration(seconds: int | None, text: str) -> None:
    assert format_duration(seconds) == text
