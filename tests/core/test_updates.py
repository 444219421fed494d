"""Stakeholder updates: `incident update`, the cadence per severity, and overdue in list and show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import declare, run_cli
from support.repos import git

from incident_kit.config.reader import parse
from incident_kit.errors import ConfigError


def test_an_update_is_a_timeline_entry_that_restarts_the_clock(repo: Path) -> None:
    incident_id = str(declare(repo, severity="SEV-1")["id"])
    result = run_cli(["update", incident_id[-4:], "Checkout", "works", "again", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    assert "Update: Checkout works again" in git(repo, "show", "HEAD")
    assert git(repo, "log", "-1", "--format=%s") == f"{incident_id}: update: Checkout works again\n"
    shown = json.loads(run_cli(["show", incident_id, "--format", "json", "--repo", str(repo)]).stdout)
    assert shown["frontmatter"]["last_update_at"] == "2026-11-26T15:00:00Z"
    assert shown["timeline"][-1]["what"] == "Update: Checkout works again"
    assert shown["update"] == {
        "every_minutes": 30,
        "last_at": "2026-11-26T15:00:00Z",
        "due_at": "2026-11-26T15:30:00Z",
        "overdue": False,
    }
    assert run_cli(["validate", "--repo", str(repo)]).code == 0


def test_a_back_dated_update_does_not_move_the_clock_back(repo: Path) -> None:
    incident_id = str(declare(repo, "x", "--at", "2026-11-26T14:00:00Z", severity="SEV-1")["id"])
    assert run_cli(["update", incident_id, "now", "--repo", str(repo)]).code == 0
    assert run_cli(["update", incident_id, "earlier", "--at", "14:30", "--repo", str(repo)]).code == 0
    shown = json.loads(run_cli(["show", incident_id, "--format", "json", "--repo", str(repo)]).stdout)
    assert shown["update"]["last_at"] == "2026-11-26T15:00:00Z"


def test_list_and_show_say_when_an_update_is_overdue(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sev1 = str(declare(repo, "Checkout is down", severity="SEV-1")["id"])
    declare(repo, "Search is slow", severity="SEV-3")  # no cadence for SEV-3 by default
    monkeypatch.setenv("INCIDENT_KIT_NOW", "2026-11-26T15:40:00Z")
    listed = run_cli(["list", "--repo", str(repo)]).stdout
    assert "[update overdue by 10m] Checkout is down" in listed
    assert "overdue" not in next(line for line in listed.splitlines() if "Search is slow" in line)
    shown = run_cli(["show", sev1, "--repo", str(repo)])
    assert shown.code == 0 and "update overdue by 10m (every 30m)" in shown.stderr
    assert shown.stdout.startswith("---")  # the file itself, untouched, on stdout
    assert run_cli(["resolve", sev1, "--repo", str(repo)]).code == 0  # resolved: no more cadence
    assert "overdue" not in run_cli(["list", "--all", "--repo", str(repo)]).stdout


def test_list_still_works_with_a_broken_configuration(repo: Path) -> None:
    declare(repo, "Checkout is down", severity="SEV-1")
    config = repo / "incidents" / "config.yaml"
    config.write_text(config.read_text() + "\nupdates: [not, a, mapping]\n")
    result = run_cli(["list", "--repo", str(repo)])
    assert result.code == 0 and "Checkout is down" in result.stdout


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("SEV-1: 15m", 15), ("SEV-1: 2h", 120), ("SEV-1: 45", 45), ("SEV-1: off", None), ("SEV-1: null", None)],
)
def test_the_cadence_is_minutes_or_hours_or_off(text: str, minutes: int | None) -> None:
    config = parse(f"updates:\n  every:\n    {text}\n")
    assert config.updates.every_minutes("SEV-1") == minutes
    assert config.updates.every_minutes("SEV-2") == 60  # the default stays for the others


def test_a_bad_cadence_names_its_line() -> None:
    with pytest.raises(ConfigError, match=r"config.yaml:3: updates.every.SEV-2: 'soon' is not a cadence"):
        parse("updates:\n  every:\n    SEV-2: soon\n")


def test_on_a_teams_own_scale_the_defaults_apply_level_by_level() -> None:
    config = parse(
        "severities:\n  P0: critical\n  P1: major\n  P2: minor\n  P3: low\n  P4: cosmetic\n"
        "updates:\n  every:\n    P1: 2h\n"
    )
    assert config.updates.every_minutes("P0") == 30 and config.updates.every_minutes("P1") == 120
    assert config.updates.every_minutes("P2") is None
    assert config.slack.announces("P0", "commander_changed") and not config.slack.announces(
        "P1", "commander_changed"
    )
    assert config.slack.announces("P4", "declared") and not config.slack.announces("P4", "mitigated")
    assert config.slack.announces("P4", "resolved")  # always
