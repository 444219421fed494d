"""The time parser and its echo, called directly: every accepted form, zones, DST days, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from incident_kit.clock import parse
from incident_kit.clock.echo import ago_text, describe
from incident_kit.clock.zones import team_zone
from incident_kit.errors import InputError

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # a Thursday; 07:00 in Los Angeles, 16:00 in Berlin
LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def at(text: str, zone: tzinfo = UTC, now: datetime = NOW) -> str:
    return f"{parse(text, now, zone).at:%Y-%m-%dT%H:%M:%SZ}"


@pytest.mark.parametrize(
    ("typed", "zone", "stored"),
    [
        ("now", UTC, "2026-11-26T15:00:00Z"),
        ("NOW", LA, "2026-11-26T15:00:00Z"),
        # back from now: the zone does not matter
        ("20m ago", UTC, "2026-11-26T14:40:00Z"),
        ("20m", LA, "2026-11-26T14:40:00Z"),
        ("2h ago", UTC, "2026-11-26T13:00:00Z"),
        ("2h30m ago", UTC, "2026-11-26T12:30:00Z"),
        ("2h 30m", BERLIN, "2026-11-26T12:30:00Z"),
        ("1 hour 5 minutes ago", UTC, "2026-11-26T13:55:00Z"),
        ("90s ago", UTC, "2026-11-26T14:58:30Z"),
        ("-15m", UTC, "2026-11-26T14:45:00Z"),
        ("1d ago", UTC, "2026-11-25T15:00:00Z"),
        ("1w", UTC, "2026-11-19T15:00:00Z"),
        # a clock time is the last time it was that time, in the team's zone
        ("14:05", UTC, "2026-11-26T14:05:00Z"),
        ("14:05", BERLIN, "2026-11-26T13:05:00Z"),
        ("14:05", LA, "2026-11-25T22:05:00Z"),  # 14:05 has not come yet today in Los Angeles
        ("06:30", LA, "2026-11-26T14:30:00Z"),
        ("14:05:30", UTC, "2026-11-26T14:05:30Z"),
        ("15:04", UTC, "2026-11-26T15:04:00Z"),  # within the clock skew: a laptop a little behind
        ("23:50", UTC, "2026-11-25T23:50:00Z"),  # later than now: yesterday's
        ("3pm", UTC, "2026-11-26T15:00:00Z"),
        ("3pm", LA, "2026-11-25T23:00:00Z"),
        ("3:15 PM", BERLIN, "2026-11-26T14:15:00Z"),
        ("6 a.m.", LA, "2026-11-26T14:00:00Z"),
        ("12am", UTC, "2026-11-26T00:00:00Z"),
        ("12pm", UTC, "2026-11-26T12:00:00Z"),
        ("noon", UTC, "2026-11-26T12:00:00Z"),
        ("midnight", BERLIN, "2026-11-25T23:00:00Z"),
        # a day and a time
        ("yesterday 23:00", UTC, "2026-11-25T23:00:00Z"),
        ("yesterday 23:00", LA, "2026-11-26T07:00:00Z"),
        ("Yesterday 9am", BERLIN, "2026-11-25T08:00:00Z"),
        ("3pm yesterday", UTC, "2026-11-25T15:00:00Z"),
        ("today 06:00", LA, "2026-11-26T14:00:00Z"),
        # a date without a zone is in the team's zone
        ("2026-11-25 14:30", UTC, "2026-11-25T14:30:00Z"),
        ("2026-11-25 14:30", LA, "2026-11-25T22:30:00Z"),
        ("2026-11-25T14:30", BERLIN, "2026-11-25T13:30:00Z"),
        ("2026-11-25T14:30:00", LA, "2026-11-25T22:30:00Z"),
        ("2026-11-25 2pm", UTC, "2026-11-25T14:00:00Z"),
        # an explicit zone wins over the team's
        ("2026-11-26T14:05:00Z", LA, "2026-11-26T14:05:00Z"),
        ("2026-11-26t14:05:00z", LA, "2026-11-26T14:05:00Z"),
        ("2026-11-26T14:05:00.123Z", UTC, "2026-11-26T14:05:00Z"),
        ("2026-11-26 15:05+01:00", UTC, "2026-11-26T14:05:00Z"),
        ("2026-11-26T06:05-0800", UTC, "2026-11-26T14:05:00Z"),
        ("2026-11-26 06:05 -08", UTC, "2026-11-26T14:05:00Z"),
        ("06:05 PST", BERLIN, "2026-11-26T14:05:00Z"),
        ("9:05 est", UTC, "2026-11-26T14:05:00Z"),
        ("15:05 CET", LA, "2026-11-26T14:05:00Z"),
        ("2026-11-26 15:05 CET", UTC, "2026-11-26T14:05:00Z"),
        ("06:05 PT", UTC, "2026-11-26T14:05:00Z"),  # the region's local time (PST in November)
        ("14:05 UTC", LA, "2026-11-26T14:05:00Z"),
        ("14:05 GMT", LA, "2026-11-26T14:05:00Z"),
        ("14:05Z", LA, "2026-11-26T14:05:00Z"),
        ("15:05 Europe/Paris", LA, "2026-11-26T14:05:00Z"),
        ("2026-11-26 19:35 +05:30", UTC, "2026-11-26T14:05:00Z"),
    ],
)
def test_every_accepted_form_reads_as_the_instant_meant(typed: str, zone: tzinfo, stored: str) -> None:
    assert at(typed, zone) == stored


@pytest.mark.parametrize(
    ("typed", "now", "stored"),
    [
        # New York springs forward on 2026-03-08 at 02:00 (EST -5 → EDT -4)
        ("01:59", datetime(2026, 3, 8, 12, tzinfo=UTC), "2026-03-08T06:59:00Z"),
        ("03:00", datetime(2026, 3, 8, 12, tzinfo=UTC), "2026-03-08T07:00:00Z"),
        # ... and falls back on 2026-11-01 at 02:00 (EDT -4 → EST -5): 01:30 happens twice
        ("01:30", datetime(2026, 11, 1, 12, tzinfo=UTC), "2026-11-01T06:30:00Z"),  # the later
        ("01:30", datetime(2026, 11, 1, 6, 0, tzinfo=UTC), "2026-11-01T05:30:00Z"),  # only one so far
        ("2026-11-01 01:30", datetime(2026, 11, 1, 12, tzinfo=UTC), "2026-11-01T05:30:00Z"),  # the earlier
        ("2026-11-01 01:30 EST", datetime(2026, 11, 1, 12, tzinfo=UTC), "2026-11-01T06:30:00Z"),
        ("2026-11-01 01:30 EDT", datetime(2026, 11, 1, 12, tzinfo=UTC), "2026-11-01T05:30:00Z"),
        # a clock time the day after a change uses that day's offset
        ("09:00", datetime(2026, 3, 9, 15, tzinfo=UTC), "2026-03-09T13:00:00Z"),
        ("09:00", datetime(2026, 3, 7, 15, tzinfo=UTC), "2026-03-07T14:00:00Z"),
        # `20m ago` across the change is 20 real minutes, not wall-clock minutes
        ("20m ago", datetime(2026, 3, 8, 7, 10, tzinfo=UTC), "2026-03-08T06:50:00Z"),
    ],
)
def test_daylight_saving_days_in_new_york(typed: str, now: datetime, stored: str) -> None:
    assert at(typed, NEW_YORK, now) == stored


def test_a_time_that_happened_twice_says_which_was_taken_and_how_to_say_the_other() -> None:
    when = parse("01:30", datetime(2026, 11, 1, 12, tzinfo=UTC), NEW_YORK)
    assert when.note == (
        "01:30 happened twice on 2026-11-01 in America/New_York (EDT, then EST); took the later "
        "(2026-11-01T06:30:00Z); say '2026-11-01 01:30 EDT' for the other"
    )
    dated = parse("2026-11-01 01:30", datetime(2026, 11, 1, 12, tzinfo=UTC), NEW_YORK)
    assert dated.note is not None and "took the earlier" in dated.note and "01:30 EST'" in dated.note


def test_berlin_falls_back_in_october_and_springs_forward_in_march() -> None:
    assert at("02:30", BERLIN, datetime(2026, 10, 25, 12, tzinfo=UTC)) == "2026-10-25T01:30:00Z"
    assert at("2026-10-25 02:30", BERLIN) == "2026-10-25T00:30:00Z"
    with pytest.raises(InputError, match="02:30 did not happen on 2026-03-29 in Europe/Berlin"):
        parse("2026-03-29 02:30", NOW, BERLIN)


def test_a_pst_time_in_july_is_taken_as_typed_with_a_note_about_pdt() -> None:
    when = parse("2026-07-04 14:00 PST", NOW, UTC)
    assert f"{when.at:%H:%M}" == "22:00"
    assert when.note == (
        "PST is UTC-08:00, but on 2026-07-04 America/Los_Angeles was on PDT (UTC-07:00); took PST "
        "as typed — say PDT or America/Los_Angeles for local time"
    )
    assert parse("2026-07-04 14:00 PT", NOW, UTC).at.hour == 21  # the region's time: PDT
    assert parse("2026-11-04 14:00 PST", NOW, UTC).note is None  # in season: nothing to say


@pytest.mark.parametrize(
    ("typed", "zone", "message"),
    [
        (
            "blah",
            LA,
            "--at 'blah': not a time; use now, 20m ago, 2h30m ago, 14:05, 3pm, yesterday 23:00 or "
            "2026-11-26 14:05 (in America/Los_Angeles), or add a zone: 14:05 PST, 2026-11-26T14:05:00Z",
        ),
        ("15", UTC, "--at '15': say 15:00 or 3pm"),
        ("9", UTC, "--at '9': say 09:00 or 9am"),
        ("13pm", UTC, "--at '13pm': 13pm is not a time; use 13:00, or 1 to 12 am/pm"),
        ("25:00", UTC, "--at '25:00': not a time of day (00:00 to 23:59)"),
        ("14:61", UTC, "--at '14:61': not a time of day (00:00 to 23:59)"),
        ("2026-11-26", UTC, "--at '2026-11-26': add the time of day, e.g. '2026-11-26 14:05'"),
        ("yesterday", UTC, "--at 'yesterday': add the time of day, e.g. 'yesterday 23:00'"),
        ("2026-02-30 10:00", UTC, "--at '2026-02-30 10:00': 2026-02-30 is not a date"),
        (
            "in 5m",
            UTC,
            "--at 'in 5m': that is in the future; give the time it happened, or leave it out for now",
        ),
        (
            "5m from now",
            UTC,
            "--at '5m from now': that is in the future; give the time it happened, or leave it out for now",
        ),
        (
            "today 9am",
            LA,
            "--at 'today 9am': is in the future (2026-11-26T17:00:00Z); leave it out for now, or check "
            "the day and zone",
        ),
        (
            "2030-01-01T00:00:00Z",
            UTC,
            "--at '2030-01-01T00:00:00Z': is in the future (2030-01-01T00:00:00Z); leave it out for now, or "
            "check the day and zone",
        ),
        ("1970-01-01T00:00:00Z", UTC, "--at '1970-01-01T00:00:00Z': is before 2000; check the year"),
        ("999999d ago", UTC, "--at '999999d ago': out of range; check the date"),
        ("0001-01-01T00:30:00+01:00", UTC, "--at '0001-01-01T00:30:00+01:00': out of range; check the date"),
        (
            "14:00 IST",
            UTC,
            "--at '14:00 IST': IST could mean India +05:30, Ireland +01:00 or Israel +02:00; give the "
            "offset instead",
        ),
        (
            "14:00 XYZ",
            UTC,
            "--at '14:00 XYZ': unknown time zone 'XYZ'; use an offset (-08:00), a zone name "
            "(America/Los_Angeles) or one of PST, EST, CET, …",
        ),
        ("14:00 Mars/Base", UTC, "--at '14:00 Mars/Base': unknown time zone 'Mars/Base'"),
        ("14:00 +15:00", UTC, "--at '14:00 +15:00': offset '+15:00' is out of range (-12:00 .. +14:00)"),
        (
            "2026-03-08 02:30",
            NEW_YORK,
            "--at '2026-03-08 02:30': 02:30 did not happen on 2026-03-08 in America/New_York (the clocks "
            "skipped it for daylight saving); say 03:30 EDT, or give the offset: '2026-03-08 02:30 -05:00'",
        ),
    ],
)
def test_every_refusal_says_what_would_work(typed: str, zone: tzinfo, message: str) -> None:
    with pytest.raises(InputError) as refused:
        parse(typed, NOW, zone)
    assert refused.value.message == message


def test_a_skipped_clock_time_today_is_refused_rather_than_taken_from_yesterday() -> None:
    with pytest.raises(InputError, match="did not happen on 2026-03-08"):
        parse("02:30", datetime(2026, 3, 8, 12, tzinfo=UTC), NEW_YORK)
    with pytest.raises(InputError, match="did not happen on 2026-03-08"):
        parse("yesterday 02:30", datetime(2026, 3, 9, 12, tzinfo=UTC), NEW_YORK)
    # the refusal's own suggestion works
    assert (
        at("2026-03-08 02:30 -05:00", NEW_YORK, datetime(2026, 3, 8, 12, tzinfo=UTC))
        == "2026-03-08T07:30:00Z"
    )


def test_the_clock_pin_may_be_in_the_future_and_another_flag_names_itself() -> None:
    assert parse("2030-01-01T00:00:00Z", NOW, UTC, allow_future=True).at.year == 2030
    with pytest.raises(InputError, match=r"^--since 'x': not a time"):
        parse("x", NOW, UTC, flag="--since")


@pytest.mark.parametrize(
    ("configured", "tz_env", "zone"),
    [
        (None, None, "UTC"),
        ("Europe/Berlin", None, "Europe/Berlin"),
        ("Europe/Berlin", "America/New_York", "Europe/Berlin"),  # the team's config wins
        (None, "America/New_York", "America/New_York"),
        (None, ":America/New_York", "America/New_York"),
        (None, "UTC", "UTC"),
        (None, "Not/AZone", "UTC"),  # an unusable TZ is ignored, not fatal
        (None, "", "UTC"),
    ],
)
def test_the_team_zone_is_the_config_then_tz_then_utc(
    configured: str | None, tz_env: str | None, zone: str
) -> None:
    assert str(team_zone(configured, tz_env)) == zone


@pytest.mark.parametrize(
    ("typed", "zone", "echo"),
    [
        ("now", UTC, "2026-11-26T15:00:00Z, just now"),
        ("55m ago", UTC, "2026-11-26T14:05:00Z, 55 minutes ago"),
        ("06:05", LA, "06:05 PST = 2026-11-26T14:05:00Z, 55 minutes ago"),
        ("14:05", LA, "yesterday 14:05 PST = 2026-11-25T22:05:00Z, 16 hours 55 minutes ago"),
        ("2026-11-20 10:00", BERLIN, "2026-11-20 10:00 CET = 2026-11-20T09:00:00Z, 6 days 6 hours ago"),
        ("14:05 PST", UTC, "yesterday 14:05 PST = 2026-11-25T22:05:00Z, 16 hours 55 minutes ago"),  # as typed
        ("14:05:30", UTC, "2026-11-26T14:05:30Z, 54 minutes ago"),
        ("15:02", BERLIN, "15:02 CET = 2026-11-26T14:02:00Z, 58 minutes ago"),
    ],
)
def test_the_echo_says_the_time_in_the_zone_it_was_typed_in_and_exactly_as_stored(
    typed: str, zone: tzinfo, echo: str
) -> None:
    when = parse(typed, NOW, zone)
    assert describe(when.at, when.zone, NOW) == echo


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "just now"),
        (59, "just now"),
        (60, "1 minute ago"),
        (3600, "1 hour ago"),
        (90061, "1 day 1 hour ago"),
        (-180, "in 3 minutes"),
    ],
)
def test_how_long_ago_reads_in_at_most_two_units(seconds: int, text: str) -> None:
    assert ago_text(timedelta(seconds=seconds)) == text
