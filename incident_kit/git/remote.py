"""The remote: catching up with it before a change, and pushing the change so it lands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from incident_kit.errors import GitError
from incident_kit.git.process import STALE_LOCK, run, stale_lock_message
from incident_kit.git.repository import common_dir, current_branch, has_commits


class RemoteUnreachable(GitError):
    """The remote could not be fetched from (network, auth, a moved URL)."""


class LocalChanges(GitError):
    """Catching up would overwrite files a person changed and did not commit (`paths`)."""

    def __init__(self, message: str, paths: list[str]) -> None:
        super().__init__(message)
        self.paths = paths


@dataclass(frozen=True)
class PushResult:
    ok: bool
    rejected: bool  # non-fast-forward: someone else pushed first; worth re-running the operation
    message: str
    # the remote already had this very commit: another run built a byte-identical one (same
    # parent, content, author and second) and landed it; ours counts for nothing
    already_there: bool = False


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
        merged = run(root, "merge", "-q", "--ff-only", ref, check=False)
        if merged.returncode != 0:
            raise _merge_failure(merged.stderr or merged.stdout, remote, branch)
        return
    # local commits nobody has seen yet (a person's own work): replay them on top
    result = run(root, "rebase", "-q", "--autostash", ref, check=False)
    if result.returncode != 0:
        run(root, "rebase", "--abort", check=False)
        raise GitError(
            f"your local commits conflict with {remote}/{branch}; resolve with "
            "`git pull --rebase`, then run the command again"
        )


def _merge_failure(output: str, remote: str, branch: str) -> GitError:
    """git lists the files a merge would overwrite on lines of their own; say it in one line."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if "would be overwritten by merge" in line:
            paths = []
            for follow in lines[index + 1 :]:
                if not follow.startswith(("\t", " ")):
                    break
                paths.append(follow.strip())
            return LocalChanges(
                f"cannot catch up with {remote}/{branch}: it changed {', '.join(paths) or 'files'} that "
                "you changed too and did not commit; commit them (git commit) or set them aside "
                "(git stash), then run the command again; nothing was recorded",
                paths,
            )
    first = next((line.strip() for line in lines if line.strip()), "exit status not 0")
    return GitError(f"cannot catch up with {remote}/{branch}: {first}; nothing was recorded")


def default_branch(root: Path, remote: str) -> str | None:
    """The remote's default branch (its HEAD): remembered in `refs/remotes/<remote>/HEAD` by a
    clone, else asked of the remote once and remembered. None when the remote does not say."""
    head_ref = f"refs/remotes/{remote}/HEAD"
    try:  # a symbolic ref is a small file git never packs: no subprocess
        known = (common_dir(root) / head_ref).read_text().strip().removeprefix("ref: ")
    except OSError:
        known = run(root, "symbolic-ref", "-q", head_ref, check=False).stdout.strip()
    prefix = f"refs/remotes/{remote}/"
    if known.startswith(prefix):
        return known[len(prefix) :]
    asked = run(root, "ls-remote", "--symref", remote, "HEAD", check=False)
    for line in asked.stdout.splitlines():
        if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
            branch = line[len("ref: refs/heads/") : -len("\tHEAD")]
            run(root, "symbolic-ref", head_ref, f"{prefix}{branch}", check=False)
            return branch
    return None


def ahead_of(root: Path, remote: str, branch: str) -> bool:
    ref = _remote_ref(remote, branch)
    if run(root, "rev-parse", "--verify", "-q", ref, check=False).returncode != 0:
        return has_commits(root)
    return run(root, "rev-list", "--count", f"{ref}..HEAD").stdout.strip() != "0"


def push(root: Path, remote: str, branch: str) -> PushResult:
    result = run(root, "push", "--porcelain", remote, f"HEAD:refs/heads/{branch}", check=False)
    if result.returncode == 0:
        unchanged = any(line.startswith("=\t") for line in result.stdout.splitlines())
        return PushResult(True, False, "", already_there=unchanged)
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
    stale = re.search(STALE_LOCK, text)
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
