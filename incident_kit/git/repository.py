"""The repository this command works in: where it is, its settings, who acts, and HEAD.

Answers come from the files under `.git` where that is safe (no subprocess), else from git.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from incident_kit.errors import GitError
from incident_kit.git.process import run


class Actor(NamedTuple):
    name: str
    email: str


# who acts when nothing says: `--by`, git's user.name and GITHUB_ACTOR are all missing
DEFAULT_ACTOR = Actor("incident-kit", "incident-kit@users.noreply.github.com")


def toplevel(start: Path) -> Path:
    """The work tree's root: found by looking for `.git` (no subprocess) in the common case."""
    if not start.is_dir():
        raise GitError(f"{start}: {'not a folder' if start.exists() else 'no such folder'} (check --repo)")
    if "GIT_DIR" not in os.environ and "GIT_WORK_TREE" not in os.environ:
        current = start.resolve()
        for candidate in (current, *current.parents):
            marker = candidate / ".git"
            if marker.is_dir() and (marker / "HEAD").is_file():
                return candidate
            if marker.exists():
                break  # a worktree or submodule `.git` file: let git answer
    result = run(start, "rev-parse", "--show-toplevel", check=False)
    if result.returncode != 0:
        raise GitError(f"{start} is not inside a git repository (use --repo PATH, or `git init`)")
    return Path(result.stdout.strip())


def git_dir(root: Path) -> Path:
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    return Path(run(root, "rev-parse", "--absolute-git-dir").stdout.strip())


def common_dir(root: Path) -> Path:
    """Where objects live: the git dir, or a linked worktree's main one (its `commondir`)."""
    dot_git = git_dir(root)
    try:
        return (dot_git / (dot_git / "commondir").read_text().strip()).resolve()
    except OSError:
        return dot_git


@contextmanager
def lock(root: Path) -> Iterator[None]:
    """Serialise incident-kit writers sharing one clone; the kernel frees it if we die."""
    path = git_dir(root) / "incident-kit.lock"
    with open(path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# The settings the commands read, all from one `git config` call per process: who commits, and
# whether anything would make `git commit` do more than write a commit (hooks, signing, a
# message cleanup mode, the auto-gc threshold).
_SETTINGS_PATTERN = (
    r"^(user\.(name|email)|core\.hookspath|commit\.(gpgsign|cleanup)"
    r"|gc\.(auto|autopacklimit)|maintenance\.auto|core\.(fsync|fsyncobjectfiles|sharedrepository))$"
)

_SETTINGS: dict[Path, dict[str, str]] = {}


def forget_settings() -> None:
    """Read git's settings afresh on next use (each command starts with this)."""
    _SETTINGS.clear()


def settings(root: Path) -> dict[str, str]:
    if root not in _SETTINGS:
        result = run(root, "config", "--get-regexp", _SETTINGS_PATTERN, check=False)
        found: dict[str, str] = {}
        for line in result.stdout.splitlines():
            name, _, value = line.partition(" ")
            found[name.lower()] = value.strip()  # the last one wins, as in git
        _SETTINGS[root] = found
    return _SETTINGS[root]


def config_value(root: Path, key: str) -> str | None:
    """A git setting; the ones in `_SETTINGS_PATTERN` cost no extra subprocess."""
    if re.match(_SETTINGS_PATTERN, key.lower()):
        return settings(root).get(key.lower()) or None
    result = run(root, "config", "--get", key, check=False)
    value = result.stdout.strip()
    return value or None


# `core.fsync` components that cover a new commit's loose objects (git-config(1))
_FSYNC_COMMITS = frozenset({"loose-object", "objects", "added", "committed", "all"})


def fsync_wanted(root: Path) -> bool:
    """Whether git is set to flush a commit's objects to the disk (`core.fsync`, or the older
    `core.fsyncObjectFiles`); git's default is not to. The tool's own files (the incident files
    it writes, its journal) follow the same setting: flushing them would not make the commit
    that records them durable (~8 ms a file on the project's machines, where the whole
    `git commit` costs ~12 ms)."""
    configured = settings(root)
    if configured.get("core.fsyncobjectfiles", "false").lower() not in ("false", "no", "off", "0", ""):
        return True
    wanted = False
    for component in configured.get("core.fsync", "").lower().split(","):
        component = component.strip()
        if component in _FSYNC_COMMITS:
            wanted = True
        elif component == "none" or (component.startswith("-") and component[1:] in _FSYNC_COMMITS):
            wanted = False
    return wanted


def resolve_actor(root: Path, by: str | None, env: Mapping[str, str]) -> Actor:
    """Who acts: `--by`, else git's configured user, else `GITHUB_ACTOR`."""
    email = config_value(root, "user.email")
    if by:
        from incident_kit.sanitize import person_handle

        # the author of the commit and its `Actor:` trailer: a newline in it would forge
        # trailers (`Rollback: …`) and the author's name
        name = person_handle(by, "--by ")
        return Actor(
            name,
            email
            if email and config_value(root, "user.name") == name
            else f"{name}@users.noreply.github.com",
        )
    configured = config_value(root, "user.name")
    if configured:
        return Actor(configured, email or f"{configured}@users.noreply.github.com")
    actor = env.get("GITHUB_ACTOR")
    if actor:
        return Actor(actor, f"{actor}@users.noreply.github.com")
    return DEFAULT_ACTOR


def detached(root: Path) -> bool:
    """HEAD names a commit, not a branch: a new commit belongs to no branch."""
    try:
        return not (git_dir(root) / "HEAD").read_text().startswith("ref: ")
    except OSError:
        return False


def head(root: Path) -> str:
    """HEAD's sha, read from the ref files when they are plain (no subprocess)."""
    dot_git = root / ".git"
    try:
        text = (dot_git / "HEAD").read_text().strip()
        if text.startswith("ref: "):
            ref = text[5:]
            loose = dot_git / ref
            if loose.is_file():
                sha = loose.read_text().strip()
                if len(sha) == 40:
                    return sha
        elif len(text) == 40:
            return text
    except OSError:
        pass
    return run(root, "rev-parse", "HEAD").stdout.strip()


def has_commits(root: Path) -> bool:
    try:
        text = (root / ".git" / "HEAD").read_text().strip()
        if text.startswith("ref: ") and (root / ".git" / text[5:]).is_file():
            return True
    except OSError:
        pass
    return run(root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0


def last_message(root: Path) -> str:
    return run(root, "log", "-1", "--format=%B").stdout.strip()


def current_branch(root: Path) -> str:
    result = run(root, "symbolic-ref", "-q", "--short", "HEAD", check=False)
    branch = result.stdout.strip()
    if not branch:
        raise GitError("HEAD is detached; check out a branch before using --push")
    return branch
