"""Incident Commander assignment: hand-off boundaries, overrides, daylight-saving changes."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from incident_kit.config.reader import parse
from incident_kit.errors import ConfigError
from incident_kit.oncall import commander_for

CONFIG = """
services:
  payments: {rotation: payments}
oncall:
  default_rotation: primary
  rotations:
    primary:
      members: [alice, bob, carol]
      period_days: 7
      handoff: "09:00"
      timezone: Europe/Berlin
      start: 2026-01-05
    payments:
      members: [pat, quinn]
      period_days: 1
      handoff: "18:30"
      timezone: America/New_York
      start: 2026-03-01
  overrides:
    - {rotation: primary, who: dave, from: 2026-12-24T09:00:00+01:00, until: 2026-12-27T09:00:00+01:00}
"""


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@pytest.fixture
def config():  # type: ignore[no-untyped-def]
    return parse(CONFIG)


def test_first_shift_and_weekly_handoff_boundary(config) -> None:  # type: ignore[no-untyped-def]
    # Monday 2026-01-05 09:00 Berlin (08:00 UTC in winter): alice starts
    assert commander_for(config, None, utc("2026-01-05T08:00:00Z")) == "alice"
    assert commander_for(config, None, utc("2026-01-12T07:59:59Z")) == "alice"
    assert commander_for(config, None, utc("2026-01-12T08:00:00Z")) == "bob"
    assert commander_for(config, None, utc("2026-01-19T08:00:00Z")) == "carol"
    assert commander_for(config, None, utc("2026-01-26T08:00:00Z")) == "alice"  # wraps around


def test_handoff_stays_at_local_time_across_daylight_saving(config) -> None:  # type: ignore[no-untyped-def]
    # Europe/Berlin moves to CEST on 2026-03-29: the 09:00 hand-off is 07:00 UTC from then on.
    # Week 12 (2026-03-30) is 12 weeks after the start: 12 % 3 == 0 -> alice takes over
    assert commander_for(config, None, utc("2026-03-30T06:59:59Z")) == "carol"
    assert commander_for(config, None, utc("2026-03-30T07:00:00Z")) == "alice"
    # a naive hours-based rotation would have handed off at 08:00 UTC instead
    assert commander_for(config, None, utc("2026-03-30T07:30:00Z")) == "alice"


def test_daily_rotation_in_another_zone_across_us_dst(config) -> None:  # type: ignore[no-untyped-def]
    # America/New_York switches to EDT on 2026-03-08; hand-off 18:30 local
    # shift n starts 2026-03-01 + n days at 18:30 local; even shifts are pat's
    assert commander_for(config, "payments", utc("2026-03-07T23:29:59Z")) == "quinn"  # shift 5
    assert commander_for(config, "payments", utc("2026-03-07T23:30:00Z")) == "pat"  # 18:30 EST: shift 6
    assert commander_for(config, "payments", utc("2026-03-08T22:29:59Z")) == "pat"  # 18:29 EDT
    assert commander_for(config, "payments", utc("2026-03-08T22:30:00Z")) == "quinn"  # 18:30 EDT: shift 7


UTC_ROTATION = """
import sys
from datetime import datetime, time, date, UTC
from incident_kit.config.settings import Rotation
from incident_kit.oncall import on_call

rotation = Rotation("ops", ("alice", "bob"), 1, time(9, 0), "UTC", date(2026, 1, 5))
before, at = datetime(2026, 1, 6, 8, 59, tzinfo=UTC), datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
print(on_call(rotation, before), on_call(rotation, at))
print("zoneinfo imported:", "zoneinfo" in sys.modules)
"""


def test_a_utc_rotation_hands_off_at_its_utc_time_without_loading_time_zone_data() -> None:
    # zoneinfo pulls in sysconfig: every `declare` with a UTC rotation would pay ~3 ms for nothing
    result = subprocess.run([sys.executable, "-c", UTC_ROTATION], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines() == ["alice bob", "zoneinfo imported: False"], result.stderr


def test_override_wins_only_inside_its_window(config) -> None:  # type: ignore[no-untyped-def]
    assert commander_for(config, None, utc("2026-12-24T07:59:59Z")) != "dave"
    assert commander_for(config, None, utc("2026-12-24T08:00:00Z")) == "dave"
    assert commander_for(config, None, utc("2026-12-27T07:59:59Z")) == "dave"
    assert commander_for(config, None, utc("2026-12-27T08:00:00Z")) != "dave"
    # the override is for the primary rotation only
    assert commander_for(config, "payments", utc("2026-12-25T12:00:00Z")) in ("pat", "quinn")


def test_no_rotation_configured_means_no_commander() -> None:
    assert commander_for(parse("version: 1\n"), None, utc("2026-01-05T08:00:00Z")) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "oncall:\n  rotations:\n    p:\n      members: [a]\n"
            "      timezone: Mars/Base\n      start: 2026-01-01\n",
            "config.yaml:5: oncall.rotations.p.timezone: unknown time zone 'Mars/Base'",
        ),
        (
            "oncall:\n  rotations:\n    p:\n      members: []\n      start: 2026-01-01\n",
            "config.yaml:4: oncall.rotations.p.members: needs at least one member",
        ),
        ("default_severity: SEV-7\n", "config.yaml:1: default_severity: 'SEV-7' is not one of"),
        ("push: maybe\n", "config.yaml:1: push: must be true or false"),
        ("services: [a, b]\n", "config.yaml:1: services: must be a mapping"),
        ("key: [unclosed\n", "config.yaml:2: invalid YAML"),
    ],
)
def test_config_errors_name_file_line_and_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse(text, "incidents/config.yaml")
    assert expected in str(error.value)
