"""`timeline.undated` (what `validate` reports) names exactly the entries `timeline.entries`
gives no timestamp."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from incident_kit import timeline
from incident_kit.errors import FileFormatError
from incident_kit.markdown import sections

LINES = st.sampled_from(
    [
        "## Timeline",
        "## Summary",
        "### Detail",
        "",
        "text",
        "```",
        "- 2026-11-26T15:30:00Z — Declared — alice",
        "- 2026-11-26 15:30:00Z — spaced",
        "* **2026-11-26T15:30:00Z** bold",
        "+ 2026-11-26T15:30:00+01:00 offset",
        "- 2026-11-26T15:30:00 naive",
        "- 2026-11-31T15:30:00Z no such day",
        "- 2026-11-26T15:30Z short",
        "- no time at all",
        "-\tno time, a tab",
        "  - 2026-11-26T15:30:00Z nested",
        "-2026-11-26T15:30:00Z no space",
    ]
)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(LINES, max_size=12))
def test_undated_names_the_entries_without_a_timestamp(lines: list[str]) -> None:
    body = "\n".join(lines)
    split = body.split("\n")
    try:
        section = sections.find_section(split, timeline.SECTION, "x")
    except FileFormatError:  # a duplicated section: validate reports that instead
        return
    expected = [entry.line for entry in timeline.entries(body, "x") if entry.at is None]
    assert (timeline.undated(split, section) if section else []) == expected


def test_undated_finds_an_undated_entry() -> None:
    lines = ["## Timeline", "- 2026-11-26T15:30:00Z — ok — a", "- later — b"]
    section = sections.find_section(lines, timeline.SECTION, "x")
    assert section is not None and timeline.undated(lines, section) == [3]
