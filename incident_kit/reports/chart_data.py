"""The data behind the severity charts, shared by the Markdown charts and the site's SVG ones.

`incident stats --format markdown`, `incidents/README.md` (Mermaid) and `incident site` (inline
SVG) all draw a `StackedCounts`: the same buckets, the same severity order (worst at the bottom
of each stack), the same colours with the same names in the legend, and the same rule for an
integer count axis. Pure data; no rendering here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from incident_kit.model import SEVERITIES

# Severity colours, worst first, each with the name the legends use; unknown severities get
# the last one.
SEVERITY_COLOURS: tuple[tuple[str, str], ...] = (
    ("#b71c1c", "dark red"),
    ("#e65100", "orange"),
    ("#f9a825", "yellow"),
    ("#607d8b", "blue-grey"),
    ("#9e9e9e", "grey"),
)
MAX_MONTHS = 24  # a wider x axis turns the labels into an unreadable smear


@dataclass(frozen=True)
class Series:
    name: str  # a severity
    colour: str  # #rrggbb
    colour_name: str  # what the legend calls the colour
    values: tuple[int, ...]  # one count per label


@dataclass(frozen=True)
class StackedCounts:
    labels: tuple[str, ...]  # x axis: months or weeks
    series: tuple[Series, ...]  # bottom of the stack first: the worst severity

    def totals(self) -> tuple[int, ...]:
        return tuple(sum(column) for column in zip(*(s.values for s in self.series), strict=True))

    def top(self) -> int:
        return max(self.totals(), default=0)

    def legend(self) -> str:
        """`SEV-1 dark red, SEV-2 orange, …` in stacking order, bottom first."""
        return ", ".join(f"{s.name} {s.colour_name}" for s in self.series)


def colour_of(index: int) -> tuple[str, str]:
    """The colour (and its name) of the `index`-th severity in stacking order."""
    return SEVERITY_COLOURS[min(index, len(SEVERITY_COLOURS) - 1)]


def severity_order(present: Iterable[str], scale: Sequence[str] = SEVERITIES) -> list[str]:
    """Every level of the team's scale, most severe first (so a chart always has the same
    layers), then unknown ones by name."""
    unknown = sorted({s for s in present if s not in scale})
    return [*scale, *unknown]


def stack(
    labels: Sequence[str], counts: Mapping[str, Mapping[str, int]], scale: Sequence[str] = SEVERITIES
) -> StackedCounts:
    """`counts[label][severity]` as stacked series over `labels` (missing ones count 0)."""
    severities = severity_order((s for per_label in counts.values() for s in per_label), scale)
    series = []
    for index, severity in enumerate(severities):
        colour, name = colour_of(index)
        values = tuple(int(counts.get(label, {}).get(severity, 0)) for label in labels)
        series.append(Series(severity, colour, name, values))
    return StackedCounts(tuple(labels), tuple(series))


def integer_axis_max(top: int) -> int:
    """The top of a count axis whose ticks are all whole numbers.

    Mermaid's xychart (like d3) puts about ten ticks on an axis, at steps of 1, 2 or 5 times a
    power of ten: an axis to 3 gets ticks at 0.5, to 1 at 0.1. From 10 up every step is whole.
    """
    return max(top, 10)


def integer_scale(top: int, most: int = 10) -> tuple[int, list[int]]:
    """A count axis for the site's charts: its top and its whole-number ticks (0 included).

    The step is 1, 2 or 5 times a power of ten, so that at most `most` steps reach `top`.
    """
    top = max(top, 1)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if top <= step * most:
                axis_max = -(-top // step) * step
                return axis_max, list(range(0, axis_max + 1, step))
        magnitude *= 10
