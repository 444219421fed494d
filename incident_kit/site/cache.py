"""Records kept between builds, so a rebuild reads only the incidents that changed.

`.git/incident-kit/site-records.v2` holds, per incident, its folder, the key of its files
(size, mtime, ctime and inode of incident.md and of postmortem.md, as the summaries cache keys
them: any write changes the ctime) and its `Record`: a header line, then the entries as one
`marshal` document (tuples of text and integers; loading it runs no code, and it reads 10,000
entries several times faster than text lines would). The few values many records share
(status, severity, service, ...) are interned before writing, so marshal stores each once.
A record depends on incident.md alone (the post-mortem only shows on the incident's page), so
the public status page, which renders no incident page, checks `incident_key` only.

A build that read a few incidents writes only those entries, to `site-records.v2.recent`
(`write_delta`); the next build applies them over the file, and once they are many, the whole
file is written again and the delta removed. The header carries `code_key` (a digest
of the site's own sources) and the Python version, so a new renderer never serves rows the old
one rendered. A missing, foreign or torn file costs one full read; writing it is best effort.
"""

from __future__ import annotations

import marshal
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from incident_kit.site.record import Record
from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, new_temp_file

NAME = "site-records.v2"
_HEADER = f"incident-kit site records 2 python {sys.version_info[0]}.{sys.version_info[1]}"
_COLUMNS = len(Record._fields) + 1  # the file key, then the record

Entry = tuple[str, Record, bool]  # the files' key, the record, whether it came from the cache
Delta = dict[str, Entry | None]  # folder -> its entry, or None when the incident is gone
DELTA_SUFFIX = ".recent"
EARLIER = 64  # superseded versions kept


def incident_key(folder: str) -> str | None:
    """The key of incident.md alone (what the record depends on), None when it is missing."""
    try:
        main = os.lstat(f"{folder}/{INCIDENT_FILE}")
    except (FileNotFoundError, NotADirectoryError):
        return None
    return f"{main.st_size}:{main.st_mtime_ns}:{main.st_ctime_ns}:{main.st_ino}"


def file_key(folder: str) -> str | None:
    """The key of an incident's files (incident.md, then postmortem.md after a `/`), None when
    incident.md is missing. (A rebuild calls it for every folder: one call, two `lstat`s.)"""
    try:
        main = os.lstat(f"{folder}/{INCIDENT_FILE}")
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        pm = os.lstat(f"{folder}/{POSTMORTEM_FILE}")
    except (FileNotFoundError, NotADirectoryError):
        return f"{main.st_size}:{main.st_mtime_ns}:{main.st_ctime_ns}:{main.st_ino}/-"
    return (
        f"{main.st_size}:{main.st_mtime_ns}:{main.st_ctime_ns}:{main.st_ino}/"
        f"{pm.st_size}:{pm.st_mtime_ns}:{pm.st_ctime_ns}:{pm.st_ino}"
    )


def same_incident_file(key: str, main: str) -> bool:
    """Whether `key` (a `file_key`) has `main` (an `incident_key`) for incident.md."""
    return key.startswith(main) and key[len(main) : len(main) + 1] == "/"


@dataclass
class Cached:
    entries: dict[str, Entry]  # folder -> its entry, the recent changes applied
    delta: Delta  # the changes since the file was last written whole
    earlier: dict[str, Record]  # file key -> its record, for recently superseded versions


def read(path: Path, code_key: str) -> Cached:
    """What the cache holds; empty when missing, foreign or damaged."""
    cached = Cached({}, {}, {})
    make = Record._make
    for item in _load(path, code_key) or []:
        key = item[0]
        if len(item) != _COLUMNS or not isinstance(key, str):
            cached.entries.clear()
            break
        record = make(item[1:])
        cached.entries[record.rel] = (key, record, True)
    for item in _load(_delta_path(path), code_key) or []:
        first = item[0]
        if len(item) == 1 and isinstance(first, str):
            cached.entries.pop(first, None)
            cached.delta[first] = None
        elif len(item) == _COLUMNS and isinstance(first, str):
            record = make(item[1:])
            cached.entries[record.rel] = cached.delta[record.rel] = (first, record, True)
        elif len(item) == _COLUMNS + 1 and first is None and isinstance(key := item[1], str):
            cached.earlier[key] = make(item[2:])
    return cached


Item = tuple[str | int | None, ...]


def _load(path: Path, code_key: str) -> list[Item] | None:
    try:
        with open(path, "rb") as handle:
            header = handle.readline()
            if header != f"{_HEADER} {code_key}\n".encode():
                return None
            items = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(items, list) or not set(map(type, items)) <= {tuple}:  # (map: 10,000 in C)
        return None
    return items


def _delta_path(path: Path) -> Path:
    return path.with_name(path.name + DELTA_SUFFIX)


_SHARED = tuple(
    Record._fields.index(name)
    for name in ("status", "severity", "kind", "service", "commander", "public_flag", "updates_json")
)


def _interned(record: Record) -> list[str | int]:
    """The record's values, those that many records share interned (marshal writes an
    interned string once and refers to it after)."""
    values: list[str | int] = list(record)
    for index in _SHARED:
        value = values[index]
        if isinstance(value, str) and len(value) < 64:
            values[index] = sys.intern(value)
    return values


def write(path: Path, code_key: str, entries: dict[str, Entry], earlier: dict[str, Record]) -> None:
    """Every entry, replacing the file and its recent changes. Best effort: a cache that cannot
    be written only makes the next build slower."""
    items: list[Item] = [(key, *_interned(record)) for key, record, _ in entries.values()]
    if _save(path, code_key, items):
        write_delta(path, code_key, {}, earlier)


def write_delta(path: Path, code_key: str, delta: Delta, earlier: dict[str, Record]) -> None:
    """The entries that changed since `write` (None: the incident is gone), beside the file:
    a few changed incidents are not worth rewriting 10,000 entries for; and the records of the
    `EARLIER` versions superseded last, so that an output folder built before them can still
    tell what changed for it. Best effort; a delta left over from another file only holds
    entries that their keys check like any other."""
    items: list[Item] = [(rel,) if entry is None else (entry[0], *entry[1]) for rel, entry in delta.items()]
    items += [(None, key, *record) for key, record in list(earlier.items())[-EARLIER:]]
    _save(_delta_path(path), code_key, items)


def _save(path: Path, code_key: str, items: list[Item]) -> bool:
    data = marshal.dumps(items)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = new_temp_file(path.parent, ".site-records-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(f"{_HEADER} {code_key}\n".encode())
            handle.write(data)
        os.replace(temp, path)
    except (OSError, ValueError):
        return False
    return True
