"""All git access: plain `git` subprocesses with machine-readable output.

GitPython's index writer costs ~850 ms a commit at 10,000 incidents where `git commit`
costs ~65 ms (research/perf-measurements.md), and importing GitPython costs ~100 ms, so
the hot paths run git directly. Failures become `GitError` with git's own first line.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from incident_kit.errors import GitError

FIELD = "\x1f"
RECORD = "\x1e"


@dataclass(frozen=True)
class Actor:
    name: str
    email: str


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    date: str  # ISO 8601 (author date)
    subject: str
    trailers: Mapping[str, str]


def run(
    root: Path,
    *args: str,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env.setdefault("LC_ALL", "C")
    full_env["GIT_TERMINAL_PROMPT"] = "0"
    if env:
        full_env.update(env)
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=root,
            input=input,
            capture_output=True,
            text=True,
            env=full_env,
            check=False,
        )
    except FileNotFoundError:
        if not root.is_dir():
            raise GitError(f"{root}: no such folder") from None
        raise GitError("git is not installed or not on PATH") from None
    if check and result.returncode != 0:
        stale = _STALE_LOCK.search(result.stderr or "")
        if stale:
            raise GitError(stale_lock_message(stale.group(1) or stale.group(2)))
        detail = (result.stderr or result.stdout).strip().splitlines()
        first = detail[0] if detail else f"exit {result.returncode}"
        raise GitError(f"git {args[0]} failed: {first}")
    return result


_STALE_LOCK = re.compile(
    r"Unable to create '([^']+\.lock)': File exists|cannot lock ref '[^']*': Unable to create '([^']+\.lock)'"
)


def stale_lock_message(lock: str) -> str:
    return (
        f"git's lock file {lock} exists: a git command was interrupted (or is still running); "
        f"if no git command is running, remove it (rm '{lock}') and run the command again"
    )


def last_message(root: Path) -> str:
    return run(root, "log", "-1", "--format=%B").stdout.strip()


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
    r"|gc\.(auto|autopacklimit)|maintenance\.auto)$"
)
_SETTINGS: dict[Path, dict[str, str]] = {}


def forget_settings() -> None:
    """Read git's settings afresh on next use (each command starts with this)."""
    _SETTINGS.clear()


def _settings(root: Path) -> dict[str, str]:
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
        return _settings(root).get(key.lower()) or None
    result = run(root, "config", "--get", key, check=False)
    value = result.stdout.strip()
    return value or None


def resolve_actor(root: Path, by: str | None, env: Mapping[str, str]) -> Actor:
    """Who acts: `--by`, else git's configured user, else `GITHUB_ACTOR`."""
    email = config_value(root, "user.email")
    if by:
        name = by.strip().lstrip("@")
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
    return Actor("incident-kit", "incident-kit@users.noreply.github.com")


def commit(root: Path, paths: Sequence[str], message: str, actor: Actor) -> str:
    """Commit exactly `paths` (other staged work is left alone) as `actor`; the new sha.

    The usual case is built onto HEAD with git's plumbing (`git_tree`): the same commit as
    `git commit -- <paths>` without its refresh of the whole index. `git commit` itself runs
    when it would do more than write the commit: a hook to honour, signing or a cleanup mode
    configured, or a first commit. A merge, cherry-pick or revert in progress is the person's
    to finish: the tool refuses rather than commit into it.
    """
    env = {"GIT_AUTHOR_NAME": actor.name, "GIT_AUTHOR_EMAIL": actor.email}
    if not config_value(root, "user.email"):
        env |= {"GIT_COMMITTER_NAME": actor.name, "GIT_COMMITTER_EMAIL": actor.email}
    in_progress = _in_progress(root)
    if in_progress:
        raise GitError(
            f"a {in_progress} is in progress in this clone: finish it (git {in_progress} --continue) "
            f"or abort it (git {in_progress} --abort), then run the command again"
        )
    if _plain_commit_suffices(root):
        from incident_kit import git_tree

        try:
            sha = git_tree.commit_onto_head(
                root, git_dir(root), head(root), paths, clean_message(message), env
            )
        except git_tree.Unsupported:
            pass
        else:
            _auto_maintenance(root)
            return sha
    # `-- paths` (git's --only): exactly these files, whatever else is staged; git refuses it
    # during a merge rather than conclude the person's merge with an incident commit
    run(root, "add", "--", *paths)
    run(root, "commit", "-q", "--no-status", "-F", "-", "--", *paths, input=message, env=env)
    return head(root)


_COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit")
_IN_PROGRESS = {"MERGE_HEAD": "merge", "CHERRY_PICK_HEAD": "cherry-pick", "REVERT_HEAD": "revert"}
_FALSE = ("false", "no", "off", "0")


def _plain_commit_suffices(root: Path) -> bool:
    """True when `git commit` would do nothing but write the commit (and maybe gc)."""
    settings = _settings(root)
    if settings.get("commit.cleanup") or settings.get("commit.gpgsign", "false").lower() not in _FALSE:
        return False
    if not has_commits(root):
        return False
    hooks_path = settings.get("core.hookspath")
    if hooks_path:
        hooks = root / os.path.expanduser(hooks_path)
    elif (root / ".git").is_dir():
        hooks = root / ".git" / "hooks"
    else:  # a linked worktree: hooks live in the common git dir
        hooks = root / run(root, "rev-parse", "--git-path", "hooks").stdout.strip()
    return not any(os.access(hooks / name, os.X_OK) for name in _COMMIT_HOOKS)


def _in_progress(root: Path) -> str | None:
    """The merge, cherry-pick or revert waiting for its commit, if any."""
    dot_git = git_dir(root)
    return next((verb for name, verb in _IN_PROGRESS.items() if (dot_git / name).exists()), None)


def clean_message(message: str) -> str:
    """What `git commit -F` stores: trailing spaces and repeated or outer blank lines dropped."""
    lines: list[str] = []
    for line in message.split("\n"):
        line = line.rstrip(" \t\r")  # git's whitespace, not Unicode's (a form feed stays)
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def _auto_maintenance(root: Path) -> None:
    """What `git commit` does after committing: `git maintenance run --auto`, when it would act.

    git's own tests (gc.c: too_many_loose_objects, too_many_packs) count one fan-out folder
    against gc.auto / 256 and the packs against gc.autoPackLimit; we make them here to spare the
    subprocess in the usual case. `maintenance.auto=false` (set by `git maintenance start`)
    leaves it to the scheduled maintenance, as it does for `git commit`.
    """
    settings = _settings(root)
    if settings.get("maintenance.auto", "true").lower() in _FALSE:
        return
    objects = _common_dir(root) / "objects"
    if _over(settings, "gc.auto", 6700, lambda limit: _loose_objects(objects) > -(-limit // 256)) or _over(
        settings, "gc.autopacklimit", 50, lambda limit: _packs(objects) > limit
    ):
        run(root, "maintenance", "run", "--auto", "--quiet", check=False)


def _over(settings: Mapping[str, str], key: str, default: int, test: Callable[[int], bool]) -> bool:
    try:
        limit = int(settings.get(key) or default)
    except ValueError:
        limit = default
    return limit > 0 and test(limit)


def _loose_objects(objects: Path) -> int:
    try:
        return sum(1 for name in os.listdir(objects / "17") if len(name) == 38)
    except OSError:
        return 0


def _packs(objects: Path) -> int:
    try:
        names = set(os.listdir(objects / "pack"))
    except OSError:
        return 0
    return sum(1 for name in names if name.endswith(".pack") and f"{name[:-5]}.keep" not in names)


def _common_dir(root: Path) -> Path:
    """Where objects live: the git dir, or a linked worktree's main one (its `commondir`)."""
    dot_git = git_dir(root)
    try:
        return (dot_git / (dot_git / "commondir").read_text().strip()).resolve()
    except OSError:
        return dot_git


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


def refresh_commit_graph(root: Path) -> None:
    """Keep a commit-graph with changed-path Bloom filters up to date for `log`.

    With it, `git log -- <folder>` skips almost every commit without diffing trees: ~50 ms
    instead of seconds in a 50,000-commit history (research/perf-measurements.md §6). Written
    incrementally (`--split`) and only when HEAD moved since the last write; best effort.
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


# --- remotes ---------------------------------------------------------------------------------


class RemoteUnreachable(GitError):
    """The remote could not be fetched from (network, auth, a moved URL)."""


@dataclass(frozen=True)
class PushResult:
    ok: bool
    rejected: bool  # non-fast-forward: someone else pushed first; worth re-running the operation
    message: str


def current_branch(root: Path) -> str:
    result = run(root, "symbolic-ref", "-q", "--short", "HEAD", check=False)
    branch = result.stdout.strip()
    if not branch:
        raise GitError("HEAD is detached; check out a branch before using --push")
    return branch


def upstream(root: Path) -> tuple[str, str]:
    """(remote, branch) to push to: the tracked upstream, else origin and this branch's name."""
    branch = current_branch(root)
    result = run(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}", check=False)
    tracked = result.stdout.strip()
    if result.returncode == 0 and "/" in tracked:
        remote, _, remote_branch = tracked.partition("/")
        return remote, remote_branch
    remotes = run(root, "remote").stdout.split()
    if not remotes:
        raise GitError(
            "--push: this repository has no remote (git remote add origin URL); nothing was recorded, "
            "run the command again without --push to commit locally"
        )
    return ("origin" if "origin" in remotes else remotes[0]), branch


def _remote_ref(remote: str, branch: str) -> str:
    return f"refs/remotes/{remote}/{branch}"


def fetch(root: Path, remote: str, branch: str) -> bool:
    """Fetch the remote branch; False when it does not exist there yet."""
    result = run(
        root,
        "fetch",
        "-q",
        remote,
        f"+refs/heads/{branch}:{_remote_ref(remote, branch)}",
        check=False,
    )
    if result.returncode == 0:
        return True
    remote_heads = run(root, "ls-remote", "--heads", remote, branch, check=False)
    if remote_heads.returncode == 0 and not remote_heads.stdout.strip():
        return False
    detail = [line for line in (result.stderr or "").strip().splitlines() if line.strip()]
    raise RemoteUnreachable(f"cannot fetch from {remote}: {detail[0] if detail else 'unreachable'}")


def catch_up(root: Path, remote: str, branch: str) -> None:
    """Bring the local branch onto the remote's latest state before an operation runs."""
    if not fetch(root, remote, branch):
        return
    ref = _remote_ref(remote, branch)
    if not has_commits(root):
        run(root, "reset", "-q", "--keep", ref)
        return
    counts = run(root, "rev-list", "--left-right", "--count", f"HEAD...{ref}").stdout.split()
    ahead, behind = int(counts[0]), int(counts[1])
    if behind == 0:
        return
    if ahead == 0:
        run(root, "merge", "-q", "--ff-only", ref)
        return
    # local commits nobody has seen yet (a person's own work): replay them on top
    result = run(root, "rebase", "-q", "--autostash", ref, check=False)
    if result.returncode != 0:
        run(root, "rebase", "--abort", check=False)
        raise GitError(
            f"your local commits conflict with {remote}/{branch}; resolve with "
            "`git pull --rebase`, then run the command again"
        )


def ahead_of(root: Path, remote: str, branch: str) -> bool:
    ref = _remote_ref(remote, branch)
    if run(root, "rev-parse", "--verify", "-q", ref, check=False).returncode != 0:
        return has_commits(root)
    return run(root, "rev-list", "--count", f"{ref}..HEAD").stdout.strip() != "0"


def push(root: Path, remote: str, branch: str) -> PushResult:
    result = run(root, "push", "--porcelain", remote, f"HEAD:refs/heads/{branch}", check=False)
    if result.returncode == 0:
        return PushResult(True, False, "")
    text = f"{result.stdout}\n{result.stderr}"
    # a lost race with another writer is retryable; anything else (auth, hooks) is not
    races = (
        "[rejected]",
        "non-fast-forward",
        "fetch first",
        "cannot lock ref",
        "failed to update ref",
    )
    rejected = any(marker in text for marker in races)
    lines = [line.strip() for line in f"{result.stderr}\n{result.stdout}".splitlines() if line.strip()]
    stale = _STALE_LOCK.search(text)
    if stale:
        return PushResult(
            False, rejected, "the remote " + stale_lock_message(stale.group(1) or stale.group(2))
        )
    # git's last line is a generic "failed to push some refs": prefer the line that says why
    telling = [line for line in lines if any(word in line for word in ("lock", "rejected", "denied", "hook"))]
    message = (telling or lines or [f"git push exited {result.returncode}"])[0]
    return PushResult(False, rejected, message)


def drop_last_commit(root: Path, base: str) -> None:
    """Undo our own just-made commit after a rejected push (keeps unrelated local edits)."""
    run(root, "reset", "-q", "--keep", base)
