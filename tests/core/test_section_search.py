"""`find_section_in` (one regular expression over the text) finds what `find_section` finds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_kit.errors import FileFormatError
from incident_kit.markdown import sections

LINES = [
    "## Action items",
    "## action items ##",
    "##\tAction Items  ",
    "## Action items\r",
    "### Action items",
    " ## Action items",
    "# Post-mortem",
    "## Timeline",
    "##",
    "#",
    "####### x",
    "```",
    "```mermaid",
    "   ~~~",
    "    ```",
    "\t```",
    "- [ ] AI-1: fix it — owner: @a — due: 2026-12-01 — type: fix",
    "text",
    "",
]


def outcome(find: object) -> object:
    try:
        return find()  # type: ignore[operator]
    except FileFormatError as error:
        return error.message


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(LINES), max_size=12), st.sampled_from(["Action items", "Timeline", "x"]))
def test_the_regex_search_finds_the_section_find_section_finds(lines: list[str], title: str) -> None:
    text = "\n".join(lines)
    split = text.split("\n")
    assert outcome(lambda: sections.find_section_in(text, split, title, "p.md")) == outcome(
        lambda: sections.find_section(split, title, "p.md")
    )


def test_a_heading_inside_fenced_code_is_not_the_section() -> None:
    text = "# P\n```\n## Action items\n```\n## Action items\n- [ ] AI-1: x\n## Next\n"
    assert sections.find_section_in(text, text.split("\n"), "Action items", "p.md") == sections.Section(4, 6)


def test_a_duplicated_section_is_refused_with_its_lines() -> None:
    text = "## Action items\n\n## Other\n## Action items\n"
    with pytest.raises(FileFormatError, match="lines 1, 4"):
        sections.find_section_in(text, text.split("\n"), "Action items", "p.md")
