"""One change to the incident files, as data: what to write, the commit message, the result.

An operation is a pure function from the repository's current files (`Store`) to a `Change`.
Keeping it a function rather than a diff is what lets `--push` re-run it on the fresh remote
state after a rejected push, so id allocation and dedup are decided again instead of text-merged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from incident_kit.git.repository import Actor
from incident_kit.store import Store


class Change(NamedTuple):
    incident_id: str | None
    subject: str  # the commit subject after "<id>: "
    writes: Mapping[str, str]  # repository-relative path -> the file's complete new text
    trailers: Mapping[str, str] = {}
    result: Mapping[str, Any] = {}
    detail: str = ""  # optional commit body paragraph
    # frontmatter keys this change decides (status, severity, commander): with --push it is
    # refused if someone else set one of them since this clone last saw the incident
    decides: tuple[str, ...] = ()

    def message(self, actor: Actor) -> str:
        """The commit message. The subject and each trailer are one line whatever they were
        given, so no value (a title, a reason, a name) can add a trailer of its own."""
        subject = f"{self.incident_id}: {self.subject}" if self.incident_id else self.subject
        trailers = dict(self.trailers)
        if self.incident_id:
            trailers = {"Incident": self.incident_id, **trailers}
        trailers["Actor"] = actor.name
        lines = [_one_line(subject), ""]
        if self.detail:
            lines += [self.detail, ""]
        lines += [f"{_one_line(key)}: {_one_line(value)}" for key, value in trailers.items()]
        return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    if "\n" not in text and "\r" not in text and text.isprintable():
        return text  # the usual case, at no cost
    from incident_kit.sanitize import clean_line

    return clean_line(text, 1000)


Operation = Callable[[Store], Change]

# The GitHub comment a command runs for (`github-event` sets it): its commit carries
# `Incident-Kit-Comment: <id>`, so a re-run of a run that crashed after the commit and before
# its reply finds the command done and only answers (`git.history.commit_with_trailer`).
SOURCE_COMMENT_ENV = "INCIDENT_KIT_SOURCE_COMMENT"
SOURCE_COMMENT_TRAILER = "Incident-Kit-Comment"


def with_trailers(operation: Operation, trailers: Mapping[str, str]) -> Operation:
    """`operation`, its commit carrying `trailers` as well."""

    def marked(store: Store) -> Change:
        change = operation(store)
        return change._replace(trailers={**change.trailers, **trailers})

    return marked


class Outcome(NamedTuple):
    change: Change
    commit: str | None  # None when the change wrote nothing
