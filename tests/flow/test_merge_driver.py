"""Many hands on one incident, merged by git with the incident merge driver: real clones of one
bare remote, plain `git pull` / `git merge`, no conflict unless two people really disagree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.alerts import SEED_ALERT
from support.clones import at, incident, remote_text, run_git
from support.processes import bare_remote, clone
from support.repos import git

ALERT = json.dumps(SEED_ALERT)


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return bare_remote(tmp_path)


def declare(cwd: Path, *args: str) -> dict[str, str]:
    result = incident(cwd, "declare", *args, "--push", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def ok(result: object) -> None:
    assert getattr(result, "returncode", 1) == 0, getattr(result, "stderr", "")


def test_init_names_the_driver_in_gitattributes_and_each_clone_defines_it(
    remote: Path, tmp_path: Path
) -> None:
    alice = clone(remote, tmp_path / "alice", "alice")
    attributes = (alice / ".gitattributes").read_text()
    assert "incidents/**/incident.md merge=incident" in attributes
    assert git(alice, "check-attr", "merge", "incidents/2026-11/inc-20261126-k3f7-x/incident.md").endswith(
        ": merge: incident\n"
    )
    assert run_git(alice, "config", "merge.incident.driver").returncode == 1  # a fresh clone has none
    ok(incident(alice, "list"))
    driver = git(alice, "config", "merge.incident.driver").strip()
    assert driver.endswith("-m incident_kit merge-file %O %A %B --marker-size %L --path %P")
    assert (alice / ".git" / "incident-kit" / "merge-driver").read_text() == driver
    # a driver someone set up by hand is theirs to keep
    git(alice, "config", "merge.incident.driver", "my-merge %O %A %B")
    (alice / ".git" / "incident-kit" / "merge-driver").unlink()
    ok(incident(alice, "list"))
    assert git(alice, "config", "merge.incident.driver").strip() == "my-merge %O %A %B"


def test_init_adds_the_driver_to_an_existing_gitattributes_once(tmp_path: Path) -> None:
    from support.repos import make_repo

    repo = make_repo(tmp_path / "repo")
    (repo / ".gitattributes").write_text("*.png binary")
    ok(incident(repo, "init"))
    assert (repo / ".gitattributes").read_text().startswith("*.png binary\n\n# incident-kit")
    assert git(repo, "status", "--porcelain") == ""
    ok(incident(repo, "init"))
    assert (repo / ".gitattributes").read_text().count("merge=incident") == 2


def test_two_notes_from_two_clones_rebase_without_conflict_in_time_order(
    remote: Path, tmp_path: Path
) -> None:
    alice = clone(remote, tmp_path / "alice", "alice")
    bob = clone(remote, tmp_path / "bob", "bob")
    document = declare(alice, "--manual-incident", "--title", "Checkout is down")
    git(bob, "pull", "-q")
    ok(incident(alice, "note", document["id"], "Rolled back the deploy", env=at("15:10")))
    ok(incident(bob, "note", document["id"], "Errors started at the deploy", env=at("15:05")))
    git(alice, "push", "-q")
    pulled = run_git(bob, "pull", "--rebase")
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    git(bob, "push", "-q")
    text = remote_text(remote, f"{document['path']}/incident.md")
    timeline = text.split("## Timeline\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split(" — ")[1:] for line in timeline[1:]] == [
        ["Errors started at the deploy", "bob"],
        ["Rolled back the deploy", "alice"],
    ]
    assert "<<<<<<<" not in text


def test_a_pull_request_on_the_summary_and_severity_merges_with_the_bots_redeliveries_and_status(
    remote: Path, tmp_path: Path
) -> None:
    bot = clone(remote, tmp_path / "bot", "incident-bot")
    person = clone(remote, tmp_path / "person", "erin")
    document = declare(bot, "--alert-payload", ALERT)
    path = f"{document['path']}/incident.md"
    # the person's pull request: a real summary and a higher severity, by hand
    git(person, "pull", "-q")
    ok(incident(person, "list"))  # any command defines the driver in this clone
    git(person, "switch", "-q", "-c", "fix-summary")
    file = person / path
    text = file.read_text()
    summary = text.split("## Summary\n\n", 1)[1].split("\n\n## Timeline", 1)[0]
    file.write_text(
        text.replace(summary, "Logins time out for every EU user.").replace(
            "severity: SEV-2", "severity: SEV-1"
        )
    )
    git(person, "commit", "-qam", "Summary and severity after the first call")
    # meanwhile on main: the alert fires twice more and someone acknowledges
    ok(incident(bot, "declare", "--alert-payload", ALERT, "--push", env=at("15:10")))
    ok(incident(bot, "declare", "--alert-payload", ALERT, "--push", env=at("15:20")))
    ok(incident(bot, "ack", document["id"], "--push", by="dave", env=at("15:25")))
    # the pull request is brought up to date with main: git merges it, no conflict
    git(person, "fetch", "-q")
    merged = run_git(person, "merge", "--no-edit", "origin/main")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    result = file.read_text()
    assert "Logins time out for every EU user." in result
    assert "severity: SEV-1" in result
    assert "status: investigating" in result and "acknowledged_at: 2026-11-26T15:25:00Z" in result
    assert "occurrences: 3" in result and "last_seen: 2026-11-26T15:20:00Z" in result
    assert result.count("Alert fired again") == 2 and "— Acknowledged — dave" in result
    assert "<<<<<<<" not in result
    assert incident(person, "validate").returncode == 0


def test_contradicting_severities_stay_a_conflict_that_resolve_conflicts_reports_by_key(
    remote: Path, tmp_path: Path
) -> None:
    alice = clone(remote, tmp_path / "alice", "alice")
    bob = clone(remote, tmp_path / "bob", "bob")
    document = declare(alice, "--manual-incident", "--title", "Checkout is down")
    git(bob, "pull", "-q")
    ok(incident(alice, "severity", document["id"], "SEV-1", env=at("15:10")))
    ok(incident(bob, "severity", document["id"], "SEV-4", env=at("15:12")))
    git(alice, "push", "-q")
    pulled = run_git(bob, "pull", "--no-rebase", "--no-edit")
    assert pulled.returncode != 0
    assert "conflict on severity: 'SEV-4' (ours) vs 'SEV-1' (theirs)" in pulled.stderr
    text = (bob / document["path"] / "incident.md").read_text()
    assert "<<<<<<< ours\nseverity: SEV-4" in text and text.count("<<<<<<<") == 1
    assert "Severity SEV-3 → SEV-1 — alice" in text and "Severity SEV-3 → SEV-4 — bob" in text
    resolved = incident(bob, "resolve-conflicts")
    assert resolved.returncode == 1
    assert f"{document['path']}/incident.md: severity: 'SEV-4' (ours) vs 'SEV-1' (theirs)" in resolved.stdout
    assert resolved.stderr.startswith("incident: 1 conflict(s) left") and resolved.stderr.count("\n") == 1


def test_resolve_conflicts_finishes_a_merge_made_without_the_driver(remote: Path, tmp_path: Path) -> None:
    alice = clone(remote, tmp_path / "alice", "alice")
    document = declare(alice, "--manual-incident", "--title", "Checkout is down")
    # a clone that never ran the tool: git merges incident files line by line
    plain = clone(remote, tmp_path / "plain", "carol")
    file = plain / document["path"] / "incident.md"
    text = file.read_text().replace("severity: SEV-3", "severity: SEV-2")
    file.write_text(
        text.replace("\n\n## Links", "\n- 2026-11-26T15:08:00Z — Paged the payments team — carol\n\n## Links")
    )
    git(plain, "commit", "-qam", "Severity and a timeline entry by hand")
    ok(incident(alice, "ack", document["id"], "--push", env=at("15:05")))
    ok(incident(alice, "note", document["id"], "Cache flushed", "--push", env=at("15:10")))
    pulled = run_git(plain, "pull", "--no-rebase", "--no-edit")
    assert pulled.returncode != 0 and "CONFLICT (content)" in pulled.stdout
    assert file.read_text().count("<<<<<<<") == 2  # status/severity, and the timeline's end
    resolved = incident(plain, "resolve-conflicts")
    assert resolved.returncode == 0, resolved.stdout + resolved.stderr
    assert resolved.stdout == f"resolved {document['path']}/incident.md\n"
    git(plain, "commit", "-q", "--no-edit")
    result = file.read_text()
    assert "status: investigating" in result and "severity: SEV-2" in result
    timeline = result.split("## Timeline\n\n", 1)[1].split("\n\n", 1)[0]
    assert [line.split(" — ")[1] for line in timeline.splitlines()][1:] == [
        "Acknowledged",
        "Paged the payments team",
        "Cache flushed",
    ]
    assert incident(plain, "validate").returncode == 0


def test_resolve_conflicts_mends_markers_committed_from_a_web_editor(repo: Path) -> None:
    from support.cli import declare as declare_here
    from support.cli import run_cli

    document = declare_here(repo)
    file = repo / str(document["path"]) / "incident.md"
    text = file.read_text()
    entries = (
        "<<<<<<< fix-summary\n- 2026-11-26T15:05:00Z — Paged payments — erin\n=======\n"
        "- 2026-11-26T15:07:00Z — Cache flushed — dave\n>>>>>>> main\n"
    )
    file.write_text(text.replace("\n\n## Links", "\n" + entries + "\n## Links"))
    git(repo, "commit", "-qam", "Merge main into fix-summary (from the web editor)")
    assert run_cli(["validate", "--repo", str(repo)]).code == 1
    result = run_cli(["resolve-conflicts", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    mended = file.read_text()
    assert "<<<<<<<" not in mended and "=======" not in mended
    assert mended.index("Paged payments") < mended.index("Cache flushed")
    assert run_cli(["validate", "--repo", str(repo)]).code == 0


def test_the_driver_leaves_a_file_it_cannot_read_to_git_line_by_line(tmp_path: Path) -> None:
    from incident_kit.commands import merge_file

    base, ours, theirs = (tmp_path / name for name in ("base", "ours", "theirs"))
    base.write_bytes(b"caf\xe9\nline\n")
    ours.write_bytes(b"caf\xe9\nline\nours\n")
    theirs.write_bytes(b"top\ncaf\xe9\nline\n")
    assert merge_file.run(base, ours, theirs, marker_size=7, path="incidents/x/incident.md") == 0
    assert ours.read_bytes() == b"top\ncaf\xe9\nline\nours\n"
