"""Incident folders on disk: find them, resolve an id prefix, read them, write them safely.

Layout: `incidents/<YYYY-MM>/<id>-<slug>/incident.md` (see docs/file-format.md). Writes go
to a temporary file in the same folder and are renamed into place, so a killed process
leaves either the old file or the new one, never half of one; nothing is ever written
through a symlink or outside the repository.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from incident_kit import ids, repo_files
from incident_kit.errors import FileFormatError, NotFoundError
from incident_kit.ids import id_from_folder
from incident_kit.markdown import field_scan as fastscan
from incident_kit.markdown import frontmatter
from incident_kit.vocabulary import OPEN_STATUSES

INCIDENTS = "incidents"
INCIDENT_FILE = "incident.md"
POSTMORTEM_FILE = "postmortem.md"
_MONTH = re.compile(r"^\d{4}-\d{2}$")
MONTH = _MONTH  # the name of a month folder


class IncidentFile(NamedTuple):
    """One incident.md as read: its text split, and its frontmatter as plain data."""

    folder: Path  # absolute
    rel: str  # folder relative to the repository root
    document: frontmatter.Document
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.data.get("id") or id_from_folder(self.folder.name) or self.folder.name)

    @property
    def source(self) -> str:
        return f"{self.rel}/{INCIDENT_FILE}"


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.incidents = self.root / INCIDENTS

    # -- finding ---------------------------------------------------------------------------

    def folders(self) -> Iterator[Path]:
        """Every incident folder, month folders first, in name order."""
        if not self.incidents.is_dir():
            return
        for month in sorted(os.scandir(self.incidents), key=lambda e: e.name):
            if not month.is_dir(follow_symlinks=False) or not _MONTH.match(month.name):
                continue
            for entry in sorted(os.scandir(month.path), key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False) and id_from_folder(entry.name):
                    yield Path(entry.path)

    def names(self, months: list[str] | None = None) -> Iterator[tuple[str, str]]:
        """(month, folder name) of incident folders, unsorted: the cheap walk for lookups."""
        if not self.incidents.is_dir():
            return
        for month in months if months is not None else os.listdir(self.incidents):
            if not _MONTH.match(month):
                continue
            try:
                names = os.listdir(self.incidents / month)
            except OSError:  # not a folder, gone, a symlink loop, unreadable: nothing to list
                continue
            for name in names:
                if name.startswith("inc-"):
                    yield month, name

    def resolve(self, ref: str) -> Path:
        """The one folder an id, id prefix, random-part prefix or folder name points at.

        An id names its month (`inc-20261126-…` lives in `2026-11/`), so a full id or a prefix
        that includes the date reads one month folder, not all of them.
        """
        wanted = ref.strip().lower().rstrip("/")
        wanted = wanted.rsplit("/", 1)[-1]
        if not wanted:
            raise NotFoundError("no incident id given")
        if not wanted.startswith("inc-") and len(wanted) >= 9 and wanted[:8].isdigit():
            wanted = "inc-" + wanted  # `20261126-k3f7`
        wanted = ids.with_spoken_code(wanted)
        month = ids.month_of(wanted)
        months = [month] if month else None
        matches: list[Path] = []
        for month, name in self.names(months):
            incident_id = ids.id_part(name)
            if incident_id == wanted or name == wanted:
                folder = self.incidents / month / name
                if id_from_folder(name) and folder.is_dir() and not folder.is_symlink():
                    return folder
            if (
                name.startswith(wanted) or (len(wanted) >= 2 and ids.code_of(incident_id).startswith(wanted))
            ) and id_from_folder(name):
                matches.append(self.incidents / month / name)
        matches = [m for m in matches if m.is_dir() and not m.is_symlink()]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFoundError(
                f"no incident matches {ref!r}{self._did_you_mean(wanted)} (try `incident list`)"
            )
        raise NotFoundError(
            f"{ref!r} is ambiguous: it matches {self._describe(matches)}; type more of the id"
        )

    def _did_you_mean(self, wanted: str) -> str:
        """A full id whose date is off (declared just before midnight UTC): the same code on
        another day, if exactly one incident has it."""
        if not ids.ID_PATTERN.match(wanted):
            return ""
        code = ids.code_of(wanted)
        same_code = [
            ids.id_part(name)
            for _, name in self.names()
            if ids.code_of(name) == code and id_from_folder(name)
        ]
        return f"; did you mean {same_code[0]}?" if len(same_code) == 1 else ""

    def _describe(self, folders: list[Path], shown: int = 10, read_at_most: int = 50) -> str:
        """`inc-… (triage), inc-… (closed)`: open incidents first, then newest first, so the one
        someone at 3 a.m. most likely meant leads the list. A prefix that matches hundreds
        lists the newest, without reading them."""
        newest_first = sorted(folders, key=lambda folder: folder.name, reverse=True)
        reading = len(newest_first) <= read_at_most
        described = [(folder.name, self._status_of(folder) if reading else None) for folder in newest_first]
        described.sort(key=lambda item: item[1] not in OPEN_STATUSES)  # stable: still newest first
        text = ", ".join(
            f"{id_from_folder(name) or name}{f' ({status})' if status else ''}"
            for name, status in described[:shown]
        )
        return text + (f" and {len(described) - shown} more" if len(described) > shown else "")

    def _status_of(self, folder: Path) -> str:
        try:
            status = self.read(folder, summary_only=True).data.get("status")
        except (OSError, FileFormatError):
            return "unreadable"
        return status if isinstance(status, str) and status.isidentifier() else "no status"

    def ids(self, month: str | None = None) -> set[str]:
        """Ids in use (in one month folder: where a new id of that month could clash)."""
        names = self.names([month] if month else None)
        return {ids.id_part(name) for _, name in names if id_from_folder(name)}

    def by_tracking_issue(self, number: int) -> Path | None:
        """The incident whose `tracking_issue` is `number` (the newest, if hands made two).

        A text search of the frontmatters first (`tracking_issue: 12` is one line), then the
        candidates parsed for real, so a comment or a body line that looks alike never counts.
        """
        line = re.compile(rf"^tracking_issue:[ \t]*[\"']?{int(number)}[\"']?[ \t]*(?:#.*)?$", re.M)
        for folder in sorted(self.folders(), key=lambda f: f.name, reverse=True):
            try:
                text = self.read_text(folder / INCIDENT_FILE)
                if not line.search(text.split("\n---", 1)[0]):
                    continue
                if self.read(folder).data.get("tracking_issue") == int(number):
                    return folder
            except (OSError, FileFormatError):
                continue  # a broken file tracks nothing; validate reports it
        return None

    # -- reading ---------------------------------------------------------------------------

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def read_text(self, path: Path) -> str:
        """A file of the repository, through the one safe reader (`repo_files`)."""
        return repo_files.read_text(self.root, path)

    def read(self, folder: Path, *, summary_only: bool = False) -> IncidentFile:
        """The incident's file; `summary_only` reads just the summary keys with the line
        scanner when it can (no YAML library: what a transition needs, ~20 ms sooner)."""
        path = folder / INCIDENT_FILE
        text = self.read_text(path)
        source = self.rel(path)
        document = frontmatter.split(text, source)
        scanned = fastscan.scan(document.frontmatter) if summary_only else None
        data = scanned if scanned is not None else frontmatter.load(document.frontmatter, source)
        return IncidentFile(folder=folder, rel=self.rel(folder), document=document, data=data)

    # -- writing ---------------------------------------------------------------------------

    def check_inside(self, path: Path) -> None:
        """Refuse any path that leaves the repository, through `..` or a symlink."""
        repo_files.check_inside(self.root, path)

    def write_text(self, path: Path, text: str, *, durable: bool = True) -> None:
        """Atomically replace (or create) a file, keeping its mode; `durable` flushes it to
        the disk (fsync) before the rename."""
        self.check_inside(path)  # before mkdir: never create folders through a symlink
        path.parent.mkdir(parents=True, exist_ok=True)
        self.check_inside(path)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        fd, temp = new_temp_file(path.parent, ".incident-", ".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.chmod(temp, mode)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def new_temp_file(folder: Path, prefix: str, suffix: str = "") -> tuple[int, str]:
    """A new file in `folder` that only this call can have created, open for writing.

    What `tempfile.mkstemp` does, without importing `tempfile` and `random` (~1 ms a command).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(100):
        name = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder}: no free temporary file name")
