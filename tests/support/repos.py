"""Real git repositories for tests: made, inspected and compared with plain `git`."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def make_repo(path: Path, user: str = "alice") -> Path:
    """A new repository on `main` whose commits are made by `user` (no signing, no hooks)."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", user)
    git(path, "config", "user.email", f"{user}@example.com")
    git(path, "config", "commit.gpgsign", "false")
    return path


def commit_count(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD").strip())


def status_clean(root: Path) -> bool:
    return git(root, "status", "--porcelain").strip() == ""


@dataclass(frozen=True)
class CommitFacts:
    author: str
    author_email: str
    subject: str
    trailers: dict[str, str]
    files: tuple[str, ...]  # paths the commit changed


def last_commit(root: Path) -> CommitFacts:
    """HEAD as GitPython reads it: an independent reader of what the tool committed, so the
    audit trail is checked by other code than the tool's own `git/` modules."""
    import git as gitpython  # GitPython: for tests only (costs ~100 ms to import; docs/architecture.md)

    with gitpython.Repo(root) as repository:
        commit = repository.head.commit
        message = commit.message if isinstance(commit.message, str) else commit.message.decode()
        trailers = {key: values[-1] for key, values in commit.trailers_dict.items()}
        return CommitFacts(
            author=str(commit.author.name),
            author_email=str(commit.author.email),
            subject=message.split("\n", 1)[0],
            trailers=trailers,
            files=tuple(sorted(str(path) for path in commit.stats.files)),
        )
