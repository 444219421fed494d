"""Finding an alert's incidents: candidates by the codes in their ids, and what each candidate's
file said about its alert, remembered while the file is unchanged.

An incident declared from an alert carries one of its dedup key's codes in its id
(`ids.alert_codes`), so the folder names alone narrow 10,000 incidents to the few declared for
the key. Each candidate must still be checked (a hand edit can change its key or status), but the
closed ones of a long-lived alert are most of them and never change: `Verdicts` keeps each
candidate's dedup key, status and `merged_into` in `.git/incident-kit/alert-homes.v1`, keyed by
the file's size, mtime, ctime and inode (as the summaries cache is), so a candidate costs one
`stat` instead of a read and a scan. Any write to the file changes its ctime, so a stale verdict
is never served; a missing or damaged cache costs one slower run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from stat import S_ISREG
from typing import Any

from incident_kit import ids
from incident_kit.errors import FileFormatError
from incident_kit.store import INCIDENT_FILE, Store, new_temp_file

CACHE_NAME = "alert-homes.v1"
_DAYS = tuple(f"{day:02d}" for day in range(1, 32))


def candidates(store: Store, dedup_key: str) -> list[tuple[str, str]]:
    """(month, folder name) of every incident whose id carries one of the key's codes for its
    day, the newest first (later codes of the same day were taken later).

    Only the days some folder name carries are hashed (`AlertCodes.on` remembers each): a
    small repository has incidents on a few days of each month."""
    codes = ids.AlertCodes(dedup_key)
    found: list[tuple[str, int, str, str]] = []
    for month, name in store.names():
        day = ids.day_of(name)
        day_codes = codes.on(day)
        code = ids.code_of(name)
        if code not in day_codes or not ids.id_from_folder(name):
            continue
        if not _in_month(name, day, month) and code not in _month_codes(codes, month):
            continue  # a name filed under another month counts only by its folder's days
        found.append((day, day_codes.index(code), month, name))
    return [(month, name) for _, _, month, name in sorted(found, reverse=True)]


def _in_month(name: str, day: str, month: str) -> bool:
    """Whether `name` is filed under its own month, on a day that exists."""
    return ids.month_of(name) == month and day[6:] in _DAYS


def _month_codes(codes: ids.AlertCodes, month: str) -> set[str]:
    stem = month.replace("-", "")
    return {code for day in _DAYS for code in codes.on(stem + day)}


Verdict = tuple[Any, Any, Any]  # (alert dedup key, status, merged_into) as the file says them


class Verdicts:
    """What candidate files said about their alert, by the file's stat (see the module doc)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.path = _cache_path(store.root)
        self.entries = _read(self.path)
        self.changed = False

    def of(self, folder: Path) -> Verdict | None:
        """The incident's (dedup key, status, merged_into); None when it has no readable file."""
        try:
            info = os.stat(folder / INCIDENT_FILE)
        except OSError:
            return None
        if not S_ISREG(info.st_mode):
            return None  # not a file: no alert's home
        key = f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"
        rel = self.store.rel(folder)
        cached = self.entries.get(rel)
        if cached is not None and cached[0] == key:
            return (cached[1], cached[2], cached[3])
        try:
            data = self.store.read(folder, summary_only=True).data
        except FileFormatError:
            return None  # validate reports a broken file; it is no alert's home
        verdict = (_dedup_key(data), data.get("status"), data.get("merged_into"))
        if all(value is None or isinstance(value, str) for value in verdict):
            self.entries[rel] = [key, *verdict]
            self.changed = True
        return verdict

    def save(self) -> None:
        """Best effort: a cache that cannot be written only makes the next run slower."""
        if not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = new_temp_file(self.path.parent, ".alert-homes-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"version": 1, "entries": self.entries}, handle)
            os.replace(temp, self.path)
        except OSError:
            return
        self.changed = False


def _dedup_key(data: Mapping[str, Any]) -> Any:
    """The dedup key, from full frontmatter or the line scanner's flat fields (`alert.dedup_key`)."""
    alert = data.get("alert")
    return alert.get("dedup_key") if isinstance(alert, Mapping) else data.get("alert.dedup_key")


def _cache_path(root: Path) -> Path:
    from incident_kit.git.repository import git_dir

    return git_dir(root) / "incident-kit" / CACHE_NAME


def _read(path: Path) -> dict[str, list[Any]]:
    try:
        document = json.loads(path.read_text("utf-8"))
        entries = document["entries"] if document.get("version") == 1 else {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {
        rel: entry
        for rel, entry in entries.items()
        if isinstance(entry, list) and len(entry) == 4 and isinstance(entry[0], str)
    }
