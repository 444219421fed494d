"""Mermaid chart text that GitHub renders: stacked bars and a trend line (`xychart-beta`).

`xychart-beta` rather than `xychart`: the `xychart` keyword only exists in recent Mermaid
releases, while GitHub's renderer lags behind; the beta keyword is accepted by both.

Every piece of text that reaches a diagram goes through `mermaid_label`, which keeps only
letters, digits, spaces and a few harmless punctuation marks. Quotes, brackets, `%`, `;`, `#`,
`:` and backticks are what end a Mermaid string, open a directive or comment, or start a new
statement, so a hostile service name or title can at worst read oddly, never change the chart.
Labels are always emitted inside double quotes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from incident_kit.reports.chart_data import MAX_MONTHS, StackedCounts, integer_axis_max, stack
from incident_kit.reports.stats.durations import MonthDurations
from incident_kit.reports.stats.figures import MonthCount

_ALLOWED_PUNCTUATION = frozenset(" -_.,/+()")
_MAX_LABEL = 60
_MAX_LEGEND = 160

# Forced light colours: the mask bar (see `stacked_bar_chart`) must match the background, so the
# chart cannot follow GitHub's dark theme; dark text keeps it readable there too.
_BACKGROUND = "#ffffff"
_INK = "#24292f"
_THEME_KEYS = tuple(
    f"{axis}{part}Color" for axis in ("xAxis", "yAxis") for part in ("Title", "Label", "Tick", "Line")
)


def mermaid_label(text: str, max_length: int = _MAX_LABEL) -> str:
    """`text` reduced to characters that are inert inside a quoted Mermaid label."""
    kept = "".join(c if c.isalnum() or c in _ALLOWED_PUNCTUATION else " " for c in text)
    collapsed = " ".join(kept.split())
    if len(collapsed) > max_length:
        collapsed = collapsed[: max_length - 3].rstrip() + "..."
    return collapsed or "-"


def quoted(text: str, max_length: int = _MAX_LABEL) -> str:
    return f'"{mermaid_label(text, max_length)}"'


def fenced(diagram: str) -> str:
    """A Markdown ```mermaid block around `diagram` (which never holds a backtick)."""
    return f"```mermaid\n{diagram}\n```\n"


def stacked_bar_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    y_title: str,
    colours: Sequence[str],
    legend: str | None = None,
) -> str:
    """Bars stacked bottom-up in `series` order; `colours[i]` paints `series[i]`.

    xychart has no stacked mode, so each bar is drawn over the previous one: first the total,
    then the total without the top series, and so on; what shows of each bar is its own part.

    xychart draws every bar from below the zero line (the axis keeps a few pixels of padding),
    so a zero-count layer would still show as a sliver of its colour under the layers above
    it. A last bar of 0 in the background colour covers that padding under every stack.
    The count axis ends at 10 or more, so its ticks are whole numbers (`integer_axis_max`).
    xychart has no legend either: `legend` becomes the x-axis title, on the chart itself.
    """
    _check_lengths(x_labels, [values for _, values in series])
    cumulative: list[list[int]] = []
    running = [0] * len(x_labels)
    for _, values in series:
        running = [a + b for a, b in zip(running, values, strict=True)]
        cumulative.append(running)
    top = max((max(row) for row in cumulative if row), default=0)
    # The palette is applied in drawing order, which is top series first, then the mask.
    palette = [_colour(c) for c in reversed(colours[: len(series)])] + [_BACKGROUND]
    theme = {"backgroundColor": _BACKGROUND, "titleColor": _INK, **dict.fromkeys(_THEME_KEYS, _INK)}
    variables = ", ".join(f'"{key}": "{value}"' for key, value in theme.items())
    lines = [
        '%%{init: {"themeVariables": {"xyChart": {'
        + variables
        + ', "plotColorPalette": "'
        + ", ".join(palette)
        + '"}}}}%%',
        *_axes(title, x_labels, y_title, integer_axis_max(top), x_title=legend),
    ]
    lines.extend(f"    bar [{_numbers(values)}]" for values in reversed(cumulative))
    lines.append(f"    bar [{_numbers([0] * len(x_labels))}]")
    return "\n".join(lines)


def line_chart(*, title: str, x_labels: Sequence[str], values: Sequence[float], y_title: str) -> str:
    """One line over the x labels (values rounded to one decimal)."""
    _check_lengths(x_labels, [values])
    top = math.ceil(max(values, default=0))
    lines = [*_axes(title, x_labels, y_title, max(top, 1)), f"    line [{_numbers(values)}]"]
    return "\n".join(lines)


def _axes(
    title: str, x_labels: Sequence[str], y_title: str, y_max: int, x_title: str | None = None
) -> list[str]:
    named = f"{quoted(x_title, _MAX_LEGEND)} " if x_title else ""
    return [
        "xychart-beta",
        f"    title {quoted(title)}",
        f"    x-axis {named}[{', '.join(quoted(label) for label in x_labels)}]",
        f"    y-axis {quoted(y_title)} 0 --> {y_max}",
    ]


def _numbers(values: Sequence[float]) -> str:
    return ", ".join(_number(v) for v in values)


def _number(value: float) -> str:
    rounded = round(float(value), 1)
    if not math.isfinite(rounded):
        raise ValueError(f"cannot chart {value!r}")
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def _colour(colour: str) -> str:
    # Colours are ours, but the directive is JSON inside a comment: refuse anything odd.
    if len(colour) != 7 or colour[0] != "#" or not all(c in "0123456789abcdefABCDEF" for c in colour[1:]):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return colour


def _check_lengths(x_labels: Sequence[str], rows: Sequence[Sequence[float]]) -> None:
    if not x_labels:
        raise ValueError("a chart needs at least one x label")
    for row in rows:
        if len(row) != len(x_labels):
            raise ValueError(f"{len(row)} values for {len(x_labels)} x labels")


# --- the charts of `incident stats` ---------------------------------------------------------


def incidents_per_month_chart(months: Sequence[MonthCount], *, title: str) -> str | None:
    """Stacked bars of incidents per month by severity (the last MAX_MONTHS months)."""
    counts = per_month(months)
    if counts is None:
        return None
    return severity_chart(counts, title=title)


def per_month(months: Sequence[MonthCount]) -> StackedCounts | None:
    """The last MAX_MONTHS months of `stats.by_month` as stacked counts (None: no month)."""
    shown = list(months)[-MAX_MONTHS:]
    if not shown:
        return None
    counts = {m.month: {c.key or "-": c.count for c in m.by_severity} for m in shown}
    return stack([m.month for m in shown], counts, [c.key or "-" for c in shown[0].by_severity])


def severity_chart(counts: StackedCounts, *, title: str) -> str:
    """A `StackedCounts` as a Mermaid chart, its legend on the x axis."""
    return stacked_bar_chart(
        title=title,
        x_labels=counts.labels,
        series=[(s.name, s.values) for s in counts.series],
        y_title="Incidents",
        colours=[s.colour for s in counts.series],
        legend="Legend (bottom to top) " + counts.legend(),
    )


def resolve_trend_chart(trend: Sequence[MonthDurations], *, title: str) -> str | None:
    """Median time to resolve per month, in minutes or (when any is 2 h or more) hours."""
    shown = [m for m in trend if m.durations.median_seconds is not None][-MAX_MONTHS:]
    if not shown:
        return None
    medians = [m.durations.median_seconds or 0 for m in shown]
    unit, seconds_per_unit = ("hours", 3600) if max(medians) >= 7200 else ("minutes", 60)
    return line_chart(
        title=title,
        x_labels=[m.month for m in shown],
        values=[s / seconds_per_unit for s in medians],
        y_title=f"Median time to resolve ({unit})",
    )
