"""Merged means merged: a duplicate's alerts join the incident it was merged into, and both
timelines say so."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import run_cli
from support.repos import commit_count, git, status_clean

LATENCY = {
    "source": "production_monitor",
    "spec_id": "checkout",
    "metric": "p99_latency",
    "value": 350,
    "slo": 200,
}
ERRORS = {"source": "production_monitor", "spec_id": "checkout", "metric": "error_rate", "value": 9, "slo": 1}


def alert(repo: Path, payload: dict[str, object]) -> dict[str, object]:
    result = run_cli(
        ["declare", "--alert-payload", json.dumps(payload), "--format", "json", "--repo", str(repo)]
    )
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def show(repo: Path, incident_id: object) -> dict[str, object]:
    result = run_cli(["show", str(incident_id), "--format", "json", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def whats(document: dict[str, object]) -> list[str]:
    return [str(entry["what"]) for entry in document["timeline"]]  # type: ignore[attr-defined]


def test_an_alert_of_a_merged_incident_joins_the_survivor_and_both_timelines_say_so(repo: Path) -> None:
    a = alert(repo, LATENCY)
    b = alert(repo, ERRORS)
    assert a["id"] != b["id"]
    merged = run_cli(["merge", str(a["id"]), "--into", str(b["id"]), "--repo", str(repo)])
    assert merged.code == 0, merged.stderr
    assert git(repo, "show", "--name-only", "--format=", "HEAD").count("incident.md") == 2  # one commit, both
    assert f"Merged into {b['id']} (duplicate)" in whats(show(repo, a["id"]))
    assert any(w.startswith(f"Merged in {a['id']} (duplicate)") for w in whats(show(repo, b["id"])))

    before = commit_count(repo)
    again = alert(repo, LATENCY)
    assert again["outcome"] == "joined" and again["id"] == b["id"] and again["merged_from"] == a["id"]
    assert again["created"] is False and again["occurrences"] == 2
    assert commit_count(repo) == before + 1 and status_clean(repo)
    assert len(list((repo / "incidents").glob("*/inc-*"))) == 2  # no new incident
    survivor = show(repo, b["id"])
    assert survivor["frontmatter"]["alert"]["occurrences"] == 2  # type: ignore[index]
    assert survivor["dedup_key"] != show(repo, a["id"])["dedup_key"]  # its own key, kept
    assert f"Alert of merged {a['id']} fired again (occurrence 2)" in whats(survivor)[-1]
    assert show(repo, a["id"])["status"] == "merged"  # the duplicate stays as it was

    # its resolution is recorded, but the survivor's own alert may still fire: not mitigated
    resolved = alert(repo, {**LATENCY, "status": "resolved", "value": 100})
    assert resolved["outcome"] == "resolved" and resolved["id"] == b["id"] and resolved["status"] == "triage"
    assert f"Alert of merged {a['id']} resolved at the source" in whats(show(repo, b["id"]))[-1]
    assert run_cli(["validate", "--repo", str(repo)]).code == 0


def test_once_the_survivor_is_over_the_duplicates_alert_declares_anew(repo: Path) -> None:
    a = alert(repo, LATENCY)
    b = alert(repo, ERRORS)
    assert run_cli(["merge", str(a["id"]), "--into", str(b["id"]), "--repo", str(repo)]).code == 0
    assert run_cli(["cancel", str(b["id"]), "--reason", "a test", "--repo", str(repo)]).code == 0
    fresh = alert(repo, LATENCY)
    assert fresh["outcome"] == "created" and fresh["id"] not in (a["id"], b["id"])


def test_a_chain_of_merges_leads_to_the_last_survivor(repo: Path) -> None:
    a = alert(repo, LATENCY)
    b = alert(repo, ERRORS)
    c = run_cli(
        ["declare", "--manual-incident", "--title", "Checkout down", "--format", "json", "--repo", str(repo)]
    )
    c_id = json.loads(c.stdout)["id"]
    for duplicate, survivor in ((a["id"], b["id"]), (b["id"], c_id)):
        assert run_cli(["merge", str(duplicate), "--into", str(survivor), "--repo", str(repo)]).code == 0
    joined = alert(repo, LATENCY)
    assert joined["id"] == c_id and joined["merged_from"] == a["id"]
    assert joined["occurrences"] is None  # declared by hand: no alert block to count in, the timeline says it
    assert f"Alert of merged {a['id']} fired again" in whats(show(repo, c_id))[-1]
    assert run_cli(["validate", "--repo", str(repo)]).code == 0
