"""Surgical edits of a Markdown body: find a `## Section`, add a line to it.

Bodies are never re-rendered: every function here returns the same text with lines
inserted, so whatever a person wrote elsewhere stays byte for byte.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from incident_kit.errors import FileFormatError

# the closing `#`s and blanks are stripped after the match: a lazy `(.*?)[ \t#]*$` backtracks
# quadratically over a long run of `#` (40 KB of them took 7 s)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_LIST_ITEM = re.compile(r"^[-*+][ \t]+")
_MAY_START = frozenset("#`~ \t")  # the first characters a fence or a heading line can have


class Section(NamedTuple):
    heading: int  # index of the heading line
    end: int  # index after the section's last line (next heading of level <= 2, or EOF)


def headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(index, level, title) of every ATX heading outside fenced code blocks."""
    found: list[tuple[int, int, str]] = []
    in_fence = False
    for index, line in enumerate(lines):
        if not line or line[0] not in _MAY_START:
            continue  # neither a fence nor a heading (most lines: one test, not two searches)
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = _HEADING.match(line)
        if match:
            found.append((index, len(match.group(1)), match.group(2).rstrip(" \t#").strip()))
    return found


def find_section(
    lines: list[str],
    title: str,
    source: str,
    first_line: int = 1,
    *,
    found: list[tuple[int, int, str]] | None = None,
) -> Section | None:
    """The `## title` section (case-insensitive); refuses a duplicated one. `found`: the
    lines' `headings`, when the caller looks for several sections in them."""
    all_headings = headings(lines) if found is None else found
    matches = [h for h in all_headings if h[1] == 2 and h[2].lower() == title.lower()]
    if not matches:
        return None
    if len(matches) > 1:
        where = ", ".join(str(first_line + h[0]) for h in matches)
        raise FileFormatError(
            f"{source}:{first_line + matches[1][0]}: '## {title}' appears more than once "
            f"(lines {where}); keep one"
        )
    start = matches[0][0]
    end = len(lines)
    for index, level, _ in all_headings:
        if index > start and level <= 2:
            end = index
            break
    return Section(heading=start, end=end)


# after a "\n": a fence line (`_FENCE`), or a level-1 or level-2 heading (group 1: its `#`s,
# group 2: the rest), the only headings that `find_section` matches or ends a section at
_FENCE_OR_TOP_HEADING = re.compile(r"\n(?:[ \t]{0,3}(?:```|~~~)|(#{1,2})[ \t]+(.*))")


def find_section_in(text: str, lines: list[str], title: str, source: str) -> Section | None:
    """`find_section(lines, title, source)` where `lines` is `text.split("\n")`, with one
    regular expression over the text instead of a look at every line (a post-mortem's hundred
    lines hold a dozen headings)."""
    wanted = title.lower()
    in_fence = False
    start: int | None = None
    end: int | None = None
    for match in _FENCE_OR_TOP_HEADING.finditer("\n" + text):
        hashes = match.group(1)
        if hashes is None:
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if start is not None and end is None:
            end = match.start()
        if len(hashes) == 2 and match.group(2).rstrip(" \t#").strip().lower() == wanted:
            if start is not None:
                return find_section(lines, title, source)  # twice: it says where
            start, end = match.start(), None
    if start is None:
        return None
    return Section(
        heading=text.count("\n", 0, start),
        end=len(lines) if end is None else text.count("\n", 0, end),
    )


def last_item_end(lines: list[str], section: Section) -> int | None:
    """Index after the last top-level list item (and its continuation lines) in a section."""
    last: int | None = None
    index = section.heading + 1
    while index < section.end:
        if _LIST_ITEM.match(lines[index]):
            index += 1
            while (
                index < section.end
                and lines[index].strip()
                and not _LIST_ITEM.match(lines[index])
                and not _HEADING.match(lines[index])
            ):
                index += 1
            last = index
            continue
        index += 1
    return last


def insert_lines(lines: list[str], at: int, new: list[str]) -> list[str]:
    return lines[:at] + new + lines[at:]


def append_to_section(body: str, title: str, line: str, source: str, first_line: int = 1) -> str:
    """Add a list line after the section's last list item; create the section if missing."""
    lines = body.split("\n")
    section = find_section(lines, title, source, first_line)
    if section is None:
        return add_section(body, title, [line])
    end = last_item_end(lines, section)
    if end is not None:
        return "\n".join(insert_lines(lines, end, [line]))
    # an empty section: after the heading and any prose, separated by a blank line
    index = section.end
    while index > section.heading + 1 and not lines[index - 1].strip():
        index -= 1
    new = ["", line]
    if index < len(lines) and lines[index].strip():
        new.append("")
    return "\n".join(insert_lines(lines, index, new))


def add_section(body: str, title: str, items: list[str]) -> str:
    """Append a new `## title` section at the end of the body."""
    stripped = body.rstrip("\n")
    block = "\n".join([f"## {title}", "", *items])
    if not stripped:
        return block + "\n"
    return f"{stripped}\n\n{block}\n"
