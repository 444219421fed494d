"""Human time through the commands: the team's zone, TZ, and an echo that matches what was stored."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.cli import declare, run_cli
from support.repos import commit_count, git

from incident_kit import timeline
from incident_kit.markdown import frontmatter

LA_TEAM = "version: 1\ntimezone: America/Los_Angeles\n"


def team_in(repo: Path, config: str) -> Path:
    (repo / "incidents" / "config.yaml").write_text(config)
    git(repo, "commit", "-qam", "our zone")
    return repo


def stored(repo: Path, incident_id: str) -> tuple[dict[str, object], list[timeline.Entry]]:
    path = next((repo / "incidents").glob(f"*/{incident_id}*/incident.md"))
    document = frontmatter.split(path.read_text(), "x")
    return frontmatter.load(document.frontmatter, "x"), timeline.entries(document.body, "x")


def echoed(stdout: str) -> str:
    """The UTC instant an echo says was stored: `... = 2026-11-26T14:05:00Z, 55 minutes ago`."""
    match = re.search(r"(?:= |at )(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ), ", stdout)
    assert match, stdout
    return match.group(1)


def stamp(value: object) -> str:
    assert value is not None
    return frontmatter.format_timestamp(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("command", "key"),
    [
        (["ack"], "acknowledged_at"),
        (["mitigate"], "mitigated_at"),
        (["resolve"], "resolved_at"),
        (["note", "the", "cache", "was", "cold"], None),
        (["severity", "SEV-1"], None),
        (["assign", "--commander", "carol"], None),
        (["link", "https://grafana.example/d/1"], None),
    ],
)
def test_each_command_echoes_the_time_in_the_teams_zone_exactly_as_stored(
    repo: Path, command: list[str], key: str | None
) -> None:
    team_in(repo, LA_TEAM)
    incident_id = str(declare(repo, "Checkout is down", "--at", "05:00")["id"])
    result = run_cli([command[0], incident_id, *command[1:], "--at", "06:05", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    assert "06:05 PST = 2026-11-26T14:05:00Z, 55 minutes ago" in result.stdout
    data, entries = stored(repo, incident_id)
    assert any(stamp(e.at) == echoed(result.stdout) for e in entries)
    if key:
        assert stamp(data[key]) == echoed(result.stdout)


def test_declare_echoes_its_time_and_json_carries_it(repo: Path) -> None:
    team_in(repo, LA_TEAM)
    result = run_cli(["declare", "--title", "Down", "--at", "yesterday 23:00", "--repo", str(repo)])
    assert result.code == 0
    assert result.stdout.rstrip().endswith("at yesterday 23:00 PST = 2026-11-26T07:00:00Z, 8 hours ago")
    incident = declare(repo, "Also down", "--at", "2026-11-26 06:30")
    assert incident["declared_at"] == "2026-11-26T14:30:00Z"


def test_without_a_config_zone_tz_is_the_teams_zone(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    incident_id = str(declare(repo)["id"])
    result = run_cli(["ack", incident_id, "--at", "15:05", "--repo", str(repo)])
    assert result.code == 0 and "15:05 CET = 2026-11-26T14:05:00Z" in result.stdout
    assert stamp(stored(repo, incident_id)[0]["acknowledged_at"]) == "2026-11-26T14:05:00Z"


def test_a_utc_team_sees_the_stored_time_alone(repo: Path) -> None:
    incident_id = str(declare(repo)["id"])
    result = run_cli(["ack", incident_id, "--at", "2h30m ago", "--repo", str(repo)])
    assert result.stdout.startswith(
        f"{incident_id}: triage → investigating at 2026-11-26T12:30:00Z, 2 hours 30"
    )


def test_a_time_typed_twice_on_the_dst_night_is_noted_on_stderr(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team_in(repo, "version: 1\ntimezone: America/New_York\n")
    monkeypatch.setenv("INCIDENT_KIT_NOW", "2026-11-01T12:00:00Z")
    incident_id = str(declare(repo, "Night", "--at", "2026-11-01 00:30")["id"])
    result = run_cli(["note", incident_id, "paged", "--at", "01:30", "--repo", str(repo)])
    assert result.code == 0
    assert result.stderr.startswith("incident: note: 01:30 happened twice on 2026-11-01 in America/New_York")
    assert "01:30 EST = 2026-11-01T06:30:00Z" in result.stdout


def test_an_ack_before_a_manual_declaration_moves_detection_back(repo: Path) -> None:
    incident_id = str(declare(repo)["id"])  # declared (and so detected) at 15:00
    before = commit_count(repo)
    result = run_cli(["ack", incident_id, "--at", "10m ago", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    assert "detection moved back to 2026-11-26T14:50:00Z (it was the declaration time)" in result.stdout
    data, _ = stored(repo, incident_id)
    assert stamp(data["detected_at"]) == stamp(data["acknowledged_at"]) == "2026-11-26T14:50:00Z"
    assert stamp(data["declared_at"]) == "2026-11-26T15:00:00Z"
    assert commit_count(repo) == before + 1
    assert run_cli(["validate", "--repo", str(repo)]).code == 0


ALERT = {
    "version": "4",
    "groupKey": '{}:{alertname="Errors"}',
    "status": "firing",
    "receiver": "incident-kit",
    "groupLabels": {"alertname": "Errors"},
    "commonLabels": {"alertname": "Errors", "severity": "page"},
    "commonAnnotations": {"summary": "Errors above 5%"},
    "externalURL": "http://alertmanager.example.com",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "Errors", "severity": "page"},
            "annotations": {"summary": "Errors above 5%"},
            "startsAt": "2026-11-26T14:40:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": "abc",
        }
    ],
}


def test_an_ack_before_an_alerts_detection_is_refused_with_the_exact_command_that_works(repo: Path) -> None:
    result = run_cli(
        ["declare", "--alert-payload", json.dumps(ALERT), "--format", "json", "--repo", str(repo)]
    )
    incident_id = json.loads(result.stdout)["id"]
    before = commit_count(repo)
    refused = run_cli(["ack", incident_id, "--at", "14:30", "--repo", str(repo)])
    assert refused.code == 1 and commit_count(repo) == before
    expected = f"`incident ack {incident_id} --at 2026-11-26T14:40:00Z`"
    assert refused.stderr == (
        "incident: acknowledged time 2026-11-26T14:30:00Z is before detected time 2026-11-26T14:40:00Z; "
        f"{expected} records it at the detected time, or give a later --at\n"
    )
    command = expected.strip("`").split()[1:]
    assert run_cli([*command, "--repo", str(repo)]).code == 0
