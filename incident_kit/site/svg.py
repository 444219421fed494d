"""Inline SVG charts (pure): stacked severity bars, trend lines, a heat map, status history.

Every chart is one `<svg role="img">` with a `<title>` and a `<desc>` that says in words what
it shows, and a `<title>` on each mark for a tooltip. Colours come only from presentation
attributes (`fill=`), which the Content-Security-Policy allows where `style=` is not. Text
from the files (service names, labels) is escaped like everything else. A count of zero draws
nothing at all, and count axes have whole-number ticks (`chart_data.integer_scale`).

The ids that tie a chart to its title and description come from the title (unique on its
page), not from a counter: a page is the same bytes whoever renders it, in whatever order, so
a rebuild that renders one page gives what a full build gives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from incident_kit.reports.chart_data import StackedCounts, integer_scale
from incident_kit.site.layout import esc

WIDTH = 720
STATUS_COLOURS = {
    "operational": "#2e7d32",
    "degraded_performance": "#f9a825",
    "partial_outage": "#e65100",
    "major_outage": "#b71c1c",
}
HEAT = ("#eef2f6", "#c6dbef", "#85b4d8", "#4a89c0", "#1d5b93", "#0b3561")


def _open(height: int, title: str, desc: str, css: str = "chart") -> str:
    number = hashlib.sha256(title.encode("utf-8")).hexdigest()[:10]
    return (
        f'<svg class="{css}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="svg{number}t svg{number}d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="svg{number}t">{esc(title)}</title><desc id="svg{number}d">{esc(desc)}</desc>'
    )


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _every(labels: Sequence[str], room: int) -> int:
    """Show every n-th x label so that at most `room` fit."""
    return max(1, -(-len(labels) // room))


def legend(counts: StackedCounts) -> str:
    """The colour key under a severity chart, as HTML (swatches are tiny SVGs)."""
    items = "".join(
        f'<li><svg class="swatch" viewBox="0 0 12 12" aria-hidden="true"><rect width="12" height="12" '
        f'fill="{s.colour}"/></svg>{esc(s.name)} ({esc(s.colour_name)})</li>'
        for s in counts.series
    )
    return f'<ul class="legend" aria-label="Colours, bottom of each bar first">{items}</ul>'


def stacked_bars(counts: StackedCounts, *, title: str, unit: str = "incidents") -> str:
    """Bars stacked bottom-up in `counts.series` order, with a y axis of whole numbers."""
    height, left, top_pad, bottom = 260, 44, 12, 40
    plot_h = height - top_pad - bottom
    axis_max, ticks = integer_scale(counts.top())
    n = max(len(counts.labels), 1)
    slot = (WIDTH - left - 8) / n
    bar = max(slot * 0.7, 1.0)
    totals = counts.totals()
    desc = f"{sum(totals)} {unit} over {len(counts.labels)} periods; the most in one period: {counts.top()}."
    out = [_open(height, title, desc)]
    for tick in ticks:
        y = top_pad + plot_h - plot_h * tick / axis_max
        out.append(
            f'<line x1="{left}" x2="{WIDTH - 4}" y1="{_fmt(y)}" y2="{_fmt(y)}" class="grid"/>'
            f'<text x="{left - 6}" y="{_fmt(y + 4)}" text-anchor="end" class="tick">{tick}</text>'
        )
    step = _every(counts.labels, 12)
    for index, label in enumerate(counts.labels):
        x = left + slot * index + (slot - bar) / 2
        base = float(top_pad + plot_h)
        for series in counts.series:
            value = series.values[index]
            if value <= 0:
                continue
            h = plot_h * value / axis_max
            base -= h
            out.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(base)}" width="{_fmt(bar)}" height="{_fmt(h)}" '
                f'fill="{series.colour}"><title>{esc(label)}: {esc(series.name)}, {value}</title></rect>'
            )
        if index % step == 0:
            out.append(
                f'<text x="{_fmt(x + bar / 2)}" y="{height - bottom + 16}" text-anchor="middle" '
                f'class="tick">{esc(label)}</text>'
            )
    out.append("</svg>")
    return "".join(out) + legend(counts)


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    values: tuple[float | None, ...]  # None: no data for that label


def lines(labels: Sequence[str], series: Sequence[Line], *, title: str, unit: str) -> str:
    """One or more lines over `labels` (gaps where a value is None), y axis in `unit`."""
    height, left, top_pad, bottom = 240, 52, 12, 40
    plot_h = height - top_pad - bottom
    top = max((v for s in series for v in s.values if v is not None), default=0.0)
    axis_max, ticks = integer_scale(int(-(-top // 1)))
    n = max(len(labels), 1)
    slot = (WIDTH - left - 8) / n
    desc = "; ".join(f"{s.name}: {sum(v is not None for v in s.values)} periods with data" for s in series)
    out = [_open(height, title, desc)]
    for tick in ticks:
        y = top_pad + plot_h - plot_h * tick / axis_max
        out.append(
            f'<line x1="{left}" x2="{WIDTH - 4}" y1="{_fmt(y)}" y2="{_fmt(y)}" class="grid"/>'
            f'<text x="{left - 6}" y="{_fmt(y + 4)}" text-anchor="end" class="tick">{tick}</text>'
        )
    out.append(
        f'<text x="12" y="{top_pad + plot_h / 2}" class="tick" text-anchor="middle" '
        f'transform="rotate(-90 12 {top_pad + plot_h / 2})">{esc(unit)}</text>'
    )
    for s in series:
        points = []
        for index, value in enumerate(s.values):
            if value is None:
                continue
            x = left + slot * index + slot / 2
            y = top_pad + plot_h - plot_h * value / axis_max
            points.append((x, y, labels[index], value))
        if len(points) > 1:
            path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y, _, _ in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{s.colour}" stroke-width="2"/>')
        for x, y, label, value in points:
            out.append(
                f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="3.5" fill="{s.colour}">'
                f"<title>{esc(label)}: {esc(s.name)} {_fmt(value)} {esc(unit)}</title></circle>"
            )
    step = _every(labels, 12)
    for index, label in enumerate(labels):
        if index % step == 0:
            x = left + slot * index + slot / 2
            out.append(
                f'<text x="{_fmt(x)}" y="{height - bottom + 16}" text-anchor="middle" class="tick">'
                f"{esc(label)}</text>"
            )
    out.append("</svg>")
    keys = "".join(
        f'<li><svg class="swatch" viewBox="0 0 12 12" aria-hidden="true"><rect width="12" height="12" '
        f'fill="{s.colour}"/></svg>{esc(s.name)}</li>'
        for s in series
    )
    return "".join(out) + f'<ul class="legend">{keys}</ul>'


def heat_map(
    rows: Sequence[str], columns: Sequence[str], cells: Sequence[Sequence[int]], *, title: str
) -> str:
    """A count per (row, column), darker for more, each cell labelled with its number."""
    label_w, cell_h, head = 150, 26, 22
    width_each = (WIDTH - label_w - 4) / max(len(columns), 1)
    height = head + cell_h * len(rows) + 6
    peak = max((v for row in cells for v in row), default=0)
    desc = f"Incidents per service and month; the most in one cell: {peak}."
    out = [_open(height, title, desc, "chart heat")]
    step = _every(columns, 12)
    for c, column in enumerate(columns):
        if c % step == 0:
            out.append(
                f'<text x="{_fmt(label_w + width_each * c + width_each / 2)}" y="14" text-anchor="middle" '
                f'class="tick">{esc(column[2:] if len(column) == 7 else column)}</text>'
            )
    for r, row in enumerate(rows):
        y = head + cell_h * r
        shown = row if len(row) <= 20 else row[:19] + "…"
        out.append(f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" class="tick">{esc(shown)}</text>')
        for c, value in enumerate(cells[r]):
            level = 0 if value == 0 or peak == 0 else 1 + min(4, (value * 5 - 1) // peak)
            x = label_w + width_each * c
            out.append(
                f'<rect x="{_fmt(x + 1)}" y="{y + 1}" width="{_fmt(width_each - 2)}" height="{cell_h - 2}" '
                f'fill="{HEAT[level]}"><title>{esc(row)}, {esc(columns[c])}: {value}</title></rect>'
            )
            if value:
                ink = "heat-dark" if level >= 3 else "heat-light"
                out.append(
                    f'<text x="{_fmt(x + width_each / 2)}" y="{y + 17}" text-anchor="middle" '
                    f'class="tick {ink}">{value}</text>'
                )
    out.append("</svg>")
    return "".join(out)


def history(days: Sequence[tuple[str, str, str]], *, title: str) -> str:
    """Status history bars: one per day (label, status, status label), oldest first."""
    height = 34
    slot = WIDTH / max(len(days), 1)
    bad = sum(1 for _, status, _ in days if status != "operational")
    out = [_open(height, title, f"{bad} of {len(days)} days with an incident.", "history")]
    for index, (label, status, text) in enumerate(days):
        out.append(
            f'<rect x="{_fmt(slot * index + 0.5)}" y="2" width="{_fmt(max(slot - 1.5, 1))}" height="30" '
            f'fill="{STATUS_COLOURS.get(status, "#9e9e9e")}"><title>{esc(label)}: {esc(text)}</title></rect>'
        )
    out.append("</svg>")
    return "".join(out)


def phases(spans: Sequence[tuple[str, float, float, str]], *, title: str, total: float) -> str:
    """An incident's phases on one bar: (name, start, end, label) in seconds from its start."""
    height = 56
    colours = ("#b71c1c", "#e65100", "#f9a825", "#607d8b")
    out = [_open(height, title, "; ".join(f"{name}: {label}" for name, _, _, label in spans))]
    scale = (WIDTH - 2) / total if total > 0 else 0.0
    for index, (name, start, end, label) in enumerate(spans):
        x, w = 1 + start * scale, max((end - start) * scale, 2.0)
        out.append(
            f'<rect x="{_fmt(x)}" y="4" width="{_fmt(w)}" height="24" fill="{colours[index % 4]}">'
            f"<title>{esc(name)}: {esc(label)}</title></rect>"
            f'<text x="{_fmt(x + 2)}" y="46" class="tick">{esc(name if w > 90 else "")}</text>'
        )
    out.append("</svg>")
    return "".join(out)
