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
    from incident_kit.reports.stats.compute import compute_stats
    from incident_kit.reports.stats.render import render_markdown, render_text
    from incident_kit.reports.stats.to_json import render_json
    from incident_kit.summaries.cache import iter_summaries
    from incident_kit.summaries.postmortem_items import iter_action_items

    fmt = check_format(fmt, ("text", "json", "markdown"))
    result = compute_stats(
        iter_summaries(ctx.root),  # one pass each: only tallies are kept, never every incident
        iter_action_items(ctx.root),
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
