"""Every parser of text a pull request can edit runs in linear time, and the linear rewrites
read exactly what the patterns they replaced read.

The work bound does not depend on the machine: each parser is fed each pathological run (long
runs of spaces, `#`, `<!--`, `-`, `[`, backticks, and the separators parsers look for) at two
sizes ten times apart, and the cost *per character* is compared within one run. Linear code
costs the same per character at both sizes (a ratio near 1; fixed per-call costs even push it
below), quadratic code ten times as much. Each size is timed over enough calls to last ~5 ms,
the garbage collector is off while timing, the fastest of three tries counts, and the bound
(`MAX_GROWTH`) leaves a wide margin for a loaded machine; a run over the bound is measured
again (`RECHECKS`), since a load spike passes and a quadratic parser is slow every time.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_kit import action_items, postmortem, safe_yaml, sanitize, timeline, validation
from incident_kit.config.reader import parse as parse_config
from incident_kit.errors import IncidentKitError
from incident_kit.markdown import field_match, field_scan, frontmatter, sections, tables
from incident_kit.model import ActionItem
from incident_kit.notify.channel_names import channel_name
from incident_kit.sync import wording

SMALL = 2_000  # characters of run; the large size is ten times this
MAX_GROWTH = 4.0  # per-character cost, large over small: ~1 when linear, ~10 when quadratic
SAMPLE_SECONDS = 0.005
TRIES = 3
RECHECKS = 2  # a run over the bound is measured again, up to this many times; the calmest counts

RUNS = {
    "spaces": " ",
    "hashes": "#",
    "comment openers": "<!--",
    "dashes": "-",
    "brackets": "[",
    "backticks": "`",
    "spaced em dashes": " —",
    "spaced double dashes": " --",
    "stars": "*",
    "braces": "{",
    "ampersands": " &",
    "colons": ":",
}

INCIDENT_HEAD = "---\nid: inc-20261126-k3f7\ntitle: T\nstatus: triage\nseverity: SEV-3\n---\n\n## Summary\n\n"
AT = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)


def _item(line: int) -> ActionItem:
    return ActionItem("inc-1", "AI-1", "x", None, None, None, False, None, line)


def _quietly(parse: Callable[[str], object]) -> Callable[[str], object]:
    """Refusing the input (an error naming the line) is as good an answer as parsing it."""

    def run(text: str) -> object:
        try:
            return parse(text)
        except IncidentKitError as error:
            return error

    return run


# name -> (the parser, how a run of text reaches it). `run` is the run at its full length.
PARSERS: dict[str, tuple[Callable[[str], object], Callable[[str], str]]] = {
    "action_items.parse": (
        lambda text: action_items.parse("inc-1", text, "pm.md"),
        lambda run: (
            f"## Action items\n\n- [ ] AI-1: x{run} y — owner: @alice — due: 2026-12-10 — type: prevent\n"
        ),
    ),
    "action_items.parse (the run on its own lines)": (
        lambda text: action_items.parse("inc-1", text, "pm.md"),
        lambda run: "## Action items\n\n" + (run[:40] + "\n") * (len(run) // 40),
    ),
    "action_items.set_issue": (
        lambda text: action_items.set_issue(text, _item(1), "#12"),
        lambda run: f"- [ ] AI-1: x — owner: @alice{run} — issue: #1{run}",
    ),
    "sections.find_section (a heading)": (
        _quietly(lambda text: sections.find_section(text.split("\n"), "Timeline", "f.md")),
        lambda run: f"## Summary\n\n# {run}x\n\n## Timeline\n",
    ),
    "sections.append_to_section": (
        _quietly(lambda text: sections.append_to_section(text, "Timeline", "- new", "f.md")),
        lambda run: f"## Timeline\n\n- {run}\n{run}\n\n## Links\n",
    ),
    "timeline.entries": (
        _quietly(lambda text: timeline.entries(text, "f.md")),
        lambda run: f"## Timeline\n\n- 2026-11-26T15:00:00Z {run} — bob\n- {run}\n",
    ),
    "timeline.add_entry (note)": (
        _quietly(lambda text: timeline.add_entry(text, AT, "looked", "bob", "f.md")),
        lambda run: f"## Timeline\n\n- 2026-11-26T15:00:00Z — {run} — bob\n## {run}\n",
    ),
    "postmortem.missing_sections": (
        _quietly(
            lambda text: postmortem.missing_sections(text, ["Impact", "Timeline", "Root cause"], "pm.md")
        ),
        lambda run: f"## Impact\n\n{run}\n\n## Timeline\n\n```mermaid{run}\n\n## Root cause\n\n# {run}\n",
    ),
    "postmortem.unwritten_sections (placeholders)": (
        _quietly(lambda text: postmortem.unwritten_sections(text, ["Impact", "Summary"], "pm.md")),
        lambda run: f"## Impact\n\n- {run}\n**{run}**\n\n## Summary\n\nTODO: {run}\n",
    ),
    "sync wording: the Summary an announcement quotes": (
        lambda text: wording._summary(text, "f.md"),
        lambda run: f"## Summary\n\n<!-- a -->{run}<!--{run}\\{run}\n",
    ),
    "postmortem.without_spans": (
        lambda text: postmortem.without_spans(text, "<!--", "-->"),
        lambda run: f"<!-- a -->{run}<!--{run}",
    ),
    "validation.check_incident (the run on its own lines)": (
        lambda text: validation.check_incident("f.md", "inc-20261126-k3f7-t", text),
        lambda run: INCIDENT_HEAD + (run[:80] + "\n") * (len(run) // 80) + "\n## Timeline\n\n",
    ),
    "validation.check_postmortem (the run on its own lines)": (
        lambda text: validation.check_postmortem("pm.md", "inc-1", text, "closed", ("Impact", "Root cause")),
        lambda run: "## Impact\n\n" + (run[:80] + "\n") * (len(run) // 80) + "## Action items\n\n",
    ),
    "validation.long_lines": (
        lambda text: validation.long_lines("f.md", text),
        lambda run: "x" * validation.MAX_LINE + "\n" + (run + "\n") * 3,  # past its shortcut, both sizes
    ),
    "validation.conflict_markers": (
        lambda text: validation.conflict_markers("f.md", text),
        lambda run: f"<<<<<<< {run}\n=======\n{run}\n",
    ),
    "frontmatter.split": (
        _quietly(lambda text: frontmatter.split(text, "f.md")),
        lambda run: f"---\ntitle: {run}\n{run}\n---\n{run}\n",
    ),
    "frontmatter.load (YAML)": (
        _quietly(lambda text: frontmatter.load(text, "f.md")),
        lambda run: f"title: {run}\nsummary: x{run}y\n",
    ),
    "frontmatter.set_value": (
        _quietly(lambda text: frontmatter.set_value(text, ["status"], "investigating")),
        lambda run: f"title: a{run}\nstatus: triage # {run}\n",
    ),
    "frontmatter.key_line": (
        lambda text: frontmatter.key_line(text, "status"),
        lambda run: f"title: {run}\n{run}: x\nstatus: triage\n",
    ),
    "field_scan.scan": (
        field_scan.scan,
        lambda run: f"title: a{run}b\nstatus: {run}\nalert:\n  dedup_key: {run}\n",
    ),
    "field_match.summary_fields": (
        field_match.summary_fields,
        lambda run: (
            f"title: a{run}b\nstatus: {run}\nroles:\n  x: {run}\n"
            f"slack:\n  channel_name: {run}\n  told:\n    - {run}\n"
        ),
    ),
    "safe_yaml.problem": (
        safe_yaml.problem,
        lambda run: f"title: R & D {run}\nnote: x{run}\n",  # `&` after a blank: scanned at both sizes
    ),
    "config parse (YAML)": (
        _quietly(parse_config),
        lambda run: f"severities:\n  SEV-1:\n    description: x{run}y\nslack:\n  invite: [{run}]\n",
    ),
    "sanitize.human_text": (
        lambda text: sanitize.human_text(text, len(text)),
        lambda run: run,
    ),
    "tables.cell": (tables.cell, lambda run: run),
    "channel_name (a title)": (
        lambda text: channel_name(
            "inc-{date}-{slug}",
            incident_id="inc-1",
            title=text,
            service=None,
            severity="SEV-1",
            declared_at=AT,
        ),
        lambda run: run,
    ),
}


def _seconds(parse: Callable[[str], object], text: str, calls: int) -> float:
    best = float("inf")
    for _ in range(TRIES):
        started = time.perf_counter()
        for _ in range(calls):
            parse(text)
        best = min(best, time.perf_counter() - started)
    return best


def growth(parse: Callable[[str], object], make: Callable[[str], str], unit: str, size: int = SMALL) -> float:
    """Per-character cost at ten times `size` over the cost at `size` (one process, one run)."""
    small = make(unit * (size // len(unit)))
    large = make(unit * (10 * size // len(unit)))
    gc.disable()
    try:
        once = _seconds(parse, small, 1)
        calls = max(1, int(SAMPLE_SECONDS / max(once, 1e-7)))
        per_small = _seconds(parse, small, calls) / (calls * len(small))
        large_calls = max(1, calls // 10)
        per_large = _seconds(parse, large, large_calls) / (large_calls * len(large))
    finally:
        gc.enable()
    return per_large / per_small


@pytest.mark.reliability  # timing: run by scripts/check, left out of the local default
@pytest.mark.parametrize("name", list(PARSERS))
def test_every_parser_of_pull_request_text_runs_in_linear_time(name: str) -> None:
    parse, make = PARSERS[name]
    slow = {}
    for run_name, unit in RUNS.items():
        ratio = growth(parse, make, unit)
        for _ in range(RECHECKS):  # a load spike passes; a quadratic parser is slow every time
            if ratio <= MAX_GROWTH:
                break
            ratio = min(ratio, growth(parse, make, unit))
        print(f"{name}: {run_name}: x{ratio:.2f}")  # shown with -s, or when the test fails
        if ratio > MAX_GROWTH:
            slow[run_name] = round(ratio, 1)
    assert not slow, f"{name}: per-character cost grows with the size (x10 size) for runs of {slow}"


@pytest.mark.reliability
def test_the_measure_tells_a_quadratic_pattern_from_a_linear_one() -> None:
    """The yardstick itself: the pattern the action-item parser used to split fields on."""
    old_separator = re.compile(r"[ \t]+[—–][ \t]+|[ \t]+--[ \t]+")
    # A loaded machine (CI beside other jobs) blurs one measurement either way: the quadratic
    # signature is the clearest of three, the linear one the calmest of three.
    quadratic = max(growth(old_separator.split, lambda run: f"x{run}y", " ", size=500) for _ in range(3))
    linear = min(growth(action_items.split_fields, lambda run: f"x{run}y", " ", size=500) for _ in range(3))
    assert quadratic > MAX_GROWTH * 1.5
    assert linear < MAX_GROWTH


# --- the rewrites read what the old patterns read ---------------------------------------------------

_OLD_SEPARATOR = re.compile(r"[ \t]+[—–][ \t]+|[ \t]+--[ \t]+")
_OLD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_OLD_ISSUE = re.compile(r"([—–]|--)[ \t]*issue:[^—–]*$")
_LINE_PIECES = st.lists(
    st.sampled_from([" ", "\t", "—", "–", "-", "--", "a", "b", "issue:", "#", "x y"]), max_size=14
)


@settings(max_examples=200, deadline=None)
@given(_LINE_PIECES)
def test_fields_split_exactly_where_the_old_pattern_split_them(pieces: list[str]) -> None:
    content = "".join(pieces)
    assert action_items.split_fields(content) == _OLD_SEPARATOR.split(content.strip())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["#", "##", " ", "\t", "a", "b c", "# "]), max_size=12))
def test_headings_are_read_exactly_as_the_old_pattern_read_them(pieces: list[str]) -> None:
    line = "".join(pieces)
    old = _OLD_HEADING.match(line)
    expected = [(0, len(old.group(1)), old.group(2).strip())] if old else []
    assert sections.headings([line]) == expected


@settings(max_examples=200, deadline=None)
@given(_LINE_PIECES)
def test_an_issue_reference_is_set_exactly_as_the_old_pattern_set_it(pieces: list[str]) -> None:
    line = "- [ ] AI-1: x" + "".join(pieces)
    if "— issue:" in line or "-- issue:" in line:
        expected = _OLD_ISSUE.sub("— issue: #9", line)
    else:
        expected = line.rstrip() + " — issue: #9"
    assert action_items.set_issue(line, _item(1), "#9") == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["<!--", "-->", "<!-->", "-", "->", "a", "\n", "```mermaid", "```"]), max_size=12
    )
)
def test_comments_are_removed_exactly_as_the_old_pattern_removed_them(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert postmortem.without_spans(text, "<!--", "-->") == re.sub(r"<!--.*?-->", "", text, flags=re.S)
    assert postmortem.without_spans(text, "```mermaid", "```") == re.sub(
        r"```mermaid.*?```", "", text, flags=re.S
    )

    def blank(match: re.Match[str]) -> str:
        return "\n" * match.group(0).count("\n")

    kept = postmortem.without_spans(text, "<!--", "-->", keep_lines=True)
    assert kept == re.sub(r"<!--.*?-->", blank, text, flags=re.S)
