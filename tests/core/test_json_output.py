"""`--format json` prints exactly one JSON document on stdout, with the documented keys."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import declare, run_cli

DECLARE_KEYS = {
    "id",
    "path",
    "status",
    "severity",
    "commander",
    "created",
    "deduplicated",
    "commit",
}
LIST_KEYS = {"id", "title", "status", "severity", "commander", "service", "declared_at", "path"}


def test_declare_list_show_json(repo: Path) -> None:
    result = run_cli(
        [
            "declare",
            "--manual-incident",
            "--title",
            "Search is slow",
            "--severity",
            "3",
            "--service",
            "auth",
            "--format",
            "json",
            "--repo",
            str(repo),
        ]
    )
    assert result.code == 0, result.stderr
    declared = json.loads(result.stdout)
    assert declared.keys() >= DECLARE_KEYS
    assert declared["status"] == "triage" and declared["severity"] == "SEV-3"
    assert declared["created"] is True and declared["deduplicated"] is False
    assert declared["path"].startswith("incidents/2026-11/" + declared["id"])
    assert (repo / declared["path"] / "incident.md").is_file()
    # the example config's rotation: 2026-11-26T15:00Z is week 46 from 2026-01-05 -> 46 % 3 == 1
    assert declared["commander"] == "bob"

    listed = json.loads(run_cli(["list", "--format", "json", "--repo", str(repo)]).stdout)
    assert isinstance(listed, list) and len(listed) == 1
    assert listed[0].keys() >= LIST_KEYS
    assert listed[0]["service"] == "authentication"  # the alias `auth` maps to the service
    assert listed[0]["declared_at"] == "2026-11-26T15:00:00Z"

    shown = json.loads(run_cli(["show", declared["id"][-4:], "--format", "json", "--repo", str(repo)]).stdout)
    assert shown["id"] == declared["id"] and shown["title"] == "Search is slow"
    assert shown["timeline"][0]["at"] == "2026-11-26T15:00:00Z"
    assert shown["timeline"][0]["who"] == "alice"


def test_list_text_and_json_show_the_same_incidents_and_all_shows_every_one(repo: Path) -> None:
    for title in ("One", "Two"):
        assert run_cli(["declare", "--manual-incident", "--title", title, "--repo", str(repo)]).code == 0
    listed = json.loads(run_cli(["list", "--format", "json", "--repo", str(repo)]).stdout)
    first, other = listed[0]["id"], listed[1]["id"]
    assert run_cli(["cancel", first, "--reason", "dup", "--repo", str(repo)]).code == 0
    listed = json.loads(run_cli(["list", "--format", "json", "--repo", str(repo)]).stdout)
    assert [i["id"] for i in listed] == [other]
    text = run_cli(["list", "--repo", str(repo)]).stdout
    assert first not in text and other in text
    everything = json.loads(run_cli(["list", "--all", "--format", "json", "--repo", str(repo)]).stdout)
    assert {i["status"] for i in everything} == {"triage", "cancelled"}
    assert first in run_cli(["list", "--all", "--repo", str(repo)]).stdout


def test_json_errors_keep_stdout_empty(repo: Path) -> None:
    result = run_cli(["show", "nope", "--format", "json", "--repo", str(repo)])
    assert result.code == 1 and result.stdout == ""
    result = run_cli(["list", "--format", "yaml", "--repo", str(repo)])
    assert result.code == 2 and "choose one of text, json" in result.stderr


def test_text_list_has_a_header_puts_the_most_severe_open_incident_first_and_marks_drills(repo: Path) -> None:
    def declared(title: str, severity: str, *extra: str) -> str:
        return str(declare(repo, title, *extra, severity=severity)["id"])

    sev1 = declared("Payments down", "SEV-1")
    sev3 = declared("Search slow", "SEV-3")
    drill = declared("Game day", "SEV-2", "--drill")
    assert run_cli(["mitigate", sev1, "--repo", str(repo)]).code == 0  # mitigated, still the worst
    lines = run_cli(["list", "--repo", str(repo)]).stdout.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "SEV", "COMMANDER", "SERVICE", "DECLARED", "TITLE"]
    order = [line.split()[0] for line in lines[1:]]
    assert order == [sev1, drill, sev3]
    assert lines[2].endswith("[drill] Game day") and "[drill]" not in lines[1] + lines[3]


def test_show_still_shows_a_file_whose_frontmatter_is_broken(repo: Path) -> None:
    result = run_cli(
        ["declare", "--manual-incident", "--title", "Broken by hand", "--format", "json", "--repo", str(repo)]
    )
    incident_id = json.loads(result.stdout)["id"]
    path = next((repo / "incidents").glob(f"*/{incident_id}*/incident.md"))
    broken = path.read_text().replace("status: triage", 'status: "triage')  # an unclosed quote
    path.write_text(broken)
    shown = run_cli(["show", incident_id, "--repo", str(repo)])
    assert shown.code == 1
    assert shown.stdout == broken
    assert shown.stderr.count("\n") == 1 and "warning:" in shown.stderr and "incident.md" in shown.stderr
    as_json = run_cli(["show", incident_id, "--format", "json", "--repo", str(repo)])
    assert as_json.code == 1 and as_json.stdout == ""  # JSON readers get an error, not a guess
