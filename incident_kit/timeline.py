"""The `## Timeline` of an incident: one list item per event, in time order.

An entry reads `- 2026-11-26T15:30:00Z — what happened — who`. The tool inserts new entries
at their chronological place (so a back-dated `--at` lands in order) and never rewrites
existing lines; people may add, reword or back-date entries by hand.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import NamedTuple

from incident_kit.markdown import sections
from incident_kit.markdown.frontmatter import Document, format_timestamp

SECTION = "Timeline"
SEPARATOR = " — "
_TS = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
_ENTRY = re.compile(r"^[-*+][ \t]+(?:\*\*)?(" + _TS + r")(?:\*\*)?(?:[ \t]+(.*))?$")
_LIST_ITEM = re.compile(r"^[-*+][ \t]+")


class Entry(NamedTuple):
    at: datetime | None  # None when the timestamp is missing or invalid
    what: str
    who: str | None
    line: int  # 1-based line within the body
    raw: str


def parse_timestamp(text: str) -> datetime | None:
    """An entry timestamp; naive ones are refused (UTC must be explicit)."""
    candidate = text.strip().replace(" ", "T", 1)
    if candidate.endswith("Z"):
        candidate = candidate[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    return value.astimezone(UTC)


def entry_time(line: str) -> datetime | None:
    """The timestamp an entry's line starts with; None for a line that is no dated entry."""
    match = _ENTRY.match(line)
    return parse_timestamp(match.group(1)) if match else None


def format_entry(at: datetime, what: str, who: str) -> str:
    return f"- {format_timestamp(at)}{SEPARATOR}{what}{SEPARATOR}{who}"


def entries(body: str, source: str) -> list[Entry]:
    """Every top-level list item of the Timeline section."""
    lines = body.split("\n")
    section = sections.find_section(lines, SECTION, source)
    if section is None:
        return []
    found: list[Entry] = []
    for index in range(section.heading + 1, section.end):
        line = lines[index]
        if not _LIST_ITEM.match(line):
            continue
        match = _ENTRY.match(line)
        if not match:
            found.append(Entry(None, _LIST_ITEM.sub("", line), None, index + 1, line))
            continue
        at = parse_timestamp(match.group(1))
        rest = (match.group(2) or "").strip()
        if rest.startswith(("—", "-", "–")):
            rest = rest[1:].strip()
        what, who = rest, None
        if SEPARATOR in rest:
            what, who = rest.rsplit(SEPARATOR, 1)
        found.append(Entry(at, what.strip(), who.strip() if who else None, index + 1, line))
    return found


def undated(lines: list[str], section: sections.Section) -> list[int]:
    """The 1-based line numbers (within the body) of the section's entries without a valid
    timestamp: those `entries` gives `at=None`, without building the others."""
    found = []
    for index in range(section.heading + 1, section.end):
        line = lines[index]
        if not _LIST_ITEM.match(line):
            continue
        match = _ENTRY.match(line)
        if not match or parse_timestamp(match.group(1)) is None:
            found.append(index + 1)
    return found


def add_entry(body: str, at: datetime, what: str, who: str, source: str) -> str:
    """Insert an entry before the first later one, else after the last item."""
    line = format_entry(at, what, who)
    lines = body.split("\n")
    section = sections.find_section(lines, SECTION, source)
    if section is None:
        return sections.add_section(body, SECTION, [line])
    for entry in entries(body, source):
        if entry.at is not None and entry.at > at:
            return "\n".join(sections.insert_lines(lines, entry.line - 1, [line]))
    return sections.append_to_section(body, SECTION, line, source)


def record(document: Document, at: datetime, what: str, who: str, source: str) -> Document:
    """`document` with one entry added to its Timeline (see `add_entry`)."""
    return document.with_body(add_entry(document.body, at, what, who, source))
