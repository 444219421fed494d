"""`incident stats`: counts, response times and action items, as text, JSON or Markdown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from incident_kit import cycles
from incident_kit.context import Context, check_format
from incident_kit.errors import InputError
from incident_kit.model import ActionItem

if TYPE_CHECKING:
    from incident_kit.reports.stats.figures import Stats


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
    from incident_kit.reports.stats.render import render_markdown, render_text
    from incident_kit.reports.stats.to_json import render_json

    fmt = check_format(fmt, ("text", "json", "markdown"))
    days = _day(since, "--since"), _day(until, "--until")
    with cycles.paused():
        result = _computed(ctx, days, service, severity)
    renderers = {"text": render_text, "json": render_json, "markdown": render_markdown}
    output = renderers[fmt](result)
    print(output, end="" if output.endswith("\n") else "\n")
    return 0


def _computed(
    ctx: Context, days: tuple[date | None, date | None], service: str | None, severity: str | None
) -> Stats:
    from incident_kit.reports.stats.compute import compute_stats_of_partials, compute_stats_of_records
    from incident_kit.summaries.report_records import iter_months, records_and_items

    severities = ctx.config.severity_scale.levels
    if any(days) or service or severity:
        # every folder's cached record, counted one by one through the filters
        records, items = records_and_items(ctx.root)
        return compute_stats_of_records(
            (record for record, _ in records),
            items,  # filled by the time the records are counted
            now=ctx.now,
            since=days[0],
            until=days[1],
            service=ctx.config.canonical_service(service) if service else None,
            severity=ctx.config.severity_scale.normalise(severity) if severity else None,
            severities=severities,
        )
    every: list[ActionItem] = []  # filled by the time the incidents are counted

    def partials() -> Iterator[list[Any]]:  # each month counted (kept whole when untouched)
        for month in iter_months(ctx.root):
            every.extend(month.items)
            yield month.stats

    return compute_stats_of_partials(partials(), every, now=ctx.now, severities=severities)
