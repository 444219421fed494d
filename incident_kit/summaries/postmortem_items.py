"""Every post-mortem's action items, for stats and the index — each file's cached.

`.git/incident-kit/action-items.v1` (a `FileCache`, keyed like the summaries cache) keeps each
postmortem.md's parsed items, so a warm `stats` or `index` reads only the post-mortems that
changed; at 10,000 incidents reading them all was three quarters of `stats`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from incident_kit import action_items, repo_files, workers
from incident_kit.errors import FileFormatError
from incident_kit.ids import id_from_folder
from incident_kit.model import ActionItem
from incident_kit.store import POSTMORTEM_FILE, Store
from incident_kit.summaries.cache import cache_path
from incident_kit.summaries.file_cache import FileCache, cache_key
from incident_kit.summaries.walk import Walk, walk


def load_action_items(root: Path) -> list[ActionItem]:
    """Every action item of every post-mortem (line-based; no Markdown parsing), each file's
    items cached (`.git/incident-kit/action-items.v1`, a `FileCache`) so only changed
    post-mortems are read."""
    return list(iter_action_items(root))


def iter_action_items(root: Path) -> Iterator[ActionItem]:
    """`load_action_items` one post-mortem at a time, for reads that keep only tallies."""
    store = Store(root)
    found = walk(store)
    with FileCache(cache_path(store.root).with_name(ACTION_ITEMS_NAME), _ACTION_ITEMS_HEADER) as cache:
        if cache.cold and workers.parallel(len(found.rels)):
            yield from _read_in_workers(store, found, cache)
            return
        for rel in found.rels:
            text: str | None = None
            try:
                if cache.cold and rel not in found.linked:  # every file is read: one fstat each
                    text, stat = repo_files.read_walked(store.root, f"{rel}/{POSTMORTEM_FILE}")
                else:
                    stat = os.lstat(f"{store.root}/{rel}/{POSTMORTEM_FILE}")
            except (FileNotFoundError, NotADirectoryError):
                continue
            except FileFormatError:
                continue  # validate reports it; stats and the index go on without it
            hit = cache.get(rel, stat)
            parsed = _items_from(hit) if hit is not None else None
            if parsed is None:
                try:
                    if text is None:
                        text = found.read(store, rel, POSTMORTEM_FILE)
                    parsed = _parsed(rel, text)
                except FileFormatError:
                    continue  # validate reports it; stats and the index go on without it
            cache.put(rel, stat, _items_payload(parsed))
            yield from parsed


def _parsed(rel: str, text: str) -> list[ActionItem]:
    incident_id = id_from_folder(rel.rsplit("/", 1)[-1]) or rel
    return action_items.parse(incident_id, text, f"{rel}/{POSTMORTEM_FILE}")[0]


# one post-mortem read afresh: (cache key, cache payload, its items), or None when it is not
# there or is refused
Fresh = tuple[str | None, str, list[ActionItem]] | None


def _read_in_workers(store: Store, found: Walk, cache: FileCache) -> Iterator[ActionItem]:
    """The cold pass with every post-mortem read and parsed in forked workers; the cache is
    written here, in the folders' order."""

    def read(rels: Sequence[str]) -> list[Fresh]:
        return [_read_fresh(store, found, rel) for rel in rels]

    for rel, fresh in zip(found.rels, workers.in_order(read, found.rels), strict=True):
        if fresh is not None:
            key, payload, parsed = fresh
            cache.put_fresh(rel, key, payload)
            yield from parsed


def _read_fresh(store: Store, found: Walk, rel: str) -> Fresh:
    """What the serial pass does with a post-mortem the cache does not hold, for a worker."""
    try:
        text, stat = found.read_with_stat(store, rel, POSTMORTEM_FILE)
        parsed = _parsed(rel, text)
    except (FileNotFoundError, NotADirectoryError, FileFormatError):
        return None
    return cache_key(stat), _items_payload(parsed), parsed


ACTION_ITEMS_NAME = "action-items.v1"
_ACTION_ITEMS_HEADER = "incident-kit action items 1"


def _items_payload(items: list[ActionItem]) -> str:
    return json.dumps(
        [
            [
                i.incident_id,
                i.item_id,
                i.text,
                i.owner,
                i.due.isoformat() if i.due else None,
                i.type,
                i.done,
                i.issue,
                i.line,
            ]
            for i in items
        ],
        ensure_ascii=False,
    )


def _items_from(payload: str) -> list[ActionItem] | None:
    """The cached items, None when the line is damaged (then the file is read again)."""
    try:
        rows = json.loads(payload)
        return [
            ActionItem(
                incident_id,
                item_id,
                text,
                owner,
                date.fromisoformat(due) if due else None,
                kind,
                done,
                issue,
                line,
            )
            for incident_id, item_id, text, owner, due, kind, done, issue, line in rows
        ]
    except (ValueError, TypeError):
        return None
