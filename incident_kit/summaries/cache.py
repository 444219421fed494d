"""Summaries of every incident, for list, stats, the index and dedup — fast at 10,000.

A per-clone cache (`.git/incident-kit/summaries.v4`) keeps each incident.md's summary fields
keyed by the file's size, mtime, ctime and inode: any write to the file — a hand edit, a
checkout of another branch, a pull — changes its ctime, so a stale entry is never served.
Files the cache does not know are read with `fastscan` (a line scanner), falling back to the
YAML parser only for frontmatter it does not model. A deleted or unreadable cache just costs
one cold run.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from incident_kit import action_items
from incident_kit.errors import FileFormatError
from incident_kit.ids import id_from_folder
from incident_kit.markdown import field_scan as fastscan
from incident_kit.markdown import frontmatter
from incident_kit.markdown.frontmatter import format_timestamp
from incident_kit.model import ActionItem, IncidentSummary
from incident_kit.store import INCIDENT_FILE, INCIDENTS, POSTMORTEM_FILE, Store, new_temp_file
from incident_kit.summaries.fields import as_datetime, flat_fields, list_item, salvage, summary_from

CACHE_NAME = "summaries.v4"  # v4: last_update_at
_HEADER = "incident-kit summaries 4"


def cache_path(root: Path) -> Path:
    from incident_kit.git.repository import git_dir

    return git_dir(root) / "incident-kit" / CACHE_NAME


@dataclass(frozen=True, slots=True)
class Entry:
    """One incident's cached summary: what `list` sorts and filters on, its `list --format json`
    object already encoded, and the flat fields as JSON (decoded only when asked for)."""

    rel: str  # the folder, relative to the root
    status: str
    severity: str
    declared_at: str
    item_json: str
    fields_json: str
    salvaged: bool = False  # read line by line from a frontmatter that does not parse (never cached)

    @property
    def fields(self) -> dict[str, Any]:
        document = json.loads(self.fields_json)
        return document if isinstance(document, dict) else {}


Row = tuple[str, dict[str, Any]]  # (folder relative to the root, flat summary fields)


def load_entries(root: Path, *, warn: bool = True, salvage: bool = False) -> list[Entry]:
    """Every readable incident's cached summary, sorted by folder.

    Broken files are skipped with a warning on stderr (`incident validate` explains them); with
    `salvage`, one whose frontmatter still shows its id or status is kept, read line by line, with
    the warning (and never cached, so it warns every time).
    """
    store = Store(root)
    path = cache_path(store.root)
    cached = _read_cache(path)
    fresh: dict[str, tuple[str, Entry]] = {}
    salvaged: list[Entry] = []
    dirty = False
    for month, name in store.names():
        if not id_from_folder(name):
            continue
        rel = f"{INCIDENTS}/{month}/{name}"
        try:
            stat = os.lstat(f"{store.root}/{rel}/{INCIDENT_FILE}")
        except (FileNotFoundError, NotADirectoryError):
            continue
        key = f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"
        hit = cached.get(rel)
        if hit is not None and hit[1] == key:
            entry = _entry(hit)
        else:
            try:
                entry = _new_entry(rel, _read_fields(store, store.root / rel / INCIDENT_FILE))
            except FileFormatError as error:
                kept = _salvaged(store, rel) if salvage else None
                if kept is not None:
                    salvaged.append(kept)
                if warn and kept is not None:
                    sys.stderr.write(
                        f"incident: warning: {error.message}; listed from the lines that could be read "
                        "(see `incident validate`)\n"
                    )
                elif warn:
                    sys.stderr.write(f"incident: skipped {error.message} (see `incident validate`)\n")
                continue
            dirty = True
        fresh[rel] = (key, entry)
    if dirty or len(fresh) != len(cached):
        _write_cache(path, fresh)
    entries = [fresh[rel][1] for rel in sorted(fresh)]
    return sorted([*entries, *salvaged], key=lambda entry: entry.rel) if salvaged else entries


def _salvaged(store: Store, rel: str) -> Entry | None:
    try:
        document = frontmatter.split(store.read_text(store.root / rel / INCIDENT_FILE), rel)
    except FileFormatError:
        return None
    fields = salvage(document.frontmatter, rel.rsplit("/", 1)[-1])
    if fields is None:
        return None
    stamps = {key: as_datetime(value) for key, value in fields.items() if key.endswith("_at")}
    fields |= {key: format_timestamp(stamp) if stamp else None for key, stamp in stamps.items()}
    fields |= {key: None for key in ("alert.dedup_key", "slack.channel_name")}
    return replace(_new_entry(rel, fields), salvaged=True)


def load_rows(root: Path, *, warn: bool = True) -> list[Row]:
    """Every readable incident's summary fields, timestamps as canonical `…Z` text."""
    return [(entry.rel, entry.fields) for entry in load_entries(root, warn=warn)]


def load_summaries(root: Path, *, warn: bool = True) -> list[IncidentSummary]:
    return [summary_from(rel, fields) for rel, fields in load_rows(root, warn=warn)]


def _new_entry(rel: str, fields: dict[str, Any]) -> Entry:
    def text(key: str) -> str:
        value = fields.get(key)
        return "" if value is None else str(value)

    return Entry(
        rel,
        text("status"),
        text("severity"),
        text("declared_at"),
        json.dumps(list_item(rel, fields), ensure_ascii=False),
        json.dumps(fields, ensure_ascii=False),
    )


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


# The cache file: a header line, then one line per incident, its columns separated by tabs:
#   folder, stat key, status, severity, declared_at, list item JSON, fields JSON.
# JSON never holds a raw tab or newline; the three plain columns are escaped (_escape).
# Splitting lines is ~8x faster than decoding one 4 MB JSON document, and `list --format json`
# then prints the stored items as they are.


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text)


def _entry(columns: list[str]) -> Entry:
    rel, _, status, severity, declared_at, item_json, fields_json = columns
    return Entry(rel, _unescape(status), _unescape(severity), _unescape(declared_at), item_json, fields_json)


def _read_cache(path: Path) -> dict[str, list[str]]:
    """folder -> the columns of its line; empty when missing, foreign or damaged."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            lines = handle.read().split("\n")
    except (OSError, ValueError):
        return {}
    if lines[0] != _HEADER or lines[-1] != "":  # a torn write has no final newline
        return {}
    cached: dict[str, list[str]] = {}
    for line in lines[1:-1]:
        columns = line.split("\t")
        if len(columns) != 7:
            return {}
        cached[columns[0]] = columns
    return cached


def _write_cache(path: Path, entries: dict[str, tuple[str, Entry]]) -> None:
    """Best effort: a cache that cannot be written only makes the next run slower."""
    lines = [_HEADER]
    for rel, (key, entry) in entries.items():
        plain = "\t".join(_escape(value) for value in (entry.status, entry.severity, entry.declared_at))
        lines.append(f"{rel}\t{key}\t{plain}\t{entry.item_json}\t{entry.fields_json}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = new_temp_file(path.parent, ".summaries-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
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
