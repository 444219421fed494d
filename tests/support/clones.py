"""A team around one bare remote: the real CLI in each clone, with a clock and an actor of its own.

Builds on `processes` (the remote, the clones, the CLI as a process); what it adds is what the
team tests say at every line: the time a command runs at, who runs it, and reading the remote.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from support import processes
from support.repos import git


def at(time: str) -> dict[str, str]:
    """The environment that pins one command's clock at HH:MM on the day the tests run (the
    conftest pins 15:00)."""
    return {"INCIDENT_KIT_NOW": f"2026-11-26T{time}:00Z"}


def incident(
    cwd: Path, *args: str, by: str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process; `env` adds to the sealed test environment."""
    actor = ["--by", by] if by else []
    return processes.incident(cwd, *args, *actor, env=processes.cli_env(env))


def remote_text(remote: Path, path: str, branch: str = "main") -> str:
    return git(remote, "show", f"{branch}:{path}")


def run_git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """git that may fail (a merge that conflicts): the result, not an exception."""
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
