"""`incident index`: regenerate incidents/README.md (or check that it is up to date)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from incident_kit import clock, cycles, repo_files
from incident_kit.change import Change
from incident_kit.context import Context, emit_json
from incident_kit.model import SEVERITIES, ActionItem, IncidentSummary
from incident_kit.reports.index_page import INDEX_PATH
from incident_kit.store import Store
from incident_kit.transaction import record


def render_current(
    root: Path | None, now: datetime | None = None, severities: Sequence[str] = SEVERITIES
) -> str:
    """The index for the repository at `root` (an empty one when None), on the team's scale."""
    from incident_kit.reports.index_page import IndexTally, render_index
    from incident_kit.summaries.cache import read_summaries
    from incident_kit.summaries.report_records import iter_months

    now = now or clock.now()
    if root is None:
        return render_index((), (), now=now, severities=severities)
    # each month counted (kept whole when untouched); only the shown incidents read in full
    tally: IndexTally[str] = IndexTally(now, severities)
    items: list[ActionItem] = []

    def load(rels: list[str]) -> list[IncidentSummary | None]:
        return read_summaries(root, rels)

    with cycles.paused():
        for month in iter_months(root):
            tally.merge(month.stats, month.page)
            items.extend(month.items)
        return tally.render(items, load)


def index(ctx: Context, *, push: bool | None, check: bool, fmt: str = "text") -> int:
    def operation(store: Store) -> Change:
        text = render_current(store.root, ctx.now, ctx.config.severity_scale.levels)
        path = store.root / INDEX_PATH
        current = repo_files.read_if_present(store.root, path, limit=repo_files.MAX_INDEX_BYTES)
        writes = {} if current == text else {INDEX_PATH: text}
        return Change(
            incident_id=None,
            subject="incident-kit: regenerate the incidents index",
            writes=writes,
            trailers={"Action": "index"},
            result={"changed": bool(writes)},
        )

    if check:
        root = ctx.root.resolve()
        text = render_current(root, ctx.now, ctx.config.severity_scale.levels)
        stale = repo_files.read_if_present(root, root / INDEX_PATH, limit=repo_files.MAX_INDEX_BYTES) != text
        if fmt == "json":
            emit_json({"path": INDEX_PATH, "up_to_date": not stale, "changed": False, "commit": None})
        elif stale:
            print(f"{INDEX_PATH} is out of date; run `incident index`")
        else:
            print(f"{INDEX_PATH} is up to date")
        return 1 if stale else 0
    outcome = record(ctx, operation, push=push)
    if fmt == "json":
        changed = outcome.commit is not None
        emit_json({"path": INDEX_PATH, "up_to_date": True, "changed": changed, "commit": outcome.commit})
    elif outcome.commit:
        print(f"regenerated {INDEX_PATH} ({outcome.commit[:12]})")
    else:
        print(f"{INDEX_PATH} is up to date; nothing to commit")
    return 0
