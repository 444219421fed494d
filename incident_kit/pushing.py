"""Landing a change on the remote (`--push`): on its default branch, on its latest state, once.

The clone first catches up with the remote, then the *operation* runs on that state and its
commit is pushed. On a rejected (non-fast-forward) push the local commit is dropped, the remote
fetched, and the operation runs again: ids are allocated and dedup decided against what actually
landed, never by text-merging our commit onto theirs. A push that "succeeds" because the remote
already had the very same commit (another run built it byte for byte: same parent, content,
author and second) counts as lost too, so no two answers claim one occurrence.

Decisions are not replayed blindly: a change that sets `status`, `severity` or `commander`
is refused when someone else set that field since the version this clone had (`overrides`),
unless the person says `--override`. Notes, links and alert deliveries keep replaying.

Bounded retries with jitter; when the write cannot land the command fails loudly, with the
change committed locally so nothing is lost.
"""

from __future__ import annotations

import time

from incident_kit import overrides
from incident_kit.change import Change, Operation, Outcome
from incident_kit.context import Context
from incident_kit.errors import GitError, IncidentKitError, RefusedError
from incident_kit.git import history, remote, repository
from incident_kit.store import INCIDENT_FILE, Store
from incident_kit.transaction import commit_hand_edits, execute, recover

# how long to keep re-running an operation whose push loses the race to other writers
PUSH_BUDGET_SECONDS = 90.0
STALE_LOCK_ATTEMPTS = 4
pause = time.sleep  # between retries; a test that races writers may shorten it


def _jitter() -> float:
    """A factor in [0.5, 1.5), so racing writers spread out."""
    import random  # only a retry needs it: ~1 ms of imports spared on every other command

    return random.uniform(0.5, 1.5)


def push_with_retry(ctx: Context, operation: Operation, *, override: bool = False) -> Outcome:
    """The caller holds the clone's lock."""
    remote_name, branch = remote.upstream(ctx.root)
    _check_default_branch(ctx, remote_name, branch)
    recover(ctx.root)  # a command killed earlier on this clone: roll it back before fetching
    known = repository.head(ctx.root) if repository.has_commits(ctx.root) else None
    guarded = operation if override else _refusing_overrides(ctx, operation, known)
    rejection = ""
    deadline = time.monotonic() + PUSH_BUDGET_SECONDS
    attempt = stale_locks = 0
    outcome: Outcome | None = None
    while True:
        attempt += 1
        try:
            _catch_up(ctx, operation, remote_name, branch)
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


def _check_default_branch(ctx: Context, remote_name: str, branch: str) -> None:
    """Incidents live on the default branch: the one the workflows watch and people read. A
    push anywhere else would say "declared" and tell nobody."""
    default = remote.default_branch(ctx.root, remote_name)
    if default is None or default == branch:
        return
    current = repository.current_branch(ctx.root)
    where = f"is on {current}" if current == branch else f"is on {current}, which pushes to {branch}"
    raise RefusedError(
        f"--push writes incidents to {default}, the default branch of {remote_name}, but this clone "
        f"{where}; nothing was recorded: `git switch {default}` and run the command again, or "
        f"use --no-push to commit it on {current} only"
    )


def _catch_up(ctx: Context, operation: Operation, remote_name: str, branch: str) -> None:
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


def _refusing_overrides(ctx: Context, operation: Operation, known: str | None) -> Operation:
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
