"""The per-clone log index answers exactly what `git log -- <folder>` answers (real git)."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from support.cli import run_cli
from support.repos import git, make_repo

from incident_kit.git import history, log_index

A = "incidents/2026-11/inc-20261101-aaaa"
B = "incidents/2026-11/inc-20261102-bbbb"
C = "incidents/2026-12/inc-20261203-cccc"
FOLDERS = (A, B, C)


def index_path(root: Path) -> Path:
    return root / ".git" / "incident-kit" / log_index.NAME


def change(root: Path, folder: str, text: str, message: str, name: str = "incident.md") -> None:
    path = root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message + "\n\nIncident: " + folder.rsplit("/", 1)[1])


def uncached(root: Path, monkeypatch: pytest.MonkeyPatch, folder: str) -> list[history.Commit]:
    monkeypatch.setenv(log_index.MODE_ENV, "off")
    try:
        return history.log(root, folder)
    finally:
        monkeypatch.setenv(log_index.MODE_ENV, "inline")


def indexed(root: Path, folder: str) -> list[str] | None:
    head = git(root, "rev-parse", "HEAD").strip()
    return log_index.lookup(root, folder, head, "incidents")


def assert_same(root: Path, monkeypatch: pytest.MonkeyPatch, *, answered: bool = True) -> None:
    """Every folder: the index's answer (when it answers) and `log`'s equal `git log -- folder`."""
    monkeypatch.setenv(log_index.MODE_ENV, "inline")
    history.log(root, A)  # builds or extends the index
    for folder in (*FOLDERS, "incidents/2026-11"):
        plain = git(root, "log", "--format=%H", "--", folder).split()
        assert [c.sha for c in uncached(root, monkeypatch, folder)] == plain
        assert history.log(root, folder) == uncached(root, monkeypatch, folder)
        got = indexed(root, folder)
        if answered:
            assert got == plain, folder
        else:
            assert got is None or got == plain, folder


@pytest.fixture
def linear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "repo")
    (root / "README.md").write_text("hello\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "root")
    for n in range(3):
        for folder in FOLDERS:
            change(root, folder, f"{folder} {n}\n", f"{folder} {n}")
    change(root, A, "notes\n", "A notes", name="notes/one.md")
    monkeypatch.setenv(log_index.MODE_ENV, "inline")
    return root


def test_built_index_equals_git_log(linear: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not index_path(linear).exists()
    assert_same(linear, monkeypatch)
    assert index_path(linear).is_file()
    assert len(indexed(linear, A) or []) == 4  # three edits and the notes file


def test_new_commits_extend_the_index(linear: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(linear, monkeypatch)
    change(linear, B, "later\n", "B later")
    change(linear, C, "later\n", "C later")
    (linear / "README.md").write_text("other\n")
    git(linear, "commit", "-qam", "unrelated")
    assert_same(linear, monkeypatch)
    assert len(indexed(linear, B) or []) == 4


def test_reset_and_rebase_rebuild(linear: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(linear, monkeypatch)
    git(linear, "reset", "-q", "--hard", "HEAD~4")
    change(linear, A, "rewritten\n", "A rewritten")
    assert_same(linear, monkeypatch)
    git(linear, "commit", "-q", "--amend", "-m", "A amended")
    git(linear, "rebase", "-q", "--exec", "true", "HEAD~3")
    change(linear, C, "after\n", "C after")
    assert_same(linear, monkeypatch)
    assert history.log(linear, C)[0].subject == "C after"


def test_merges_answer_as_git_does(linear: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(linear, monkeypatch)
    git(linear, "checkout", "-q", "-b", "side")
    change(linear, B, "side\n", "B on side")
    git(linear, "checkout", "-q", "main")
    change(linear, A, "main\n", "A on main")
    git(linear, "merge", "-q", "--no-edit", "side")
    # B was touched off the first-parent chain: git answers for it; A is still indexed
    assert_same(linear, monkeypatch, answered=False)
    assert indexed(linear, B) is None
    assert indexed(linear, A) == git(linear, "log", "--format=%H", "--", A).split()
    # a merge commit that touches a folder itself (a conflict resolved in the merge)
    git(linear, "checkout", "-q", "-b", "other", "HEAD~1")
    change(linear, C, "theirs\n", "C theirs")
    git(linear, "checkout", "-q", "main")
    change(linear, C, "ours\n", "C ours")
    subprocess.run(["git", "merge", "-q", "--no-edit", "other"], cwd=linear, capture_output=True, check=False)
    (linear / C / "incident.md").write_text("resolved\n")
    git(linear, "commit", "-qam", "merge other")
    assert_same(linear, monkeypatch, answered=False)
    assert indexed(linear, C) is None
    # a merge where main was the second parent and the index's HEAD left the first-parent chain
    git(linear, "checkout", "-q", "other")
    git(linear, "merge", "-q", "--no-edit", "-s", "ours", "main")
    git(linear, "checkout", "-q", "main")
    git(linear, "merge", "-q", "--ff-only", "other")
    assert_same(linear, monkeypatch, answered=False)


def test_moved_folder(linear: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(linear, monkeypatch)
    moved = "incidents/2026-12/inc-20261102-bbbb"
    (linear / moved).parent.mkdir(parents=True, exist_ok=True)
    git(linear, "mv", B, moved)
    git(linear, "commit", "-qm", "move B")
    assert_same(linear, monkeypatch)
    assert indexed(linear, moved) == git(linear, "log", "--format=%H", "--", moved).split()
    assert len(indexed(linear, B) or []) == 4  # three edits and the move, as `git log` says


def test_deleted_corrupt_and_foreign_index_are_rebuilt(linear: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(linear, monkeypatch)
    index_path(linear).unlink()
    assert indexed(linear, A) is None  # this call answers the old way and rebuilds
    assert index_path(linear).is_file()
    assert_same(linear, monkeypatch)
    index_path(linear).write_bytes(b"not a database\x00" * 100)
    assert_same(linear, monkeypatch, answered=False)
    assert_same(linear, monkeypatch)
    with sqlite3.connect(index_path(linear)) as db:
        db.execute("UPDATE meta SET value = 'something else' WHERE key = 'format'")
    db.close()
    assert indexed(linear, A) is None
    assert_same(linear, monkeypatch)


def test_cli_log_is_the_same_through_the_index(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(log_index.MODE_ENV, "inline")
    declared = run_cli(["declare", "--manual-incident", "--title", "db down", "--repo", str(repo)])
    assert declared.code == 0, declared.stderr
    first = run_cli(["log", "--repo", str(repo), "inc-", "--format", "json"])
    assert first.code == 0, first.stderr
    assert index_path(repo).is_file()
    again = run_cli(["log", "--repo", str(repo), "inc-", "--format", "json"])
    monkeypatch.setenv(log_index.MODE_ENV, "off")
    plain = run_cli(["log", "--repo", str(repo), "inc-", "--format", "json"])
    assert again.stdout == plain.stdout == first.stdout
    assert '"subject"' in plain.stdout


def wait_for_build(root: Path) -> None:
    building = index_path(root).with_name(log_index.NAME + ".building")
    deadline = time.monotonic() + 60
    while building.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not building.exists()


def test_large_histories_build_detached(linear: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond the inline limit the caller answers the old way and a detached process builds."""
    monkeypatch.setenv(log_index.MODE_ENV, "")
    monkeypatch.setattr(log_index, "INLINE_LIMIT", 3)
    plain = git(linear, "log", "--format=%H", "--", A).split()
    assert indexed(linear, A) is None
    wait_for_build(linear)
    assert indexed(linear, A) == plain
    for n in range(2):  # a few new commits: extended in the caller
        change(linear, A, f"again {n}\n", f"A again {n}")
    assert indexed(linear, A) == git(linear, "log", "--format=%H", "--", A).split()
    for n in range(5):  # more than the limit: rebuilt, detached
        change(linear, B, f"more {n}\n", f"B more {n}")
    assert indexed(linear, B) is None
    wait_for_build(linear)
    assert indexed(linear, B) == git(linear, "log", "--format=%H", "--", B).split()
    assert_same(linear, monkeypatch)
