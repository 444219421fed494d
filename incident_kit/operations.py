"""Running one change: compute it from the current files, write it, commit it — all or nothing.

An operation is a function from the repository's current state to a `Change` (files to
write, the commit message, the result to report). Keeping it a function rather than a
diff is what lets `--push` re-run it on the fresh remote state after a rejected push, so id
allocation and dedup are decided again instead of text-merged.
"""

from __future__ import annotations

import json
import os
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


JOURNAL = "incident-kit/pending.json"


def execute(root: Path, operation: Operation, actor: git.Actor) -> Outcome:
    """Compute, write and commit one change; undo the writes if the commit fails.

    The caller holds `git.lock(root)` so two processes on one clone never interleave. A journal
    written before the files and removed after the commit lets the next command roll back a
    change whose process was killed in between, so running the command again does it once.
    """
    recover(root)
    store = Store(root)
    change = operation(store)
    if not change.writes:
        return Outcome(change, None)
    message = change.message(actor)
    originals = {rel: _current(store.root / rel) for rel in change.writes}
    journal = git.git_dir(root) / JOURNAL
    _write_journal(
        journal,
        {
            "message": message,
            "base": git.head(root) if git.has_commits(root) else None,
            "originals": originals,
        },
    )
    try:
        _write_all(store, change.writes)
        sha = git.commit(root, list(change.writes), message, actor)
    except BaseException:
        _undo(store, originals)
        journal.unlink(missing_ok=True)
        raise
    journal.unlink(missing_ok=True)
    return Outcome(change, sha)


def recover(root: Path) -> None:
    """Roll back what a killed command left between its file writes and its commit.

    Runs under `git.lock`, so an `index.lock` marked as incident-kit's is a killed commit's.
    """
    from incident_kit.git_tree import IndexLock

    git_dir = git.git_dir(root)
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
    landed = git.has_commits(root) and git.head(root) != base and git.last_message(root) == message.strip()
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
    if git.has_commits(store.root):
        git.run(store.root, "reset", "-q", "--", *originals, check=strict)
    elif tracked:
        git.run(store.root, "rm", "-q", "--cached", "--ignore-unmatch", "--", *originals, check=strict)


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
