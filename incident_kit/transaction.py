"""Recording one change: journal, write, commit and, with `--push`, land it on the remote.

The write path of every command, in one straight line: `record` takes the clone's lock, runs the
operation (pure: files in, `Change` out), and `execute` journals the originals, writes the files
and commits them — all or nothing, and never with a person's uncommitted edits inside. With
`--push`, `pushing` lands it on the remote's latest state.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from incident_kit.change import Change, Operation, Outcome
from incident_kit.context import Context
from incident_kit.git import commit as git_commit
from incident_kit.git import repository, worktree
from incident_kit.git.process import run as run_git
from incident_kit.git.repository import Actor
from incident_kit.git.tree_commit import Diverged, IndexLock, blob_id
from incident_kit.store import Store

__all__ = ["Change", "Operation", "Outcome", "commit_hand_edits", "execute", "record", "recover"]


def record(ctx: Context, operation: Operation, *, push: bool | None, override: bool = False) -> Outcome:
    """Run `operation` on the clone's files and commit its change; with `--push` (or config
    `push: true`), land it on the remote's default branch (`pushing`). `override` applies a
    decision even where someone else changed the same field since this clone last looked."""
    with repository.lock(ctx.root):
        if not ctx.wants_push(push):
            outcome = execute(ctx.root, operation, ctx.actor)
            if outcome.commit and repository.detached(ctx.root):
                sys.stderr.write(
                    f"incident: warning: HEAD is detached, so commit {outcome.commit[:12]} is on no branch; "
                    "`git switch -c NAME` keeps it on a new branch\n"
                )
            return outcome
        from incident_kit.pushing import push_with_retry  # only --push pays for its imports

        return push_with_retry(ctx, operation, override=override)


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
    originals = {rel: _current(store.root / rel) for rel in change.writes}
    journal = repository.git_dir(root) / JOURNAL
    _write_journal(
        journal,
        {
            "message": message,
            "base": repository.head(root) if repository.has_commits(root) else None,
            "originals": originals,
        },
    )
    expected = {rel: _blob_id(text) for rel, text in originals.items()} if check_hand_edits else None
    try:
        _write_all(store, change.writes)
        sha = git_commit.commit(root, list(change.writes), message, actor, expected)
    except Diverged as edited:
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


def commit_hand_edits(root: Path, paths: Sequence[str], change: Change, actor: Actor) -> str | None:
    """Commit a person's uncommitted edits to `paths` as their own (git's identity in this clone,
    else the acting person), so the tool's next commit carries only its own change."""
    edited = worktree.uncommitted(root, paths)  # git's judgement: line-ending rules applied
    if not edited:
        return None
    name = repository.config_value(root, "user.name")
    email = repository.config_value(root, "user.email")
    person = Actor(name, email or actor.email) if name else actor
    action = change.trailers.get("Action") or "the command"
    subject = f"{change.incident_id}: edits by hand" if change.incident_id else "Edits by hand"
    trailers = [f"Incident: {change.incident_id}"] if change.incident_id else []
    message = "\n".join(
        [
            subject,
            "",
            f"{', '.join(edited)} had changes nobody had committed when `incident {action}` ran; "
            "incident-kit committed them first, as they were, so its own commit records only its change.",
            "",
            *trailers,
            f"Actor: {person.name}",
        ]
    )
    return git_commit.commit(root, edited, message + "\n", person)


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


def _current(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")  # bytes: CRLF files must come back as they were
    except FileNotFoundError:
        return None


def _write_journal(path: Path, data: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def _write_all(store: Store, writes: Mapping[str, str]) -> None:
    for rel, text in writes.items():
        store.write_text(store.root / rel, text)


def _undo(store: Store, originals: Mapping[str, str | None], *, strict: bool = False) -> None:
    for rel, text in originals.items():
        path = store.root / rel
        for leftover in path.parent.glob(".incident-*.tmp"):
            leftover.unlink(missing_ok=True)  # a write killed between its temp file and the rename
        if text is None:
            path.unlink(missing_ok=True)
            _remove_empty_parents(path.parent, store.incidents)
        elif _current(path) != text:
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
