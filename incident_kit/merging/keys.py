"""Frontmatter merged key by key: two people changing different keys never conflict.

The frontmatter is cut into blocks, one per key: the key's line and its value's lines, with the
comments above it. A key only one side changed takes that side's block as it is (so a person's
comments, quoting and spacing survive); a mapping both sides changed (`alert`, `roles`,
`slack`) is merged child by child, a list both sides added to (`links`) item by item. A few
keys count rather than contradict: `alert.occurrences` adds both sides' deliveries,
`alert.last_seen` keeps the later time, `alert.first_seen` the earlier, and `alert.status` is
the status of the later delivery. Anything else both sides set differently (two severities,
two statuses) is a conflict, marked around that key alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incident_kit.errors import FileFormatError
from incident_kit.markdown import frontmatter
from incident_kit.merging import diff3, items
from incident_kit.merging.result import Output

_KEY = re.compile(r"""^([A-Za-z_][A-Za-z0-9_.-]*|"[^"]*"|'[^']*')[ \t]*:(?=[ \t]|$)""")
_EMPTY_INLINE = ("", "{}", "[]", "null", "~")


@dataclass(frozen=True)
class Block:
    key: str
    lead: tuple[str, ...]  # blank and comment lines above the key
    lines: tuple[str, ...]  # the key's line and its value's lines

    @property
    def all(self) -> tuple[str, ...]:
        return self.lead + self.lines


@dataclass(frozen=True)
class Layout:
    blocks: dict[str, Block]  # in file order
    tail: tuple[str, ...]  # blank and comment lines after the last key


def split(lines: Sequence[str], indent: int = 0) -> Layout | None:
    """A mapping's lines as key blocks; None when they are not a plain block mapping."""
    blocks: dict[str, Block] = {}
    pending: list[str] = []
    key: str | None = None
    lead: list[str] = []
    body: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            pending.append(line)
            continue
        width = len(line) - len(line.lstrip(" "))
        if "\t" in line[: width + 1]:
            return None
        rest = line[indent:]
        if key is not None and (
            width > indent or (width == indent and (rest == "-" or rest.startswith("- ")))
        ):
            body += [*pending, line]
            pending = []
            continue
        match = _KEY.match(rest) if width == indent else None
        if match is None or match.group(1) in blocks or (key is not None and match.group(1) == key):
            return None
        if key is not None:
            blocks[key] = Block(key, tuple(lead), tuple(body))
        key, lead, body, pending = match.group(1), pending, [line], []
    if key is not None:
        blocks[key] = Block(key, tuple(lead), tuple(body))
    return Layout(blocks, tuple(pending))


def merge(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str], out: Output) -> bool:
    """Merge three frontmatters' lines into `out`; False when one does not split into keys."""
    b, o, t = (split(lines) for lines in (base, ours, theirs))
    if b is None or o is None or t is None:
        return False
    _merge_layouts("", b, o, t, out)
    return True


def _merge_layouts(path: str, base: Layout, ours: Layout, theirs: Layout, out: Output) -> None:
    for key in key_order(list(base.blocks), list(ours.blocks), list(theirs.blocks)):
        b, o, t = base.blocks.get(key), ours.blocks.get(key), theirs.blocks.get(key)
        if o == t or t == b:
            chosen = o
        elif o == b:
            chosen = t
        else:
            _merge_block(f"{path}{key}", b, o, t, (base, ours, theirs), out)
            continue
        if chosen is not None:
            out.add(chosen.all)
    tail = diff3.merge_clean(base.tail, ours.tail, theirs.tail)
    out.add(tail if tail is not None else ours.tail)


def key_order(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    """Our keys in our order; a key only they have goes after the key it follows there (and
    after keys we added there), or at the end."""
    order = list(ours)
    for index, key in enumerate(theirs):
        if key in order:
            continue
        before = next((k for k in reversed(theirs[:index]) if k in order), None)
        if before is None:
            order.append(key)
            continue
        position = order.index(before) + 1
        while position < len(order) and order[position] not in base and order[position] not in theirs:
            position += 1
        order.insert(position, key)
    return order


def _merge_block(
    path: str,
    base: Block | None,
    ours: Block | None,
    theirs: Block | None,
    parents: tuple[Layout, Layout, Layout],
    out: Output,
) -> None:
    """A key both sides changed, differently."""
    if ours is None or theirs is None:  # one side removed what the other changed
        out.clash(path, ours.all if ours else (), theirs.all if theirs else (), keyed=True)
        return
    rule = COUNTING.get(path)
    if rule is not None:
        merged = rule(base, ours, theirs, parents)
        if merged is not None:
            out.add(merged.all)
            return
    lead = diff3.merge_clean(base.lead if base else (), ours.lead, theirs.lead)
    lead_lines = lead if lead is not None else list(ours.lead)
    inner = Output(out.markers)
    if _merge_children(path, base, ours, theirs, inner):
        out.add(lead_lines)
        out.take(inner)
        return
    # a value over several lines (a block scalar, a flow list): its lines, merged as text
    merged_lines = diff3.merge_clean(base.lines if base else (), ours.lines, theirs.lines)
    out.add(lead_lines)
    if merged_lines is not None:
        out.add(merged_lines)
    else:
        out.clash(path, ours.lines, theirs.lines, keyed=True)


def _merge_children(path: str, base: Block | None, ours: Block, theirs: Block, out: Output) -> bool:
    """A mapping merged child by child, or a list item by item; False for a scalar."""
    shapes = [_shape(block) for block in (base, ours, theirs)]
    kinds = {shape[0] for shape in shapes if shape[0] != "empty"}
    if kinds == {"map"}:
        child_indent = next(shape[2] for shape in shapes if shape[0] == "map")
        layouts = [split(shape[1], child_indent) if shape[0] == "map" else Layout({}, ()) for shape in shapes]
        if layouts[0] is None or layouts[1] is None or layouts[2] is None:
            return False
        out.add([_header(ours, theirs, shapes)])
        _merge_layouts(f"{path}.", layouts[0], layouts[1], layouts[2], out)
        return True
    if kinds == {"seq"}:
        seq_indent = next(shape[2] for shape in shapes if shape[0] == "seq")
        units = [items.yaml_units(shape[1], seq_indent) if shape[0] == "seq" else [] for shape in shapes]
        if units[0] is None or units[1] is None or units[2] is None:
            return False
        merged = items.union(units[0], units[1], units[2])
        if merged is None:
            return False
        out.add([_header(ours, theirs, shapes), *items.lines_of(merged)])
        return True
    return False


def _shape(block: Block | None) -> tuple[str, Sequence[str], int]:
    """("map" | "seq", child lines, their indent), ("empty", …) or ("scalar", …)."""
    if block is None:
        return ("empty", (), 0)
    inline = _inline(block.lines[0])
    children = block.lines[1:]
    if inline in _EMPTY_INLINE and not children:
        return ("empty", (), 0)
    if inline or not children:
        return ("scalar", block.lines, 0)
    first = next((line for line in children if line.strip() and not line.strip().startswith("#")), None)
    if first is None:
        return ("scalar", block.lines, 0)
    width = len(first) - len(first.lstrip(" "))
    kind = "seq" if first.strip() == "-" or first.strip().startswith("- ") else "map"
    return (kind, children, width)


def _header(ours: Block, theirs: Block, shapes: Sequence[tuple[str, Sequence[str], int]]) -> str:
    """`key:` as the side that holds a block writes it (`roles: {}` became `roles:`)."""
    line = ours.lines[0] if shapes[1][0] != "empty" else theirs.lines[0]
    return line


def _inline(line: str) -> str:
    """The value written on a key's own line, without its comment."""
    value = line.split(":", 1)[1] if ":" in line else ""
    comment = re.search(r"(^|[ \t])#", value)
    return (value[: comment.start()] if comment else value).strip()


# --- keys that count rather than contradict ---------------------------------------------------


def _value(block: Block | None) -> Any:
    if block is None or len(block.lines) != 1:
        return None
    try:
        data = frontmatter.load(block.lines[0].strip() + "\n", "merge")
    except FileFormatError:
        return None
    return next(iter(data.values()), None)


def _with_value(block: Block, value: Any) -> Block:
    """The block with only its value's text replaced (the round-trip editor keeps the rest)."""
    line = block.lines[0]
    width = len(line) - len(line.lstrip(" "))
    edited = frontmatter.set_value(line[width:] + "\n", [block.key], value).rstrip("\n")
    return Block(block.key, block.lead, (line[:width] + edited,))


def _occurrences(base: Block | None, ours: Block, theirs: Block, parents: tuple[Layout, ...]) -> Block | None:
    """Each side counted its own deliveries since the base: count both."""
    values = [_value(base), _value(ours), _value(theirs)]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return None
    return _with_value(ours, values[1] + values[2] - values[0])


def _latest(pick: Callable[[datetime, datetime], datetime]) -> Callable[..., Block | None]:
    def rule(base: Block | None, ours: Block, theirs: Block, parents: tuple[Layout, ...]) -> Block | None:
        mine, other = _value(ours), _value(theirs)
        if not (isinstance(mine, datetime) and isinstance(other, datetime)):
            return None
        if mine.tzinfo is None or other.tzinfo is None:
            return None
        return ours if pick(mine, other) == mine else theirs

    return rule


def _alert_status(
    base: Block | None, ours: Block, theirs: Block, parents: tuple[Layout, ...]
) -> Block | None:
    """Firing or resolved: what the later delivery said."""
    _, our_alert, their_alert = parents
    mine, other = _value(our_alert.blocks.get("last_seen")), _value(their_alert.blocks.get("last_seen"))
    if not (isinstance(mine, datetime) and isinstance(other, datetime)) or mine == other:
        return None
    if mine.tzinfo is None or other.tzinfo is None:
        return None
    return ours if mine > other else theirs


COUNTING: dict[str, Callable[[Block | None, Block, Block, tuple[Layout, Layout, Layout]], Block | None]] = {
    "alert.occurrences": _occurrences,
    "alert.last_seen": _latest(max),
    "alert.first_seen": _latest(min),
    "alert.status": _alert_status,
}
