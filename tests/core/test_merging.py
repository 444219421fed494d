"""The three-way merge of incident files, called directly: text in, text out, in milliseconds."""

from __future__ import annotations

import re

import pytest

from incident_kit.merging import diff3
from incident_kit.merging.document import merge_texts
from incident_kit.merging.markers import sides
from incident_kit.merging.result import Markers

BASE = """\
---
# the current state; edit by hand or with `incident`
id: inc-20261126-k3f7
title: Checkout returns 500
status: triage  # triage | investigating | mitigated | resolved
severity: SEV-2  # SEV-1 (worst) .. SEV-4
commander: alice
roles: {}
acknowledged_at: null
alert:
  dedup_key: am:checkout
  status: firing
  occurrences: 1
  first_seen: 2026-11-26T15:00:00Z
  last_seen: 2026-11-26T15:00:00Z
links: []
---

## Summary

Checkout returns 500 for some users.

Second paragraph.

## Timeline

- 2026-11-26T15:00:00Z — Declared from alertmanager alert — alertmanager

## Links
"""

ENTRY_0 = "- 2026-11-26T15:00:00Z — Declared from alertmanager alert — alertmanager"


def edit(text: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def entry(at: str, what: str, who: str) -> str:
    return f"- 2026-11-26T{at}:00Z — {what} — {who}"


def add_entries(text: str, *entries: str) -> str:
    return edit(text, (ENTRY_0, "\n".join([ENTRY_0, *entries])))


def redelivery(text: str, occurrences: int, at: str) -> str:
    """`text` after one more delivery of its alert (its `occurrences` becoming the given count)."""
    new = entry(at, f"Alert fired again (occurrence {occurrences})", "alertmanager")
    text = re.sub(r"(?m)^(- .*)\n(?=\n## Links)", lambda m: f"{m.group(1)}\n{new}\n", text)
    text = re.sub(r"occurrences: \d+", f"occurrences: {occurrences}", text)
    return re.sub(r"last_seen: \S+", f"last_seen: 2026-11-26T{at}:00Z", text)


def test_timeline_entries_from_both_sides_land_in_time_order() -> None:
    ours = add_entries(
        BASE, entry("15:10", "Rolled back", "alice"), entry("15:30", "Error rate down", "alice")
    )
    theirs = add_entries(BASE, entry("15:20", "Cache flushed", "bob"))
    merged = merge_texts(BASE, ours, theirs)
    assert merged.clean
    assert merged.text == add_entries(
        BASE,
        entry("15:10", "Rolled back", "alice"),
        entry("15:20", "Cache flushed", "bob"),
        entry("15:30", "Error rate down", "alice"),
    )


def test_different_keys_on_adjacent_lines_merge() -> None:
    ours = edit(
        BASE,
        ("status: triage", "status: investigating"),
        ("acknowledged_at: null", "acknowledged_at: 2026-11-26T15:05:00Z"),
    )
    theirs = edit(BASE, ("severity: SEV-2", "severity: SEV-1"))
    merged = merge_texts(BASE, ours, theirs)
    assert merged.clean
    assert "status: investigating  # triage" in merged.text
    assert "severity: SEV-1  # SEV-1 (worst)" in merged.text
    assert "acknowledged_at: 2026-11-26T15:05:00Z" in merged.text


def test_different_sections_merge() -> None:
    ours = edit(
        BASE, ("Checkout returns 500 for some users.", "Checkout fails for EU users since the deploy.")
    )
    theirs = edit(BASE, ("## Links\n", "## Links\n\n- [Dashboard](<https://grafana.example.com/d/1>)\n"))
    merged = merge_texts(BASE, ours, theirs)
    assert merged.clean
    assert "Checkout fails for EU users since the deploy." in merged.text
    assert merged.text.endswith("## Links\n\n- [Dashboard](<https://grafana.example.com/d/1>)\n")


def test_a_bots_redeliveries_and_a_persons_summary_edit_both_survive() -> None:
    bot = redelivery(BASE, 2, "15:10")
    person = edit(
        BASE,
        ("Second paragraph.", "Only card payments are affected."),
        ("severity: SEV-2", "severity: SEV-1"),
    )
    merged = merge_texts(BASE, person, bot)
    assert merged.clean
    assert merged.text == redelivery(person, 2, "15:10")


def test_redeliveries_on_both_sides_are_all_counted() -> None:
    ours = redelivery(BASE, 2, "15:10")
    theirs = redelivery(redelivery(BASE, 2, "15:05"), 3, "15:20").replace(
        "occurrence 2)", "occurrence 2 there)"
    )
    merged = merge_texts(BASE, ours, theirs)
    assert merged.clean
    assert "occurrences: 4" in merged.text  # 1 + one delivery here + two there
    assert "last_seen: 2026-11-26T15:20:00Z" in merged.text
    assert merged.text.count("Alert fired again") == 3


def test_the_alert_status_is_the_one_of_the_later_delivery() -> None:
    resolved = edit(redelivery(BASE, 2, "15:30"), ("status: firing", "status: resolved"))
    firing_earlier = redelivery(BASE, 2, "15:10")
    merged = merge_texts(BASE, firing_earlier, resolved)
    assert merged.clean
    assert "  status: resolved" in merged.text


def test_contradicting_severities_conflict_on_that_key_alone() -> None:
    ours = add_entries(
        edit(BASE, ("severity: SEV-2", "severity: SEV-1")), entry("15:10", "Severity SEV-2 → SEV-1", "alice")
    )
    theirs = add_entries(
        edit(BASE, ("severity: SEV-2", "severity: SEV-3")), entry("15:12", "Severity SEV-2 → SEV-3", "bob")
    )
    merged = merge_texts(BASE, ours, theirs)
    assert [(c.where, c.ours, c.theirs) for c in merged.conflicts] == [("severity", "SEV-1", "SEV-3")]
    assert (
        "<<<<<<< ours\nseverity: SEV-1  # SEV-1 (worst) .. SEV-4\n=======\n"
        "severity: SEV-3  # SEV-1 (worst) .. SEV-4\n>>>>>>> theirs\n"
    ) in merged.text
    assert "Severity SEV-2 → SEV-1 — alice" in merged.text and "Severity SEV-2 → SEV-3 — bob" in merged.text


def test_contradicting_statuses_conflict_and_name_both_values() -> None:
    ours = edit(BASE, ("status: triage", "status: investigating"))
    theirs = edit(BASE, ("status: triage", "status: cancelled"))
    merged = merge_texts(BASE, ours, theirs, Markers(size=9, ours="HEAD", theirs="main"))
    assert [c.describe() for c in merged.conflicts] == [
        "status: 'investigating' (ours) vs 'cancelled' (theirs)"
    ]
    assert "<<<<<<<<< HEAD\n" in merged.text and ">>>>>>>>> main\n" in merged.text


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        pytest.param(
            ("roles: {}", "roles:\n  scribe: bob"),
            ("roles: {}", "roles:\n  comms: carol"),
            "roles:\n  scribe: bob\n  comms: carol\n",
            id="roles-assigned-on-both-sides",
        ),
        pytest.param(
            ("links: []", "links:\n  - title: Dashboard\n    url: https://d.example.com"),
            ("links: []", "links:\n  - title: Runbook\n    url: https://r.example.com"),
            "links:\n  - title: Dashboard\n    url: https://d.example.com\n  - title: Runbook\n    url: https://r.example.com\n",
            id="links-added-on-both-sides",
        ),
        pytest.param(
            ("commander: alice", "# handed over at 15:10\ncommander: alice"),
            ("commander: alice", "commander: dave"),
            "# handed over at 15:10\ncommander: dave\n",
            id="a-comment-above-a-key-and-its-new-value",
        ),
        pytest.param(
            ("links: []", "links: []\nrunbook: https://r.example.com"),
            ("links: []", "links: []\nteam: payments"),
            "links: []\nrunbook: https://r.example.com\nteam: payments\n",
            id="unknown-keys-added-on-both-sides",
        ),
    ],
)
def test_frontmatter_changes_that_do_not_contradict_merge(
    ours: tuple[str, str], theirs: tuple[str, str], expected: str
) -> None:
    merged = merge_texts(BASE, edit(BASE, ours), edit(BASE, theirs))
    assert merged.clean, merged.conflicts
    assert expected in merged.text


def test_the_same_change_on_both_sides_is_kept_once() -> None:
    both = add_entries(
        edit(BASE, ("status: triage", "status: investigating")), entry("15:05", "Acknowledged", "alice")
    )
    merged = merge_texts(BASE, both, both)
    assert merged.clean and merged.text == both


def test_a_key_removed_on_one_side_and_changed_on_the_other_conflicts() -> None:
    ours = edit(BASE, ("commander: alice\n", ""))
    theirs = edit(BASE, ("commander: alice", "commander: dave"))
    merged = merge_texts(BASE, ours, theirs)
    assert [(c.where, c.theirs) for c in merged.conflicts] == [("commander", "dave")]


def test_edits_to_different_paragraphs_of_one_section_merge_and_to_one_line_conflict() -> None:
    first = edit(BASE, ("Checkout returns 500 for some users.", "Checkout returns 500 for EU users."))
    second = edit(BASE, ("Second paragraph.", "Card payments only."))
    assert merge_texts(BASE, first, second).clean
    other = edit(BASE, ("Checkout returns 500 for some users.", "Checkout is slow."))
    merged = merge_texts(BASE, first, other)
    assert [(c.where, c.ours, c.theirs) for c in merged.conflicts] == [
        ("## Summary", "Checkout returns 500 for EU users.", "Checkout is slow.")
    ]


def test_crlf_and_a_bom_are_kept() -> None:
    def windows(text: str) -> str:
        return "\ufeff" + text.replace("\n", "\r\n")

    ours = add_entries(BASE, entry("15:10", "Rolled back", "alice"))
    theirs = edit(BASE, ("severity: SEV-2", "severity: SEV-1"))
    merged = merge_texts(windows(BASE), windows(ours), windows(theirs))
    assert merged.clean
    assert merged.text == windows(edit(ours, ("severity: SEV-2", "severity: SEV-1")))


def test_a_markdown_file_without_frontmatter_merges_by_section() -> None:
    base = "# Post-mortem\n\n## Action items\n\n- [ ] AI-1: Add a breaker\n\n## Lessons learned\n\n<!-- -->\n"
    ours = base.replace(
        "- [ ] AI-1: Add a breaker\n", "- [ ] AI-1: Add a breaker\n- [ ] AI-2: Alert on p99\n"
    )
    theirs = base.replace("<!-- -->", "Test rollbacks weekly.")
    merged = merge_texts(base, ours, theirs)
    assert merged.clean
    assert merged.text == ours.replace("<!-- -->", "Test rollbacks weekly.")


def test_a_file_both_sides_added_differently_merges_what_it_can() -> None:
    ours = add_entries(BASE, entry("15:10", "Rolled back", "alice"))
    merged = merge_texts("", ours, BASE)
    assert merged.clean and merged.text == ours


def test_the_line_merge_takes_one_sided_changes_and_reports_clashes() -> None:
    base = ["a", "b", "c", "d"]
    assert diff3.merge_clean(base, ["a", "B", "c", "d"], ["a", "b", "c", "D"]) == ["a", "B", "c", "D"]
    assert diff3.merge_clean(base, ["a", "x", "c", "d"], ["a", "y", "c", "d"]) is None
    assert diff3.merge_clean([], ["x"], ["x"]) == ["x"]


def test_markers_without_a_base_are_merged_again_by_the_same_rules() -> None:
    ours = add_entries(
        edit(BASE, ("status: triage", "status: investigating")), entry("15:10", "Rolled back", "alice")
    )
    marked = edit(
        ours,
        (
            entry("15:10", "Rolled back", "alice"),
            "\n".join(
                [
                    "<<<<<<< HEAD",
                    entry("15:10", "Rolled back", "alice"),
                    "=======",
                    entry("15:20", "Cache flushed", "bob"),
                    ">>>>>>> main",
                ]
            ),
        ),
    )
    found = sides(marked)
    assert found is not None and not found.base_known
    merged = merge_texts(found.base, found.ours, found.theirs)
    assert merged.clean
    assert merged.text == add_entries(
        edit(BASE, ("status: triage", "status: investigating")),
        entry("15:10", "Rolled back", "alice"),
        entry("15:20", "Cache flushed", "bob"),
    )


def test_markers_in_diff3_style_carry_the_base() -> None:
    marked = (
        "a\n<<<<<<< ours\nseverity: SEV-1\n||||||| base\nseverity: SEV-2\n"
        "=======\nseverity: SEV-2\nstatus: x\n>>>>>>> theirs\nz\n"
    )
    found = sides(marked)
    assert found is not None and found.base_known
    assert (found.base, found.ours, found.theirs) == (
        "a\nseverity: SEV-2\nz\n",
        "a\nseverity: SEV-1\nz\n",
        "a\nseverity: SEV-2\nstatus: x\nz\n",
    )
    assert sides("no markers\n=======\n") is None
