"""What `--push` checks so a change lands where and as it should.

- **The default branch**: incidents live on the branch the workflows watch and people read; a
  push anywhere else would say "declared" and tell nobody.
- **A person's uncommitted edits** of the very files the command writes would block catching up
  with the remote: they are committed first as the person's own (`hand_edits`); anyone else's
  uncommitted files in the way stop the command in one line.
- **No silent override**: with `--push` a command runs on the remote's latest state. For a note
  that is what everyone wants; for a decision it is not: a change that sets `status`, `severity`
  or `commander` is refused when someone else set that field since the version this clone had
  (`overrides`), unless the person says `--override`.
"""

from __future__ import annotations

from pathlib import Path

from incident_kit import overrides
from incident_kit.change import Change, Operation
from incident_kit.context import Context
from incident_kit.errors import IncidentKitError, RefusedError
from incident_kit.git import history, remote, repository
from incident_kit.hand_edits import commit_hand_edits
from incident_kit.store import INCIDENT_FILE, Store


def check_default_branch(root: Path, remote_name: str, branch: str) -> None:
    """Incidents live on the default branch: the one the workflows watch and people read. A
    push anywhere else would say "declared" and tell nobody."""
    default = remote.default_branch(root, remote_name)
    if default is None or default == branch:
        return
    current = repository.current_branch(root)
    where = f"is on {current}" if current == branch else f"is on {current}, which pushes to {branch}"
    raise RefusedError(
        f"--push writes incidents to {default}, the default branch of {remote_name}, but this clone "
        f"{where}; nothing was recorded: `git switch {default}` and run the command again, or "
        f"use --no-push to commit it on {current} only"
    )


def catch_up(ctx: Context, operation: Operation, remote_name: str, branch: str) -> None:
    """Catch up with the remote. Uncommitted edits of the very files the command writes would
    block it: they are committed first as the person's own, then rebased like any local commit.
    Anyone else's uncommitted files in the way stop the command with what to do."""
    try:
        remote.catch_up(ctx.root, remote_name, branch)
    except remote.LocalChanges as blocked:
        change = _preview(ctx, operation)
        if change is None or not set(blocked.paths) <= set(change.writes):
            raise
        commit_hand_edits(ctx.root, blocked.paths, change, ctx.actor)
        remote.catch_up(ctx.root, remote_name, branch)


def _preview(ctx: Context, operation: Operation) -> Change | None:
    """What the operation would write on the clone's current files (nothing is written)."""
    try:
        return operation(Store(ctx.root))
    except IncidentKitError:
        return None


def refusing_overrides(ctx: Context, operation: Operation, known: str | None) -> Operation:
    """`operation`, refusing a decision someone else's change since `known` contradicts."""

    def guarded(store: Store) -> Change:
        change = operation(store)
        if not change.decides or known is None or repository.head(ctx.root) == known:
            return change
        path = next((rel for rel in change.writes if rel.endswith(f"/{INCIDENT_FILE}")), None)
        if path is None:
            return change
        was, versions = history.versions_since(ctx.root, known, path)
        found = overrides.decided_by_others(was, versions, change.decides, ctx.actor.name)
        if found:
            action = change.trailers.get("Action", "change")
            raise RefusedError(overrides.refusal(change.incident_id or path, action, found))
        return change

    return guarded
