"""Recording one change: journal, write, commit and, with `--push`, land it on the remote.

The write path of every command, in one straight line: `record` takes the clone's lock, runs the
operation (pure: files in, `Change` out), and `execute` journals the originals, writes the files
and commits them — all or nothing, and never with a person's uncommitted edits inside
(`hand_edits`). With `--push` the commit is pushed; on a rejected (non-fast-forward) push the
local commit is dropped, the remote state is fetched, and the *operation* runs again on it: ids
are allocated and dedup decided against what actually landed, never by text-merging our commit
onto theirs (`_push_with_retry`, with the checks of `push_guards`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from incident_kit import repo_files
from incident_kit.change import (
    SOURCE_COMMENT_ENV,
    SOURCE_COMMENT_TRAILER,
    Change,
    Operation,
    Outcome,
    with_trailers,
)
from incident_kit.context import Context
from incident_kit.errors import GitError
from incident_kit.git import commit as git_commit
from incident_kit.git import repository
from incident_kit.git.process import run as run_git
from incident_kit.git.repository import Actor
from incident_kit.git.tree_commit import Diverged, IndexLock, blob_id
from incident_kit.store import Store

__all__ = ["Change", "Operation", "Outcome", "execute", "record", "recover"]

# how long to keep re-running an operation whose push loses the race to other writers
PUSH_BUDGET_SECONDS = 90.0
STALE_LOCK_ATTEMPTS = 4
pause = time.sleep  # between retries; a test that races writers may shorten it


def _jitter() -> float:
    """A factor in [0.5, 1.5), so racing writers spread out."""
    import random  # only a retry needs it: ~1 ms of imports spared on every other command

    return random.uniform(0.5, 1.5)


def record(ctx: Context, operation: Operation, *, push: bool | None, override: bool = False) -> Outcome:
    """Run `operation` on the clone's files and commit its change; with `--push` (or config
    `push: true`), land it on the remote's default branch. `override` applies a
    decision even where someone else changed the same field since this clone last looked."""
    source = ctx.env.get(SOURCE_COMMENT_ENV, "")
    if source.isdigit():
        operation = with_trailers(operation, {SOURCE_COMMENT_TRAILER: source})
    with repository.lock(ctx.root):
        if not ctx.wants_push(push):
            outcome = execute(ctx.root, operation, ctx.actor)
            if outcome.commit and repository.detached(ctx.root):
                sys.stderr.write(
                    f"incident: warning: HEAD is detached, so commit {outcome.commit[:12]} is on no branch; "
                    "`git switch -c NAME` keeps it on a new branch\n"
                )
            return outcome
        return _push_with_retry(ctx, operation, override=override)


def _push_with_retry(ctx: Context, operation: Operation, *, override: bool) -> Outcome:
    """Land the change on the remote (the caller holds the clone's lock).

    The clone first catches up with the remote, then the *operation* runs on that state and its
    commit is pushed. On a rejected (non-fast-forward) push the local commit is dropped, the
    remote fetched, and the operation runs again: ids are allocated and dedup decided against
    what actually landed, never by text-merging our commit onto theirs. A push that "succeeds"
    because the remote already had the very same commit (another run built it byte for byte:
    same parent, content, author and second) counts as lost too, so no two answers claim one
    occurrence. `push_guards` keeps it on the default branch, clears a person's uncommitted edits
    out of the way, and refuses a decision someone else's change contradicts. Bounded retries
    with jitter; when the write cannot land the command fails loudly, with the change committed
    locally so nothing is lost.
    """
    from incident_kit import push_guards  # only --push pays for its imports
    from incident_kit.git import remote

    remote_name, branch = remote.upstream(ctx.root)
    push_guards.check_default_branch(ctx.root, remote_name, branch)
    recover(ctx.root)  # a command killed earlier on this clone: roll it back before fetching
    known = repository.head(ctx.root) if repository.has_commits(ctx.root) else None
    guarded = operation if override else push_guards.refusing_overrides(ctx, operation, known)
    rejection = ""
    deadline = time.monotonic() + PUSH_BUDGET_SECONDS
    attempt = stale_locks = 0
    outcome: Outcome | None = None
    while True:
        attempt += 1
        try:
            push_guards.catch_up(ctx, operation, remote_name, branch)
        except remote.RemoteUnreachable as error:
            return _commit_offline(ctx, guarded, error)  # an earlier attempt may have caught up
        base = repository.head(ctx.root) if repository.has_commits(ctx.root) else None
        outcome = execute(ctx.root, guarded, ctx.actor)
        if outcome.commit is None and not remote.ahead_of(ctx.root, remote_name, branch):
            return outcome
        result = remote.push(ctx.root, remote_name, branch)
        if result.ok and not (result.already_there and outcome.commit):
            return outcome
        if result.ok:  # the remote already had this very commit: another run's, not ours
            rejection = "another run landed an identical commit at the same moment"
        else:
            rejection = result.message
            if not result.rejected or base is None or outcome.commit is None:
                break
        stale_locks = stale_locks + 1 if "lock file" in rejection else 0
        if stale_locks >= STALE_LOCK_ATTEMPTS:
            break  # the same lock, again and again: left over on the remote, not a race
        if time.monotonic() > deadline:
            rejection = f"other writers kept landing first ({rejection})"
            break
        assert outcome.commit is not None
        # only our own commit goes (a person's hand edits committed before it stay)
        remote.drop_last_commit(ctx.root, f"{outcome.commit}^")
        # short, jittered waits: under a burst the winner changes every few hundred ms
        pause(min(1.0, 0.05 * 2 ** min(attempt, 5)) * _jitter())
    what = _what(outcome)
    where = (
        f"{what}committed locally as {repository.head(ctx.root)[:12]}"
        if repository.has_commits(ctx.root)
        else ""
    )
    raise GitError(
        f"push to {remote_name}/{branch} failed after {attempt} attempt(s): {rejection}; "
        f"{where}; run `git pull --rebase && git push` when the remote is reachable"
    )


def _what(outcome: Outcome | None) -> str:
    incident = outcome.change.incident_id if outcome is not None else None
    return f"{incident} " if incident else ""


def _commit_offline(ctx: Context, operation: Operation, error: GitError) -> Outcome:
    """The remote is out of reach: keep the person's change as a local commit, then say so."""
    outcome = execute(ctx.root, operation, ctx.actor)
    kept = (
        f"{_what(outcome)}committed locally as {outcome.commit[:12]}"
        if outcome.commit
        else "nothing was written"
    )
    raise GitError(
        f"{error.message}; {kept}; run `git pull --rebase && git push` when the remote is reachable"
    )


JOURNAL = "incident-kit/pending.json"


def execute(root: Path, operation: Operation, actor: Actor, *, check_hand_edits: bool = True) -> Outcome:
    """Compute, write and commit one change; undo the writes if the commit fails.

    The caller holds `repository.lock(root)` so two processes on one clone never interleave. A journal
    written before the files and removed after the commit lets the next command roll back a
    change whose process was killed in between, so running the command again does it once.

    A file the change rewrites that a person had edited without committing would carry their
    edits into the tool's commit, under the tool's action: those edits are committed first, as
    that person's own commit, and the change then made on top of them.
    """
    recover(root)
    store = Store(root)
    change = operation(store)
    if not change.writes:
        return Outcome(change, None)
    message = change.message(actor)
    originals = {rel: _current(store, rel) for rel in change.writes}
    journal = repository.git_dir(root) / JOURNAL
    durable = repository.fsync_wanted(root)
    _write_journal(
        journal,
        {
            "message": message,
            "base": repository.head(root) if repository.has_commits(root) else None,
            "originals": originals,
        },
        durable=durable,
    )
    expected = {rel: _blob_id(text) for rel, text in originals.items()} if check_hand_edits else None
    try:
        _write_all(store, change.writes, durable=durable)
        sha = git_commit.commit(root, list(change.writes), message, actor, expected)
    except Diverged as edited:
        from incident_kit.hand_edits import commit_hand_edits  # only when someone's edits are in the way

        _undo(store, originals)
        journal.unlink(missing_ok=True)
        commit_hand_edits(root, edited.paths, change, actor)
        return execute(root, operation, actor, check_hand_edits=False)
    except BaseException:
        _undo(store, originals)
        journal.unlink(missing_ok=True)
        raise
    journal.unlink(missing_ok=True)
    return Outcome(change, sha)


def _blob_id(text: str | None) -> str | None:
    return None if text is None else blob_id(text.encode("utf-8"))


def recover(root: Path) -> None:
    """Roll back what a killed command left between its file writes and its commit.

    Runs under `repository.lock`, so an `index.lock` marked as incident-kit's is a killed commit's.
    """
    git_dir = repository.git_dir(root)
    IndexLock.release_stale(git_dir)
    journal = git_dir / JOURNAL
    try:
        data = json.loads(journal.read_text("utf-8"))
        originals = dict(data["originals"])
        message = str(data["message"])
    except FileNotFoundError:
        return
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(missing_ok=True)  # unreadable: nothing we can safely undo
        return
    base = data.get("base")
    landed = (
        repository.has_commits(root)
        and repository.head(root) != base
        and repository.last_message(root) == message.strip()
    )
    if not landed:
        _undo(Store(root), originals, strict=True)
    journal.unlink(missing_ok=True)


def _current(store: Store, rel: str) -> str | None:
    """What a file held before the change (bytes decoded as-is: CRLF files come back as they
    were), through the safe reader: a symlink to /dev/zero is refused, not read forever."""
    return repo_files.read_if_present(store.root, store.root / rel, limit=repo_files.MAX_INDEX_BYTES)


def _write_journal(path: Path, data: dict[str, object], *, durable: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(temp, path)


def _write_all(store: Store, writes: Mapping[str, str], *, durable: bool) -> None:
    """The change's files; flushed to the disk when git flushes its commits (`fsync_wanted`):
    a killed process is what the journal guards against, and the page cache outlives it."""
    for rel, text in writes.items():
        store.write_text(store.root / rel, text, durable=durable)


def _undo(store: Store, originals: Mapping[str, str | None], *, strict: bool = False) -> None:
    for rel, text in originals.items():
        path = store.root / rel
        for leftover in path.parent.glob(".incident-*.tmp"):
            leftover.unlink(missing_ok=True)  # a write killed between its temp file and the rename
        if text is None:
            path.unlink(missing_ok=True)
            _remove_empty_parents(path.parent, store.incidents)
        elif _current(store, rel) != text:
            store.write_text(path, text)
    tracked = [rel for rel in originals if (store.root / rel).exists() or originals[rel] is not None]
    if repository.has_commits(store.root):
        run_git(store.root, "reset", "-q", "--", *originals, check=strict)
    elif tracked:
        run_git(store.root, "rm", "-q", "--cached", "--ignore-unmatch", "--", *originals, check=strict)


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
