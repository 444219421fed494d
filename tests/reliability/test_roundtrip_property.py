"""Round trip as a property: a tool write changes exactly the lines it means to, in any file.

Hypothesis writes `incident.md` files the way people do — keys in any order, unknown keys (some
nested, some block scalars, some with the tool's key names one level down), plain, single- and
double-quoted values, trailing comments with any spacing, blank and comment lines between keys,
unicode everywhere, LF or CRLF, with or without a BOM or a final newline — and bodies with
custom sections, fenced code that looks like a timeline, hand-written entries in any order.
Then one command runs (`note`, `severity`, `ack`, `assign --commander`) and the file must differ
from the original by exactly:

- the value of each key the command sets, on that key's own line: same key text, same comment
  and spacing after the value, same quoting style;
- one timeline line, inserted inside `## Timeline` at its chronological place;

and nothing else — every other byte, the BOM and the line endings included. Deterministic in
CI (`derandomize=True`); `RELIABILITY_EXAMPLES` raises the example count for a longer hunt.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.cli import PINNED_NOW, run_cli
from support.processes import env_int
from support.repos import git

from incident_kit.ids import ALPHABET
from incident_kit.markdown import frontmatter

pytestmark = pytest.mark.reliability

NOW = PINNED_NOW.replace("+00:00", "Z")
ENTRY = re.compile(r"^- " + re.escape(NOW) + r" — (.+) — alice$")
TS = re.compile(r"^[-*+][ \t]+(?:\*\*)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)")

# what each command sets: key -> the new value's text (unquoted)
SETS = {
    "note": {},
    "severity": {"severity": "SEV-1"},
    "ack": {"status": "investigating", "acknowledged_at": NOW},
    "assign": {"commander": "bob"},
}

# -- values ----------------------------------------------------------------------------------------

words = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzéüñøß日本語中文ДжΩ€😀🔥 "), min_size=1, max_size=24
).map(lambda s: " ".join(s.split()) or "x")
comment_text = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz #:-'\"éü日本😀|"), max_size=30
).map(lambda s: s.replace("\n", " "))


def quoted(text: str, style: str) -> str:
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "double":
        out = text.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + out + '"'
    return text


@st.composite
def trailing_comment(draw: st.DrawFn) -> str:
    if not draw(st.booleans()):
        return ""
    return " " * draw(st.integers(1, 4)) + "#" + draw(comment_text)


@dataclass(frozen=True)
class KeyLine:
    key: str
    lines: list[str]  # the key's line(s) as written


@st.composite
def scalar_line(draw: st.DrawFn, key: str, text: str, styles: tuple[str, ...]) -> KeyLine:
    style = draw(st.sampled_from(styles))
    space = draw(st.sampled_from([" ", " ", "  ", "   "]))
    before_colon = draw(st.sampled_from(["", "", "", " "]))
    return KeyLine(key, [f"{key}{before_colon}:{space}{quoted(text, style)}{draw(trailing_comment())}"])


@st.composite
def null_line(draw: st.DrawFn, key: str) -> KeyLine:
    value = draw(st.sampled_from(["null", "~", "", "Null", "NULL"]))
    comment = draw(trailing_comment())
    if value == "":
        return KeyLine(key, [f"{key}:{comment}"])
    return KeyLine(key, [f"{key}: {value}{comment}"])


@st.composite
def timestamp_line(draw: st.DrawFn, key: str) -> KeyLine:
    stamp = draw(st.sampled_from(["2026-11-20T10:00:00Z", "2026-11-20T09:58:00Z"]))
    return draw(scalar_line(key, stamp, ("plain", "plain", "single", "double")))


@st.composite
def unknown_key(draw: st.DrawFn, key: str) -> KeyLine:
    kind = draw(st.sampled_from(["scalar", "number", "flow", "nested", "block-list", "block-scalar"]))
    comment = draw(trailing_comment())
    if kind == "scalar":
        return draw(scalar_line(key, "keep " + draw(words), ("plain", "single", "double")))
    if kind == "number":
        return KeyLine(key, [f"{key}: {draw(st.integers(-1000, 10**6))}{comment}"])
    if kind == "flow":
        items = draw(st.lists(st.sampled_from(["a", "b", "'c d'", '"é"', "42"]), max_size=3))
        return KeyLine(key, [f"{key}: [{', '.join(items)}]{comment}"])
    if kind == "nested":
        # children named like the tool's keys: only the top-level ones may ever change
        children = draw(
            st.lists(
                st.sampled_from(["status", "severity", "owner", "commander", "note"]), min_size=1, unique=True
            )
        )
        lines = [f"{key}:{comment}"]
        for child in children:
            lines.append(
                f"  {child}: {quoted('nested ' + draw(words), draw(st.sampled_from(['plain', 'single'])))}"
            )
            if draw(st.booleans()):
                lines.append("  # a comment inside the mapping")
        return KeyLine(key, lines)
    if kind == "block-list":
        return KeyLine(
            key, [f"{key}:{comment}", *[f"  - {draw(words)}" for _ in range(draw(st.integers(1, 3)))]]
        )
    return KeyLine(key, [f"{key}: |", *[f"  {draw(words)}" for _ in range(draw(st.integers(1, 3)))]])


UNKNOWN = ["team", "customer_impact", "x-ticket", "runbook", "clé", "priorité", "region", "on_call_notes"]


@st.composite
def frontmatter_lines(draw: st.DrawFn, incident_id: str) -> list[str]:
    commander = draw(st.sampled_from(["alice", "carol", "dave"]))
    entries = [
        KeyLine("id", [f"id: {incident_id}"]),
        draw(scalar_line("title", "Outage " + draw(words), ("plain", "single", "double"))),
        draw(scalar_line("status", "triage", ("plain", "single", "double"))),
        draw(
            scalar_line(
                "severity", draw(st.sampled_from(["SEV-2", "SEV-3", "SEV-4"])), ("plain", "single", "double")
            )
        ),
        draw(scalar_line("kind", "incident", ("plain", "single", "double"))),
        draw(scalar_line("commander", commander, ("plain", "single", "double"))),
        draw(timestamp_line("declared_at")),
        draw(timestamp_line("detected_at")),
        *[draw(null_line(key)) for key in ("acknowledged_at", "mitigated_at", "resolved_at", "closed_at")],
    ]
    if draw(st.booleans()):
        entries.append(draw(scalar_line("service", "payments", ("plain", "single", "double"))))
    if draw(st.booleans()):
        entries.append(
            KeyLine("roles", ["roles: {}"] if draw(st.booleans()) else ["roles:", "  scribe: erin"])
        )
    for key in draw(st.lists(st.sampled_from(UNKNOWN), max_size=4, unique=True)):
        entries.append(draw(unknown_key(key)))
    entries = draw(st.permutations(entries))
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# a comment before everything: " + draw(comment_text))
    for entry in entries:
        extra = draw(st.sampled_from(["", "", "", "blank", "comment"]))
        if extra == "blank":
            lines.append("")
        elif extra == "comment":
            lines.append("#" + draw(comment_text))
        lines.extend(entry.lines)
    return lines


# -- bodies ----------------------------------------------------------------------------------------

STAMPS = ["2026-11-20T10:00:00Z", "2026-11-20T10:05:00Z", "2026-11-25T08:00:00Z", "2026-11-26T14:59:00Z"]
LATER = "2026-11-26T16:00:00Z"  # a hand-written entry after "now": the new one goes before it


@st.composite
def timeline_entry(draw: st.DrawFn) -> str:
    stamp = draw(st.sampled_from([*STAMPS, LATER]))
    shape = draw(st.sampled_from(["tool", "tool", "star", "bold", "no-who"]))
    what = draw(words)
    if shape == "star":
        return f"* {stamp} — {what} — bob"
    if shape == "bold":
        return f"- **{stamp}** — {what} — bob"
    if shape == "no-who":
        return f"- {stamp} — {what}"
    return f"- {stamp} — {what} — bob"


@st.composite
def body_lines(draw: st.DrawFn) -> list[str]:
    summary = ["## Summary", "", draw(words)]
    if draw(st.booleans()):
        summary += ["", "```", "## Timeline", f"- {STAMPS[0]} — not an entry, inside a fence — x", "```"]
    timeline = ["## Timeline", ""]
    timeline += [draw(timeline_entry()) for _ in range(draw(st.integers(0, 4)))]
    if draw(st.booleans()):
        timeline += ["", "### Night shift", "", draw(timeline_entry())]
    links = ["## Links", ""]
    links += [f"- [{draw(words)}](https://example.com/{n})" for n in range(draw(st.integers(0, 2)))]
    custom = ["## Customer impact", "", f"- {draw(words)}", f"- {draw(words)}"]
    sections = [summary, timeline, links]
    if draw(st.booleans()):
        sections.insert(draw(st.integers(1, 3)), custom)
    out = [""]
    for section in sections:
        out += [*section, ""]
    if not draw(st.booleans()):
        out.pop()  # the last section ends the file without a blank line
    return out


@dataclass(frozen=True)
class Example:
    command: str
    fm: list[str]
    body: list[str]
    crlf: bool
    bom: bool
    final_newline: bool
    note: str

    def text(self) -> str:
        lines = ["---", *self.fm, "---", *self.body]
        text = "\n".join(lines) + ("\n" if self.final_newline else "")
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return ("\ufeff" if self.bom else "") + text


_ids = itertools.count(1)


def next_id() -> str:
    n = next(_ids)
    return "inc-20261120-" + "".join(ALPHABET[(n // 32**i) % 32] for i in (3, 2, 1, 0))


@st.composite
def examples(draw: st.DrawFn) -> tuple[str, Example]:
    incident_id = next_id()
    return incident_id, Example(
        command=draw(st.sampled_from(list(SETS))),
        fm=draw(frontmatter_lines(incident_id)),
        body=draw(body_lines()),
        crlf=draw(st.booleans()),
        bom=draw(st.integers(0, 4)) == 0,
        final_newline=draw(st.integers(0, 4)) != 0,
        note="finding " + draw(words),
    )


# -- the property ----------------------------------------------------------------------------------


def _value_span(line: str) -> tuple[str, str, str]:
    """(prefix through the colon and spacing, value text, suffix from the comment's spacing)."""
    colon = line.index(":")
    rest = line[colon + 1 :]
    value = rest.lstrip(" \t")
    prefix = line[: colon + 1 + len(rest) - len(value)]
    if value.startswith(("'", '"')):
        quote = value[0]
        end = 1
        while end < len(value):
            if value[end] == "\\" and quote == '"':
                end += 2
                continue
            if value[end] == quote:
                if quote == "'" and value[end + 1 : end + 2] == "'":
                    end += 2
                    continue
                break
            end += 1
        return prefix, value[: end + 1], value[end + 1 :]
    match = re.search(r"[ \t]+#", value) if not value.startswith("#") else re.match(r"", value)
    cut = match.start() if match else len(value)
    stripped = value[:cut].rstrip(" \t")
    return prefix, stripped, value[len(stripped) :]


def _unquote(text: str) -> tuple[str, str]:
    if text.startswith("'"):
        return "single", text[1:-1].replace("''", "'")
    if text.startswith('"'):
        return "double", text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return "plain", text


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _section(lines: list[str], title: str) -> tuple[int, int]:
    """(heading index, end index) of a `## title` section outside fences, in body lines."""
    in_fence, start = False, None
    for index, line in enumerate(lines):
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or not re.match(r"^#{1,2} ", line):
            continue
        if start is not None:
            return start, index
        if line == f"## {title}":
            start = index
    assert start is not None
    return start, len(lines)


def check_round_trip(example: Example, before: bytes, after: bytes) -> list[str]:
    problems = []
    if example.bom != after.startswith("\ufeff".encode()):
        problems.append("the BOM was not kept as it was")
    if example.crlf and after.count(b"\r\n") != after.count(b"\n"):
        problems.append("a CRLF file got LF lines")
    if not example.crlf and b"\r" in after:
        problems.append("an LF file got CR characters")
    old = before.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    new = after.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    close = old.index("---", 1)
    if new.index("---", 1) != close:
        return [*problems, "the frontmatter gained or lost lines"]
    wanted = SETS[example.command]

    # frontmatter: only the set keys' own lines, and only their values
    for index in range(1, close):
        line = old[index]
        key = re.match(r"^([^\s:#][^:]*?)[ \t]*:", line)
        if key and key.group(1) in wanted:
            o_prefix, o_value, o_suffix = _value_span(line)
            n_prefix, n_value, n_suffix = _value_span(new[index])
            o_style, _ = _unquote(o_value)
            n_style, n_text = _unquote(n_value)
            if n_text != wanted[key.group(1)]:
                problems.append(f"{key.group(1)}: value {n_value!r}, expected {wanted[key.group(1)]!r}")
            if n_prefix.rstrip() != o_prefix.rstrip():
                problems.append(f"{key.group(1)}: key text changed: {line!r} -> {new[index]!r}")
            if n_suffix.strip() != o_suffix.strip() or (o_value and n_suffix != o_suffix):
                problems.append(f"{key.group(1)}: comment or spacing changed: {line!r} -> {new[index]!r}")
            if o_style != "plain" and n_style != o_style:
                problems.append(f"{key.group(1)}: quoting style changed: {line!r} -> {new[index]!r}")
        elif new[index] != line:
            problems.append(f"line {index + 1} changed: {line!r} -> {new[index]!r}")
    old_data = frontmatter.load("\n".join(old[1:close]) + "\n", "before")
    new_data = frontmatter.load("\n".join(new[1:close]) + "\n", "after")
    expected = _normal(old_data) | {key: _normal(_as_value(text)) for key, text in wanted.items()}
    if _normal(new_data) != expected:
        problems.append(f"frontmatter data: {_normal(new_data)} != {expected}")

    # body: lines are only inserted: one timeline entry at its chronological place (plus blank
    # separators, but only when the section had no list item to follow)
    old_body, new_body = old[close + 1 :], new[close + 1 :]
    matcher = difflib.SequenceMatcher(None, old_body, new_body, autojunk=False)
    inserted: list[int] = []
    rewritten = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "insert":
            inserted += range(j1, j2)
        elif tag != "equal":
            rewritten.append(f"body lines {i1 + 1}..{i2} were {tag}d: {old_body[i1:i2]} -> {new_body[j1:j2]}")
    entries = [j for j in inserted if new_body[j].strip()]
    if rewritten or len(entries) != 1:
        return [*problems, *rewritten, f"inserted {[new_body[j] for j in inserted]}, expected one entry"]
    entry = entries[0]
    start, end = _section(old_body, "Timeline")
    had_items = any(re.match(r"^[-*+][ \t]", old_body[i]) for i in range(start + 1, end))
    if len(inserted) > 1 and had_items:
        problems.append(f"blank lines inserted around the entry: {[new_body[j] for j in inserted]}")
    match = ENTRY.match(new_body[entry])
    if not match:
        problems.append(f"inserted line is not a timeline entry: {new_body[entry]!r}")
    elif example.command == "note" and example.note.split()[-1] not in match.group(1):
        problems.append(f"the note text is missing: {new_body[entry]!r}")
    at = entry - sum(1 for j in inserted if j < entry)  # where it sits, in the old body's lines
    if not start < at <= end:
        problems.append(f"the entry landed outside ## Timeline (body line {at}, section {start}..{end})")
    later = [i for i in range(start + 1, end) if (m := TS.match(old_body[i])) and m.group(1) > NOW]
    if later and at != later[0]:
        # a later entry exists: the new one goes right before the first of them
        problems.append(f"entry at body line {at}, expected before the later entry at {later[0]}")
    return problems


def _as_value(text: str) -> Any:
    return datetime(2026, 11, 26, 15, 0, tzinfo=UTC) if text == NOW else text


def _unified(before: bytes, after: bytes) -> str:
    a = before.decode("utf-8").replace("\r\n", "\n").splitlines()
    b = after.decode("utf-8").replace("\r\n", "\n").splitlines()
    return "\n".join(difflib.unified_diff(a, b, "before", "after", lineterm=""))


@pytest.fixture
def shared_repo(repo: Path) -> Path:
    return repo


@settings(
    max_examples=env_int("RELIABILITY_EXAMPLES", 60),
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(examples())
def test_every_tool_write_changes_exactly_the_intended_lines(
    shared_repo: Path, drawn: tuple[str, Example]
) -> None:
    incident_id, example = drawn
    path = shared_repo / "incidents" / "2026-11" / f"{incident_id}-hand-written" / "incident.md"
    path.parent.mkdir(parents=True)
    before = example.text().encode("utf-8")
    path.write_bytes(before)
    git(shared_repo, "add", "--", str(path))
    git(shared_repo, "commit", "-qm", f"hand-written {incident_id}")

    args = {
        "note": ["note", incident_id, example.note],
        "severity": ["severity", incident_id, "SEV-1"],
        "ack": ["ack", incident_id],
        "assign": ["assign", incident_id, "--commander", "bob"],
    }[example.command]
    result = run_cli([*args, "--repo", str(shared_repo), "--by", "alice"])
    assert result.code == 0, f"{args}: {result.stderr}\n--- file:\n{example.text()}"
    after = path.read_bytes()
    problems = check_round_trip(example, before, after)
    assert not problems, "\n".join([f"incident {' '.join(args)}", *problems, _unified(before, after)])
