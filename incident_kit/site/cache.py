"""Records kept between builds, so a rebuild reads only the incidents that changed.

`.git/incident-kit/site-records.v2` holds, per incident, its folder, the key of its files
(size, mtime, ctime and inode of incident.md and of postmortem.md, as the summaries cache keys
them: any write changes the ctime) and its `Record`: a header line, then the entries as one
`marshal` document (tuples of text and integers; loading it runs no code, and it reads 10,000
entries several times faster than text lines would). The header carries `code_key` (a digest
of the site's own sources) and the Python version, so a new renderer never serves rows the old
one rendered. A missing, foreign or torn file costs one full read; writing it is best effort.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path

from incident_kit.site.record import Record
from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, new_temp_file

NAME = "site-records.v2"
_HEADER = f"incident-kit site records 2 python {sys.version_info[0]}.{sys.version_info[1]}"
_COLUMNS = len(Record._fields) + 1  # the file key, then the record

Entry = tuple[str, Record, bool]  # the files' key, the record, whether it came from the cache


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


def read(path: Path, code_key: str) -> dict[str, Entry]:
    """folder -> (file key, record, True); empty when missing, foreign or damaged."""
    try:
        with open(path, "rb") as handle:
            header = handle.readline()
            if header != f"{_HEADER} {code_key}\n".encode():
                return {}
            items = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(items, list):
        return {}
    out: dict[str, Entry] = {}
    make = Record._make
    for item in items:
        if not isinstance(item, tuple) or len(item) != _COLUMNS:
            return {}
        record = make(item[1:])
        out[record.rel] = (item[0], record, True)
    return out


def write(path: Path, code_key: str, entries: dict[str, Entry]) -> None:
    """Best effort: a cache that cannot be written only makes the next build slower."""
    data = marshal.dumps([(key, *record) for key, record, _ in entries.values()])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = new_temp_file(path.parent, ".site-records-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(f"{_HEADER} {code_key}\n".encode())
            handle.write(data)
        os.replace(temp, path)
    except (OSError, ValueError):
        return
