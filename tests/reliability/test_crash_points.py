"""Crash safety, at chosen points: kill the CLI exactly between two of its steps.

The random campaign (test_crash_campaign.py) finds these windows by chance; here each one is
hit every time. A wrapper `git` first on PATH (or a git hook) touches a marker and sleeps at
the chosen point; the test waits for the marker and SIGKILLs the CLI's whole process group:

- `before-update-index`: the file is written (atomically); incident-kit holds `.git/index.lock`
  and has linked a copy of the index, git has not seen the file yet;
- `before-ls-files`: the copy of the index has the file staged (its blob is written);
- `before-commit-tree`: the new trees are written, no commit yet;
- `before-update-ref`: the commit object exists, unreferenced; the index copy has replaced the
  index (the file is staged), the lock is still held, HEAD has not moved;
- `after-update-ref`: HEAD points at the commit and the index matches it; only the lock (marked
  as incident-kit's) is left, and the next command removes it;
- `in-commit`: inside `git commit` (a pre-commit hook), while git holds `.git/index.lock`;
- `after-commit`: the commit exists (a post-commit hook), the CLI has not reported yet.

The `before-*`/`after-*` points are the plumbing the CLI commits with when no hook is installed
(`git/tree_commit.py`); the two hook points make it run `git commit` (after `git add`), as a hook must
run.

After the kill the person does what they would do: if `git log` does not show the change,
they run the same command again (following what a lock message tells them first). The work
must then be done exactly once, in one commit of its own, with a clean work tree. A fix may
roll the interrupted change back or finish it (and then refuse the repeat in one line, exit 1)
— but the retry must never make a second note, a second incident, or a commit that smuggles
the interrupted change in under another command's name.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from support.cli import run_cli
from support.processes import (
    cli_env,
    fsck_problems,
    half_written,
    head,
    incident,
    kill_group,
    new_repo,
    one_line_error,
    porcelain,
    show,
    stale_git_locks,
    start,
    tree_files,
    wait_for,
)
from support.repos import git

pytestmark = pytest.mark.reliability

REAL_GIT = shutil.which("git") or "/usr/bin/git"


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _git_wrapper(folder: Path, point: str, marker: Path) -> dict[str, str]:
    """A `git` that stops (marker, then sleep) before or after running a verb, as `point`
    (`before-update-ref`, `after-update-ref`) says; the env that uses it."""
    when, verb = point.split("-", 1)
    stop = f'touch "{marker}"; sleep 60'
    if when == "before":
        body = f'if [ "$1" = "{verb}" ]; then {stop}; fi\nexec "{REAL_GIT}" "$@"\n'
    else:
        body = f'"{REAL_GIT}" "$@"; status=$?\nif [ "$1" = "{verb}" ]; then {stop}; fi\nexit $status\n'
    folder.mkdir()
    _script(folder / "git", f"#!/bin/sh\n{body}")
    return cli_env({"PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"})


def _hook(git_dir: Path, name: str, marker: Path) -> Path:
    path = git_dir / "hooks" / name
    _script(
        path, f'#!/bin/sh\necho "$$ $PPID" > "{marker}.tmp" && mv "{marker}.tmp" "{marker}"\nexec sleep 60\n'
    )
    return path


def _declared(root: Path, title: str = "Checkout is down") -> str:
    result = incident(root, "declare", "--manual-incident", "--title", title, "--format", "json")
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["id"])


def _resolved(root: Path, incident_id: str) -> None:
    for step in ("ack", "resolve"):
        result = incident(root, step, incident_id)
        assert result.returncode == 0, result.stderr


def _commits_since(root: Path, base: str) -> list[str]:
    out = git(root, "log", "--format=%(trailers:key=Action,valueonly)%x1e", f"{base}..HEAD")
    return [record.strip() for record in out.split("\x1e") if record.strip()]


def _entries(text: str, what: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith("- ") and f" — {what} — " in line)


# action -> (command args given the incident id, what the timeline entry says, its Action trailer)
ACTIONS = {
    "declare": (lambda _id: ["declare", "--manual-incident", "--title", "Killed declare"], None, "declare"),
    "ack": (lambda i: ["ack", i], "Acknowledged", "ack"),
    "note": (lambda i: ["note", i, "the cache was flushed"], "the cache was flushed", "note"),
    "postmortem": (lambda i: ["postmortem", i], "Post-mortem started: postmortem.md", "postmortem"),
}
POINTS = [
    "before-update-index",
    "before-ls-files",
    "before-commit-tree",
    "before-update-ref",
    "after-update-ref",
    "in-commit",
    "after-commit",
]


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_kill_at_each_step_is_completed_by_running_the_command_again(
    tmp_path: Path, action: str, point: str
) -> None:
    root = new_repo(tmp_path / "repo")
    incident_id = _declared(root)
    if action == "postmortem":
        _resolved(root, incident_id)
    make_args, what, trailer = ACTIONS[action]
    args = make_args(incident_id)
    marker = tmp_path / "reached"
    env = cli_env()
    if point.startswith(("before-", "after-update")):
        env = _git_wrapper(tmp_path / "bin", point, marker)
    else:
        _hook(root / ".git", "pre-commit" if point == "in-commit" else "post-commit", marker)
    base = head(root)

    proc = start(root, *args, env=env)
    assert wait_for(marker, proc), f"the CLI never reached {point}: {proc.communicate()}"
    kill_group(proc)
    for hook in ("pre-commit", "post-commit"):
        (root / ".git" / "hooks" / hook).unlink(missing_ok=True)

    assert fsck_problems(root) == []
    assert half_written(root) == []
    transcript = [f"killed {action} at {point}; left: {porcelain(root)}, locks: {stale_git_locks(root)}"]
    if not _commits_since(root, base):
        again = incident(root, *args)
        transcript.append(f"again: exit {again.returncode}: {again.stderr.strip()}")
        if again.returncode != 0 and ".lock" in again.stderr:
            # blocked by what the killed git left: fine if it says so in one line; then follow it
            assert one_line_error(again.stderr), again.stderr
            for lock in stale_git_locks(root):
                lock.unlink()
            again = incident(root, *args)
            transcript.append(f"after removing the lock: exit {again.returncode}: {again.stderr.strip()}")
        # a fix may finish the interrupted change first and then refuse the repeat as done
        done_already = again.returncode == 1 and one_line_error(again.stderr)
        assert again.returncode == 0 or done_already, "\n".join(transcript)

    assert _commits_since(root, base) == [trailer], "\n".join(transcript)
    files = tree_files(root, "HEAD")
    if action == "declare":
        titled = [p for p in files if "title: Killed declare\n" in show(root, "HEAD", p)]
        assert len(titled) == 1, "\n".join(transcript)
    else:
        assert _entries(show(root, "HEAD", files[0]), what or "") == 1, "\n".join(transcript)

    # then they carry on: the next command works and leaves nothing behind
    carry_on = incident(root, "declare", "--manual-incident", "--title", "The next one")
    assert carry_on.returncode == 0, "\n".join([*transcript, carry_on.stderr])
    assert _commits_since(root, base) == ["declare", trailer], "\n".join(transcript)
    assert porcelain(root) == [], "\n".join(transcript)
    assert stale_git_locks(root) == [], "\n".join(transcript)
    assert incident(root, "validate").returncode == 0


def test_a_stale_index_lock_gets_one_clear_line_with_the_recovery(tmp_path: Path) -> None:
    """A killed `git commit` leaves `.git/index.lock` (the campaign and the `in-commit` point
    above leave exactly this file); the next command must say what to do about it."""
    root = new_repo(tmp_path / "repo")
    incident_id = _declared(root)
    (root / ".git" / "index.lock").write_text("")

    result = incident(root, "note", incident_id, "still looking")
    assert result.returncode == 1
    assert one_line_error(result.stderr), result.stderr
    assert ".git/index.lock" in result.stderr, result.stderr
    # the recovery, in the message itself: at 3 a.m. nobody reads docs first
    assert "remove" in result.stderr.lower() or "delete" in result.stderr.lower(), result.stderr


def test_a_refused_command_behind_a_stale_lock_changes_nothing(tmp_path: Path) -> None:
    """The write is undone when the commit cannot start: the file is back to its committed bytes."""
    root = new_repo(tmp_path / "repo")
    incident_id = _declared(root)
    (root / ".git" / "index.lock").write_text("")
    before = head(root)
    result = incident(root, "ack", incident_id)
    assert result.returncode == 1 and one_line_error(result.stderr), result.stderr
    assert head(root) == before
    assert porcelain(root) == []
    (root / ".git" / "index.lock").unlink()
    assert incident(root, "ack", incident_id).returncode == 0
    assert porcelain(root) == []


# --- pushes -------------------------------------------------------------------------------------


@pytest.fixture
def pushed(tmp_path: Path) -> tuple[Path, Path, str]:
    """A bare remote, a clone of it with one declared (and pushed) incident."""
    from support.processes import bare_remote, clone

    remote = bare_remote(tmp_path)
    work = clone(remote, tmp_path / "work", "alice")
    declared = incident(work, "declare", "--manual-incident", "--title", "Push", "--push", "--format", "json")
    assert declared.returncode == 0, declared.stderr
    return remote, work, str(json.loads(declared.stdout)["id"])


def _entries_on_remote(remote: Path, what: str) -> int:
    path = tree_files(remote, "main")[0]
    return _entries(show(remote, "main", path), what)


@pytest.mark.parametrize("point", ["before-push", "pre-receive", "post-receive"])
def test_a_push_killed_midway_lands_with_the_next_command(
    tmp_path: Path, pushed: tuple[Path, Path, str], point: str
) -> None:
    remote, work, incident_id = pushed
    marker = tmp_path / "reached"
    env = cli_env()
    if point == "before-push":
        env = _git_wrapper(tmp_path / "bin", "before-push", marker)
    else:
        _hook(remote, point, marker)
    remote_before = head(remote, "main")

    proc = start(work, "note", incident_id, "first finding", "--push", env=env)
    assert wait_for(marker, proc), proc.communicate()
    kill_group(proc)
    (remote / "hooks" / point).unlink(missing_ok=True)
    assert fsck_problems(work) == [] and fsck_problems(remote) == []
    assert porcelain(work) == []
    landed_remotely = head(remote, "main") != remote_before
    assert landed_remotely == (point == "post-receive")

    # the local commit is there (nothing lost); the next command with --push carries it over
    nxt = incident(work, "note", incident_id, "second finding", "--push")
    assert nxt.returncode == 0, nxt.stderr
    assert head(remote, "main") == head(work)
    assert _entries_on_remote(remote, "first finding") == 1
    assert _entries_on_remote(remote, "second finding") == 1
    assert int(git(remote, "rev-list", "--count", "main")) == 1 + 1 + 2


def test_a_push_whose_connection_drops_midway_fails_loudly_and_lands_later(
    tmp_path: Path, pushed: tuple[Path, Path, str]
) -> None:
    """The remote side dies during the push (receive-pack killed while its pre-receive runs)."""
    remote, work, incident_id = pushed
    marker = tmp_path / "reached"
    _hook(remote, "pre-receive", marker)
    remote_before = head(remote, "main")
    proc = start(work, "note", incident_id, "first finding", "--push")
    assert wait_for(marker, proc)
    hook_pid, receive_pack_pid = (int(x) for x in marker.read_text().split())
    for pid in (receive_pack_pid, hook_pid):
        os.kill(pid, 9)
    out, err = proc.communicate(timeout=120)
    (remote / "hooks" / "pre-receive").unlink()

    assert proc.returncode == 1, (out, err)
    assert one_line_error(err), err
    assert "committed locally" in err and "git push" in err, err
    assert head(remote, "main") == remote_before
    assert fsck_problems(remote) == [] and fsck_problems(work) == []
    assert porcelain(work) == []

    nxt = incident(work, "note", incident_id, "second finding", "--push")
    assert nxt.returncode == 0, nxt.stderr
    assert head(remote, "main") == head(work)
    assert _entries_on_remote(remote, "first finding") == 1
    assert _entries_on_remote(remote, "second finding") == 1


def test_a_remote_unreachable_for_the_push_keeps_the_commit_and_lands_later(
    tmp_path: Path, pushed: tuple[Path, Path, str]
) -> None:
    """Fetch works, then the push cannot reach the remote (the push URL is gone)."""
    remote, work, incident_id = pushed
    git(work, "config", "remote.origin.pushurl", str(tmp_path / "gone.git"))
    result = incident(work, "ack", incident_id, "--push")
    assert result.returncode == 1
    assert one_line_error(result.stderr), result.stderr
    assert "committed locally" in result.stderr, result.stderr
    assert porcelain(work) == []
    git(work, "config", "--unset", "remote.origin.pushurl")
    nxt = incident(work, "note", incident_id, "back online", "--push")
    assert nxt.returncode == 0, nxt.stderr
    assert head(remote, "main") == head(work)
    assert _entries_on_remote(remote, "Acknowledged") == 1
    assert _entries_on_remote(remote, "back online") == 1


def test_a_stale_lock_on_the_remote_is_named_when_the_push_gives_up(
    pushed: tuple[Path, Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A receive-pack killed while updating a path remote's ref leaves `refs/heads/main.lock`
    (the random campaign hit it); every later push is refused. The tool retries (a lock can be
    a concurrent push's), then must say what blocks it: the advice `git pull --rebase && git
    push` cannot help while the lock is there. In-process, with the retries cut short."""
    from incident_kit import transaction

    remote, work, incident_id = pushed
    (remote / "refs" / "heads" / "main.lock").write_text("")
    monkeypatch.setattr(transaction, "PUSH_BUDGET_SECONDS", 2.0)
    monkeypatch.setattr(transaction, "pause", lambda seconds: None)
    result = run_cli(["note", incident_id, "blocked by a stale lock", "--push", "--repo", str(work)])
    assert result.code == 1
    assert one_line_error(result.stderr), result.stderr
    assert "committed locally" in result.stderr, result.stderr
    assert "main.lock" in result.stderr or "cannot lock ref" in result.stderr, result.stderr
