"""Per incident folder and per month, what `stats` and the index read — all of it cached.

`.git/incident-kit/report-records.v2/` holds one `FileCache` file per month folder
(`2026-11`). Its entries are the month's folders, each with the incident's `StatRecord` (its
groups, date, durations and data warnings, worked out once) and its post-mortem's action items,
keyed by both files' `stat_key`s (`incident.md`, and `postmortem.md` or `-` when there is
none): a hand edit, a checkout or a pull of either, or a post-mortem added or deleted, reads
that folder again. Before them comes the month's count (`#count`: the unfiltered statistics'
and the index's `partial` of its incidents, and their action items), keyed by every folder's name
and key.

So a warm unfiltered report `lstat`s each file, and for a month nobody touched reads one line
of its file (no record decoded, no file rewritten); a changed month is counted again from its
records, reading only the folders that changed; a filtered `stats` counts the records one by
one. A repository with nothing cached (a fresh clone) is read and counted in forked workers,
one month each (`workers.by_group`), while this process writes the months' files in order. The files of months
that are gone are removed.

An incident.md that does not read is skipped with a warning on every run (its folder, and so
its month's count, is never cached), as the summaries cache does; its post-mortem's items still
count, by the folder's id.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from itertools import groupby
from pathlib import Path
from typing import Any, NamedTuple

from incident_kit import action_items, workers
from incident_kit.errors import FileFormatError
from incident_kit.ids import id_from_folder
from incident_kit.model import ActionItem
from incident_kit.reports.index_page import IndexTally
from incident_kit.reports.stats.record import StatRecord, from_row, record_of, row
from incident_kit.reports.stats.tally import StatsTally
from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, Store
from incident_kit.summaries.cache import cache_path, read_fields, warn_skipped
from incident_kit.summaries.fields import summary_from
from incident_kit.summaries.file_cache import FileCache, cache_key
from incident_kit.summaries.walk import Walk, walk

REPORT_RECORDS_NAME = "report-records.v2"  # a folder of one file per month
_HEADER = "incident-kit report records 3"  # 3: the trend kept apart in a month's count
_REPLACED = "action-items.v1"  # the post-mortems' own cache, before this one held their items
_COUNT = "#count"  # the month's count: sorts before every folder ("incidents/…")
_NO_NOW = datetime(1970, 1, 1, tzinfo=UTC)  # a month's count does not depend on the time
_NO_POSTMORTEM = "-"


class Folder(NamedTuple):
    rel: str  # the folder, relative to the root
    record: StatRecord | None  # None: its incident.md is missing or does not read
    items: list[ActionItem]  # its post-mortem's action items (none without one)


class Month(NamedTuple):
    """One month folder's incidents, counted: what `stats` and the index merge."""

    stats: list[Any]  # `StatsTally.partial` of its incidents
    page: list[Any]  # the index's own part of `IndexTally.partial` (references: the folders)
    items: list[ActionItem]  # its post-mortems' action items, in the folders' order


def iter_folders(root: Path, *, warn: bool = True) -> Iterator[Folder]:
    """Every incident folder's record and action items, in the folders' sorted order; an
    incident.md that does not read is skipped with a warning on stderr (unless not `warn`)."""
    for _, folders in _pass(root, counts=False, warn=warn):
        yield from folders


def iter_months(root: Path, *, warn: bool = True) -> Iterator[Month]:
    """Every month folder's incidents counted for the unfiltered reports, in order: a month
    whose files are all as they were when its count was kept is served from one line."""
    for month, _ in _pass(root, counts=True, warn=warn):
        assert month is not None
        yield month


def _pass(root: Path, *, counts: bool, warn: bool) -> Iterator[tuple[Month | None, list[Folder]]]:
    """Month by month: its count (when `counts`, or when it was kept anyway) and, unless it
    was served whole, its folders."""
    store = Store(root)
    found = walk(store)
    directory = cache_path(store.root).with_name(REPORT_RECORDS_NAME)
    months = [(month, list(rels)) for month, rels in groupby(found.rels, _folder_month)]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        known = set(os.listdir(directory))
    except OSError:
        known = set()
    if not known and workers.parallel(len(found.rels)):  # nothing cached: months read in workers

        def read(groups: Sequence[list[str]]) -> list[MonthRead]:
            return [_read_month(store, found, rels) for rels in groups]

        groups = [rels for _, rels in months]
        done = workers.by_group(read, groups, items=len(found.rels))
        for (month, rels), (count, lines, messages) in zip(months, done, strict=True):
            for message in messages if warn else ():
                warn_skipped(message)
            yield _written(directory / _file_name(month), rels, count, lines, counts=counts)
    else:
        for month, rels in months:
            yield _month_pass(store, found, directory / _file_name(month), rels, counts=counts, warn=warn)
    for name in known - {_file_name(month) for month, _ in months}:
        with contextlib.suppress(OSError):
            (directory / name).unlink()  # a month folder that is gone
    if not known:  # a first pass here: what this cache replaced goes
        with contextlib.suppress(OSError):
            directory.with_name(_REPLACED).unlink()


# a folder as a pass met it: its folder, its cache key (None: not cacheable), its cache
# payload, what it holds (None: nothing to count), and whether the cache served it
Met = tuple[str, "str | None", str, "Folder | None", bool]


def _month_pass(
    store: Store, found: Walk, path: Path, rels: Sequence[str], *, counts: bool, warn: bool
) -> tuple[Month | None, list[Folder]]:
    top = f"{store.root}/"
    looked = [None if rel in found.linked else _looked(top + rel) for rel in rels]
    digest = _digest(rels, [seen[0] if seen is not None else None for seen in looked])
    newest = max((seen[1] for seen in looked if seen is not None), default=0)
    if counts and digest is not None:
        payload = FileCache.peek(path, _HEADER, _COUNT, digest, newest)
        served = _month(payload) if payload is not None else None
        if served is not None:
            return served, []
    with FileCache(path, _HEADER) as cache:
        kept = cache.get_keyed(_COUNT, digest, newest) if digest is not None else None
        met = [
            _folder_at(store, found, cache, rel, seen, warn=warn)
            for rel, seen in zip(rels, looked, strict=True)
        ]
        # a kept count a filtered pass does not need is kept as it is (a damaged one is counted
        # again by the next unfiltered pass)
        month = _month(kept) if kept is not None and counts else None
        if digest is not None and kept is not None and (month is not None or not counts):
            cache.put_keyed(_COUNT, digest, kept)
        else:  # kept under the keys of the files as they were counted (None: one is not cacheable)
            month = _counted(met)
            cache.put_fresh(_COUNT, _digest(rels, [m[1] for m in met]), _month_payload(month))
        _keep(cache, met)
    return month, [folder for _, _, _, folder, _ in met if folder is not None]


# a month read afresh, in a worker: its count (payload), each folder's (key, payload), and
# the warnings for its incident.md files that do not read
MonthRead = tuple[str, list[tuple["str | None", str]], list[str]]


def _read_month(store: Store, found: Walk, rels: Sequence[str]) -> MonthRead:
    """Read and count a month's folders (in a worker: only strings go back)."""
    met: list[Met] = []
    messages: list[str] = []
    for rel in rels:
        fresh = _read_fresh(store, found, rel)
        if fresh[2] is not None:
            messages.append(fresh[2])
        met.append(_met(rel, fresh, warn=False))
    return _month_payload(_counted(met)), [(key, payload) for _, key, payload, _, _ in met], messages


def _written(
    path: Path, rels: Sequence[str], count: str, lines: Sequence[tuple[str | None, str]], *, counts: bool
) -> tuple[Month | None, list[Folder]]:
    """A month a worker read and counted, written as one new file; its count when `counts`,
    else its folders."""
    with FileCache(path, _HEADER) as cache:
        cache.put_fresh(_COUNT, _digest(rels, [key for key, _ in lines]), count)
        for rel, (key, payload) in zip(rels, lines, strict=True):
            cache.put_fresh(rel, key, payload)
    if counts:
        return _month(count), []
    read = (_folder(rel, payload) for rel, (_, payload) in zip(rels, lines, strict=True))
    return None, [folder for folder in read if folder is not None and _holds(folder)]


def _keep(cache: FileCache, met: Sequence[Met]) -> None:
    for rel, key, payload, _, served in met:
        if served and key is not None:
            cache.put_keyed(rel, key, payload)
        else:
            cache.put_fresh(rel, key, payload)


def _folder_at(
    store: Store, found: Walk, cache: FileCache, rel: str, looked: tuple[str, int] | None, *, warn: bool
) -> Met:
    """One folder: its cache entry when its files' key (`looked`) still matches, else read."""
    if looked is not None:
        payload = cache.get_keyed(rel, *looked)
        if payload is not None:
            folder = _folder(rel, payload)
            if folder is not None:
                return rel, looked[0], payload, folder, True
    return _met(rel, _read_fresh(store, found, rel), warn=warn)


def _met(rel: str, fresh: Fresh, *, warn: bool) -> Met:
    """A folder read afresh, warned about when its incident.md does not read."""
    key, payload, message, folder = fresh
    if message is not None and warn:
        warn_skipped(message)
    return rel, key, payload, (folder if _holds(folder) else None), False


def _holds(folder: Folder | None) -> bool:
    return folder is not None and (folder.record is not None or bool(folder.items))


def _folder_month(rel: str) -> str:
    return rel.rpartition("/")[0]


def _file_name(month: str) -> str:
    return month.rpartition("/")[2]  # a month folder's name, `YYYY-MM` (walk checked it)


def _digest(rels: Sequence[str], keys: Sequence[str | None]) -> str | None:
    """What identifies a month's files: its folders' names and keys, all of them (no hash: a
    collision could serve a stale count; None: one folder is not cacheable)."""
    if None in keys:
        return None
    return " ".join(f"{rel.rpartition('/')[2]}={key}" for rel, key in zip(rels, keys, strict=True))


def _counted(met: Iterable[Met]) -> Month:
    """A month counted from its folders' records."""
    tally: IndexTally[str] = IndexTally(_NO_NOW)
    items: list[ActionItem] = []
    for rel, _, _, folder, _ in met:
        if folder is not None:
            items.extend(folder.items)
            if folder.record is not None:
                tally.add(folder.record, rel)
    stats, page = tally.partial()
    return Month(stats, page, items)


def _month_payload(month: Month) -> str:
    return _ENCODE([month.stats, month.page, [_item_row(i) for i in month.items]])


def _month(payload: str) -> Month | None:
    """The month a payload holds; None when the line is damaged (then it is counted again)."""
    try:
        stats, page, item_rows = json.loads(payload)
        if len(stats) != StatsTally.PARTIAL_PARTS or len(page) != IndexTally.OWN_PARTS:
            return None
        return Month(stats, page, _items(item_rows))
    except (ValueError, TypeError):
        return None


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
# warning for an incident.md that does not read, what it holds)
Fresh = tuple[str | None, str, str | None, Folder]


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
    return key, payload, message, Folder(rel, record, items)


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
        items = _items(item_rows)
    except (ValueError, TypeError):
        return None
    return Folder(rel, record, items)


def _items(rows: list[Any]) -> list[ActionItem]:
    return [
        ActionItem(incident_id, item_id, text, owner, date.fromisoformat(due) if due else None, *rest)
        for incident_id, item_id, text, owner, due, *rest in rows
    ]
