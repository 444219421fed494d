"""The audit trail: the commits that touched an incident, with their trailers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from incident_kit.git.process import run, run_bytes
from incident_kit.git.repository import git_dir, has_commits

FIELD = "\x1f"

RECORD = "\x1e"


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    date: str  # ISO 8601 (author date)
    subject: str
    trailers: Mapping[str, str]


def refresh_commit_graph(root: Path) -> None:
    """Keep a commit-graph with changed-path Bloom filters up to date for `log`.

    With it, `git log -- <folder>` skips almost every commit without diffing trees: ~50 ms
    instead of seconds in a 50,000-commit history (docs/architecture.md, "Measurements behind
    the design"). Written incrementally (`--split`) and only when HEAD moved since the last
    write; best effort.
    """
    marker = git_dir(root) / "incident-kit" / "commit-graph-head"
    head_sha = run(root, "rev-parse", "HEAD", check=False).stdout.strip()
    try:
        if marker.read_text().strip() == head_sha:
            return
    except OSError:
        pass
    result = run(
        root,
        "commit-graph",
        "write",
        "--reachable",
        "--changed-paths",
        "--split",
        "--no-progress",
        check=False,
    )
    if result.returncode == 0:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(head_sha + "\n")
        except OSError:
            pass


def log(root: Path, folder: str) -> list[Commit]:
    """Commits touching an incident folder, newest first."""
    if not has_commits(root):
        return []
    refresh_commit_graph(root)
    fmt = FIELD.join(["%H", "%an", "%aI", "%s", "%(trailers:only,unfold)"]) + RECORD
    result = run(root, "log", f"--format={fmt}", "--", folder)
    commits = []
    for record in result.stdout.split(RECORD):
        record = record.strip("\n")
        if not record:
            continue
        sha, author, date, subject, trailer_text = record.split(FIELD)
        trailers = {}
        for line in trailer_text.splitlines():
            key, _, value = line.partition(":")
            if value:
                trailers[key.strip()] = value.strip()
        commits.append(Commit(sha, author, date, subject, trailers))
    return commits


def changed_since(root: Path, ref: str, folder: str) -> list[str] | None:
    """Paths under `folder` that changed between `ref`'s merge base and HEAD; None for an unknown ref.

    `ref` comes from a workflow or a person: it is checked to be a commit first and passed after
    `--end-of-options`, so a value like `--output=FILE` is never read as an option.
    """
    verified = run(root, "rev-parse", "-q", "--verify", "--end-of-options", f"{ref}^{{commit}}", check=False)
    if verified.returncode != 0:
        return None
    out = run_bytes(
        root, ["diff", "--name-only", "-z", f"{verified.stdout.strip()}...HEAD", "--", folder], b""
    )
    return [name for name in out.decode("utf-8", "surrogateescape").split("\0") if name]
