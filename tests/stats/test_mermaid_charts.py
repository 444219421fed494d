"""Mermaid output: chart text, label sanitising, and the real parser on every generated block.

The parser runs under Node (tools/mermaid-check); all blocks go through it in one run.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from support import mermaid as mermaid_support
from support.mermaid import assert_mermaid_parses, check_mermaid, extract_mermaid_blocks
from support.stats_data import NOW, incident, sample_action_items, sample_incidents

from incident_kit.reports.charts import (
    fenced,
    line_chart,
    mermaid_label,
    quoted,
    stacked_bar_chart,
)
from incident_kit.reports.index_page import render_index
from incident_kit.reports.stats.compute import compute_stats
from incident_kit.reports.stats.render import render_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "stats.md"
HOSTILE = 'a"b] c[d] %%{init: {"theme": "dark"}}%% ;e# `f` <g> & h:i\nj\\k | {l} \u202e'


def generated_blocks() -> list[str]:
    """Every Mermaid block the stats report and the index write, over varied data."""
    incidents, items = sample_incidents(), sample_action_items()
    odd = [
        incident(
            "inc-20260101-odd1",
            severity="SEV-5",  # unknown severity: a fifth series
            service=HOSTILE,
            declared_at="2026-01-01 10:00",
            resolved_at="2026-01-03 10:00",
        ),
        incident("inc-20280101-odd2", severity="SEV-1", declared_at="2028-01-01 10:00"),
    ]
    markdowns = [
        render_markdown(compute_stats(incidents, items, now=NOW)),
        render_markdown(compute_stats(incidents, items, now=NOW, service="auth")),
        render_markdown(compute_stats(incidents, items, now=NOW, since=date(2026, 3, 1))),
        render_markdown(compute_stats(odd, [], now=NOW)),
        render_markdown(compute_stats(incidents[:1], [], now=NOW)),
        render_index(incidents, items, now=NOW),
        render_index(odd, [], now=NOW),
    ]
    blocks = [block for markdown in markdowns for block in extract_mermaid_blocks(markdown)]
    blocks += extract_mermaid_blocks(DOCS.read_text(encoding="utf-8"))  # the sample in the docs
    blocks.append(
        stacked_bar_chart(
            title=HOSTILE,
            x_labels=[HOSTILE, "", "ok"],
            series=[(HOSTILE, [1, 0, 2]), ("x", [0, 0, 0])],
            y_title=HOSTILE,
            colours=["#000000", "#ffffff"],
        )
    )
    blocks.append(line_chart(title=HOSTILE, x_labels=[HOSTILE], values=[0.04], y_title=HOSTILE))
    return blocks


def test_every_generated_mermaid_block_parses() -> None:
    blocks = generated_blocks()
    # 2 + 2 + 2 + 2 + 2 + 1 + 1 charts from the renderers, the docs sample, two hostile ones
    assert len(blocks) == 15
    assert_mermaid_parses(blocks)


def test_the_checker_rejects_a_broken_diagram() -> None:
    broken = 'xychart-beta\n    x-axis ["a", "b"]\n    bar [1, 2'
    not_a_diagram = "this is not a diagram"
    valid = "flowchart LR\n    A --> B"
    results = check_mermaid([valid, broken, not_a_diagram])
    assert [r.ok for r in results] == [True, False, False]
    assert results[0].diagram_type == "flowchart-v2"
    assert results[1].error and "Parse error" in results[1].error
    with pytest.raises(AssertionError, match="block 1"):
        assert_mermaid_parses([valid, broken])


def test_a_missing_checker_skips_locally_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setattr(mermaid_support, "CHECKER_DIR", tmp_path)
    block = 'pie title never checked before\n    "a" : 1'
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        assert_mermaid_parses([block])
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="npm ci"):
        assert_mermaid_parses([block])


def test_stacked_bars_are_cumulative_and_drawn_top_series_first() -> None:
    chart = stacked_bar_chart(
        title="t",
        x_labels=["m1", "m2"],
        series=[("SEV-1", [1, 0]), ("SEV-2", [2, 1]), ("SEV-3", [0, 4])],
        y_title="n",
        colours=["#111111", "#222222", "#333333"],
        legend="SEV-1 black",
    )
    lines = chart.splitlines()
    assert lines[0].startswith('%%{init: {"themeVariables": {"xyChart": {"backgroundColor": "#ffffff", ')
    assert lines[0].endswith('"plotColorPalette": "#333333, #222222, #111111, #ffffff"}}}}%%')
    assert lines[1:] == [
        "xychart-beta",
        '    title "t"',
        '    x-axis "SEV-1 black" ["m1", "m2"]',
        '    y-axis "n" 0 --> 10',  # whole-number ticks: the axis reaches 10
        "    bar [3, 5]",  # everything: only its SEV-3 part stays visible on top
        "    bar [3, 1]",  # SEV-1 + SEV-2
        "    bar [1, 0]",  # SEV-1, at the bottom
        "    bar [0, 0]",  # the background-coloured mask over the padding below zero
    ]


def test_a_count_axis_reaches_the_larger_total_when_it_is_over_ten() -> None:
    chart = stacked_bar_chart(
        title="t",
        x_labels=["m1"],
        series=[("SEV-1", [7]), ("SEV-2", [6])],
        y_title="n",
        colours=["#111111"] * 2,
    )
    assert '    y-axis "n" 0 --> 13' in chart.splitlines()


def test_charts_refuse_mismatched_data() -> None:
    with pytest.raises(ValueError):
        line_chart(title="t", x_labels=["a", "b"], values=[1.0], y_title="y")
    with pytest.raises(ValueError):
        line_chart(title="t", x_labels=[], values=[], y_title="y")
    with pytest.raises(ValueError):
        stacked_bar_chart(title="t", x_labels=["a"], series=[("s", [1])], y_title="y", colours=['#fff"}}'])


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("SEV-1", "SEV-1"),
        ("2026-03", "2026-03"),
        ("Median time to resolve (hours)", "Median time to resolve (hours)"),
        ('a"b', "a b"),
        ("x]; y", "x y"),
        ("%%{init}%%", "init"),
        ("tab\tnew\nline", "tab new line"),
        ("`code` <b>", "code b"),
        ("señal ✓ 認証", "señal 認証"),
        ("", "-"),
        ('"";;%%', "-"),
        ("x" * 80, "x" * 57 + "..."),
    ],
)
def test_mermaid_label(text: str, label: str) -> None:
    assert mermaid_label(text) == label


def test_quoted_labels_hold_no_quote_inside() -> None:
    assert quoted(HOSTILE).count('"') == 2


def test_fenced_block_round_trips_through_the_extractor() -> None:
    diagram = 'pie\n    "a" : 1'
    assert extract_mermaid_blocks("text\n\n" + fenced(diagram) + "\nmore\n") == [diagram]


def test_extract_mermaid_blocks_finds_only_mermaid_fences() -> None:
    markdown = "\n".join(
        [
            "```python",
            "```mermaid",
            "print('not a diagram')",
            "```",
            "~~~~ mermaid",
            "graph TD",
            "```",
            "  A-->B",
            "~~~~",
            "   ```mermaid",
            "pie",
            "```",
            "```mermaid",
            "unterminated",
        ]
    )
    assert extract_mermaid_blocks(markdown) == ["graph TD\n```\n  A-->B", "pie", "unterminated"]
