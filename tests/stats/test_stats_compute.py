"""compute_stats on a history with known timestamps: exact numbers, exclusions and filters.

The per-incident durations are tabulated in `support.stats_data.sample_incidents`.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from support.stats_data import NOW, incident, item, sample_action_items, sample_incidents

from incident_kit.errors import InputError
from incident_kit.reports.stats.compute import compute_stats
from incident_kit.reports.stats.durations import Durations
from incident_kit.reports.stats.figures import Stats


def stats(**filters: object) -> Stats:
    return compute_stats(sample_incidents(), sample_action_items(), now=NOW, **filters)  # type: ignore[arg-type]


def by_key(groups: tuple[object, ...]) -> dict[str | None, Durations]:
    return {g.key: g.durations for g in groups}  # type: ignore[attr-defined]


def test_counts_include_every_incident_drills_and_cancelled_too() -> None:
    s = stats()
    assert s.total == 13
    assert {c.key: c.count for c in s.by_status} == {
        "triage": 1,
        "investigating": 1,
        "mitigated": 0,
        "resolved": 3,
        "postmortem": 1,
        "closed": 4,
        "cancelled": 2,
        "merged": 1,
    }
    assert [(c.key, c.count) for c in s.by_severity] == [
        ("SEV-1", 3),
        ("SEV-2", 5),
        ("SEV-3", 4),
        ("SEV-4", 1),
    ]
    assert [(c.key, c.count) for c in s.by_kind] == [("incident", 12), ("drill", 1)]
    assert [(c.key, c.count) for c in s.by_service] == [
        ("auth", 7),
        ("payments", 3),
        ("search", 2),
        (None, 1),
    ]
    assert [(m.month, m.total) for m in s.by_month] == [
        ("2025-12", 1),
        ("2026-01", 4),
        ("2026-02", 3),
        ("2026-03", 5),
    ]
    march = s.by_month[-1]
    assert [(c.key, c.count) for c in march.by_severity] == [
        ("SEV-1", 1),
        ("SEV-2", 0),
        ("SEV-3", 3),
        ("SEV-4", 1),
    ]


def test_exact_medians_and_p90s_overall() -> None:
    s = stats()
    assert s.metric("time_to_acknowledge").overall == Durations(8, 510, 2400)
    assert s.metric("time_to_mitigate").overall == Durations(7, 3600, 7200)
    assert s.metric("time_to_resolve").overall == Durations(7, 7200, 14400)


def test_exact_medians_and_p90s_by_severity() -> None:
    s = stats()
    ack = by_key(s.metric("time_to_acknowledge").by_severity)
    assert ack == {
        "SEV-1": Durations(3, 420, 1200),  # 300, 420, 1200
        "SEV-2": Durations(3, 180, 600),  # 60, 180, 600
        "SEV-3": Durations(2, 2100, 2400),  # 1800, 2400
        "SEV-4": Durations(0, None, None),  # gggg was never acknowledged
    }
    resolve = by_key(s.metric("time_to_resolve").by_severity)
    assert resolve["SEV-1"] == Durations(2, 10800, 14400)  # 7200, 14400
    assert resolve["SEV-2"] == Durations(3, 5400, 7200)  # 5400, 5400, 7200


def test_exact_medians_and_p90s_by_service() -> None:
    s = stats()
    mitigate = by_key(s.metric("time_to_mitigate").by_service)
    assert list(mitigate) == ["auth", "payments", None]  # by name, no service last
    assert mitigate["auth"] == Durations(4, 3000, 7200)  # 1800, 2400, 3600, 7200
    assert mitigate["payments"] == Durations(2, 3600, 3600)
    assert mitigate[None] == Durations(1, 3600, 3600)
    resolve = by_key(s.metric("time_to_resolve").by_service)
    assert resolve["payments"] == Durations(2, 8100, 10800)  # 5400, 10800


def test_drills_cancelled_and_merged_are_left_out_of_the_times() -> None:
    s = stats()
    assert (s.excluded_from_times.drill, s.excluded_from_times.cancelled) == (1, 2)
    assert s.excluded_from_times.merged == 1
    # The drill acknowledged in 30 s and the merged duplicate in 1 min would be the two
    # fastest acknowledgements; the cancelled iiii (1 min) too. None of them shows up.
    assert s.metric("time_to_acknowledge").overall.count == 8
    fastest_possible = min(
        g.durations.median_seconds or 10**9 for g in s.metric("time_to_acknowledge").by_severity
    )
    assert fastest_possible == 180


def test_a_real_incident_with_the_same_timestamps_as_a_drill_would_count() -> None:
    drill = incident(
        "inc-d",
        kind="drill",
        declared_at="2026-01-01 10:00",
        acknowledged_at="2026-01-01 10:01",
    )
    real = incident(
        "inc-r",
        declared_at="2026-01-01 10:00",
        acknowledged_at="2026-01-01 10:01",
    )
    assert compute_stats([drill], [], now=NOW).metric("time_to_acknowledge").overall.count == 0
    assert compute_stats([real], [], now=NOW).metric("time_to_acknowledge").overall.count == 1


def test_an_incident_merged_into_another_is_excluded_even_if_its_status_lags() -> None:
    lagging = incident(
        "inc-m",
        status="resolved",
        merged_into="inc-x",
        declared_at="2026-01-01 10:00",
        resolved_at="2026-01-01 10:01",
    )
    s = compute_stats([lagging], [], now=NOW)
    assert s.excluded_from_times.merged == 1
    assert s.metric("time_to_resolve").overall.count == 0


def test_since_is_inclusive_and_compares_utc_dates() -> None:
    s = stats(since=date(2026, 1, 1))
    assert s.total == 12  # mmmm (2025-12-20) is out
    assert s.metric("time_to_acknowledge").overall == Durations(7, 600, 2400)
    assert s.metric("time_to_resolve").overall == Durations(6, 7200, 10800)


def test_until_includes_the_whole_day() -> None:
    s = stats(since=date(2026, 1, 20), until=date(2026, 1, 20))
    assert [c.count for c in s.by_status if c.key in ("resolved", "merged")] == [1, 1]
    assert s.total == 2  # bbbb at 08:05 and jjjj at 08:06


def test_date_boundaries_at_midnight_utc() -> None:
    def declared(at: datetime) -> list[str]:
        inc = incident("inc-x", declared_at=at)
        picked = compute_stats([inc], [], now=NOW, since=date(2026, 1, 1), until=date(2026, 1, 31))
        return [m.month for m in picked.by_month]

    assert declared(datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)) == []
    assert declared(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == ["2026-01"]
    assert declared(datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC)) == ["2026-01"]
    assert declared(datetime(2026, 2, 1, 0, 0, tzinfo=UTC)) == []
    # 00:30 on 1 February in UTC+1 is still 31 January in UTC
    plus_one = timezone(timedelta(hours=1))
    assert declared(datetime(2026, 2, 1, 0, 30, tzinfo=plus_one)) == ["2026-01"]


def test_service_filter() -> None:
    s = stats(service="payments")
    assert s.total == 3
    assert s.metric("time_to_acknowledge").overall == Durations(2, 930, 1800)  # 60, 1800
    assert s.metric("time_to_resolve").overall == Durations(2, 8100, 10800)
    assert [o.key for o in s.repeat_offenders] == ["payments"]
    # payments incidents have no action items
    assert (s.action_items.total, s.action_items.open) == (0, 0)


def test_service_and_since_filters_combine() -> None:
    s = stats(service="auth", since=date(2026, 2, 1))
    assert s.total == 3  # cccc, hhhh (drill), dddd
    assert s.metric("time_to_acknowledge").overall == Durations(2, 690, 1200)  # 180, 1200


def test_severity_filter() -> None:
    s = stats(severity="SEV-1")
    assert s.total == 3
    assert [c.count for c in s.by_severity] == [3, 0, 0, 0]
    assert s.metric("time_to_resolve").overall == Durations(2, 10800, 14400)


def test_since_after_until_is_refused() -> None:
    with pytest.raises(InputError, match="after"):
        stats(since=date(2026, 2, 1), until=date(2026, 1, 1))


def test_open_and_overdue_action_items_by_owner() -> None:
    items = stats().action_items
    assert (items.total, items.open, items.overdue) == (7, 6, 3)
    assert [(o.owner, o.open, o.overdue) for o in items.by_owner] == [
        ("alice", 2, 2),
        ("bob", 2, 1),
        ("carol", 1, 0),  # due today: not overdue yet
        (None, 1, 0),
    ]
    assert [(o.incident_id, o.days_overdue) for o in items.overdue_items] == [
        ("inc-20251220-mmmm", 81),
        ("inc-20260105-aaaa", 59),
        ("inc-20260120-bbbb", 1),
    ]


def test_overdue_uses_the_utc_date_of_now() -> None:
    due_today = [item("inc-20260210-cccc", "AI-9", "dan", "2026-04-01")]
    incidents = sample_incidents()
    # 23:30 on 31 March in UTC-3 is already 1 April in UTC: due today, not overdue.
    late_evening = datetime(2026, 3, 31, 23, 30, tzinfo=timezone(timedelta(hours=-3)))
    assert compute_stats(incidents, due_today, now=late_evening).action_items.overdue == 0
    next_day = datetime(2026, 4, 2, 0, 0, tzinfo=UTC)
    assert compute_stats(incidents, due_today, now=next_day).action_items.overdue == 1


def test_action_items_follow_the_incident_filters() -> None:
    items = stats(since=date(2026, 1, 1)).action_items
    assert (items.open, items.overdue) == (5, 2)  # mmmm's overdue item is out of the window
    assert [(o.owner, o.open, o.overdue) for o in items.by_owner][:2] == [
        ("alice", 2, 2),
        ("bob", 1, 0),
    ]


def test_repeat_offenders() -> None:
    offenders = [(o.kind, o.key, o.count) for o in stats().repeat_offenders]
    assert offenders == [
        ("service", "auth", 5),  # the drill and the merged duplicate do not count
        ("service", "payments", 3),
        ("dedup_key", "am:auth-latency", 3),
        ("service", "search", 2),  # two cancelled false alarms: a noisy alert
        ("dedup_key", "dd:search-5xx", 2),
    ]
    auth = stats().repeat_offenders[0]
    assert auth.incident_ids == (
        "inc-20251220-mmmm",
        "inc-20260105-aaaa",
        "inc-20260120-bbbb",
        "inc-20260210-cccc",
        "inc-20260301-dddd",
    )


def test_one_incident_is_not_a_repeat() -> None:
    s = stats(since=date(2026, 3, 1), until=date(2026, 3, 20), service="payments")
    assert s.total == 1
    assert s.repeat_offenders == ()


def test_resolve_trend_per_month() -> None:
    trend = [(m.month, m.durations) for m in stats().resolve_trend]
    assert trend == [
        ("2025-12", Durations(1, 14400, 14400)),
        ("2026-01", Durations(3, 7200, 10800)),  # 5400, 7200, 10800
        ("2026-02", Durations(2, 6300, 7200)),  # 5400, 7200
        ("2026-03", Durations(1, 7200, 7200)),
    ]


def test_negative_durations_are_left_out_and_reported() -> None:
    backwards = incident(
        "inc-bad",
        detected_at="2026-01-01 10:00",
        declared_at="2026-01-01 10:00",
        acknowledged_at="2026-01-01 09:00",
        mitigated_at="2026-01-01 10:30",
    )
    s = compute_stats([backwards], [], now=NOW)
    assert s.metric("time_to_acknowledge").overall.count == 0
    assert s.metric("time_to_mitigate").overall == Durations(1, 1800, 1800)
    assert s.warnings == ("inc-bad: acknowledged_at is before detected_at; left out of time to acknowledge",)


def test_undated_incidents_are_counted_without_a_date_filter_only() -> None:
    undated = incident("inc-u")
    assert compute_stats([undated], [], now=NOW).undated == 1
    assert compute_stats([undated], [], now=NOW).by_month == ()
    assert compute_stats([undated], [], now=NOW, since=date(2020, 1, 1)).total == 0


def test_months_without_incidents_are_listed_with_zero() -> None:
    gap = [
        incident("inc-a", declared_at="2025-11-30 12:00"),
        incident("inc-b", declared_at="2026-02-01 12:00"),
    ]
    months = [(m.month, m.total) for m in compute_stats(gap, [], now=NOW).by_month]
    assert months == [("2025-11", 1), ("2025-12", 0), ("2026-01", 0), ("2026-02", 1)]


def test_unknown_severity_gets_its_own_series_in_every_month() -> None:
    odd = [
        incident("inc-a", severity="SEV-5", declared_at="2026-01-03 12:00"),
        incident("inc-b", severity="SEV-1", declared_at="2026-02-01 12:00"),
    ]
    months = compute_stats(odd, [], now=NOW).by_month
    assert [[c.key for c in m.by_severity] for m in months] == [
        ["SEV-1", "SEV-2", "SEV-3", "SEV-4", "SEV-5"]
    ] * 2


def test_input_order_does_not_matter() -> None:
    incidents, items = sample_incidents(), sample_action_items()
    expected = compute_stats(incidents, items, now=NOW)
    rng = random.Random(1234)
    for _ in range(5):
        rng.shuffle(incidents)
        rng.shuffle(items)
        assert compute_stats(incidents, items, now=NOW) == expected


def test_no_incidents() -> None:
    s = compute_stats([], [], now=NOW)
    assert s.total == 0
    assert s.by_month == ()
    assert s.metric("time_to_resolve").overall == Durations(0, None, None)
    assert s.repeat_offenders == ()
