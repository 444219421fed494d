"""Commit a change locally and, with `--push`, make it land on the remote.

On a rejected (non-fast-forward) push the local commit is dropped, the remote state is
fetched, and the *operation* runs again on it: ids are allocated and dedup decided against
what actually landed, never by text-merging our commit onto theirs. Bounded retries with
jitter; when the write cannot land the command fails loudly, and the repository is left
usable with the change committed locally so nothing is lost.
"""

from __future__ import annotations

import sys
import time

from incident_kit import git
from incident_kit.context import Context
from incident_kit.errors import GitError
from incident_kit.operations import Operation, Outcome, execute, recover

# how long to keep re-running an operation whose push loses the race to other writers
PUSH_BUDGET_SECONDS = 90.0
STALE_LOCK_ATTEMPTS = 4


def _jitter() -> float:
    """A factor in [0.5, 1.5), so racing writers spread out."""
    import random  # only a retry needs it: ~1 ms of imports spared on every other command

    return random.uniform(0.5, 1.5)


def publish(ctx: Context, operation: Operation, *, push: bool | None) -> Outcome:
    with git.lock(ctx.root):
        if not ctx.wants_push(push):
            outcome = execute(ctx.root, operation, ctx.actor)
            if outcome.commit and git.detached(ctx.root):
                sys.stderr.write(
                    f"incident: warning: HEAD is detached, so commit {outcome.commit[:12]} is on no branch; "
                    "`git switch -c NAME` keeps it on a new branch\n"
                )
            return outcome
        return _push_with_retry(ctx, operation)


def _push_with_retry(ctx: Context, operation: Operation) -> Outcome:
    remote, branch = git.upstream(ctx.root)
    rejection = ""
    recover(ctx.root)  # a command killed earlier on this clone: roll it back before fetching
    deadline = time.monotonic() + PUSH_BUDGET_SECONDS
    attempt = stale_locks = 0
    outcome: Outcome | None = None
    while True:
        attempt += 1
        try:
            git.catch_up(ctx.root, remote, branch)
        except git.RemoteUnreachable as error:
            return _commit_offline(ctx, operation, error)
        base = git.head(ctx.root) if git.has_commits(ctx.root) else None
        outcome = execute(ctx.root, operation, ctx.actor)
        if outcome.commit is None and not git.ahead_of(ctx.root, remote, branch):
            return outcome
        result = git.push(ctx.root, remote, branch)
        if result.ok:
            return outcome
        rejection = result.message
        if not result.rejected or base is None or outcome.commit is None:
            break
        stale_locks = stale_locks + 1 if "lock file" in rejection else 0
        if stale_locks >= STALE_LOCK_ATTEMPTS:
            break  # the same lock, again and again: left over on the remote, not a race
        if time.monotonic() > deadline:
            rejection = f"other writers kept landing first ({rejection})"
            break
        git.drop_last_commit(ctx.root, base)
        # short, jittered waits: under a burst the winner changes every few hundred ms
        time.sleep(min(1.0, 0.05 * 2 ** min(attempt, 5)) * _jitter())
    what = _what(outcome)
    where = f"{what}committed locally as {git.head(ctx.root)[:12]}" if git.has_commits(ctx.root) else ""
    raise GitError(
        f"push to {remote}/{branch} failed after {attempt} attempt(s): {rejection}; "
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
