"""An alert's earlier incidents are remembered by their files' state (`summaries.alert_homes`):
a closed one is not read again at every delivery, and a hand edit still counts at once."""

from __future__ import annotations

import json
from pathlib import Path

from support.alerts import SEED_ALERT
from support.cli import run_cli
from support.repos import git


def declare(repo: Path) -> dict:  # type: ignore[type-arg]
    result = run_cli(
        ["declare", "--alert-payload", json.dumps(SEED_ALERT), "--format", "json", "--repo", str(repo)]
    )
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def close(repo: Path, incident_id: str) -> None:
    result = run_cli(["cancel", incident_id, "--reason", "a test of the alert", "--repo", str(repo)])
    assert result.code == 0, result.stderr


def test_a_closed_incident_reopened_by_hand_takes_the_next_delivery(repo: Path) -> None:
    first = declare(repo)
    close(repo, first["id"])
    second = declare(repo)  # the first is closed (and now remembered as closed): a new incident
    assert second["created"] is True and second["id"] != first["id"]
    cache = repo / ".git" / "incident-kit" / "alert-homes.v1"
    remembered = json.loads(cache.read_text("utf-8"))["entries"]
    assert remembered[first["path"]][2] == "cancelled"
    close(repo, second["id"])
    # someone reopens the first by hand (and commits it): its file changed, so it is read again
    path = repo / first["path"] / "incident.md"
    path.write_text(path.read_text("utf-8").replace("status: cancelled", "status: investigating", 1), "utf-8")
    git(repo, "commit", "-qam", "reopen by hand")
    third = declare(repo)
    assert third["created"] is False and third["id"] == first["id"]


def test_a_damaged_cache_is_ignored(repo: Path) -> None:
    first = declare(repo)
    close(repo, first["id"])
    cache = repo / ".git" / "incident-kit" / "alert-homes.v1"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text('{"version": 1, "entries": {"' + first["path"] + '": ["0:0:0:0", "x", 1]', "utf-8")
    second = declare(repo)
    assert second["created"] is True and second["id"] != first["id"]
    assert declare(repo)["id"] == second["id"]  # and the next delivery joins the new one
