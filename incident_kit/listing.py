"""Summaries of every incident, for list, stats and the index."""

from __future__ import annotations

from pathlib import Path

from incident_kit import action_items
from incident_kit.ids import id_from_folder
from incident_kit.model import ActionItem, IncidentSummary
from incident_kit.store import POSTMORTEM_FILE, Store


def load_summaries(root: Path) -> list[IncidentSummary]:
    return Store(root).summaries()


def load_action_items(root: Path) -> list[ActionItem]:
    """Every action item of every post-mortem (line-based; no Markdown parsing)."""
    store = Store(root)
    items: list[ActionItem] = []
    for folder in store.folders():
        path = folder / POSTMORTEM_FILE
        if not path.is_file():
            continue
        incident_id = id_from_folder(folder.name) or folder.name
        found, _ = action_items.parse(incident_id, store.read_text(path), store.rel(path))
        items.extend(found)
    return items
