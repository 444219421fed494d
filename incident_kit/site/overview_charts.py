"""The overview's charts (inline SVG, each with its numbers): incidents per week and per month
by severity (`reports.chart_data`, the month one being the index's Mermaid chart as SVG), the
median time to acknowledge and to resolve per month (`reports.stats.durations`), and incidents
per service and month as a heat map.

They depend on the records' declared time, severity, service and durations, and on today's
UTC date; `site.chart_cache` keeps the last section so that a rebuild where none of that
changed neither counts 10,000 records again nor imports this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from incident_kit.model import SEVERITIES
from incident_kit.reports.chart_data import MAX_MONTHS, StackedCounts, stack
from incident_kit.reports.stats.durations import summarize
from incident_kit.reports.stats.tally import month_range
from incident_kit.site import svg
from incident_kit.site.layout import NO_VALUE, TABLE_WRAP, esc
from incident_kit.site.record import NONE, Record, month_of

WEEKS = 26
TREND_MONTHS = 12


@dataclass
class Tally:
    """What the charts count, gathered in one pass over the records."""

    months: dict[str, Counter[str]] = field(default_factory=dict)  # month -> severity -> incidents
    ack: dict[str, list[int]] = field(default_factory=dict)  # month -> times to acknowledge
    resolve: dict[str, list[int]] = field(default_factory=dict)  # month -> times to resolve
    services: Counter[tuple[str, str]] = field(default_factory=Counter)  # (service, month) -> incidents
    recent: list[tuple[int, str]] = field(default_factory=list)  # (declared, severity), last WEEKS weeks


def _first_monday(now: datetime) -> datetime:
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=today.weekday(), weeks=WEEKS - 1)
    return datetime(first.year, first.month, first.day, tzinfo=UTC)


def tally(records: Sequence[Record], now: datetime) -> Tally:
    t = Tally()
    since = int(_first_monday(now).timestamp())
    for r in records:
        declared = r.declared
        if declared == NONE:
            continue
        month = month_of(declared)
        counts = t.months.get(month)
        if counts is None:
            counts = t.months[month] = Counter()
        counts[r.severity] += 1
        if r.ack_s != NONE:
            t.ack.setdefault(month, []).append(r.ack_s)
        if r.resolve_s != NONE:
            t.resolve.setdefault(month, []).append(r.resolve_s)
        t.services[(r.service or "(no service)", month)] += 1
        if declared >= since:
            t.recent.append((declared, r.severity))
    return t


def months_by_severity(t: Tally, scale: Sequence[str] = SEVERITIES) -> StackedCounts | None:
    """Incidents per month by severity, every month from the first to the last (as `stats`)."""
    if not t.months:
        return None
    months = month_range(min(t.months), max(t.months))[-MAX_MONTHS:]
    return stack(months, {m: t.months.get(m, Counter()) for m in months}, scale)


def weeks_by_severity(t: Tally, now: datetime, scale: Sequence[str] = SEVERITIES) -> StackedCounts:
    """Incidents per week (Monday to Sunday, UTC) for the last WEEKS weeks, by severity."""
    first = _first_monday(now)
    labels = [(first + timedelta(weeks=i)).date().isoformat() for i in range(WEEKS)]
    since = int(first.timestamp())
    counts: dict[str, Counter[str]] = {}
    for declared, severity in t.recent:
        index = min((declared - since) // (7 * 86400), WEEKS - 1)
        counts.setdefault(labels[index], Counter())[severity] += 1
    return stack(labels, counts, scale)


def trends(t: Tally) -> tuple[list[str], list[float | None], list[float | None]]:
    """Months (the last TREND_MONTHS with data), median minutes to acknowledge, hours to resolve."""
    months = sorted(set(t.ack) | set(t.resolve))[-TREND_MONTHS:]

    def medians(data: dict[str, list[int]], unit: int) -> list[float | None]:
        out: list[float | None] = []
        for m in months:
            median = summarize(data.get(m, [])).median_seconds
            out.append(None if median is None else round(median / unit, 1))
        return out

    return months, medians(t.ack, 60), medians(t.resolve, 3600)


def heat(t: Tally, now: datetime) -> tuple[list[str], list[str], list[list[int]]]:
    """Services (the 12 with most incidents) x the last 12 months, incidents in each."""
    last = now.astimezone(UTC).strftime("%Y-%m")
    year, month = int(last[:4]), int(last[5:])
    first = f"{year - 1:04d}-{month + 1:02d}" if month < 12 else f"{year:04d}-01"
    months = month_range(first, last)
    per_service = Counter[str]()
    for (service, m), n in t.services.items():
        if m >= first:
            per_service[service] += n
    services = [s for s, _ in sorted(per_service.items(), key=lambda kv: (-kv[1], kv[0]))[:12]]
    return services, months, [[t.services[(s, m)] for m in months] for s in services]


def _numbers(headers: Sequence[str], rows: Sequence[Sequence[object]], caption: str) -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return (
        f"<details><summary>{esc(caption)}: the numbers</summary>{TABLE_WRAP}<table>"
        f"<caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></details>"
    )


def _figure(title: str, chart: str) -> str:
    return f"<figure><figcaption>{esc(title)}</figcaption>{chart}</figure>"


def _stacked_section(counts: StackedCounts, title: str) -> str:
    rows = [[label, *(s.values[i] for s in counts.series)] for i, label in enumerate(counts.labels)]
    headers = ["Period", *(s.name for s in counts.series)]
    return (
        f"<figure><figcaption>{esc(title)}</figcaption>{svg.stacked_bars(counts, title=title)}</figure>"
        + _numbers(headers, rows, title)
    )


def charts(records: Sequence[Record], now: datetime, scale: Sequence[str] = SEVERITIES) -> str:
    t = tally(records, now)
    parts = [
        _stacked_section(
            weeks_by_severity(t, now, scale), f"Incidents per week by severity (last {WEEKS} weeks)"
        )
    ]
    per_month = months_by_severity(t, scale)
    if per_month is not None:
        parts.append(_stacked_section(per_month, "Incidents per month by severity"))
    months, ack, resolve = trends(t)
    if months:
        title = "Median time to acknowledge (minutes) and to resolve (hours) per month"
        lines = [
            svg.Line("Time to acknowledge, minutes", "#1d5b93", tuple(ack)),
            svg.Line("Time to resolve, hours", "#b71c1c", tuple(resolve)),
        ]
        rows = [
            [m, NO_VALUE if a is None else a, NO_VALUE if r is None else r]
            for m, a, r in zip(months, ack, resolve, strict=True)
        ]
        chart = svg.lines(months, lines, title=title, unit="minutes / hours")
        parts.append(
            _figure(title, chart) + _numbers(["Month", "Acknowledge (min)", "Resolve (h)"], rows, title)
        )
    services, heat_months, cells = heat(t, now)
    if services:
        title = "Incidents per service and month (last 12 months)"
        rows = [[s, *cells[i]] for i, s in enumerate(services)]
        chart = svg.heat_map(services, heat_months, cells, title=title)
        parts.append(_figure(title, chart) + _numbers(["Service", *heat_months], rows, title))
    return '<section class="charts"><h2>Charts</h2>' + "".join(parts) + "</section>"
