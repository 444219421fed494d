"""Action-item lines: parsed from the section, never from comments or code; edited in place."""

from __future__ import annotations

from datetime import date

from incident_kit import action_items

TEXT = """# PM

## Action items

- [ ] AI-1: Split overrides — per environment — owner: @alice — due: 2026-12-08 — type: prevent
- [x] AI-2: Canary latency check — owner: bob — due: 2026-12-15 — type: detect — issue: [#12](https://x/12)

<!-- example:
- [ ] AI-9: Not real — owner: @x — due: 2026-01-01 — type: prevent -->

```
- [ ] AI-8: inside code — owner: @x — due: 2026-01-01 — type: prevent
```

## Lessons learned

- [ ] AI-7: outside the section — owner: @x — due: 2026-01-01 — type: prevent
"""


def test_items_are_parsed_with_their_fields_and_lines() -> None:
    items, problems = action_items.parse("inc-1", TEXT, "pm.md")
    assert problems == []
    assert [i.item_id for i in items] == ["AI-1", "AI-2"]
    first, second = items
    assert first.text == "Split overrides — per environment"
    assert (first.owner, first.due, first.type, first.done, first.line) == (
        "alice",
        date(2026, 12, 8),
        "prevent",
        False,
        5,
    )
    assert (second.owner, second.done, second.issue) == ("bob", True, "#12")


def test_set_issue_and_set_done_touch_only_that_line() -> None:
    items, _ = action_items.parse("inc-1", TEXT, "pm.md")
    updated = action_items.set_done(action_items.set_issue(TEXT, items[0], "#31"), items[0])
    changed = [(a, b) for a, b in zip(TEXT.split("\n"), updated.split("\n"), strict=True) if a != b]
    assert changed == [
        (
            "- [ ] AI-1: Split overrides — per environment — owner: @alice — due: 2026-12-08 — type: prevent",
            "- [x] AI-1: Split overrides — per environment — owner: @alice — due: 2026-12-08 — type: prevent"
            " — issue: #31",
        )
    ]
    again, _ = action_items.parse("inc-1", updated, "pm.md")
    assert again[0].issue == "#31" and again[0].done is True
