"""Running one change: compute it from the current files, write it, commit it — all or nothing.

An operation is a function from the repository's current state to a `Change` (files to
write, the commit message, the result to report). Keeping it a function rather than a
diff is what lets `--push` re-run it on the fresh remote state after a rejected push, so id
allocation and dedup are decided again instead of text-merged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incident_kit import git
from incident_kit.store import Store


@dataclass(frozen=True)
class Change:
    incident_id: str | None
    subject: str  # the commit subject after "<id>: "
    writes: Mapping[str, str]  # repository-relative path -> the file's complete new text
    trailers: Mapping[str, str] = field(default_factory=dict)
    result: Mapping[str, Any] = field(default_factory=dict)
    detail: str = ""  # optional commit body paragraph

    def message(self, actor: git.Actor) -> str:
        subject = f"{self.incident_id}: {self.subject}" if self.incident_id else self.subject
        trailers = dict(self.trailers)
        if self.incident_id:
            trailers = {"Incident": self.incident_id, **trailers}
        trailers["Actor"] = actor.name
        lines = [subject, ""]
        if self.detail:
            lines += [self.detail, ""]
        lines += [f"{key}: {value}" for key, value in trailers.items()]
        return "\n".join(lines) + "\n"


Operation = Callable[[Store], Change]


@dataclass(frozen=True)
class Outcome:
    change: Change
    commit: str | None  # None when the change wrote nothing


def execute(root: Path, operation: Operation, actor: git.Actor) -> Outcome:
    """Compute, write and commit one change; undo the writes if the commit fails.

    The caller holds `git.lock(root)` so two processes on one clone never interleave.
    """
    store = Store(root)
    change = operation(store)
    if not change.writes:
        return Outcome(change, None)
    originals = _write_all(store, change.writes)
    try:
        sha = git.commit(root, list(change.writes), change.message(actor), actor)
    except BaseException:
        _undo(store, originals)
        raise
    return Outcome(change, sha)


def _write_all(store: Store, writes: Mapping[str, str]) -> dict[str, str | None]:
    originals: dict[str, str | None] = {}
    try:
        for rel, text in writes.items():
            path = store.root / rel
            originals[rel] = path.read_text("utf-8") if path.exists() else None
            store.write_text(path, text)
    except BaseException:
        _undo(store, originals)
        raise
    return originals


def _undo(store: Store, originals: Mapping[str, str | None]) -> None:
    for rel, text in originals.items():
        path = store.root / rel
        if text is None:
            path.unlink(missing_ok=True)
            _remove_empty_parents(path.parent, store.incidents)
        else:
            store.write_text(path, text)
    git.run(store.root, "reset", "-q", "--", *originals, check=False)


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
