"""`incident index` (regenerate incidents/README.md) and `incident stats`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from incident_kit import clock
from incident_kit.context import Context, check_format
from incident_kit.errors import InputError
from incident_kit.operations import Change
from incident_kit.publish import publish
from incident_kit.severity import normalise as normalise_severity
from incident_kit.store import Store

INDEX_PATH = "incidents/README.md"


def render_current(root: Path | None, now: datetime | None = None) -> str:
    """The index for the repository at `root` (an empty one when None)."""
    from incident_kit.index import render_index
    from incident_kit.listing import load_action_items, load_summaries

    incidents = load_summaries(root) if root else []
    items = load_action_items(root) if root else []
    return render_index(incidents, items, now=now or clock.now())


def index(ctx: Context, *, push: bool | None, check: bool) -> int:
    def operation(store: Store) -> Change:
        text = render_current(store.root, ctx.now)
        path = store.root / INDEX_PATH
        current = path.read_text("utf-8") if path.exists() else None
        writes = {} if current == text else {INDEX_PATH: text}
        return Change(
            incident_id=None,
            subject="incident-kit: regenerate the incidents index",
            writes=writes,
            trailers={"Action": "index"},
            result={"changed": bool(writes)},
        )

    if check:
        current_path = ctx.root / INDEX_PATH
        text = render_current(ctx.root, ctx.now)
        if not current_path.exists() or current_path.read_text("utf-8") != text:
            print(f"{INDEX_PATH} is out of date; run `incident index`")
            return 1
        print(f"{INDEX_PATH} is up to date")
        return 0
    outcome = publish(ctx, operation, push=push)
    if outcome.commit:
        print(f"regenerated {INDEX_PATH} ({outcome.commit[:12]})")
    else:
        print(f"{INDEX_PATH} is up to date; nothing to commit")
    return 0


def _day(text: str | None, flag: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{flag} {text!r}: use a date like 2026-11-01") from None


def stats(
    ctx: Context,
    *,
    since: str | None,
    until: str | None,
    service: str | None,
    severity: str | None,
    fmt: str,
) -> int:
    from incident_kit.listing import load_action_items, load_summaries
    from incident_kit.stats import compute_stats
    from incident_kit.stats_json import render_json
    from incident_kit.stats_render import render_markdown, render_text

    fmt = check_format(fmt, ("text", "json", "markdown"))
    result = compute_stats(
        load_summaries(ctx.root),
        load_action_items(ctx.root),
        now=ctx.now,
        since=_day(since, "--since"),
        until=_day(until, "--until"),
        service=ctx.config.canonical_service(service) if service else None,
        severity=normalise_severity(severity) if severity else None,
    )
    renderers = {"text": render_text, "json": render_json, "markdown": render_markdown}
    output = renderers[fmt](result)
    print(output, end="" if output.endswith("\n") else "\n")
    return 0
