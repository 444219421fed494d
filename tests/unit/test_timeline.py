"""The Timeline section, called directly: reading entries and inserting one in time order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incident_kit import timeline

AT_14 = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
AT_15 = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
AT_16 = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)

BODY = """# Checkout is down

## Summary

Card payments fail.

## Timeline

- 2026-11-26T14:00:00Z — Declared — alice
- 2026-11-26T16:00:00Z — Resolved — bob

## Links
"""


@pytest.mark.parametrize(
    ("at", "expected_order"),
    [
        (AT_15, ["Declared", "Acknowledged", "Resolved"]),  # back-dated: lands between
        (AT_16.replace(hour=17), ["Declared", "Resolved", "Acknowledged"]),  # latest: last
        (AT_14.replace(hour=13), ["Acknowledged", "Declared", "Resolved"]),  # earliest: first
        (AT_16, ["Declared", "Resolved", "Acknowledged"]),  # a tie goes after what was there
    ],
)
def test_an_entry_lands_at_its_place_in_time(at: datetime, expected_order: list[str]) -> None:
    body = timeline.add_entry(BODY, at, "Acknowledged", "carol", "incident.md")
    assert [entry.what for entry in timeline.entries(body, "incident.md")] == expected_order


def test_inserting_changes_nothing_but_the_one_new_line() -> None:
    body = timeline.add_entry(BODY, AT_15, "Acknowledged", "carol", "incident.md")
    before, after = BODY.split("\n"), body.split("\n")
    assert len(after) == len(before) + 1
    new = [line for line in after if line not in before]
    assert new == ["- 2026-11-26T15:00:00Z — Acknowledged — carol"]
    assert [line for line in after if line != new[0]] == before


def test_a_body_without_a_timeline_gets_one_and_keeps_everything_else() -> None:
    body = timeline.add_entry("# Title\n\nText.\n", AT_14, "Declared", "alice", "incident.md")
    assert body.startswith("# Title\n\nText.\n")
    assert [e.what for e in timeline.entries(body, "incident.md")] == ["Declared"]


@pytest.mark.parametrize(
    ("line", "at", "what", "who"),
    [
        ("- 2026-11-26T14:00:00Z — Declared — alice", AT_14, "Declared", "alice"),
        ("* **2026-11-26T14:00:00Z** — Declared — alice", AT_14, "Declared", "alice"),
        ("- 2026-11-26 14:00Z — Declared", AT_14, "Declared", None),
        ("- 2026-11-26T15:00:00+01:00 - Declared — alice", AT_14, "Declared", "alice"),
        ("- Declared without a time", None, "Declared without a time", None),
        ("- 2026-11-26T14:00:00 — naive times are not trusted", None, None, None),
    ],
)
def test_entries_people_type_are_read(
    line: str, at: datetime | None, what: str | None, who: str | None
) -> None:
    [entry] = timeline.entries(f"## Timeline\n\n{line}\n", "incident.md")
    assert entry.at == at
    if what is not None:
        assert entry.what == what
        assert entry.who == who
    assert entry.raw == line


def test_an_entry_without_a_time_does_not_stop_a_later_insert() -> None:
    body = "## Timeline\n\n- 2026-11-26T14:00:00Z — Declared — a\n- note by hand\n"
    body = timeline.add_entry(body, AT_15, "Acknowledged", "b", "incident.md")
    assert [e.what for e in timeline.entries(body, "incident.md")] == [
        "Declared",
        "note by hand",
        "Acknowledged",
    ]
