"""Records kept between builds, so a rebuild reads only the incidents that changed.

`.git/incident-kit/site-records.v1` holds one line per incident: its folder, the key of its
files (size, mtime, ctime and inode of incident.md and of postmortem.md, as the summaries
cache keys them: any write changes the ctime), and its `Record`, columns separated by tabs.
The header carries `code_key` (a digest of the site's own sources), so a new version of the
renderer never serves rows rendered by the old one. A missing, foreign or torn file costs one
full read; writing it is best effort.
"""

from __future__ import annotations

import os
import re
from dataclasses import fields
from pathlib import Path

from incident_kit.site.record import Record
from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, new_temp_file

NAME = "site-records.v1"
_HEADER = "incident-kit site records 1"
_INTS = frozenset(f.name for f in fields(Record) if f.type in ("int", int))
# `decode` spells the columns out; this catches a Record that changed without it
assert [f.name in _INTS for f in fields(Record)] == [False] * 8 + [True] * 8 + [False] * 4
_COLUMNS = len(fields(Record)) + 1  # the record's fields and the file key


def file_key(folder: str) -> str | None:
    """The key of an incident's files, None when incident.md is missing."""
    try:
        main = os.lstat(f"{folder}/{INCIDENT_FILE}")
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        pm = os.lstat(f"{folder}/{POSTMORTEM_FILE}")
        extra = f"{pm.st_size}:{pm.st_mtime_ns}:{pm.st_ctime_ns}:{pm.st_ino}"
    except FileNotFoundError:
        extra = "-"
    return f"{main.st_size}:{main.st_mtime_ns}:{main.st_ctime_ns}:{main.st_ino}/{extra}"


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text)


def encode(key: str, record: Record) -> str:
    r, e = record, _escape
    return "\t".join(
        (
            key, e(r.rel), r.id, e(r.title), e(r.status), e(r.severity), e(r.kind), e(r.service),
            e(r.commander), str(r.declared), str(r.started), str(r.mitigated), str(r.resolved),
            str(r.ack_s), str(r.mitigate_s), str(r.resolve_s), str(r.last_update), e(r.public_flag),
            e(r.public_title), e(r.updates_json), e(r.row),
        )
    )  # fmt: skip


Entry = tuple[str, Record, str | None]  # the files' key, the record, its cache line (None: new)


def decode(line: str) -> tuple[str, Record] | None:
    c = line.split("\t")
    if len(c) != _COLUMNS:
        return None
    u = _unescape
    try:
        # spelled out: this runs 10,000 times a build (see Record for the column order)
        record = Record(
            u(c[1]), c[2], u(c[3]), u(c[4]), u(c[5]), u(c[6]), u(c[7]), u(c[8]),
            int(c[9]), int(c[10]), int(c[11]), int(c[12]), int(c[13]), int(c[14]), int(c[15]), int(c[16]),
            c[17], u(c[18]), u(c[19]), u(c[20]),
        )  # fmt: skip
    except ValueError:
        return None
    return c[0], record


def read(path: Path, code_key: str) -> dict[str, Entry]:
    """folder -> (file key, record, line); empty when missing, foreign or damaged."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            lines = handle.read().split("\n")
    except (OSError, ValueError):
        return {}
    if lines[0] != f"{_HEADER} {code_key}" or lines[-1] != "":
        return {}
    out: dict[str, Entry] = {}
    for line in lines[1:-1]:
        decoded = decode(line)
        if decoded is None:
            return {}
        out[decoded[1].rel] = (decoded[0], decoded[1], line)
    return out


def write(path: Path, code_key: str, entries: dict[str, Entry]) -> None:
    """Best effort: a cache that cannot be written only makes the next build slower.
    Unchanged records keep the line they were read from."""
    lines = (line if line is not None else encode(key, record) for key, record, line in entries.values())
    text = "\n".join([f"{_HEADER} {code_key}", *lines]) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = new_temp_file(path.parent, ".site-records-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except OSError:
        return
