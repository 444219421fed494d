"""render_index: incidents/README.md content, deterministic and safe."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from support.golden import assert_golden
from support.stats_data import NOW, incident, sample_action_items, sample_incidents

from incident_kit.reports.index_page import GENERATED_MARKER, render_index

GOLDEN = Path(__file__).parent / "golden"


def section(markdown: str, heading: str) -> str:
    """The text under `## heading` up to the next `## ` heading."""
    start = markdown.index(f"## {heading}")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else None]


def row_ids(markdown: str, heading: str) -> list[str]:
    return re.findall(r"^\| \[(inc-[^\]]+)\]", section(markdown, heading), flags=re.M)


def test_index_golden() -> None:
    readme = render_index(sample_incidents(), sample_action_items(), now=NOW, history_limit=8)
    assert_golden(readme, GOLDEN / "index.md")


def test_index_golden_empty_repository() -> None:
    assert_golden(render_index([], [], now=NOW), GOLDEN / "index-empty.md")


def test_open_incidents_come_first_worst_severity_then_oldest() -> None:
    extra = incident(
        "inc-20260302-zzzz", severity="SEV-1", status="mitigated", declared_at="2026-03-02 10:00"
    )
    older_sev1 = incident(
        "inc-20260201-yyyy", severity="SEV-1", status="triage", declared_at="2026-02-01 10:00"
    )
    readme = render_index([*sample_incidents(), extra, older_sev1], [], now=NOW)
    assert readme.index("## Open incidents") < readme.index("## Recent history")
    assert readme.index("## Recent history") < readme.index("## Statistics")
    assert row_ids(readme, "Open incidents") == [
        "inc-20260201-yyyy",
        "inc-20260301-dddd",
        "inc-20260302-zzzz",
        "inc-20260305-gggg",
    ]


def test_history_is_newest_first_and_limited() -> None:
    readme = render_index(sample_incidents(), [], now=NOW, history_limit=3)
    assert row_ids(readme, "Recent history") == [
        "inc-20260325-kkkk",
        "inc-20260318-llll",
        "inc-20260310-iiii",
    ]
    assert "The 3 most recently declared of 11 incidents" in readme


def test_history_ties_are_broken_by_id() -> None:
    same_time = [
        incident(f"inc-20260101-{suffix}", declared_at="2026-01-01 10:00")
        for suffix in ("cccc", "aaaa", "bbbb")
    ]
    readme = render_index(same_time, [], now=NOW)
    assert row_ids(readme, "Recent history") == [
        "inc-20260101-aaaa",
        "inc-20260101-bbbb",
        "inc-20260101-cccc",
    ]


def test_rendering_twice_and_reordering_give_identical_bytes() -> None:
    incidents, items = sample_incidents(), sample_action_items()
    expected = render_index(incidents, items, now=NOW)
    assert render_index(incidents, items, now=NOW) == expected
    rng = random.Random(7)
    for _ in range(5):
        rng.shuffle(incidents)
        rng.shuffle(items)
        assert render_index(incidents, items, now=NOW) == expected


def test_wall_clock_time_does_not_churn_the_file() -> None:
    incidents, items = sample_incidents(), sample_action_items()
    at_noon = render_index(incidents, items, now=NOW)
    # Later the same day and hours later: ages are measured to the latest event, not to now.
    assert render_index(incidents, items, now=NOW + timedelta(hours=11)) == at_noon
    assert "as of the latest recorded event, 2026-03-25 17:20 UTC" in at_noon
    assert "| 24d 17h |" in at_noon  # dddd: declared 2026-03-01 00:01, latest event 03-25 17:20


def test_a_new_event_updates_the_ages() -> None:
    incidents = sample_incidents()
    before = render_index(incidents, [], now=NOW)
    acked = [replace(i, acknowledged_at=NOW) if i.id == "inc-20260305-gggg" else i for i in incidents]
    after = render_index(acked, [], now=NOW)
    assert "| 24d 17h |" in before
    assert "| 31d 11h |" in after  # dddd again, now measured to 2026-04-01 12:00


def test_links_are_relative_to_the_incidents_folder() -> None:
    odd = incident("inc-20260101-odd", path="elsewhere/my incident (1)", declared_at="2026-01-01 10:00")
    readme = render_index([*sample_incidents(), odd], [], now=NOW)
    assert "[inc-20260301-dddd](2026-03/inc-20260301-dddd-slug/)" in readme
    assert "[inc-20260101-odd](../elsewhere/my%20incident%20%281%29/)" in readme


def test_links_can_be_absolute() -> None:
    readme = render_index(
        sample_incidents(), [], now=NOW, repo_url_base="https://github.com/acme/ops/tree/main/"
    )
    assert (
        "[inc-20260301-dddd](https://github.com/acme/ops/tree/main/incidents/2026-03/inc-20260301-dddd-slug/)"
        in readme
    )


def test_generated_marker_and_given_summary() -> None:
    readme = render_index(sample_incidents(), [], now=NOW, stats_markdown_summary="Custom summary.")
    assert readme.startswith("# Incidents\n\n" + GENERATED_MARKER + "\n")
    assert section(readme, "Statistics") == "## Statistics\n\nCustom summary.\n"


def test_open_incident_columns() -> None:
    readme = render_index(sample_incidents(), [], now=NOW)
    assert (
        "| [inc-20260301-dddd](2026-03/inc-20260301-dddd-slug/) | Incident inc-20260301-dddd "
        "| investigating | SEV-1 | alice | 2026-03-01 00:01 | 24d 17h "
        "| #inc-20260301-dddd-auth-down |"
    ) in readme


def test_hostile_fields_stay_inside_their_cells() -> None:
    evil = incident(
        "inc-20260301-evil|x",
        status="triage",
        title="<script>alert(1)</script> | [x](javascript:alert(1))\n## injected",
        commander="<b>bob</b>",
        slack_channel="chan|nel\n# h",
        path="incidents/2026-03/a)b[c] d",
        declared_at="2026-03-01 10:00",
    )
    readme = render_index([evil], [], now=NOW)
    open_section = section(readme, "Open incidents")
    rows = [line for line in open_section.splitlines() if line.startswith("|")]
    assert len(rows) == 3  # header, delimiter, one incident: no injected row or heading
    assert {len(re.findall(r"(?<!\\)\|", row)) for row in rows} == {9}
    assert "<script>" not in readme and "<b>" not in readme
    assert not re.search(r"(?<!\\)\]\(javascript", readme)  # an escaped `\]` makes no link
    assert "\n## injected" not in readme and "\n# h" not in readme
    assert "(2026-03/a%29b%5Bc%5D%20d/)" in readme


def test_an_open_drill_is_marked_in_the_open_table_too() -> None:
    drill = incident(
        "inc-20260302-dr11",
        severity="SEV-1",
        status="triage",
        kind="drill",
        title="Game day",
        declared_at="2026-03-02 10:00",
    )
    real = incident(
        "inc-20260302-rea1", severity="SEV-1", status="triage", title="Real", declared_at="2026-03-02 11:00"
    )
    open_table = section(render_index([drill, real], [], now=NOW), "Open incidents")
    assert "| Game day (drill) |" in open_table and "| Real |" in open_table
