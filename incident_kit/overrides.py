"""No silent override: what someone else decided about an incident since this clone last saw it.

With `--push`, a command runs on the remote's latest state. For a note that is what everyone
wants; for a decision it is not: alice's clone says `mitigated`, bob has reopened it meanwhile,
and alice's `resolve` would turn bob's `investigating` into `resolved` without either of them
knowing. So a change that sets one of the decided fields (`status`, `severity`, `commander`)
is refused when someone else set that same field since the version this clone had, naming who,
what and when (pure: file versions in, findings out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from incident_kit.errors import FileFormatError
from incident_kit.markdown import field_scan, frontmatter

DECIDED = ("status", "severity", "commander")


class Commit(Protocol):
    """What is known of a commit that changed the file (`git.history.Commit` is one)."""

    @property
    def sha(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def date(self) -> str: ...
    @property
    def subject(self) -> str: ...


@dataclass(frozen=True)
class Override:
    """`field` went from `was` (what this clone last saw) to `now`, last set by `commit`."""

    field: str
    was: Any
    now: Any
    commit: Commit

    def describe(self) -> str:
        return (
            f"{self.commit.author} changed {self.field} from {_shown(self.was)} to {_shown(self.now)} at "
            f"{_utc(self.commit.date)} (commit {self.commit.sha[:12]}: {self.commit.subject})"
        )


def _utc(date: str) -> str:
    """git's ISO 8601 author date in UTC, as the incident files write times."""
    from datetime import UTC, datetime

    try:
        return datetime.fromisoformat(date).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return date


def _shown(value: Any) -> str:
    return "nothing" if value in (None, "") else str(value)


def decided_by_others(
    known: str | None, versions: Sequence[tuple[Commit, str | None]], fields: Sequence[str], actor: str
) -> list[Override]:
    """For each of `fields` that differs now from the `known` version: the last change to it
    made by someone other than `actor` (a person's own change from another clone is theirs to
    know). `versions` are the commits since `known` that touched the file, oldest first."""
    if known is None or not versions:
        return []
    seen = _fields(known)
    states = [(commit, _fields(text)) for commit, text in versions]
    found = []
    for field in fields:
        if states[-1][1].get(field) == seen.get(field):
            continue  # set and set back, or set to what this clone already had
        previous, last = seen.get(field), None
        for commit, state in states:
            if state.get(field) != previous and commit.author != actor:
                last = Override(field, seen.get(field), state.get(field), commit)
            previous = state.get(field)
        if last is not None:
            found.append(Override(field, last.was, states[-1][1].get(field), last.commit))
    return found


def _fields(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        document = frontmatter.split(text, "incident.md")
        scanned = field_scan.scan(document.frontmatter)
        return scanned if scanned is not None else frontmatter.load(document.frontmatter, "incident.md")
    except FileFormatError:
        return {}


def refusal(incident_id: str, action: str, overrides: Sequence[Override]) -> str:
    """The one line that stops the command: who changed what and when, and how to go ahead."""
    what = "; ".join(override.describe() for override in overrides)
    return (
        f"{incident_id}: {what}, after this clone last saw it; your {action} was not applied. "
        f"This clone has their change now (`incident show {incident_id}`); to apply yours anyway, "
        "run the command again (--override skips this check)"
    )
