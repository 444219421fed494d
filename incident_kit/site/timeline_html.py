"""A Markdown document whose `## Timeline` ends in a list of entries, rendered with that list
as a table (time, what, who).

The timeline is most of an incident file, and a list of hundreds of items is the slowest thing
to hand a Markdown parser; its entries are already parsed (`incident_kit.timeline`), so they
become table rows directly, each `what` through `markdown_html.inline_html`. Everything else,
and any timeline with other content in its list part, goes through mistune as usual.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from incident_kit import timeline
from incident_kit.errors import FileFormatError
from incident_kit.markdown import sections
from incident_kit.site.layout import NO_VALUE, TABLE_WRAP, esc, when
from incident_kit.site.markdown_html import inline_html, to_html

_ITEM = re.compile(r"^[-*+][ \t]+\S")


def _list_start(lines: Sequence[str], start: int, end: int) -> int | None:
    """The index from which every line up to `end` is an item or blank (None: no such list)."""
    index = end
    while index > start and (not lines[index - 1].strip() or _ITEM.match(lines[index - 1])):
        index -= 1
    while index < end and not lines[index].strip():
        index += 1
    return index if index < end else None


def table(entries: Sequence[timeline.Entry]) -> str:
    rows = "".join(
        f"<tr><td>{when(e.at) if e.at else NO_VALUE}</td><td>{inline_html(e.what)}</td>"
        f"<td>{esc(e.who or NO_VALUE)}</td></tr>"
        for e in entries
    )
    return (
        f'{TABLE_WRAP}<table class="timeline"><caption>Timeline, as written in the file</caption>'
        f'<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def to_html_with_timeline(markdown: str, source: str) -> str:
    lines = markdown.split("\n")
    try:
        section = sections.find_section(lines, timeline.SECTION, source)
        found = timeline.entries(markdown, source)
    except FileFormatError:
        return to_html(markdown)
    if section is None:
        return to_html(markdown)
    first = _list_start(lines, section.heading + 1, section.end)
    if first is None:
        return to_html(markdown)
    listed = [e for e in found if e.line - 1 >= first]
    if len(listed) != sum(1 for line in lines[first : section.end] if line.strip()):
        return to_html(markdown)  # an item spread over several lines: leave it to the parser
    return to_html("\n".join(lines[:first])) + table(listed) + to_html("\n".join(lines[section.end :]))
