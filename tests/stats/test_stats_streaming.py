"""The streaming `compute_stats` and `render_index` give exactly what the list-based ones gave
(`reference_stats`, `reference_index`).

Property-style over random incident sets (colliding ids, moments, services and dedup keys,
negative and stale durations, unknown severities, undated incidents) with random filters, and
end to end on a generated repository: `incident stats` prints the same bytes in every format.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from reference_index import reference_index
from reference_stats import reference_stats
from support.cli import PINNED_NOW, run_cli
from support.stats_data import incident

from incident_kit.action_items import parse as parse_action_items
from incident_kit.commands.index import render_current
from incident_kit.model import ActionItem, IncidentSummary
from incident_kit.reports.index_page import IndexTally, render_index
from incident_kit.reports.stats.compute import (
    compute_stats,
    compute_stats_of_partials,
    compute_stats_of_records,
)
from incident_kit.reports.stats.record import from_row, record_of, row
from incident_kit.reports.stats.render import render_markdown, render_text
from incident_kit.reports.stats.to_json import render_json
from incident_kit.summaries.cache import load_summaries

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
BASE = datetime(2026, 1, 1, tzinfo=UTC)
T = TypeVar("T")

# Few values each, so that ids, moments, services and dedup keys collide.
moments = st.one_of(st.none(), st.integers(0, 11).map(lambda k: BASE + timedelta(days=8 * k)))
offsets = st.one_of(
    st.none(),
    st.sampled_from([-10, 5, 30, 31, 180]).map(lambda m: timedelta(minutes=m)),
    st.integers(-120, 60 * 24 * 10).map(lambda m: timedelta(minutes=m)),
)


@st.composite
def incidents(draw: st.DrawFn) -> IncidentSummary:
    declared = draw(moments)

    def after(offset: timedelta | None) -> datetime | None:
        return None if declared is None or offset is None else declared + offset

    stale = draw(st.booleans())
    detected = -timedelta(days=30) if stale else draw(st.sampled_from([None, -timedelta(minutes=5)]))
    return IncidentSummary(
        id=f"inc-2026-{draw(st.sampled_from('abcdefgh'))}",
        title="t",
        status=draw(st.sampled_from(["triage", "resolved", "closed", "cancelled", "merged", "weird"])),
        severity=draw(st.sampled_from(["SEV-1", "SEV-2", "SEV-3", "SEV-4", "P0"])),
        kind=draw(st.sampled_from(["incident", "incident", "drill"])),
        service=draw(st.sampled_from([None, "auth", "payments", "search"])),
        commander=None,
        source=None,
        path="incidents/x",
        impact_started_at=after(draw(st.sampled_from([None, timedelta(minutes=-30)]))),
        detected_at=after(detected),
        declared_at=declared if draw(st.booleans()) else None,
        acknowledged_at=after(draw(offsets)),
        mitigated_at=after(draw(offsets)),
        resolved_at=after(draw(offsets)),
        dedup_key=draw(st.sampled_from([None, "cpu", "disk", "latency"])),
        merged_into=draw(st.sampled_from([None, None, None, "inc-2026-a"])),
    )


action_items = st.builds(
    ActionItem,
    incident_id=st.sampled_from([f"inc-2026-{c}" for c in "abcdefghz"]),
    item_id=st.sampled_from(["AI-1", "AI-2", "AI-3"]),
    text=st.sampled_from(["Fix it", "Add an alert"]),
    owner=st.sampled_from([None, "alice", "bob"]),
    due=st.one_of(
        st.none(), st.sampled_from([-30, -1, 0, 1, 20]).map(lambda d: date(2026, 4, 1) + timedelta(days=d))
    ),
    type=st.just("prevent"),
    done=st.booleans(),
    issue=st.none(),
    line=st.just(1),
)

filters = st.fixed_dictionaries(
    {},
    optional={
        "since": st.sampled_from([date(2026, 1, 15), date(2026, 2, 1)]),
        "until": st.sampled_from([date(2026, 2, 20), date(2026, 3, 31)]),
        "service": st.sampled_from([None, "auth", "payments"]),
        "severity": st.sampled_from(["SEV-2", "P0"]),
    },
)


def once(values: list[T]) -> Iterator[T]:
    """The values as a one-pass stream: a second pass would see nothing."""
    return iter(values)


def tied(incident_id: str, service: str) -> IncidentSummary:
    """Declared at the same moment as every other `tied` one, acknowledged before it."""
    return incident(incident_id, service=service, declared_at=TIE, acknowledged_at="2026-01-05 09:00")


TIE = "2026-01-05 10:00"
# same moment, ids arriving out of order: warnings and repeat offenders still list them by id
TIES = [tied("inc-2026-b", "auth"), tied("inc-2026-a", "auth"), tied("inc-2026-c", "search")]


@settings(max_examples=300, deadline=None)
@given(st.lists(incidents(), max_size=40), st.lists(action_items, max_size=15), filters)
@example(TIES, [], {})
@example(TIES[::-1], [], {})
def test_streaming_stats_equal_the_list_based_computation(
    found: list[IncidentSummary], items: list[ActionItem], chosen: dict[str, Any]
) -> None:
    if chosen.get("since") and chosen.get("until") and chosen["since"] > chosen["until"]:
        return
    expected = reference_stats(found, items, now=NOW, **chosen)
    streamed = compute_stats(once(found), once(items), now=NOW, **chosen)
    assert streamed == expected
    for render in (render_text, render_json, render_markdown):
        assert render(streamed) == render(expected)
    # as the report records cache keeps them: each record through its JSON form and back
    kept = [from_row(i.path, json.loads(json.dumps(row(record_of(i))))) for i in found]
    assert compute_stats_of_records(once(kept), once(items), now=NOW, **chosen) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(incidents(), max_size=40), st.lists(action_items, max_size=15), st.randoms())
def test_streaming_stats_do_not_depend_on_the_input_order(
    found: list[IncidentSummary], items: list[ActionItem], rng: Any
) -> None:
    forward = compute_stats(once(found), once(items), now=NOW)
    shuffled, shuffled_items = list(found), list(items)
    rng.shuffle(shuffled)
    rng.shuffle(shuffled_items)
    assert compute_stats(once(shuffled), once(shuffled_items), now=NOW) == forward


def every_action_item(root: Path) -> list[ActionItem]:
    """The post-mortems' action items read straight from the files (no cache), folder order."""
    found = []
    for postmortem in sorted(root.glob("incidents/*/*/postmortem.md")):
        folder = postmortem.parent
        found += parse_action_items(folder.name[:17], postmortem.read_text(), str(postmortem))[0]
    return found


@settings(max_examples=150, deadline=None)
@given(
    st.lists(incidents(), max_size=40),
    st.lists(action_items, max_size=15),
    st.lists(st.integers(0, 40), max_size=4),
)
def test_months_counted_apart_and_merged_equal_one_pass(
    found: list[IncidentSummary], items: list[ActionItem], cuts: list[int]
) -> None:
    """What the report records cache does: each month's incidents counted on their own
    (`IndexTally.partial`, kept as JSON), then merged in order — the same stats and index."""
    found = [replace(summary, path=f"incidents/2026-01/{k:03d}") for k, summary in enumerate(found)]
    bounds = sorted({0, len(found), *(cut for cut in cuts if cut <= len(found))})
    partials = []
    for start, end in pairwise(bounds):
        month: IndexTally[str] = IndexTally(datetime(1970, 1, 1, tzinfo=UTC))
        for summary in found[start:end]:
            month.add(record_of(summary), summary.path)
        partials.append(json.loads(json.dumps(month.partial())))
    expected = compute_stats(once(found), once(items), now=NOW)
    assert compute_stats_of_partials([stats for stats, _ in partials], once(items), now=NOW) == expected
    merged: IndexTally[str] = IndexTally(NOW)
    for stats, page in partials:
        merged.merge(stats, page)
    by_path = {summary.path: summary for summary in found}
    shown = merged.render(once(items), lambda paths: [by_path[path] for path in paths])
    assert shown == render_index(once(found), once(items), now=NOW)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "repo"
    script = Path(__file__).parents[2] / "benchmarks" / "generate.py"
    command = [sys.executable, str(script), "bulk", "--out", str(root), "--incidents", "240"]
    subprocess.run(
        [*command, "--months", "8", "--end", "2026-03-31T12:00:00Z"],
        check=True,
        capture_output=True,
    )
    return root


CASES = [
    [],
    ["--since", "2025-10-01"],
    ["--until", "2026-01-15"],
    ["--since", "2025-11-01", "--until", "2026-02-28"],
    ["--service", "SERVICE"],
    ["--severity", "SEV-2"],
    ["--service", "SERVICE", "--severity", "SEV-1", "--since", "2025-09-01"],
]


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
@pytest.mark.parametrize("args", CASES)
def test_stats_on_a_generated_repository_prints_what_the_list_based_stats_printed(
    generated: Path, args: list[str], fmt: str
) -> None:
    summaries = load_summaries(generated, warn=False)
    service = next(s.service for s in summaries if s.service)
    args = [service if a == "SERVICE" else a for a in args]
    chosen: dict[str, Any] = {}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        key = flag.removeprefix("--")
        chosen[key] = date.fromisoformat(value) if key in ("since", "until") else value
    expected = reference_stats(
        summaries, every_action_item(generated), now=datetime.fromisoformat(PINNED_NOW), **chosen
    )
    assert expected.total > 0 and expected.action_items.total > 0  # the case is not vacuous
    render = {"text": render_text, "json": render_json, "markdown": render_markdown}[fmt]
    text = render(expected)
    result = run_cli(["stats", "--repo", str(generated), "--format", fmt, *args])
    assert result.code == 0, result.stderr
    assert result.stdout == (text if text.endswith("\n") else text + "\n")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(incidents(), max_size=40),
    st.lists(action_items, max_size=15),
    st.sampled_from([0, 1, 3, 20]),
)
def test_the_streaming_index_equals_the_sorted_one(
    found: list[IncidentSummary], items: list[ActionItem], limit: int
) -> None:
    expected = reference_index(found, items, now=NOW, history_limit=limit)
    assert render_index(once(found), once(items), now=NOW, history_limit=limit) == expected


def test_the_streaming_index_keeps_the_newest_history_of_many() -> None:
    # more than the bounded list holds, in an order where the newest come first and last
    found = [
        incident(f"inc-20260101-{k:04d}", declared_at=f"2026-01-{1 + k % 28:02d} {k % 24:02d}:00")
        for k in range(500)
    ]
    found = found[250:] + found[:250]
    expected = reference_index(found, [], now=NOW, history_limit=5)
    assert render_index(once(found), once([]), now=NOW, history_limit=5) == expected
    assert "The 5 most recently declared of 500 incidents" in expected


@pytest.mark.parametrize("limit", [20, 3])
def test_index_on_a_generated_repository_is_what_the_sorted_index_was(generated: Path, limit: int) -> None:
    summaries = load_summaries(generated, warn=False)
    now = datetime.fromisoformat(PINNED_NOW)
    items = every_action_item(generated)
    expected = reference_index(summaries, items, now=now, history_limit=limit)
    streamed = render_index(once(summaries), once(items), now=now, history_limit=limit)
    assert streamed == expected
    if limit == 20:  # what `incident index` writes: from the report records, cold then warm
        for cache in (generated / ".git" / "incident-kit").glob("report-records.*"):
            shutil.rmtree(cache)
        assert render_current(generated, now) == expected
        assert render_current(generated, now) == expected
