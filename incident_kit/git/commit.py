"""Committing exactly the files a change wrote, as the person who acted.

The usual case is built onto HEAD with git's plumbing (`tree_commit`); `git commit` itself runs
when it would do more than write the commit (hooks, signing, a cleanup mode, a first commit).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from incident_kit.errors import GitError
from incident_kit.git import tree_commit
from incident_kit.git.process import run, run_bytes
from incident_kit.git.repository import (
    Actor,
    common_dir,
    config_value,
    git_dir,
    has_commits,
    head,
    settings,
)


def commit(
    root: Path,
    paths: Sequence[str],
    message: str,
    actor: Actor,
    expected: Mapping[str, str | None] | None = None,
) -> str:
    """Commit exactly `paths` (other staged work is left alone) as `actor`; the new sha.

    `expected` (path -> blob id HEAD must hold, None for none) makes a path someone had edited
    without committing `tree_commit.Diverged`, before anything is committed.

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
        try:
            sha = tree_commit.commit_onto_head(
                root,
                git_dir(root),
                head(root),
                paths,
                clean_message(message),
                env,
                expected,
                objects=common_dir(root) / "objects",
            )
        except tree_commit.Unsupported:
            pass
        else:
            _auto_maintenance(root)
            return sha
    if expected and has_commits(root):
        _check_expected(root, expected)
    # `-- paths` (git's --only): exactly these files, whatever else is staged; git refuses it
    # during a merge rather than conclude the person's merge with an incident commit
    run(root, "add", "--", *paths)
    run(root, "commit", "-q", "--no-status", "-F", "-", "--", *paths, input=message, env=env)
    return head(root)


def _check_expected(root: Path, expected: Mapping[str, str | None]) -> None:
    """What `tree_commit` checks on its way, asked of git (`ls-tree`) on the slower path."""
    out = run_bytes(root, ["ls-tree", "-z", "HEAD", "--", *expected], b"")
    in_head: dict[str, str] = {}
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        info, tab, path = record.partition("\t")
        if tab and info.split(" ")[1] == "blob":
            in_head[path] = info.split(" ")[2]
    diverged = [path for path, wanted in expected.items() if in_head.get(path) != wanted]
    if diverged:
        raise tree_commit.Diverged(diverged)


_COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit")

_IN_PROGRESS = {"MERGE_HEAD": "merge", "CHERRY_PICK_HEAD": "cherry-pick", "REVERT_HEAD": "revert"}

_FALSE = ("false", "no", "off", "0")


def _plain_commit_suffices(root: Path) -> bool:
    """True when `git commit` would do nothing but write the commit (and maybe gc)."""
    configured = settings(root)
    if configured.get("commit.cleanup") or configured.get("commit.gpgsign", "false").lower() not in _FALSE:
        return False
    if configured.get("core.sharedrepository", "false").lower() not in ("false", "umask", "0", "no", "off"):
        return False  # the objects' permissions are the group's: git writes them
    if not has_commits(root):
        return False
    hooks_path = configured.get("core.hookspath")
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
    configured = settings(root)
    if configured.get("maintenance.auto", "true").lower() in _FALSE:
        return
    objects = common_dir(root) / "objects"
    if _over(configured, "gc.auto", 6700, lambda limit: _loose_objects(objects) > -(-limit // 256)) or _over(
        configured, "gc.autopacklimit", 50, lambda limit: _packs(objects) > limit
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
