"""Summaries of every incident, for list, stats, the index and dedup — fast at 10,000.

A per-clone cache (`.git/incident-kit/summaries.v5`) keeps each incident.md's summary fields
keyed by the file's size, mtime, ctime and inode: any write to the file — a hand edit, a
checkout of another branch, a pull — changes its ctime, so a stale entry is never served.
Files the cache does not know are read with `fastscan` (a line scanner), falling back to the
YAML parser only for frontmatter it does not model. A deleted or unreadable cache just costs
one cold run; a cold run over many folders reads them in forked workers (`workers.in_order`)
while this process writes the new cache in the folders' order.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from incident_kit import repo_files, workers
from incident_kit.errors import FileFormatError
from incident_kit.markdown import frontmatter
from incident_kit.markdown.frontmatter import format_timestamp
from incident_kit.model import IncidentSummary
from incident_kit.store import INCIDENT_FILE, Store
from incident_kit.summaries.fields import as_datetime, flat_fields, list_item, salvage, summary_from
from incident_kit.summaries.file_cache import FileCache, cache_key
from incident_kit.summaries.walk import Walk, walk

CACHE_NAME = "summaries.v5"  # v5: a FileCache (racy entries re-read), v4: last_update_at
_HEADER = "incident-kit summaries 5"


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

    def lean(self) -> Entry:
        """The entry without its fields, for a list that prints only the items (what
        `dataclasses.replace` does, a few times faster at 10,000 entries)."""
        return Entry(
            self.rel, self.status, self.severity, self.declared_at, self.item_json, "{}", self.salvaged
        )


Row = tuple[str, dict[str, Any]]  # (folder relative to the root, flat summary fields)


def load_entries(root: Path, *, warn: bool = True, salvage: bool = False) -> list[Entry]:
    """Every readable incident's cached summary, sorted by folder.

    Broken files are skipped with a warning on stderr (`incident validate` explains them); with
    `salvage`, one whose frontmatter still shows its id or status is kept, read line by line, with
    the warning (and never cached, so it warns every time).
    """
    return list(iter_entries(root, warn=warn, salvage=salvage))


def iter_entries(root: Path, *, warn: bool = True, salvage: bool = False) -> Iterator[Entry]:
    """`load_entries` one at a time: the cache is read and rewritten as the folders are walked."""
    return _entries(root, _as_entry, warn=warn, salvage=salvage)


T = TypeVar("T")
# what a pass hands on for each incident, from its entry and the flat fields just read (None:
# served from the cache, `entry.fields` has them)
Convert = Callable[[Entry, "dict[str, Any] | None"], T]


def _as_entry(entry: Entry, _: dict[str, Any] | None) -> Entry:
    return entry


def _as_summary(entry: Entry, fields: dict[str, Any] | None) -> IncidentSummary:
    return summary_from(entry.rel, entry.fields if fields is None else fields)


def _entries(root: Path, convert: Convert[T], *, warn: bool, salvage: bool) -> Iterator[T]:
    """Each incident's entry, `convert`ed; a cold pass over many files reads them in workers."""
    store = Store(root)
    found = walk(store)
    with FileCache(cache_path(store.root), _HEADER) as cache:
        if cache.cold and workers.parallel(len(found.rels)):
            yield from _read_in_workers(store, found, cache, convert, warn=warn, salvage=salvage)
            return
        for rel in found.rels:
            text: str | None = None
            try:
                if cache.cold and rel not in found.linked:  # every file is read: one fstat each
                    text, stat = repo_files.read_walked(store.root, f"{rel}/{INCIDENT_FILE}")
                else:
                    stat = os.lstat(f"{store.root}/{rel}/{INCIDENT_FILE}")
            except (FileNotFoundError, NotADirectoryError):
                continue
            except FileFormatError as error:
                yield from _skipped(store, rel, error.message, convert, warn=warn, salvage=salvage)
                continue
            hit = cache.get(rel, stat)
            entry = _entry(rel, hit) if hit is not None else None
            fields = None
            if entry is None:
                try:
                    if text is None:
                        text = found.read(store, rel, INCIDENT_FILE)
                    fields = read_fields(text, rel)
                except FileFormatError as error:
                    yield from _skipped(store, rel, error.message, convert, warn=warn, salvage=salvage)
                    continue
                entry = _new_entry(rel, fields)
            cache.put(rel, stat, _payload(entry))
            yield convert(entry, fields)


# one incident read afresh: (cache key, cache payload, its flat fields when wanted), a refusal's
# message, or None when the file is not there. Plain strings cross from the workers: pickling
# an `IncidentSummary` (nine datetimes) cost more than making it again from the fields.
Fresh = tuple[str | None, str, dict[str, Any] | None] | str | None


def _read_in_workers(
    store: Store,
    found: Walk,
    cache: FileCache,
    convert: Convert[T],
    *,
    warn: bool,
    salvage: bool,
) -> Iterator[T]:
    """The cold pass with every file read and parsed in forked workers; the cache is written
    here, in the folders' order, as the answers come back."""

    # a summary is made from the fields alone (no entry); `list` needs no fields (no pickling)
    with_fields = convert is _as_summary

    def read(rels: Sequence[str]) -> list[Fresh]:
        return [_read_fresh(store, found, rel, with_fields) for rel in rels]

    for rel, fresh in zip(found.rels, workers.in_order(read, found.rels), strict=True):
        if fresh is None:
            continue
        if isinstance(fresh, str):
            yield from _skipped(store, rel, fresh, convert, warn=warn, salvage=salvage)
            continue
        key, payload, fields = fresh
        cache.put_fresh(rel, key, payload)
        if fields is not None:
            yield summary_from(rel, fields)  # type: ignore[misc]  # T is IncidentSummary here
            continue
        entry = _entry(rel, payload)
        assert entry is not None  # made by `_payload`
        yield convert(entry, None)


def _read_fresh(store: Store, found: Walk, rel: str, with_fields: bool) -> Fresh:
    """What the serial pass does with a file the cache does not hold, for a worker."""
    try:
        text, stat = found.read_with_stat(store, rel, INCIDENT_FILE)
        fields = read_fields(text, rel)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except FileFormatError as error:
        return error.message
    return cache_key(stat), _payload(_new_entry(rel, fields)), fields if with_fields else None


def _skipped(
    store: Store, rel: str, message: str, convert: Convert[T], *, warn: bool, salvage: bool
) -> Iterator[T]:
    """A file that does not read: warned about, and listed from its lines with `salvage`."""
    kept = _salvaged(store, rel) if salvage else None
    if warn and kept is not None:
        sys.stderr.write(
            f"incident: warning: {message}; listed from the lines that could be "
            "read (see `incident validate`)\n"
        )
    elif warn:
        warn_skipped(message)
    if kept is not None:
        yield convert(kept, None)


def warn_skipped(message: str) -> None:
    """Say on stderr that an incident file which does not read is left out of a report."""
    sys.stderr.write(f"incident: skipped {message} (see `incident validate`)\n")


def read_summaries(root: Path, rels: Sequence[str]) -> list[IncidentSummary | None]:
    """The summaries of the incidents in folders `rels`, read from their files now (None: one
    that is gone or does not read); for the few incidents a report shows in full."""
    store = Store(root)
    found: list[IncidentSummary | None] = []
    for rel in rels:
        try:
            text = store.read_text(store.root / rel / INCIDENT_FILE)
            found.append(summary_from(rel, read_fields(text, rel)))
        except (FileNotFoundError, NotADirectoryError, FileFormatError):
            found.append(None)
    return found


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
    return [(entry.rel, entry.fields) for entry in iter_entries(root, warn=warn)]


def load_summaries(root: Path, *, warn: bool = True) -> list[IncidentSummary]:
    return list(iter_summaries(root, warn=warn))


def iter_summaries(root: Path, *, warn: bool = True) -> Iterator[IncidentSummary]:
    """`load_summaries` one at a time, for reads that keep only tallies (`stats`, the index)."""
    return _entries(root, _as_summary, warn=warn, salvage=False)


_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False), made once


def _new_entry(rel: str, fields: dict[str, Any]) -> Entry:
    def text(key: str) -> str:
        value = fields.get(key)
        return "" if value is None else str(value)

    return Entry(
        rel,
        text("status"),
        text("severity"),
        text("declared_at"),
        _encode(list_item(rel, fields)),
        _encode(fields),
    )


def read_fields(text: str, rel: str) -> dict[str, Any]:
    """The flat summary fields of incident file `text` (FileFormatError when it does not read)."""
    fields = _matched_fields(text)
    if fields is not None:
        return fields
    source = f"{rel}/{INCIDENT_FILE}"
    from incident_kit.markdown import field_scan as fastscan  # (only a file not in the common form)

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


# the line that closes a frontmatter (`frontmatter.split`'s `_CLOSE`), found from the opening one
_CLOSING = re.compile(r"\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)")


def _matched_fields(text: str) -> dict[str, Any] | None:
    """`_read_fields` of a file in the common form (`---` alone on the first line, no CR, no
    NUL) by `field_match`, without splitting the body off; None when the long way is needed."""
    if not text.startswith("---\n") or "\x00" in text:
        return None
    closing = _CLOSING.search(text, 3)
    if closing is None:
        return None
    from incident_kit.markdown import field_match  # (~5 ms of patterns: not on a warm run)

    return field_match.summary_fields(text[4 : closing.start() + 1])


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


def _payload(entry: Entry) -> str:
    plain = "\t".join(_escape(value) for value in (entry.status, entry.severity, entry.declared_at))
    return f"{plain}\t{entry.item_json}\t{entry.fields_json}"


def _entry(rel: str, payload: str) -> Entry | None:
    columns = payload.split("\t")
    if len(columns) != 5:
        return None  # damaged: read the file again
    status, severity, declared_at, item_json, fields_json = columns
    return Entry(rel, _unescape(status), _unescape(severity), _unescape(declared_at), item_json, fields_json)
