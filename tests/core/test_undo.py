"""Undo with an audit trail: reopen a closed incident, un-cancel, un-merge; one commit each, with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import postmortems
from support.cli import declare, run_cli
from support.repos import commit_count, git, status_clean

from incident_kit.markdown import frontmatter


def state(repo: Path, incident_id: str) -> dict[str, object]:
    path = next((repo / "incidents").glob(f"*/{incident_id}*/incident.md"))
    return frontmatter.load(frontmatter.split(path.read_text(), "x").frontmatter, "x")


def ok(repo: Path, *args: str) -> str:
    result = run_cli([*args, "--repo", str(repo)])
    assert result.code == 0, result.stderr
    return result.stdout


def trailers(repo: Path) -> str:
    return git(repo, "log", "-1", "--format=%(trailers)")


def assert_validates(repo: Path) -> None:
    result = run_cli(["validate", "--repo", str(repo)])
    assert result.code == 0 and " 0 error(s)" in result.stdout, result.stdout


def test_a_closed_incident_that_recurs_is_reopened_with_a_reason_in_one_commit(repo: Path) -> None:
    incident_id = str(declare(repo, severity="SEV-3")["id"])
    ok(repo, "resolve", incident_id, "--at", "14:30")
    ok(repo, "close", incident_id)
    before = commit_count(repo)
    out = ok(repo, "reopen", incident_id, "--reason", "the errors are back")
    assert out.startswith(f"{incident_id}: closed → investigating at ")
    assert commit_count(repo) == before + 1 and status_clean(repo)
    data = state(repo, incident_id)
    assert data["status"] == "investigating"
    assert data["closed_at"] is None and data["resolved_at"] is None and data["mitigated_at"] is None
    assert data["acknowledged_at"] is not None  # what happened before stays
    assert "Undoes: close" in trailers(repo) and "Transition: closed -> investigating" in trailers(repo)
    text = next((repo / "incidents").glob(f"*/{incident_id}*/incident.md")).read_text()
    assert "Reopened after it was closed: the errors are back — alice" in text
    assert "— Closed — alice" in text  # the close stays in the timeline: the audit trail
    assert_validates(repo)


def test_a_closed_incident_with_a_post_mortem_keeps_it_when_reopened(repo: Path) -> None:
    incident_id = str(declare(repo)["id"])  # SEV-2: the post-mortem is required
    for step in (["ack"], ["resolve"], ["postmortem"]):
        ok(repo, *step, incident_id)
    pm = next((repo / "incidents").glob(f"*/{incident_id}*/postmortem.md"))
    pm.write_text(postmortems.fill(pm.read_text()))
    ok(repo, "close", incident_id)
    ok(repo, "reopen", incident_id, "--reason", "it recurred")
    data = state(repo, incident_id)
    assert data["status"] == "investigating" and data["postmortem_at"] is None
    assert pm.is_file()
    assert_validates(repo)


@pytest.mark.parametrize(
    ("steps", "back_to"),
    [
        ([], "triage"),
        ([["ack"]], "investigating"),
        ([["mitigate"]], "mitigated"),
    ],
)
def test_a_cancel_is_undone_back_to_where_the_incident_was(
    repo: Path, steps: list[list[str]], back_to: str
) -> None:
    incident_id = str(declare(repo)["id"])
    for step in steps:
        ok(repo, *step, incident_id)
    out = ok(repo, "cancel", incident_id, "--reason", "looked like a false alarm")
    assert f"undo: incident reopen {incident_id} --reason 'why'" in out
    before = commit_count(repo)
    ok(repo, "reopen", incident_id, "--reason", "it was real after all")
    assert commit_count(repo) == before + 1 and status_clean(repo)
    data = state(repo, incident_id)
    assert data["status"] == back_to
    assert data["closed_at"] is None and data["cancel_reason"] is None
    assert "Undoes: cancel" in trailers(repo) and f"Transition: cancelled -> {back_to}" in trailers(repo)
    text = next((repo / "incidents").glob(f"*/{incident_id}*/incident.md")).read_text()
    assert "Un-cancelled (it was cancelled: looked like a false alarm): it was real after all" in text
    assert_validates(repo)


def test_a_merge_is_undone_and_the_incident_stands_on_its_own_again(repo: Path) -> None:
    survivor = str(declare(repo, "Checkout is down")["id"])
    duplicate = str(declare(repo, "Payments fail")["id"])
    ok(repo, "merge", duplicate, "--into", survivor)
    before = commit_count(repo)
    ok(repo, "reopen", duplicate, "--reason", "a different root cause")
    assert commit_count(repo) == before + 1 and status_clean(repo)
    data = state(repo, duplicate)
    assert data["status"] == "triage" and data["merged_into"] is None and data["closed_at"] is None
    assert "Undoes: merge" in trailers(repo)
    text = next((repo / "incidents").glob(f"*/{duplicate}*/incident.md")).read_text()
    assert f"Un-merged from {survivor}: a different root cause" in text
    assert state(repo, survivor)["status"] == "triage"  # the survivor is untouched
    assert_validates(repo)
    log = ok(repo, "log", duplicate)
    assert "reopen (merged → triage)" in log and "merge (triage → merged" in log


@pytest.mark.parametrize("final", ["close", "cancel", "merge"])
def test_undoing_a_decision_needs_a_reason_and_commits_nothing_without_one(repo: Path, final: str) -> None:
    other = str(declare(repo, "Other")["id"])
    incident_id = str(declare(repo, severity="SEV-3")["id"])
    args = {
        "close": ["close"],
        "cancel": ["cancel", "--reason", "noise"],
        "merge": ["merge", "--into", other],
    }
    if final == "close":
        ok(repo, "resolve", incident_id)
    ok(repo, args[final][0], incident_id, *args[final][1:])
    before = commit_count(repo)
    result = run_cli(["reopen", incident_id, "--repo", str(repo)])
    assert result.code == 2 and result.stderr.count("\n") == 1
    assert f"say why it is back, e.g. `incident reopen {incident_id} --reason 'it happened again'`" in (
        result.stderr
    )
    assert commit_count(repo) == before and status_clean(repo)


def test_a_plain_reopen_of_a_resolved_incident_still_needs_no_reason(repo: Path) -> None:
    incident_id = str(declare(repo)["id"])
    ok(repo, "resolve", incident_id)
    ok(repo, "reopen", incident_id)
    assert state(repo, incident_id)["status"] == "investigating"
    assert_validates(repo)
