"""`incident stats` as text for a terminal and as Markdown (with Mermaid charts) for GitHub.

Both show durations in human form (`format_duration`); the JSON form, in seconds, is in
`stats_json`. Rendering is a pure function of `Stats`: same stats, same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from incident_kit.markdown.tables import cell, table
from incident_kit.reports.chart_data import colour_of
from incident_kit.reports.charts import fenced, incidents_per_month_chart, resolve_trend_chart
from incident_kit.reports.stats.durations import Durations, MetricStats
from incident_kit.reports.stats.figures import Count, Filters, Stats

NO_VALUE = "—"
# Reports list the worst few; JSON has them all.
MAX_OFFENDERS = 20
MAX_OVERDUE = 50
SUMMARY_OFFENDERS = 5
NO_SERVICE = "(no service)"
NO_OWNER = "(unowned)"
NOTHING_MATCHES = "No incident matches, so there is nothing to measure."


def stack_note(stats: Stats) -> str:
    """The chart's legend in words, from the team's scale (most severe at the bottom)."""
    first, last = stats.severities[0], stats.severities[-1]
    top = colour_of(len(stats.severities) - 1)[1]
    return (
        f"Bars are stacked from {first} ({colour_of(0)[1]}, bottom) to {last} ({top}, top), "
        "as the x-axis title says.\n"
    )


METRIC_TITLES = {
    "time_to_acknowledge": "Time to acknowledge",
    "time_to_mitigate": "Time to mitigate",
    "time_to_resolve": "Time to resolve",
}


def format_duration(seconds: int | None) -> str:
    """`45s`, `12m 05s`, `1h 05m`, `2d 03h`: two units at most, the larger one unpadded."""
    if seconds is None:
        return NO_VALUE
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600:02d}h"


def describe_filters(filters: Filters) -> str:
    """`All incidents` or e.g. `Incidents declared 2026-01-01 to 2026-03-31 (UTC), service auth`."""
    parts = []
    if filters.since and filters.until:
        parts.append(f"declared {filters.since.isoformat()} to {filters.until.isoformat()} (UTC)")
    elif filters.since:
        parts.append(f"declared on or after {filters.since.isoformat()} (UTC)")
    elif filters.until:
        parts.append(f"declared on or before {filters.until.isoformat()} (UTC)")
    if filters.service is not None:
        parts.append(f"service {filters.service}")
    if filters.severity is not None:
        parts.append(f"severity {filters.severity}")
    return "Incidents " + ", ".join(parts) if parts else "All incidents"


def excluded_note(stats: Stats) -> str:
    ex = stats.excluded_from_times
    parts = [_plural(ex.drill, "drill"), f"{ex.cancelled} cancelled", f"{ex.merged} merged"]
    return "Drills, cancelled and merged incidents are left out (" + ", ".join(parts) + ")."


# --- text ----------------------------------------------------------------------------------


def render_text(stats: Stats) -> str:
    """A plain-text report for a terminal (UTF-8, no colour)."""
    out = [
        "Incident statistics",
        f"{_plain(describe_filters(stats.filters))}; as of {_timestamp(stats)}",
        "",
        f"Incidents: {stats.total}{_drill_note(stats)}",
    ]
    if stats.total == 0:
        return "\n".join([*out, NOTHING_MATCHES]) + "\n"
    out += [
        f"  by status:    {_plain(_inline_counts(c for c in stats.by_status if c.count))}",
        f"  by severity:  {_plain(_inline_counts(stats.by_severity))}",
        f"  by service:   {_plain(_inline_counts(stats.by_service))}",
        f"  by month:     {', '.join(f'{m.month} {m.total}' for m in stats.by_month) or NO_VALUE}",
    ]
    if stats.undated:
        out.append(f"  undated:      {stats.undated}")
    out += ["", "Response times (median and p90). " + excluded_note(stats)]
    tables = [(METRIC_TITLES[m.name], _metric_rows(m, _plain)) for m in stats.times]
    # One label width for the three tables, so their columns line up down the screen.
    width = max(max(len(title), *(2 + len(r[0]) for r in rows)) for title, rows in tables)
    for title, rows in tables:
        out += ["", *_text_table(rows, title, width)]
    items = stats.action_items
    out += ["", f"Action items: {items.open} open, {items.overdue} overdue ({items.total} in all)"]
    for owner in items.by_owner:
        name = _plain(owner.owner or NO_OWNER)
        out.append(f"  {name:<24} {owner.open:>4} open {owner.overdue:>4} overdue")
    for item in items.overdue_items[:MAX_OVERDUE]:
        out.append(
            f"  overdue: {_plain(item.incident_id)} {_plain(item.item_id)} "
            f"{_plain(item.owner or NO_OWNER)} due {item.due.isoformat()} "
            f"({_plural(item.days_overdue, 'day')} late): {_plain(item.text)}"
        )
    if more := _more(len(items.overdue_items), MAX_OVERDUE):
        out.append(f"  {more}")
    out += ["", "Repeat offenders:" + ("" if stats.repeat_offenders else " none")]
    for offender in stats.repeat_offenders[:MAX_OFFENDERS]:
        out.append(
            f"  {_offender_kind(offender.kind)} {_plain(offender.key)}: {offender.count} "
            f"incidents ({_plain(', '.join(offender.incident_ids))})"
        )
    if more := _more(len(stats.repeat_offenders), MAX_OFFENDERS):
        out.append(f"  {more}")
    if stats.warnings:
        out += ["", "Warnings:", *(f"  {_plain(w)}" for w in stats.warnings)]
    return "\n".join(out) + "\n"


def _text_table(rows: Sequence[tuple[str, str, str, str]], title: str, width: int) -> list[str]:
    lines = [f"{title:<{width}}  {'n':>4}  {'median':>8}  {'p90':>8}"]
    lines.extend(f"  {r[0]:<{width - 2}}  {r[1]:>4}  {r[2]:>8}  {r[3]:>8}" for r in rows)
    return lines


def _plain(text: str) -> str:
    """One line without control characters: file content must not drive the terminal."""
    line = " ".join(text.split())
    return line if line.isprintable() else "".join(c for c in line if c.isprintable())


# --- Markdown ------------------------------------------------------------------------------


def render_markdown(stats: Stats) -> str:
    """The full report as GitHub Markdown, with Mermaid charts."""
    out = [
        "# Incident statistics\n",
        f"{cell(describe_filters(stats.filters))}. As of {_timestamp(stats)}.\n",
        "## Incidents\n",
        f"**{stats.total}** {_noun(stats.total, 'incident')}{_drill_note(stats)}.\n",
    ]
    if stats.total == 0:
        return "\n".join([*out, NOTHING_MATCHES + "\n"])
    if stats.undated:
        out.append(f"{stats.undated} without any date (see `incident validate`).\n")
    out.append(_count_table("Status", [c for c in stats.by_status if c.count]))
    out.append(_count_table("Severity", stats.by_severity))
    out.append(_count_table("Service", stats.by_service))
    out.append("### Incidents per month by severity\n")
    out.append(_month_section(stats))
    out.append("## Response times\n")
    out.append(f"Median and p90 (nearest rank). {excluded_note(stats)}\n")
    for metric in stats.times:
        out.append(f"### {METRIC_TITLES[metric.name]}\n")
        rows = [list(r) for r in _metric_rows(metric, cell)]
        rows[0][0] = "**All**"
        out.append(table(["Severity / service", "Incidents", "Median", "p90"], rows, "lrrr"))
    out.append("### Time to resolve by month\n")
    trend = resolve_trend_chart(stats.resolve_trend, title="Median time to resolve per month")
    out.append(fenced(trend) if trend else "No resolved incidents.\n")
    out.append(_action_items_section(stats))
    out.append(_offenders_section(stats))
    if stats.warnings:
        out.append("## Warnings\n")
        out.append("".join(f"- {cell(w)}\n" for w in stats.warnings))
    return "\n".join(out)


def render_summary_markdown(stats: Stats) -> str:
    """A few lines and the monthly chart, for the index (no heading, no generation time).

    It leaves out `generated_at` so the index does not change when the data has not.
    """
    if stats.total == 0:
        return "No incidents yet.\n"
    lines = [f"- **{stats.total}** {_noun(stats.total, 'incident')}{_drill_note(stats)}"]
    for metric in stats.times:
        overall = metric.overall
        if overall.count == 0:
            lines.append(f"- {METRIC_TITLES[metric.name]}: nothing to measure yet")
            continue
        lines.append(
            f"- {METRIC_TITLES[metric.name]}: median {format_duration(overall.median_seconds)}, "
            f"p90 {format_duration(overall.p90_seconds)} ({_plural(overall.count, 'incident')})"
        )
    items = stats.action_items
    lines.append(f"- Action items: {items.open} open, {items.overdue} overdue")
    if stats.repeat_offenders:
        names = ", ".join(
            f"{_offender_kind(o.kind)} {cell(o.key)} ({o.count})"
            for o in stats.repeat_offenders[:SUMMARY_OFFENDERS]
        )
        if len(stats.repeat_offenders) > SUMMARY_OFFENDERS:
            names += f" and {len(stats.repeat_offenders) - SUMMARY_OFFENDERS} more"
        lines.append(f"- Repeat offenders: {names}")
    out = ["\n".join(lines) + "\n"]
    chart = incidents_per_month_chart(stats.by_month, title="Incidents per month by severity")
    if chart:
        out.append(fenced(chart))
    out.append(
        (stack_note(stats) + "\n" if chart else "")
        + "Medians and p90s leave out drills, cancelled and merged incidents; "
        "`incident stats --format markdown` has the full report.\n"
    )
    return "\n".join(out)


def _count_table(title: str, counts: Sequence[Count]) -> str:
    rows = [[cell(_key(c.key)), str(c.count)] for c in counts]
    return table([title, "Incidents"], rows or [[NO_VALUE, "0"]], "lr")


def _month_section(stats: Stats) -> str:
    chart = incidents_per_month_chart(stats.by_month, title="Incidents per month by severity")
    if chart is None:
        return "No dated incidents.\n"
    severities = [_key(c.key) for c in stats.by_month[0].by_severity]
    rows = [[m.month, str(m.total), *(str(c.count) for c in m.by_severity)] for m in stats.by_month]
    return "\n".join(
        [
            fenced(chart),
            stack_note(stats),
            table(["Month", "Total", *severities], rows, "l" + "r" * (len(severities) + 1)),
        ]
    )


def _action_items_section(stats: Stats) -> str:
    items = stats.action_items
    today = stats.generated_at.date().isoformat()
    out = [
        "## Action items\n",
        f"**{items.open}** open, **{items.overdue}** overdue (due before {today}), {items.total} in all.\n",
    ]
    if items.by_owner:
        rows = [[cell(o.owner or NO_OWNER), str(o.open), str(o.overdue)] for o in items.by_owner]
        out.append(table(["Owner", "Open", "Overdue"], rows, "lrr"))
    if items.overdue_items:
        out.append("### Overdue\n")
        rows = [
            [
                cell(o.item_id),
                cell(o.incident_id),
                cell(o.owner or NO_OWNER),
                o.due.isoformat(),
                _plural(o.days_overdue, "day"),
                cell(o.text),
            ]
            for o in items.overdue_items[:MAX_OVERDUE]
        ]
        headers = ["Item", "Incident", "Owner", "Due", "Late by", "What"]
        out.append(table(headers, rows, "llllrl"))
        if more := _more(len(items.overdue_items), MAX_OVERDUE):
            out.append(more + "\n")
    return "\n".join(out)


def _offenders_section(stats: Stats) -> str:
    out = ["## Repeat offenders\n"]
    if not stats.repeat_offenders:
        out.append("No service or alert had more than one incident.\n")
        return "\n".join(out)
    rows = [
        [
            _offender_kind(o.kind),
            cell(o.key),
            str(o.count),
            ", ".join(cell(i) for i in o.incident_ids),
        ]
        for o in stats.repeat_offenders[:MAX_OFFENDERS]
    ]
    out.append(table(["Kind", "Name", "Incidents", "Ids"], rows, "llrl"))
    if more := _more(len(stats.repeat_offenders), MAX_OFFENDERS):
        out.append(more + "\n")
    return "\n".join(out)


# --- shared --------------------------------------------------------------------------------


def _metric_rows(metric: MetricStats, escape: Callable[[str], str]) -> list[tuple[str, str, str, str]]:
    rows = [_row("all", metric.overall)]
    rows += [_row(escape(_key(g.key)), g.durations) for g in metric.by_severity]
    rows += [
        _row(NO_SERVICE if g.key is None else "service " + escape(g.key), g.durations)
        for g in metric.by_service
    ]
    return rows


def _row(label: str, d: Durations) -> tuple[str, str, str, str]:
    return (label, str(d.count), format_duration(d.median_seconds), format_duration(d.p90_seconds))


def _inline_counts(counts: Iterable[Count]) -> str:
    return ", ".join(f"{_key(c.key)} {c.count}" for c in counts) or NO_VALUE


def _drill_note(stats: Stats) -> str:
    drills = next((c.count for c in stats.by_kind if c.key == "drill"), 0)
    return f" ({_plural(drills, 'drill')} among them)" if drills else ""


def _key(key: str | None) -> str:
    return NO_SERVICE if key is None else key


def _more(total: int, shown: int) -> str:
    return f"... and {total - shown} more (`--format json` lists them all)." if total > shown else ""


def _offender_kind(kind: str) -> str:
    return "alert" if kind == "dedup_key" else kind


def _plural(n: int, word: str) -> str:
    return f"{n} {_noun(n, word)}"


def _noun(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _timestamp(stats: Stats) -> str:
    return stats.generated_at.strftime("%Y-%m-%d %H:%M UTC")
