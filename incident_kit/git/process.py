"""The only door to a git subprocess: one environment, one way git's failures become `GitError`.

GitPython's index writer costs ~850 ms a commit at 10,000 incidents where `git commit`
costs ~65 ms (docs/benchmarks.md), and importing GitPython costs ~100 ms, so the tool runs
plain `git` with machine-readable output. Every other module in this package calls `run`
or `run_bytes`; nothing else in the project starts git.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from incident_kit.errors import GitError

# compiled on first use (re caches it): only a failed git command is searched
STALE_LOCK = (
    r"Unable to create '([^']+\.lock)': File exists|cannot lock ref '[^']*': Unable to create '([^']+\.lock)'"
)


def environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """git's environment: ours, in the C locale (its messages are parsed), never prompting."""
    full_env = dict(os.environ)
    full_env.setdefault("LC_ALL", "C")
    full_env["GIT_TERMINAL_PROMPT"] = "0"
    full_env.update(env or {})
    return full_env


def run(
    root: Path,
    *args: str,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """git with text in and out; a failure (when `check`) is a `GitError` with git's first line."""
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=root,
            input=input,
            capture_output=True,
            text=True,
            env=environment(env),
            check=False,
        )
    except FileNotFoundError:
        if not root.is_dir():
            raise GitError(f"{root}: no such folder") from None
        raise GitError("git is not installed or not on PATH") from None
    if check and result.returncode != 0:
        raise failure(args, result.stderr or result.stdout, result.returncode)
    return result


def run_bytes(root: Path, args: Sequence[str], data: bytes, env: Mapping[str, str] | None = None) -> bytes:
    """git with bytes in and out (object ids, NUL-separated listings); failures as in `run`."""
    result = subprocess.run(
        ["git", *args], cwd=root, input=data, capture_output=True, env=environment(env), check=False
    )
    if result.returncode != 0:
        raise failure(args, result.stderr.decode("utf-8", "replace"), result.returncode)
    return result.stdout


def failure(args: Sequence[str], output: str, returncode: int) -> GitError:
    """The one-line error for a failed git command: a stale lock says what to remove."""
    stale = re.search(STALE_LOCK, output or "")
    if stale:
        return GitError(stale_lock_message(stale.group(1) or stale.group(2)))
    detail = (output or "").strip().splitlines()
    first = detail[0] if detail else f"exit {returncode}"
    return GitError(f"git {args[0]} failed: {first}")


def stale_lock_message(lock: str) -> str:
    return (
        f"git's lock file {lock} exists: a git command was interrupted (or is still running); "
        f"if no git command is running, remove it (rm '{lock}') and run the command again"
    )


def start_detached(root: Path, argv: Sequence[str]) -> None:
    """A process that outlives the command (the log index's build: `git/log_index.py`): its own
    session, no terminal, output discarded; an `OSError` when it cannot start."""
    subprocess.Popen(
        list(argv),
        cwd=root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment(),
        start_new_session=True,
    )
