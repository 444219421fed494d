"""GitHub-flavoured Markdown tables whose cells cannot break out of their cell.

Cell text comes from incident files that anyone with a pull request can edit, so a title may
hold `|`, newlines, HTML or link syntax. `cell` is `sanitize.md_inline`: one line of inert
inline text (pipes, HTML, emphasis, links and code escaped; control characters dropped).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from incident_kit.sanitize import md_inline


def cell(text: str) -> str:
    """`text` as inert inline Markdown for a table cell (or any single line)."""
    return md_inline(text)


# URL characters that may stay as they are in a link destination; everything else (spaces,
# parentheses, brackets, quotes, non-ASCII) is percent-encoded so it cannot end the link.
_URL_SAFE = "!#$%&*+,-./:;=?@_~"


def link(text: str, url: str) -> str:
    """A Markdown link with escaped text and a destination that cannot break out."""
    return f"[{cell(text)}]({quote(url, safe=_URL_SAFE)})"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A table of already-escaped cells; `align` has one letter per column: l, r or c.

    Headers are escaped here; cells are not, so callers can put links or bold in them.
    """
    widths = len(headers)
    if any(len(row) != widths for row in rows):
        raise ValueError("every row needs one cell per header")
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    align = align.ljust(widths, "l")
    lines = [
        "| " + " | ".join(cell(h) for h in headers) + " |",
        "|" + "|".join(marks[a] for a in align) + "|",
    ]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines) + "\n"
