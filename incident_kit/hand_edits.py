"""A person's uncommitted edits stay theirs: committed as their own before the tool's change.

A command rewrites a whole file (a note adds a line to `incident.md`); a file someone had
edited without committing would carry their edits into the tool's commit, so the audit trail
would say the CLI wrote them. `transaction.execute` finds such files at no cost while it commits
(`tree_commit.Diverged`), and `--push` when catching up would overwrite them; both commit them
here first, as the person's own commit, and then make the change on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from incident_kit.change import Change
from incident_kit.git import commit as git_commit
from incident_kit.git import repository, worktree
from incident_kit.git.repository import Actor


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
