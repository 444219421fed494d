"""render_text, render_markdown and render_json: golden files, JSON shape, hostile text."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from support.golden import assert_golden
from support.mermaid import extract_mermaid_blocks
from support.stats_data import NOW, incident, item, sample_action_items, sample_incidents

from incident_kit.model import IncidentSummary
from incident_kit.reports.stats.compute import compute_stats
from incident_kit.reports.stats.render import render_markdown, render_text
from incident_kit.reports.stats.to_json import as_dict, render_json

GOLDEN = Path(__file__).parent / "golden"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def hostile_incidents() -> list[IncidentSummary]:
    title = "<img src=x onerror=alert(1)> | [click](javascript:alert(1)) **x**\n# heading"
    service = 'pay"ments]; %%{init}%% `x` | <b> [x](javascript:alert(1))'
    return [
        incident(
            "inc-20260301-evil",
            title=title,
            service=service,
            commander="@channel",
            dedup_key="key|with`pipes`\nand newline",
            declared_at="2026-03-01 10:00",
            acknowledged_at="2026-03-01 10:05",
            resolved_at="2026-03-01 11:00",
        ),
        incident(
            "inc-20260302-evil",
            title=title,
            service=service,
            dedup_key="key|with`pipes`\nand newline",
            declared_at="2026-03-02 10:00",
        ),
    ]


def test_text_golden() -> None:
    stats = compute_stats(sample_incidents(), sample_action_items(), now=NOW)
    assert_golden(render_text(stats), GOLDEN / "stats.txt")


def test_markdown_golden() -> None:
    stats = compute_stats(sample_incidents(), sample_action_items(), now=NOW)
    assert_golden(render_markdown(stats), GOLDEN / "stats.md")


def test_markdown_golden_filtered() -> None:
    stats = compute_stats(
        sample_incidents(), sample_action_items(), now=NOW, since=date(2026, 1, 1), service="auth"
    )
    assert_golden(render_markdown(stats), GOLDEN / "stats-auth-since-2026.md")


def test_markdown_golden_empty() -> None:
    assert_golden(render_markdown(compute_stats([], [], now=NOW)), GOLDEN / "stats-empty.md")


def test_markdown_has_the_two_charts() -> None:
    stats = compute_stats(sample_incidents(), sample_action_items(), now=NOW)
    per_month, trend = extract_mermaid_blocks(render_markdown(stats))
    assert per_month.splitlines()[1:3] == [
        "xychart-beta",
        '    title "Incidents per month by severity"',
    ]
    assert per_month.count("    bar [") == 5  # one per severity, then the mask over the axis padding
    assert trend.splitlines()[:2] == [
        "xychart-beta",
        '    title "Median time to resolve per month"',
    ]
    # medians 4 h, 2 h, 1 h 45 m, 2 h, in hours since one of them is 2 h or more
    assert trend.splitlines()[-1] == "    line [4, 2, 1.8, 2]"


def test_json_is_one_document_with_seconds() -> None:
    stats = compute_stats(sample_incidents(), sample_action_items(), now=NOW)
    text = render_json(stats)
    document = json.loads(text)  # the whole output, nothing before or after
    assert text.endswith("}\n")
    assert list(document) == [
        "generated_at",
        "filters",
        "incidents",
        "excluded_from_times",
        "times",
        "time_to_resolve_by_month",
        "action_items",
        "repeat_offenders",
        "warnings",
    ]
    assert document["generated_at"] == "2026-04-01T12:00:00Z"
    assert document["filters"] == {"since": None, "until": None, "service": None, "severity": None}
    assert document["times"]["time_to_acknowledge"]["overall"] == {
        "count": 8,
        "median_seconds": 510,
        "p90_seconds": 2400,
    }
    assert document["times"]["time_to_acknowledge"]["by_severity"]["SEV-4"] == {
        "count": 0,
        "median_seconds": None,
        "p90_seconds": None,
    }
    assert document["times"]["time_to_mitigate"]["by_service"][-1] == {
        "service": None,
        "count": 1,
        "median_seconds": 3600,
        "p90_seconds": 3600,
    }
    assert document["incidents"]["by_service"][-1] == {"service": None, "count": 1}
    assert document["excluded_from_times"] == {"drill": 1, "merged": 1, "cancelled": 2}
    assert document["action_items"]["by_owner"][-1] == {"owner": None, "open": 1, "overdue": 0}
    assert document["action_items"]["overdue_items"][0] == {
        "incident_id": "inc-20251220-mmmm",
        "item_id": "AI-1",
        "text": "Follow-up AI-1 of inc-20251220-mmmm",
        "owner": "bob",
        "due": "2026-01-10",
        "days_overdue": 81,
    }
    assert document["repeat_offenders"][0] == {
        "kind": "service",
        "key": "auth",
        "count": 5,
        "incident_ids": [
            "inc-20251220-mmmm",
            "inc-20260105-aaaa",
            "inc-20260120-bbbb",
            "inc-20260210-cccc",
            "inc-20260301-dddd",
        ],
    }


def test_json_records_the_filters() -> None:
    stats = compute_stats(
        sample_incidents(),
        [],
        now=NOW,
        since=date(2026, 1, 1),
        until=date(2026, 1, 31),
        service="auth",
        severity="SEV-2",
    )
    assert as_dict(stats)["filters"] == {
        "since": "2026-01-01",
        "until": "2026-01-31",
        "service": "auth",
        "severity": "SEV-2",
    }
    assert as_dict(stats)["incidents"]["total"] == 2  # bbbb and its merged duplicate jjjj


def test_hostile_text_cannot_break_the_markdown() -> None:
    items = [
        item(
            "inc-20260301-evil",
            "AI-1",
            "<script>",
            "2026-01-01",
            text="a | b [y](javascript:alert(2))\n## c",
        )
    ]
    markdown = render_markdown(compute_stats(hostile_incidents(), items, now=NOW))
    for tag in ("<img", "<b>", "<script>"):
        assert tag not in markdown
    assert not re.search(r"(?<!\\)\]\(javascript", markdown)  # an escaped `\]` makes no link
    assert 'pay"ments\\]; %%{init}%% \\`x\\` \\| \\<b\\>' in markdown  # shown, escaped
    assert not any(line.startswith("## c") or line.startswith("# heading") for line in markdown.splitlines())
    assert len(tables(markdown)) >= 8
    for table in tables(markdown):
        borders = {len(UNESCAPED_PIPE.findall(row)) for row in table}
        assert len(borders) == 1, table


def tables(markdown: str) -> list[list[str]]:
    """Runs of consecutive lines that start with a pipe."""
    found: list[list[str]] = []
    previous = ""
    for line in markdown.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                found.append([])
            found[-1].append(line)
        previous = line
    return found


def test_hostile_text_cannot_drive_the_terminal() -> None:
    evil = incident(
        "inc-20260301-esc",
        service="auth\x1b[2J\x1b[31m",
        declared_at="2026-03-01 10:00",
    )
    items = [item("inc-20260301-esc", "AI-1", "bob\x07", "2026-01-01", text="x\r\ny\x1b]0;pwned\x07")]
    text = render_text(compute_stats([evil], items, now=NOW))
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "overdue: inc-20260301-esc AI-1 bob due 2026-01-01" in text


def test_long_lists_are_cut_in_reports_but_complete_in_json() -> None:
    incidents = [
        incident(f"inc-20260101-{n:04d}", service=f"svc{n // 2:02d}", declared_at="2026-01-01 10:00")
        for n in range(50)  # 25 services with two incidents each
    ]
    items = [item(incidents[0].id, f"AI-{n}", "bob", "2026-01-01") for n in range(60)]
    stats = compute_stats(incidents, items, now=NOW)
    markdown, text = render_markdown(stats), render_text(stats)
    assert markdown.count("| service | svc") == 20
    assert "... and 5 more (`--format json` lists them all)." in markdown
    assert markdown.count("| bob | 2026-01-01 | 90 days |") == 50
    assert "... and 10 more (`--format json` lists them all)." in markdown
    assert text.count("  service svc") == 20 and text.count("  overdue: ") == 50
    document = as_dict(stats)
    assert len(document["repeat_offenders"]) == 25
    assert len(document["action_items"]["overdue_items"]) == 60
