"""Filling in a post-mortem the way a commander would, for tests that need to close."""

from __future__ import annotations

import re

FILLED = ("Summary", "Impact", "Root cause", "Resolution")
ACTION_ITEM = "- [ ] AI-1: Fix — owner: @bob — due: 2026-12-01 — type: prevent\n"


def fill(text: str, sections: tuple[str, ...] = FILLED, *, action_item: str = ACTION_ITEM) -> str:
    """`text` with each section's prompt replaced by "Written." (after any facts the template
    put there) and one action item added."""
    for section in sections:
        text = re.sub(
            rf"(## {section}\n\n(?:- [^\n]*\n)*)<!--.*?-->", r"\1Written.", text, count=1, flags=re.S
        )
    return text.replace("## Action items\n\n", "## Action items\n\n" + action_item)
