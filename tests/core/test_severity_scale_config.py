"""A team's own scale (SEV-0 as the worst, P-style aliases) drives declare, rules, stats and validate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import run_cli
from support.repos import git

from incident_kit.notify.messages import severity_emoji

SCALE = """\
version: 1
severities:
  SEV-0: {description: "Everything is down", aliases: [P0, critical]}
  SEV-1: {description: "A core feature is down", aliases: [P1, major]}
  SEV-2: {aliases: [P2]}
  SEV-3: {aliases: [P3, minor]}
  SEV-4: {aliases: [P4, low]}
default_severity: P3
severity_rules:
  - {min_ratio: 3.0, severity: P0}
  - {min_ratio: 1.5, severity: major}
postmortem:
  required_sections:
    critical: [Summary, Impact]
stakeholders:
  P0: ["#exec"]
alerts:
  severity_maps:
    alertmanager: {page: P0}
"""


@pytest.fixture
def team(repo: Path) -> Path:
    (repo / "incidents" / "config.yaml").write_text(SCALE)
    git(repo, "commit", "-qam", "our scale")
    return repo


def declared(repo: Path, *args: str) -> dict[str, object]:
    result = run_cli(["declare", *args, "--format", "json", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def native(value: float, severity: str | None = None) -> str:
    payload: dict[str, object] = {
        "source": "monitor",
        "spec_id": f"checkout-{value:g}-{severity}",
        "metric": "p99_latency",
        "value": value,
        "slo": 200,
    }
    if severity:
        payload["severity"] = severity
    return json.dumps(payload)


@pytest.mark.parametrize(
    ("args", "severity"),
    [
        (["--title", "Down", "--severity", "SEV-0"], "SEV-0"),
        (["--title", "Down", "--severity", "P0"], "SEV-0"),
        (["--title", "Down", "--severity", "critical"], "SEV-0"),
        (["--title", "Down", "--severity", "0"], "SEV-0"),
        (["--title", "Slow", "--severity", "major"], "SEV-1"),
        (["--title", "Meh"], "SEV-3"),  # default_severity: P3
        (["--alert-payload", native(700)], "SEV-0"),  # the rule, by its alias P0
        (["--alert-payload", native(350)], "SEV-1"),  # the rule, by its alias major
        (["--alert-payload", native(210)], "SEV-3"),  # no rule: the default
        (["--alert-payload", native(210, "critical")], "SEV-0"),  # the payload's word, by the config's alias
        (["--alert-payload", native(210, "SEV-0")], "SEV-0"),
        (["--alert-payload", native(210, "sev1")], "SEV-1"),  # the format's own map, onto the scale
    ],
)
def test_declare_reads_severities_and_rules_on_the_teams_scale(
    team: Path, args: list[str], severity: str
) -> None:
    incident = declared(team, *args)
    assert incident["severity"] == severity
    text = (team / str(incident["path"]) / "incident.md").read_text()
    assert f"severity: {severity}  # SEV-0 (worst) .. SEV-4" in text


def test_severity_changes_take_aliases_and_refuse_what_is_not_on_the_scale(team: Path) -> None:
    incident_id = str(declared(team, "--title", "Down")["id"])
    assert run_cli(["severity", incident_id, "p0", "--repo", str(team)]).code == 0
    assert "severity: SEV-0" in next((team / "incidents").glob(f"*/{incident_id}*/incident.md")).read_text()
    refused = run_cli(["severity", incident_id, "SEV-5", "--repo", str(team)])
    assert refused.code == 2
    assert "not on this team's scale (SEV-0, SEV-1, SEV-2, SEV-3, SEV-4; SEV-0 is the most severe)" in (
        refused.stderr
    )


def test_stats_list_and_index_count_and_order_by_the_teams_scale(team: Path) -> None:
    worst = str(declared(team, "--title", "Down", "--severity", "P0")["id"])
    declared(team, "--title", "Meh")
    counts = json.loads(run_cli(["stats", "--format", "json", "--repo", str(team)]).stdout)["incidents"]
    assert list(counts["by_severity"]) == ["SEV-0", "SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    assert counts["by_severity"]["SEV-0"] == 1 and counts["by_severity"]["SEV-3"] == 1
    only = json.loads(
        run_cli(["stats", "--severity", "critical", "--format", "json", "--repo", str(team)]).stdout
    )
    assert only["incidents"]["total"] == 1
    markdown = run_cli(["stats", "--format", "markdown", "--repo", str(team)]).stdout
    assert "Bars are stacked from SEV-0 (dark red, bottom) to SEV-4 (grey, top), as the x-axis" in markdown
    listed = run_cli(["list", "--repo", str(team)]).stdout.splitlines()
    assert listed[1].startswith(worst)
    assert run_cli(["index", "--repo", str(team)]).code == 0
    readme = (team / "incidents" / "README.md").read_text()
    open_table = readme.split("## Open incidents", 1)[1].split("##", 1)[0]
    assert open_table.index(worst) < open_table.index("Meh")


def test_validate_accepts_the_scale_and_rejects_what_is_not_on_it(team: Path) -> None:
    incident = declared(team, "--title", "Down", "--severity", "SEV-0")
    assert run_cli(["validate", "--repo", str(team)]).code == 0
    path = team / str(incident["path"]) / "incident.md"
    path.write_text(path.read_text().replace("severity: SEV-0", "severity: SEV-5"))
    result = run_cli(["validate", "--repo", str(team)])
    assert result.code == 1
    assert "severity: 'SEV-5' is not one of SEV-0, SEV-1, SEV-2, SEV-3, SEV-4" in result.stdout
    schema = json.loads(run_cli(["validate", "--print-schema", "--repo", str(team)]).stdout)
    assert schema["properties"]["severity"]["enum"] == ["SEV-0", "SEV-1", "SEV-2", "SEV-3", "SEV-4"]


def test_the_post_mortem_gate_follows_the_scales_aliases(team: Path) -> None:
    incident_id = str(declared(team, "--title", "Down", "--severity", "SEV-0")["id"])
    assert run_cli(["resolve", incident_id, "--repo", str(team)]).code == 0
    refused = run_cli(["close", incident_id, "--repo", str(team)])
    assert refused.code == 1 and "SEV-0: a post-mortem is required before close" in refused.stderr


def test_a_config_alias_that_means_two_levels_is_a_config_error(team: Path) -> None:
    config = team / "incidents" / "config.yaml"
    config.write_text(SCALE.replace("aliases: [P1, major]", "aliases: [P1, critical]"))
    result = run_cli(["validate", "--repo", str(team)])
    assert result.code == 1
    assert "incidents/config.yaml:4: error: severities.SEV-1.aliases[1]: 'critical' already means SEV-0" in (
        result.stdout
    )


def test_the_slack_status_colour_follows_the_scale() -> None:
    levels = ("SEV-0", "SEV-1", "SEV-2", "SEV-3", "SEV-4")
    assert [severity_emoji(level, levels) for level in levels] == ["🔴", "🟠", "🟡", "🔵", "⚪"]
    assert severity_emoji("SEV-1") == "🔴"  # the default scale: SEV-1 is the worst
    assert severity_emoji("odd", levels) == "⚪"
