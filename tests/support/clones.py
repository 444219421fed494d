"""Several clones of one bare remote, and the real CLI run in its own process in each.

What a team looks like to the tool: people's laptops and workflow runners, each its own clone,
each starting `incident` as a separate process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from conftest import git, make_repo


def incident(
    cwd: Path, *args: str, by: str | None = None, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process, as a workflow run or a laptop would start it."""
    actor = ["--by", by] if by else []
    return subprocess.run(
        [sys.executable, "-m", "incident_kit", *args, *actor],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


def make_remote(tmp_path: Path) -> Path:
    """A bare remote whose `main` holds an initialised repository (`incident init`)."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = make_repo(tmp_path / "seed")
    assert incident(seed, "init").returncode == 0
    git(seed, "remote", "add", "origin", str(bare))
    git(seed, "push", "-q", "-u", "origin", "main")
    return bare


def clone(remote: Path, path: Path, user: str) -> Path:
    git(remote.parent, "clone", "-q", str(remote), str(path))
    git(path, "config", "user.name", user)
    git(path, "config", "user.email", f"{user}@example.com")
    return path


def remote_text(remote: Path, path: str, branch: str = "main") -> str:
    return git(remote, "show", f"{branch}:{path}")


def remote_files(remote: Path, pattern: str = "incident.md") -> list[str]:
    names = git(remote, "ls-tree", "-r", "--name-only", "main", "incidents").split()
    return [n for n in names if n.endswith(pattern)]


def run_git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """git that may fail (a merge that conflicts): the result, not an exception."""
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
