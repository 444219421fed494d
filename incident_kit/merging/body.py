"""The Markdown body merged section by section: two people editing different sections never
conflict, and entries both add to one list (the Timeline, Links, Action items) are all kept.

A section is a `#`/`##` heading and the lines up to the next one (the lines before the first
heading are a section too). A section only one side changed takes that side's lines; one both
changed is merged as a list (`items.union`; the Timeline in time order) when that is all they
did, else line by line, and only lines both sides changed differently are a conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from incident_kit import timeline
from incident_kit.markdown import sections
from incident_kit.merging import diff3, items, keys
from incident_kit.merging.result import Output


@dataclass(frozen=True)
class Section:
    key: str  # "" for the lines before the first heading, else the heading's title, lowercased
    title: str
    lines: tuple[str, ...]


def split(lines: Sequence[str]) -> dict[str, Section] | None:
    """A body's sections by key, in order; None when a title appears twice."""
    starts = [(index, title) for index, level, title in sections.headings(list(lines)) if level <= 2]
    found: dict[str, Section] = {}
    bounds = [(0, ""), *starts]
    for number, (start, title) in enumerate(bounds):
        end = bounds[number + 1][0] if number + 1 < len(bounds) else len(lines)
        key = title.lower()
        if key in found:
            return None
        if number == 0 and start == end:
            continue  # nothing before the first heading
        found[key] = Section(key, title, tuple(lines[start:end]))
    return found


def merge(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str], out: Output) -> None:
    b_parts, o_parts, t_parts = (split(lines) for lines in (base, ours, theirs))
    if b_parts is None or o_parts is None or t_parts is None:
        merge_lines("the body", base, ours, theirs, out)
        return
    for key in keys.key_order(list(b_parts), list(o_parts), list(t_parts)):
        b, o, t = b_parts.get(key), o_parts.get(key), t_parts.get(key)
        if o == t or t == b:
            chosen = o
        elif o == b:
            chosen = t
        else:
            _merge_section(b, o, t, out)
            continue
        if chosen is not None:
            out.add(chosen.lines)


def _merge_section(base: Section | None, ours: Section | None, theirs: Section | None, out: Output) -> None:
    known = ours or theirs or base
    where = f"## {known.title}" if known is not None and known.key else "the text before the first heading"
    if ours is None or theirs is None:  # one side deleted the section the other changed
        out.clash(where, ours.lines if ours else (), theirs.lines if theirs else ())
        return
    base_lines = base.lines if base else ()
    time_of = timeline.entry_time if ours.key == timeline.SECTION.lower() else None
    merged = items.union(
        items.markdown_units(base_lines),
        items.markdown_units(ours.lines),
        items.markdown_units(theirs.lines),
        time_of,
    )
    if merged is not None:
        out.add(items.lines_of(merged))
        return
    merge_lines(where, base_lines, ours.lines, theirs.lines, out)


def merge_lines(
    where: str, base: Sequence[str], ours: Sequence[str], theirs: Sequence[str], out: Output
) -> None:
    for piece in diff3.merge(base, ours, theirs):
        if isinstance(piece, diff3.Clash):
            out.clash(where, piece.ours, piece.theirs)
        else:
            out.add(piece)
