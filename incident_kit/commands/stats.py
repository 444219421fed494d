"""`incident stats`: counts, response times and action items, as text, JSON or Markdown."""

from __future__ import annotations

from datetime import date

from incident_kit.context import Context, check_format
from incident_kit.errors import InputError


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
    from incident_kit.reports.stats.compute import compute_stats_of_records
    from incident_kit.reports.stats.render import render_markdown, render_text
    from incident_kit.reports.stats.to_json import render_json
    from incident_kit.summaries.report_records import records_and_items

    fmt = check_format(fmt, ("text", "json", "markdown"))
    # one pass over the folders' cached records: only tallies are kept, never every incident
    records, items = records_and_items(ctx.root)
    result = compute_stats_of_records(
        (record for record, _ in records),
        items,  # filled by the time the records are counted
        now=ctx.now,
        since=_day(since, "--since"),
        until=_day(until, "--until"),
        service=ctx.config.canonical_service(service) if service else None,
        severity=ctx.config.severity_scale.normalise(severity) if severity else None,
        severities=ctx.config.severity_scale.levels,
    )
    renderers = {"text": render_text, "json": render_json, "markdown": render_markdown}
    output = renderers[fmt](result)
    print(output, end="" if output.endswith("\n") else "\n")
    return 0
