"""Per incident folder, what `stats` and the index read — each folder's cached.

`.git/incident-kit/report-records.v1` (a `FileCache`) keeps, for each folder, the incident's
`StatRecord` (its groups, date, durations and data warnings, worked out once) and its
post-mortem's action items. The entry is keyed by both files' `stat_key`s (`incident.md`, and
`postmortem.md` or `-` when there is none), so a hand edit, a checkout or a pull of either, or
a post-mortem added or deleted, reads that folder again; a warm report reads only what changed
and counts the rest from the kept records, without rebuilding any summary. A cold pass over
many folders reads them in forked workers (`workers.in_order`) while this process writes the
new cache in the folders' order.

An incident.md that does not read is skipped with a warning on every run (its folder is never
cached), as the summaries cache does; its post-mortem's items still count, by the folder's id.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from incident_kit import action_items, workers
from incident_kit.errors import FileFormatError
from incident_kit.ids import id_from_folder
from incident_kit.model import ActionItem
from incident_kit.reports.stats.record import StatRecord, from_row, record_of, row
from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, Store
from incident_kit.summaries.cache import cache_path, read_fields, warn_skipped
from incident_kit.summaries.fields import summary_from
from incident_kit.summaries.file_cache import FileCache, cache_key
from incident_kit.summaries.walk import Walk, walk

REPORT_RECORDS_NAME = "report-records.v1"
_HEADER = "incident-kit report records 1"
_NO_POSTMORTEM = "-"


class Folder(NamedTuple):
    rel: str  # the folder, relative to the root
    record: StatRecord | None  # None: its incident.md is missing or does not read
    items: list[ActionItem]  # its post-mortem's action items (none without one)


def iter_folders(root: Path, *, warn: bool = True) -> Iterator[Folder]:
    """Every incident folder's record and action items, in the folders' sorted order; an
    incident.md that does not read is skipped with a warning on stderr (unless not `warn`)."""
    store = Store(root)
    found = walk(store)
    with FileCache(cache_path(store.root).with_name(REPORT_RECORDS_NAME), _HEADER) as cache:
        if cache.cold:
            yield from _read_all(store, found, cache, warn=warn)
            return
        top = f"{store.root}/"
        for rel in found.rels:
            # the warm path, inline: two `lstat`s, one cache line and one JSON array a folder
            looked = _looked(top + rel) if rel not in found.linked else None
            if looked is not None:
                payload = cache.get_keyed(rel, *looked)
                if payload is not None:
                    folder = _folder(rel, payload)
                    if folder is not None:
                        cache.put_keyed(rel, looked[0], payload)
                        yield folder
                        continue
            folder = _kept(cache, rel, _read_fresh(store, found, rel), warn=warn)
            if folder is not None:
                yield folder


def _read_all(store: Store, found: Walk, cache: FileCache, *, warn: bool) -> Iterator[Folder]:
    """The cold pass: every folder read (in forked workers when there are many), the new cache
    written here in the folders' order."""

    def read(rels: Sequence[str]) -> list[Fresh]:
        return [_read_fresh(store, found, rel) for rel in rels]

    for rel, fresh in zip(found.rels, workers.in_order(read, found.rels), strict=True):
        folder = _kept(cache, rel, fresh, warn=warn)
        if folder is not None:
            yield folder


def _kept(cache: FileCache, rel: str, fresh: Fresh, *, warn: bool) -> Folder | None:
    """A folder read afresh, cached (when it may be) and warned about; None: nothing in it."""
    key, payload, message = fresh
    if message is not None and warn:
        warn_skipped(message)
    cache.put_fresh(rel, key, payload)
    folder = _folder(rel, payload)
    return folder if folder is not None and (folder.record is not None or folder.items) else None


def records_and_items(
    root: Path, *, warn: bool = True
) -> tuple[Iterator[tuple[StatRecord, str]], list[ActionItem]]:
    """One pass for a report: each readable incident's record with its folder, streamed, and a
    list that holds every post-mortem's action items once that stream is exhausted (stats count
    the items after the incidents, whose ids decide which items count)."""
    items: list[ActionItem] = []

    def records() -> Iterator[tuple[StatRecord, str]]:
        for folder in iter_folders(root, warn=warn):
            items.extend(folder.items)
            if folder.record is not None:
                yield folder.record, folder.rel

    return records(), items


def load_action_items(root: Path) -> list[ActionItem]:
    """Every action item of every post-mortem, in the folders' order (line-based; no Markdown
    parsing), from the report records cache."""
    return [item for folder in iter_folders(root, warn=False) for item in folder.items]


# a folder read afresh: (cache key or None when it must not be cached, cache payload, the
# warning for an incident.md that does not read)
Fresh = tuple[str | None, str, str | None]


def _looked(folder: str) -> tuple[str, int] | None:
    """The folder's cache key and its files' newest mtime, from one `lstat` each; None when it
    cannot be served (no incident.md, or a file that is not a regular one)."""
    try:
        incident = os.lstat(f"{folder}/{INCIDENT_FILE}")
        postmortem: os.stat_result | None = os.lstat(f"{folder}/{POSTMORTEM_FILE}")
    except FileNotFoundError as error:
        if not error.filename.endswith(POSTMORTEM_FILE):
            return None
        postmortem = None
    except OSError:
        return None
    key = _key(incident, postmortem)
    if key is None:
        return None
    return key, max(incident.st_mtime_ns, postmortem.st_mtime_ns if postmortem else 0)


def _key(incident: os.stat_result, postmortem: os.stat_result | None) -> str | None:
    incident_key = cache_key(incident)
    postmortem_key = _NO_POSTMORTEM if postmortem is None else cache_key(postmortem)
    if incident_key is None or postmortem_key is None:
        return None
    return f"{incident_key}|{postmortem_key}"


def _read_fresh(store: Store, found: Walk, rel: str) -> Fresh:
    """Read both files of a folder (in this process or a worker): what to cache and say."""
    record: StatRecord | None = None
    incident: os.stat_result | None = None
    message: str | None = None
    cacheable = True
    try:
        text, incident = found.read_with_stat(store, rel, INCIDENT_FILE)
        record = record_of(summary_from(rel, read_fields(text, rel)))
    except (FileNotFoundError, NotADirectoryError):
        cacheable = False
    except FileFormatError as error:
        message, cacheable = error.message, False
    items: list[ActionItem] = []
    postmortem: os.stat_result | None = None
    try:
        text, postmortem = found.read_with_stat(store, rel, POSTMORTEM_FILE)
        items = _parsed_items(rel, text)
    except (FileNotFoundError, NotADirectoryError):
        postmortem = None
    except FileFormatError:
        cacheable = False  # validate reports it; stats and the index go on without its items
    key = _key(incident, postmortem) if cacheable and incident is not None else None
    payload = _ENCODE([None if record is None else row(record), [_item_row(i) for i in items]])
    return key, payload, message


def _parsed_items(rel: str, text: str) -> list[ActionItem]:
    incident_id = id_from_folder(rel.rsplit("/", 1)[-1]) or rel
    return action_items.parse(incident_id, text, f"{rel}/{POSTMORTEM_FILE}")[0]


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False), made once


def _item_row(item: ActionItem) -> list[Any]:
    return [*item[:4], item.due.isoformat() if item.due else None, *item[5:]]


def _folder(rel: str, payload: str) -> Folder | None:
    """The folder a payload holds; None when the line is damaged (then it is read again)."""
    try:
        record_row, item_rows = json.loads(payload)
        record = None if record_row is None else from_row(rel, record_row)
        items = [
            ActionItem(incident_id, item_id, text, owner, date.fromisoformat(due) if due else None, *rest)
            for incident_id, item_id, text, owner, due, *rest in item_rows
        ]
    except (ValueError, TypeError):
        return None
    return Folder(rel, record, items)
