"""`incident stats` and `incident index` end to end, on incidents built with --at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import run_cli
from support.mermaid import assert_mermaid_parses, extract_mermaid_blocks
from support.repos import commit_count, status_clean


def build(repo: Path, title: str, steps: list[tuple[str, str]], *extra: str) -> str:
    """Declare at the first time, then run (command, at) steps; returns the id."""
    declared_at = steps[0][1]
    result = run_cli(
        [
            "declare",
            "--manual-incident",
            "--title",
            title,
            "--at",
            declared_at,
            "--format",
            "json",
            "--repo",
            str(repo),
            *extra,
        ]
    )
    assert result.code == 0, result.stderr
    incident_id = str(json.loads(result.stdout)["id"])
    for command, at in steps[1:]:
        result = run_cli([command, incident_id, "--at", at, "--repo", str(repo)])
        assert result.code == 0, (command, result.stderr)
    return incident_id


@pytest.fixture
def history(repo: Path) -> Path:
    day = "2026-11-25T"
    build(
        repo,
        "A",
        [
            ("", day + "10:00:00Z"),
            ("ack", day + "10:05:00Z"),
            ("mitigate", day + "10:20:00Z"),
            ("resolve", day + "10:40:00Z"),
        ],
        "--severity",
        "SEV-2",
        "--service",
        "auth",
    )
    build(
        repo,
        "B",
        [("", day + "11:00:00Z"), ("ack", day + "11:10:00Z"), ("resolve", day + "12:00:00Z")],
        "--severity",
        "SEV-2",
        "--service",
        "auth",
    )
    build(
        repo,
        "C",
        [
            ("", day + "12:00:00Z"),
            ("ack", day + "12:30:00Z"),
            ("mitigate", day + "12:45:00Z"),
            ("resolve", day + "14:00:00Z"),
        ],
        "--severity",
        "SEV-2",
        "--service",
        "auth",
    )
    build(
        repo,
        "Drill",
        [("", day + "13:00:00Z"), ("ack", day + "13:01:00Z"), ("resolve", day + "13:02:00Z")],
        "--severity",
        "SEV-2",
        "--service",
        "auth",
        "--drill",
    )
    build(
        repo,
        "Old",
        [("", "2026-11-20T09:00:00Z"), ("ack", "2026-11-20T09:01:00Z"), ("resolve", "2026-11-20T09:31:00Z")],
        "--severity",
        "SEV-3",
        "--service",
        "payments",
    )
    cancelled = build(
        repo, "False alarm", [("", day + "15:00:00Z")], "--severity", "SEV-2", "--service", "auth"
    )
    assert (
        run_cli(
            ["cancel", cancelled, "--reason", "noise", "--at", day + "15:01:00Z", "--repo", str(repo)]
        ).code
        == 0
    )
    return repo


def stats(repo: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = run_cli(["stats", "--format", "json", "--repo", str(repo), *args])
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def test_exact_medians_and_p90_with_exclusions(history: Path) -> None:
    document = stats(history)
    assert document["incidents"]["total"] == 6
    assert document["excluded_from_times"] == {"drill": 1, "merged": 0, "cancelled": 1}
    sev2 = document["times"]["time_to_acknowledge"]["by_severity"]["SEV-2"]
    assert sev2 == {"count": 3, "median_seconds": 600, "p90_seconds": 1800}  # 5, 10, 30 min
    sev2 = document["times"]["time_to_mitigate"]["by_severity"]["SEV-2"]
    assert sev2 == {"count": 3, "median_seconds": 2700, "p90_seconds": 3600}  # 20, 60, 45 min
    sev2 = document["times"]["time_to_resolve"]["by_severity"]["SEV-2"]
    assert sev2 == {"count": 3, "median_seconds": 3600, "p90_seconds": 7200}  # 40, 60, 120 min
    overall = document["times"]["time_to_resolve"]["overall"]
    assert overall == {"count": 4, "median_seconds": 3000, "p90_seconds": 7200}  # + 31 min (SEV-3)


def test_since_and_service_filters(history: Path) -> None:
    recent = stats(history, "--since", "2026-11-21")
    assert recent["incidents"]["total"] == 5
    assert recent["times"]["time_to_resolve"]["overall"]["count"] == 3
    payments = stats(history, "--service", "payments")
    assert payments["incidents"]["total"] == 1
    assert payments["times"]["time_to_acknowledge"]["overall"] == {
        "count": 1,
        "median_seconds": 60,
        "p90_seconds": 60,
    }
    # the alias resolves like it does at declare time
    assert stats(history, "--service", "auth")["incidents"]["total"] == 5


def test_markdown_stats_charts_parse_with_mermaid(history: Path) -> None:
    result = run_cli(["stats", "--format", "markdown", "--repo", str(history)])
    assert result.code == 0
    blocks = extract_mermaid_blocks(result.stdout)
    assert blocks
    assert_mermaid_parses(blocks)


def test_index_twice_without_changes_is_no_diff_and_no_commit(history: Path) -> None:
    assert run_cli(["index", "--repo", str(history)]).code == 0
    before = commit_count(history)
    readme = (history / "incidents" / "README.md").read_bytes()
    result = run_cli(["index", "--repo", str(history)])
    assert result.code == 0 and "up to date" in result.stdout
    assert commit_count(history) == before and status_clean(history)
    assert (history / "incidents" / "README.md").read_bytes() == readme
    assert run_cli(["index", "--check", "--repo", str(history)]).code == 0
    assert_mermaid_parses(extract_mermaid_blocks(readme.decode("utf-8")))
    # a change makes it stale, and --check says so without writing
    listed = json.loads(run_cli(["list", "--all", "--format", "json", "--repo", str(history)]).stdout)
    incident = listed[0]["id"]
    assert run_cli(["note", incident, "later", "--repo", str(history)]).code == 0
    assert run_cli(["severity", incident, "SEV-1", "--repo", str(history)]).code == 0
    assert run_cli(["index", "--check", "--repo", str(history)]).code == 1


def test_postmortem_phase_diagram_parses_with_mermaid(history: Path) -> None:
    listed = json.loads(run_cli(["list", "--all", "--format", "json", "--repo", str(history)]).stdout)
    resolved = next(i for i in listed if i["status"] == "resolved" and i["title"] == "C")
    assert run_cli(["postmortem", resolved["id"], "--repo", str(history)]).code == 0
    text = (history / resolved["path"] / "postmortem.md").read_text("utf-8")
    blocks = extract_mermaid_blocks(text)
    assert len(blocks) == 1 and "Investigation to mitigation" in blocks[0]
    assert_mermaid_parses(blocks)
