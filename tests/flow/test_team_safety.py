"""Many hands on one incident with --push: nothing overridden, lost or misattributed silently.

Real clones of one bare remote, the CLI in its own process. Races are made exact with a
one-shot `pre-push` hook that runs the other person's command just before this one pushes.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support.alerts import SEED_ALERT
from support.cli import declare as declare_here
from support.cli import run_cli
from support.clones import at, incident, remote_text
from support.processes import bare_remote, clone
from support.repos import git

ALERT = json.dumps(SEED_ALERT)


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return bare_remote(tmp_path)


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def one_line(stderr: str) -> str:
    assert stderr.startswith("incident: ") and stderr.count("\n") == 1, stderr
    return stderr


def declared(cwd: Path, *args: str) -> dict[str, str]:
    document = json.loads(ok(incident(cwd, "declare", *args, "--push", "--format", "json")).stdout)
    assert isinstance(document, dict)
    return document


def before_next_push(work: Path, other: Path, args: list[str], env: dict[str, str], out: Path) -> None:
    """Just before `work`'s next push, run `incident ARGS` in `other` (once), answer into `out`."""
    exports = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in env.items())
    command = shlex.join([sys.executable, "-m", "incident_kit", *args])
    hook = work / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\n"
        'rm -f "$0"\n'
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n"
        f"{exports}cd {shlex.quote(str(other))} && {command} > {shlex.quote(str(out))} 2>&1\n"
        "exit 0\n"
    )
    hook.chmod(0o755)


def remote_status(remote: Path, document: dict[str, str]) -> str:
    text = remote_text(remote, f"{document['path']}/incident.md")
    return text.split("\nstatus: ", 1)[1].split()[0]


# --- every delivery counted once ---------------------------------------------------------------


def test_two_runs_building_byte_identical_commits_count_two_deliveries(remote: Path, tmp_path: Path) -> None:
    """Same author, same second, same content, same parent: the second push used to be a no-op
    that reported success, and both answers claimed occurrence 2."""
    first = clone(remote, tmp_path / "run1", "incident-bot")
    second = clone(remote, tmp_path / "run2", "incident-bot")
    declared(first, "--alert-payload", ALERT)
    git(second, "pull", "-q")
    same_moment = {
        "INCIDENT_KIT_NOW": "2026-11-26T15:10:00Z",
        "GIT_AUTHOR_DATE": "2026-11-26T15:10:00Z",
        "GIT_COMMITTER_DATE": "2026-11-26T15:10:00Z",
    }
    other_answer = tmp_path / "first.json"
    args = ["declare", "--alert-payload", ALERT, "--push", "--format", "json"]
    before_next_push(second, first, args, same_moment, other_answer)
    mine = json.loads(ok(incident(second, *args, env=same_moment)).stdout)
    theirs = json.loads(other_answer.read_text())
    assert sorted([mine["occurrences"], theirs["occurrences"]]) == [2, 3]
    assert mine["commit"] != theirs["commit"]
    for answer in (mine, theirs):  # each answer's commit is on the remote's main
        assert run_git_ok(remote, "merge-base", "--is-ancestor", answer["commit"], "main")
    text = remote_text(remote, f"{mine['path']}/incident.md")
    assert "occurrences: 3" in text
    assert text.count("(occurrence 2)") == 1 and text.count("(occurrence 3)") == 1


def run_git_ok(cwd: Path, *args: str) -> bool:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False).returncode == 0


# --- no silent override ------------------------------------------------------------------------


@pytest.fixture
def mitigated(remote: Path, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """alice and bob both last saw the incident `mitigated`."""
    alice = clone(remote, tmp_path / "alice", "alice")
    bob = clone(remote, tmp_path / "bob", "bob")
    document = declared(alice, "--manual-incident", "--title", "Logins fail")
    ok(incident(alice, "ack", document["id"], "--push", env=at("15:05")))
    ok(incident(alice, "mitigate", document["id"], "--push", env=at("15:10")))
    git(bob, "pull", "-q")
    return alice, bob, document


def test_a_resolve_after_a_reopen_already_on_the_remote_is_refused_naming_it(
    remote: Path, mitigated: tuple[Path, Path, dict[str, str]]
) -> None:
    alice, bob, document = mitigated
    reopen = ["reopen", document["id"], "--reason", "still failing for some", "--push"]
    ok(incident(bob, *reopen, env=at("15:20")))
    landed = git(remote, "rev-parse", "main")
    result = incident(alice, "resolve", document["id"], "--push", env=at("15:25"))
    assert result.returncode == 1
    message = one_line(result.stderr)
    assert re.search(
        r"bob changed status from mitigated to investigating at \d{4}-\d\d-\d\dT[\d:]{8}Z ", message
    )
    assert (
        "reopen (mitigated → investigating)" in message
        and "your resolve was not applied" in message
        and "--override" in message
    ), message
    assert git(remote, "rev-parse", "main") == landed and remote_status(remote, document) == "investigating"
    # additive changes keep replaying; the decision can still be made, knowingly
    ok(incident(alice, "note", document["id"], "Rolled back again", "--push", env=at("15:26")))
    ok(incident(alice, "resolve", document["id"], "--push", "--override", env=at("15:30")))
    assert remote_status(remote, document) == "resolved"


def test_a_resolve_whose_push_loses_to_a_reopen_is_refused_not_replayed(
    remote: Path, tmp_path: Path, mitigated: tuple[Path, Path, dict[str, str]]
) -> None:
    alice, bob, document = mitigated
    reopen = ["reopen", document["id"], "--reason", "still failing for some", "--push"]
    before_next_push(alice, bob, reopen, at("15:20"), tmp_path / "bob.txt")
    result = incident(alice, "resolve", document["id"], "--push", env=at("15:21"))
    assert result.returncode == 1, result.stderr
    assert "bob changed status from mitigated to investigating" in one_line(result.stderr)
    assert remote_status(remote, document) == "investigating"
    assert "Resolved" not in remote_text(remote, f"{document['path']}/incident.md")


def test_of_a_resolve_and_a_reopen_started_together_exactly_one_lands(
    remote: Path, mitigated: tuple[Path, Path, dict[str, str]]
) -> None:
    alice, bob, document = mitigated
    jobs = [
        (alice, ["resolve", document["id"], "--push"]),
        (bob, ["reopen", document["id"], "--reason", "still failing", "--push"]),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        resolve, reopen = pool.map(lambda job: incident(job[0], *job[1], env=at("15:20")), jobs)
    assert sorted([resolve.returncode, reopen.returncode]) == [0, 1], resolve.stderr + reopen.stderr
    if resolve.returncode == 0:
        assert "alice changed status from mitigated to resolved" in one_line(reopen.stderr)
        assert remote_status(remote, document) == "resolved"
    else:
        assert "bob changed status from mitigated to investigating" in one_line(resolve.stderr)
        assert remote_status(remote, document) == "investigating"


def test_only_the_field_someone_else_decided_is_guarded(remote: Path, tmp_path: Path) -> None:
    alice = clone(remote, tmp_path / "alice", "alice")
    carol = clone(remote, tmp_path / "carol", "carol")
    document = declared(alice, "--manual-incident", "--title", "Logins fail")
    git(carol, "pull", "-q")
    ok(incident(alice, "severity", document["id"], "SEV-1", "--push", env=at("15:05")))
    # carol last saw SEV-3: acknowledging is hers to do, a severity of her own is not
    refused = incident(carol, "severity", document["id"], "SEV-4", "--push", env=at("15:06"))
    assert refused.returncode == 1
    assert "alice changed severity from SEV-3 to SEV-1" in one_line(refused.stderr)
    stale = clone(remote, tmp_path / "stale", "carol")
    git(stale, "reset", "-q", "--hard", "HEAD~1")  # before alice's severity change
    ok(incident(stale, "ack", document["id"], "--push", env=at("15:07")))
    text = remote_text(remote, f"{document['path']}/incident.md")
    assert "severity: SEV-1" in text and "status: investigating" in text


def test_a_persons_own_change_from_another_clone_is_not_held_against_them(
    remote: Path, tmp_path: Path
) -> None:
    laptop = clone(remote, tmp_path / "laptop", "alice")
    desktop = clone(remote, tmp_path / "desktop", "alice")
    document = declared(laptop, "--manual-incident", "--title", "Logins fail")
    git(desktop, "pull", "-q")
    ok(incident(laptop, "ack", document["id"], "--push", env=at("15:05")))
    ok(incident(desktop, "resolve", document["id"], "--push", env=at("15:10")))
    assert remote_status(remote, document) == "resolved"


# --- the default branch ------------------------------------------------------------------------


def test_push_from_another_branch_is_refused_naming_the_default_branch(remote: Path, tmp_path: Path) -> None:
    alice = clone(remote, tmp_path / "alice", "alice")
    git(alice, "switch", "-q", "-c", "fix-typo")
    before = git(alice, "rev-parse", "HEAD")
    result = incident(alice, "declare", "--manual-incident", "--title", "Logins fail", "--push")
    assert result.returncode == 1
    message = one_line(result.stderr)
    assert "writes incidents to main, the default branch of origin" in message
    assert "on fix-typo" in message and "git switch main" in message and "nothing was recorded" in message
    assert git(alice, "rev-parse", "HEAD") == before
    assert git(remote, "rev-list", "--count", "main").strip() == "1"
    # `push: true` in the config is the same promise
    config = alice / "incidents" / "config.yaml"
    config.write_text(config.read_text().replace("push: false", "push: true"))
    git(alice, "commit", "-qam", "Push every change")
    refused = incident(alice, "declare", "--manual-incident", "--title", "Logins fail")
    assert refused.returncode == 1 and "--no-push" in one_line(refused.stderr)
    # on purpose, on the branch
    ok(incident(alice, "declare", "--manual-incident", "--title", "Logins fail", "--no-push"))
    assert git(remote, "rev-list", "--count", "main").strip() == "1"


# --- a person's uncommitted edits --------------------------------------------------------------


def test_hand_edits_are_committed_as_the_persons_own_before_the_command(repo: Path) -> None:
    document = declare_here(repo)
    path = repo / str(document["path"]) / "incident.md"
    path.write_text(
        path.read_text().replace("<!-- What is broken, for whom, since when. -->", "EU logins fail.")
    )
    result = run_cli(["ack", str(document["id"]), "--by", "bob", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    hand, ack = git(repo, "log", "-2", "--format=%an|%s").splitlines()[::-1]
    assert hand == f"alice|{document['id']}: edits by hand"
    assert ack == f"bob|{document['id']}: ack (triage → investigating)"
    assert "+EU logins fail." in git(repo, "show", "HEAD~1")
    shown = git(repo, "show", "HEAD")
    assert "+EU logins fail." not in shown and "+status: investigating" in shown
    assert git(repo, "status", "--porcelain") == ""


def test_push_with_a_hand_edit_of_the_same_incident_records_both(remote: Path, tmp_path: Path) -> None:
    alice = clone(remote, tmp_path / "alice", "alice")
    bob = clone(remote, tmp_path / "bob", "bob")
    document = declared(alice, "--manual-incident", "--title", "Logins fail")
    git(bob, "pull", "-q")
    ok(incident(alice, "note", document["id"], "Rolled back", "--push", env=at("15:05")))
    path = bob / document["path"] / "incident.md"
    path.write_text(
        path.read_text().replace("<!-- What is broken, for whom, since when. -->", "EU logins fail.")
    )
    ok(incident(bob, "note", document["id"], "Cache flushed", "--push", env=at("15:10")))
    text = remote_text(remote, f"{document['path']}/incident.md")
    assert "EU logins fail." in text and "— Rolled back — alice" in text and "— Cache flushed — bob" in text
    subjects = git(remote, "log", "-2", "--format=%an|%s", "main").splitlines()
    assert subjects == [
        f"bob|{document['id']}: note: Cache flushed",
        f"bob|{document['id']}: edits by hand",
    ]


def test_push_refuses_in_one_line_when_uncommitted_edits_elsewhere_are_in_the_way(
    remote: Path, tmp_path: Path
) -> None:
    alice = clone(remote, tmp_path / "alice", "alice")
    bob = clone(remote, tmp_path / "bob", "bob")
    first = declared(alice, "--manual-incident", "--title", "Logins fail")
    other = declared(alice, "--manual-incident", "--title", "Search is slow")
    git(bob, "pull", "-q")
    ok(incident(alice, "note", other["id"], "Reindexing", "--push", env=at("15:05")))
    edited = bob / other["path"] / "incident.md"
    edited.write_text(
        edited.read_text().replace("<!-- What is broken, for whom, since when. -->", "Half a thought")
    )
    before = git(bob, "rev-parse", "HEAD")
    result = incident(bob, "note", first["id"], "Cache flushed", "--push", env=at("15:10"))
    assert result.returncode == 1
    message = one_line(result.stderr)
    assert f"{other['path']}/incident.md" in message, message
    assert "git stash" in message and "nothing was recorded" in message
    assert git(bob, "rev-parse", "HEAD") == before
    assert "Half a thought" in edited.read_text()
