"""Lists whose items two people add to independently: timeline entries, links, action items.

A list is cut into units: an item (its first line and its continuation lines) or any other
line. When both sides changed the same list, and at most one of them changed the lines around
the items, the merge is the union: every item either side added is kept (a timeline entry at
its place in time, any other item after the item it followed), and an item either side removed
or reworded goes. Anything else is left to the line merge.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")


@dataclass(frozen=True)
class Unit:
    lines: tuple[str, ...]
    item: bool


TimeOf = Callable[[str], datetime | None]


def markdown_units(lines: Sequence[str]) -> list[Unit]:
    """A Markdown section as units: top-level list items (with their continuation lines:
    indented sub-items, wrapped text) and every other line on its own; fenced code stays lines."""
    item_start = re.compile(r"^[-*+][ \t]+")
    units: list[Unit] = []
    in_fence = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence or not item_start.match(line):
            units.append(Unit((line,), False))
            index += 1
            continue
        end = index + 1
        while (
            end < len(lines)
            and lines[end].strip()
            and not item_start.match(lines[end])
            and not lines[end].startswith("#")
            and not _FENCE.match(lines[end])
        ):
            end += 1
        units.append(Unit(tuple(lines[index:end]), True))
        index = end
    return units


def yaml_units(lines: Sequence[str], indent: int) -> list[Unit] | None:
    """A YAML block sequence's lines (`- …` at `indent`, deeper lines belonging to the item
    above) as units; None when the lines are not one."""
    units: list[Unit] = []
    for line in lines:
        width = len(line) - len(line.lstrip(" "))
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            units.append(Unit((line,), False))
        elif width == indent and (stripped == "-" or stripped.startswith("- ")):
            units.append(Unit((line,), True))
        elif width > indent and units and units[-1].item:
            units[-1] = Unit((*units[-1].lines, line), True)
        else:
            return None
    return units


def union(
    base: Sequence[Unit], ours: Sequence[Unit], theirs: Sequence[Unit], time_of: TimeOf | None = None
) -> list[Unit] | None:
    """Both sides' items in one list, or None when both changed the lines around them."""

    def skeleton(units: Sequence[Unit]) -> list[Unit]:
        return [unit for unit in units if not unit.item]

    if skeleton(theirs) == skeleton(base) or skeleton(ours) == skeleton(theirs):
        primary, secondary = ours, theirs
    elif skeleton(ours) == skeleton(base):
        primary, secondary = theirs, ours
    else:
        return None
    base_items = Counter(unit for unit in base if unit.item)
    removed = base_items - Counter(unit for unit in secondary if unit.item)
    added = Counter(unit for unit in secondary if unit.item) - base_items
    already = Counter(unit for unit in primary if unit.item) - base_items
    result = list(primary)
    for unit, count in removed.items():
        for _ in range(count):
            if unit in result:
                result.remove(unit)
    previous: Unit | None = None
    for unit in secondary:
        if not unit.item:
            continue
        if added[unit] > 0:
            added[unit] -= 1
            if already[unit] > 0:
                already[unit] -= 1  # both sides added the same item: once
            else:
                result.insert(_place(result, unit, previous, time_of, base_items), unit)
        previous = unit
    return result


def _place(
    result: list[Unit], unit: Unit, previous: Unit | None, time_of: TimeOf | None, base: Counter[Unit]
) -> int:
    """Where an item the other side added goes: by its time (the Timeline), else after the
    item it followed there and the items this side added after that one, else at the end."""
    items = [index for index, candidate in enumerate(result) if candidate.item]
    when = time_of(unit.lines[0]) if time_of else None
    if when is not None:
        assert time_of is not None
        for index in items:
            other = time_of(result[index].lines[0])
            if other is not None and other > when:
                return index
    elif previous is not None and previous in result:
        position = result.index(previous) + 1
        while position < len(result) and result[position].item and result[position] not in base:
            position += 1
        return position
    elif previous is None and items and any(result[index] in base for index in items):
        return items[0]  # added above the items the list already had
    return items[-1] + 1 if items else _after_content(result)


def _after_content(result: list[Unit]) -> int:
    """After the last line that is not blank (an empty list's heading or prose)."""
    index = len(result)
    while index > 0 and not "".join(result[index - 1].lines).strip():
        index -= 1
    return index


def lines_of(units: Sequence[Unit]) -> list[str]:
    return [line for unit in units for line in unit.lines]
