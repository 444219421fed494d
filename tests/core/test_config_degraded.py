"""Degraded, not dead: a config mistake never stops the commands that record incident facts."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path

import pytest
from support.alerts import SEED_ALERT
from support.cli import run_cli
from support.repos import git

from incident_kit.config.degraded import lenient
from incident_kit.config.loading import default_text

NATIVE = json.dumps(SEED_ALERT)


def broken(original: str, replacement: str) -> str:
    text = default_text()
    assert original in text
    return text.replace(original, replacement, 1)


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


# --- the forgiving reader, called directly ------------------------------------------------


def test_a_misspelt_rotation_zone_falls_back_to_utc_and_keeps_the_rest() -> None:
    loaded = lenient(broken("timezone: Europe/Berlin", "timezone: Europe/Berln"))
    rotation = loaded.config.rotations["primary"]
    assert rotation.timezone == "UTC" and rotation.members == ("alice", "bob", "carol")
    assert loaded.config.severity_rules and loaded.config.services  # the rest of the file counts
    line = line_of(default_text(), "timezone: Europe/Berlin")
    assert loaded.problems[0].startswith(f"incidents/config.yaml:{line}: oncall.rotations.primary.timezone:")
    assert not loaded.whole_file


@pytest.mark.parametrize(
    ("original", "mistake", "check"),
    [
        ('handoff: "09:00"', "handoff: 9am", lambda c: c.rotations["primary"].handoff == time(9, 0)),
        ("period_days: 7", "period_days: 0", lambda c: c.rotations["primary"].period_days == 7),
        ("push: false", "push: yes please", lambda c: c.push is False),
        ("default_severity: SEV-3", "default_severity: SEV-9", lambda c: c.default_severity == "SEV-3"),
        ("max_depth: 32", "max_depth: lots", lambda c: c.max_depth == 32),
    ],
)
def test_each_broken_value_takes_its_default(original: str, mistake: str, check: object) -> None:
    loaded = lenient(broken(original, mistake))
    assert callable(check) and check(loaded.config)
    assert len(loaded.problems) == 1
    assert loaded.config.rotations["primary"].timezone == "Europe/Berlin"  # untouched parts stay


def test_a_rotation_without_members_is_left_out_and_so_is_the_default_pointing_at_it() -> None:
    loaded = lenient(broken("members: [alice, bob, carol]", "members: []"))
    assert loaded.config.rotations == {} and loaded.config.default_rotation is None
    assert "oncall.rotations.primary.members" in loaded.problems[0]
    assert "oncall.default_rotation" in loaded.problems[1]


def test_a_file_that_is_not_yaml_gives_the_built_in_defaults_and_says_so() -> None:
    loaded = lenient(broken("alerts:\n", "alerts: [\n"))
    assert loaded.whole_file and loaded.config.rotations == {}
    assert loaded.problems[0].startswith("incidents/config.yaml:")
    warning = loaded.warning()
    assert warning is not None and "using the built-in defaults until it is fixed" in warning


def test_the_warning_is_one_line_naming_the_first_problem_and_counting_the_others() -> None:
    text = broken("push: false", "push: maybe").replace("period_days: 7", "period_days: -1")
    warning = lenient(text).warning()
    line = line_of(default_text(), "period_days: 7")
    assert warning == (
        f"incidents/config.yaml:{line}: oncall.rotations.primary.period_days: must be a whole number >= 1, "
        "not -1; using the default for that part until it is fixed; 1 more config problem(s) "
        "(`incident validate` lists them)"
    )


def test_a_valid_config_has_nothing_to_say() -> None:
    loaded = lenient(default_text())
    assert loaded.problems == () and loaded.warning() is None


# --- the commands: Must show 1 -------------------------------------------------------------

MISTAKES = [
    ("timezone: Europe/Berlin", "timezone: Europe/Berln", "oncall.rotations.primary.timezone"),
    ('handoff: "09:00"', "handoff: 9am", "oncall.rotations.primary.handoff"),
    ("push: false", "push: yes please", "push"),
    ("period_days: 7", "period_days: 0", "oncall.rotations.primary.period_days"),
    ("default_rotation: primary", "default_rotation: primry", "oncall.default_rotation"),
    ("default_severity: SEV-3", "default_severity: SEV-9", "default_severity"),
    ("version: 1\n", "version: 1\ntimezone: America/Los_Angles\n", "timezone"),
    ("alerts:\n  max_payload_bytes", "alerts:\n max_payload_bytes", "invalid YAML"),
]


@pytest.mark.parametrize(("original", "mistake", "key"), MISTAKES, ids=[m[2] for m in MISTAKES])
def test_a_config_mistake_never_stops_declare_ack_or_note_but_validate_and_sync_report_it(
    repo: Path, original: str, mistake: str, key: str
) -> None:
    config = repo / "incidents" / "config.yaml"
    text = broken(original, mistake)
    config.write_text(text)
    git(repo, "commit", "-qam", "a config typo")
    line = line_of(text, mistake.strip().splitlines()[-1].strip())
    where = f"incidents/config.yaml:{line}: {key}"

    def one_warning(stderr: str) -> None:
        assert stderr.count("\n") == 1, stderr
        assert stderr.startswith("incident: warning: incidents/config.yaml:") and key in stderr, stderr

    declared = run_cli(["declare", "--alert-payload", NATIVE, "--format", "json", "--repo", str(repo)])
    assert declared.code == 0, declared.stderr
    one_warning(declared.stderr)
    incident = json.loads(declared.stdout)
    for args in (["ack", incident["id"]], ["note", incident["id"], "still", "degraded"]):
        result = run_cli([*args, "--repo", str(repo)])
        assert result.code == 0, result.stderr
        one_warning(result.stderr)

    timeline = (repo / incident["path"] / "incident.md").read_text()
    assert "incidents/config.yaml has an error" in timeline and "defaults were used for that part" in timeline

    validated = run_cli(["validate", "--repo", str(repo)])
    assert validated.code == 1
    if key == "invalid YAML":
        assert "incidents/config.yaml:" in validated.stdout and "invalid YAML" in validated.stdout
    else:
        assert f"{where.replace(f': {key}', f': error: {key}')}:" in validated.stdout, validated.stdout
    synced = run_cli(["sync", "--repo", str(repo)])
    assert synced.code == 2 and "incidents/config.yaml:" in synced.stderr


def test_a_rotation_nobody_can_find_leaves_the_incident_without_a_commander_and_the_timeline_says_why(
    repo: Path,
) -> None:
    config = repo / "incidents" / "config.yaml"
    config.write_text(broken("default_rotation: primary", "default_rotation: primry"))
    result = run_cli(["declare", "--title", "Checkout down", "--format", "json", "--repo", str(repo)])
    assert result.code == 0
    incident = json.loads(result.stdout)
    assert incident["commander"] is None
    text = (repo / incident["path"] / "incident.md").read_text()
    line = line_of(default_text(), "default_rotation: primary")
    assert (
        "no commander assigned yet (incident assign); incidents/config.yaml has an error "
        f"(line {line}, oncall.default\\_rotation), so defaults were used for that part"
    ) in text


def test_a_healthy_config_adds_no_warning_and_no_timeline_note(repo: Path) -> None:
    result = run_cli(["declare", "--title", "Checkout down", "--format", "json", "--repo", str(repo)])
    assert result.code == 0 and result.stderr == ""
    text = (repo / json.loads(result.stdout)["path"] / "incident.md").read_text()
    assert "has an error" not in text
