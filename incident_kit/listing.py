"""Summaries of every incident, for list, stats, the index and dedup — fast at 10,000.

A per-clone cache (`.git/incident-kit/summaries.json`) keeps each incident.md's summary fields
keyed by the file's size, mtime, ctime and inode: any write to the file — a hand edit, a
checkout of another branch, a pull — changes its ctime, so a stale entry is never served.
Files the cache does not know are read with `fastscan` (a line scanner), falling back to the
YAML parser only for frontmatter it does not model. A deleted or unreadable cache just costs
one cold run.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from incident_kit import action_items, fastscan, frontmatter
from incident_kit.errors import FileFormatError
from incident_kit.frontmatter import format_timestamp
from incident_kit.ids import id_from_folder
from incident_kit.model import ActionItem, IncidentSummary
from incident_kit.store import (
    INCIDENT_FILE,
    INCIDENTS,
    POSTMORTEM_FILE,
    Store,
    as_datetime,
    flat_fields,
    new_temp_file,
    summary_from,
)

CACHE_VERSION = 2


def cache_path(root: Path) -> Path:
    from incident_kit.git import git_dir

    return git_dir(root) / "incident-kit" / "summaries.json"


Row = tuple[str, dict[str, Any]]  # (folder relative to the root, flat summary fields)


def load_rows(root: Path, *, warn: bool = True) -> list[Row]:
    """Every readable incident's summary fields, timestamps as canonical `…Z` text.

    Broken files are skipped with a warning on stderr (`incident validate` explains them).
    """
    store = Store(root)
    path = cache_path(store.root)
    cached = _read_cache(path)
    entries: dict[str, list[Any]] = {}
    rows: list[Row] = []
    dirty = False
    for month, name in store.names():
        if not id_from_folder(name):
            continue
        rel = f"{INCIDENTS}/{month}/{name}"
        try:
            stat = os.lstat(f"{store.root}/{rel}/{INCIDENT_FILE}")
        except (FileNotFoundError, NotADirectoryError):
            continue
        key = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
        hit = cached.get(rel)
        if hit is not None and hit[0] == key:
            fields = hit[1]
        else:
            try:
                fields = _read_fields(store, store.root / rel / INCIDENT_FILE)
            except FileFormatError as error:
                if warn:
                    sys.stderr.write(f"incident: skipped {error.message} (see `incident validate`)\n")
                continue
            dirty = True
        entries[rel] = [key, fields]
        rows.append((rel, fields))
    if dirty or len(entries) != len(cached):
        _write_cache(path, entries)
    rows.sort(key=lambda row: row[0])
    return rows


def load_summaries(root: Path, *, warn: bool = True) -> list[IncidentSummary]:
    return [summary_from(rel, fields) for rel, fields in load_rows(root, warn=warn)]


def _read_fields(store: Store, file: Path) -> dict[str, Any]:
    text = store.read_text(file)
    source = store.rel(file)
    document = frontmatter.split(text, source)
    fields = fastscan.scan(document.frontmatter)
    if fields is None:
        fields = flat_fields(frontmatter.load(document.frontmatter, source))
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key.endswith("_at"):
            stamp = as_datetime(value)
            out[key] = format_timestamp(stamp) if stamp else None
        else:
            out[key] = _jsonable(value)
    return out


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _read_cache(path: Path) -> dict[str, list[Any]]:
    try:
        document = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict) or document.get("version") != CACHE_VERSION:
        return {}
    entries = document.get("entries")
    return entries if isinstance(entries, dict) else {}


def _write_cache(path: Path, entries: dict[str, list[Any]]) -> None:
    """Best effort: a cache that cannot be written only makes the next run slower."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = new_temp_file(path.parent, ".summaries-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # dumps, not dump: dump streams through the pure-Python encoder (10x slower)
            handle.write(json.dumps({"version": CACHE_VERSION, "entries": entries}, separators=(",", ":")))
        os.replace(temp, path)
    except OSError:
        return


def load_action_items(root: Path) -> list[ActionItem]:
    """Every action item of every post-mortem (line-based; no Markdown parsing)."""
    store = Store(root)
    items: list[ActionItem] = []
    for folder in store.folders():
        path = folder / POSTMORTEM_FILE
        if not path.is_file():
            continue
        incident_id = id_from_folder(folder.name) or folder.name
        try:
            found, _ = action_items.parse(incident_id, store.read_text(path), store.rel(path))
        except FileFormatError:
            continue  # validate reports it; stats and the index go on without it
        items.extend(found)
    return items
