"""What one `incident sync` run delivered, and writing it back into the files.

Idempotent by construction: what was delivered is recorded in the files (the `slack:` block of
each incident, the `— issue: #N` of each action item), so the next run knows it was done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from incident_kit import action_items, timeline
from incident_kit.config.settings import Config
from incident_kit.model import ActionItem
from incident_kit.store import Store

if TYPE_CHECKING:
    pass


@dataclass
class SyncResults:
    """What this run delivered, to be written back; and what is still pending."""

    slack: dict[str, dict[str, Any]] = field(default_factory=dict)  # incident folder -> state
    issues: dict[str, dict[str, str]] = field(default_factory=dict)  # post-mortem path -> item -> ref
    ticked: dict[str, set[str]] = field(default_factory=dict)  # post-mortem path -> done items
    remediation: dict[str, str] = field(default_factory=dict)  # incident folder -> timeline note
    tracking: dict[str, dict[str, Any]] = field(default_factory=dict)  # incident folder -> keys to set
    delivered: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def changed(self) -> bool:
        return bool(self.slack or self.issues or self.ticked or self.remediation or self.tracking)


@dataclass(frozen=True)
class Links:
    """Where people can read an incident on the web (None offline)."""

    base: str | None  # e.g. https://github.com/o/r/blob/main

    def folder(self, path: str) -> str | None:
        return f"{self.base}/{path}" if self.base else None


def links_from_env(env: Mapping[str, str], config: Config) -> Links:
    repo = env.get("GITHUB_REPOSITORY")
    if not repo:
        return Links(None)
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    ref = config.github.ref
    return Links(f"{server}/{repo}/blob/{ref}")


def apply_results(store: Store, results: SyncResults, *, now: datetime, actor: str) -> dict[str, str]:
    """The files with the delivery results written in, computed on the current (fresh) files."""
    from incident_kit.markdown import frontmatter

    writes: dict[str, str] = {}
    for rel_folder, state in results.slack.items():
        folder = store.root / rel_folder
        if not (folder / "incident.md").exists():
            continue
        incident = store.read(folder)
        document = incident.document.with_value(["slack"], state)
        text = document.text()
        if text != incident.document.text():
            writes[f"{rel_folder}/incident.md"] = text
    for rel_folder, note in results.remediation.items():
        incident_path = f"{rel_folder}/incident.md"
        document = (
            frontmatter.split(writes[incident_path], incident_path)
            if incident_path in writes
            else store.read(store.root / rel_folder).document
        )
        document = document.with_value(["remediation", "status"], "dispatched")
        document = timeline.record(document, now, note, actor, incident_path)
        writes[incident_path] = document.text()
    for rel_folder, keys in results.tracking.items():
        incident_path = f"{rel_folder}/incident.md"
        if incident_path not in writes and not (store.root / incident_path).exists():
            continue
        document = (
            frontmatter.split(writes[incident_path], incident_path)
            if incident_path in writes
            else store.read(store.root / rel_folder).document
        )
        text = document.with_values(keys).text()
        if text != document.text():
            writes[incident_path] = text
    for rel in sorted(set(results.issues) | set(results.ticked)):
        path = store.root / rel
        if not path.exists():
            continue
        original = store.read_text(path)
        text = original
        incident_id = path.parent.name
        for item_id, ref in results.issues.get(rel, {}).items():
            item = _find(text, incident_id, rel, item_id)
            if item is not None and item.issue != ref:
                text = action_items.set_issue(text, item, ref)
        for item_id in sorted(results.ticked.get(rel, set())):
            item = _find(text, incident_id, rel, item_id)
            if item is not None and not item.done:
                text = action_items.set_done(text, item)
        if text != original:
            writes[rel] = text
    return writes


def _find(text: str, incident_id: str, rel: str, item_id: str) -> ActionItem | None:
    items, _ = action_items.parse(incident_id, text, rel)
    return next((item for item in items if item.item_id == item_id), None)
