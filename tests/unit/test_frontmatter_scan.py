"""The whole-frontmatter scanner reads exactly what ruamel's safe loader reads, or declines."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_kit.errors import FileFormatError
from incident_kit.markdown import frontmatter
from incident_kit.markdown.frontmatter_scan import load

KEYS = st.sampled_from(
    [
        "id",
        "title",
        "status",
        "alert",
        "value",
        "a-b",
        "_x",
        "null",
        "true",
        "y",
        "on",
        "Null",
        "k1",
        "1",
        "<<",
    ]
)
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs", "Cc", "Zl", "Zp", "Cf"]),
    max_size=20,
)
SCALARS = st.sampled_from(
    [
        "",
        "null",
        "~",
        "Null",
        "NULL",
        "nUll",
        "true",
        "False",
        "yes",
        "on",
        "=",
        "<<",
        "0",
        "-0",
        "00",
        "007",
        "12",
        "-12",
        "+12",
        "1_000",
        "0x1F",
        "0o17",
        "0b11",
        "1.5",
        "-1.50",
        "1.",
        ".5",
        "1e3",
        "1.5e3",
        ".inf",
        "-.inf",
        ".nan",
        "2026-11-26T15:30:00Z",
        "2026-11-26t15:30:00Z",
        "2026-11-26 15:30:00",
        "2026-11-26T15:30:00",
        "2026-11-26T15:30:00.5Z",
        "2026-11-26T15:30:00+01:00",
        "2026-1-2T15:30:00Z",
        "2026-11-31T15:30:00Z",
        "2026-11-26",
        "2026-1-2",
        "2026-02-30",
        "٢٠٢٦-١١-٢٦",
        "SEV-1",
        "-5abc",
        "-",
        "- a",
        "--x",
        "C#",
        "a # b",
        "a#b",
        "a: b",
        "a:b",
        "a:",
        "x ",
        "{}",
        "[]",
        "{ }",
        "[a, b]",
        "{a: 1}",
        "{}x",
        "'q'",
        "'it''s'",
        "'a'#c",
        "'a' # c",
        "'a' x",
        "'open",
        '"d"',
        '"d" # c',
        '"a\\nb"',
        '"open',
        "|",
        ">-",
        "&a x",
        "*a",
        "!!str x",
        "!x",
        "%x",
        "@x",
        "`x",
        "?x",
        "? x",
        ",x",
        "\u00a0x",
        "x\u00a0",
        "x\u2028y",
        "x\x85y",
        "x\ty",
        "x\ry",
        "x\ufeffy",
        "x\x07y",
        "R&D",
        "a *b",
        "R &a",
        "ümlaut: x",
        "ümlaut",
        "#",
        "# only a comment",
    ]
)
VALUES = st.one_of(
    SCALARS,
    TEXT,
    TEXT.map(lambda t: "'" + t.replace("'", "''") + "'"),
    TEXT.map(lambda t: f'"{t}"'),
    st.tuples(SCALARS, st.sampled_from(["", " # c", "  #c", "#c", " "])).map("".join),
)
INDENTS = st.sampled_from(["", "", "", " ", "  ", "  ", "    ", "  - ", "- ", "    - ", "  -  ", "  -"])
LINE = st.one_of(
    st.tuples(INDENTS, KEYS, st.sampled_from([":", ": ", ":  ", " :", ":"]), VALUES).map("".join),
    st.tuples(INDENTS, st.sampled_from(["# c", "", " ", "- a", "-", "---", "...", "? a", "%YAML 1.2"])).map(
        "".join
    ),
    TEXT,
)


def _typed(value: Any) -> Any:
    """The value with every type spelled out (True is not 1, a date not a datetime)."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    if isinstance(value, (datetime, date)):
        return (type(value).__name__, repr(value))
    return (type(value).__name__, value)


def _yaml(text: str) -> Any:
    try:
        return frontmatter.load(text, "x.md")
    except FileFormatError:
        return FileFormatError


def _check(text: str) -> bool:
    scanned = load(text)
    if scanned is None:
        return False
    expected = _yaml(text)
    assert expected is not FileFormatError, f"YAML refuses what the scanner read as {scanned!r}"
    assert _typed(scanned) == _typed(expected)
    return True


@settings(max_examples=600, deadline=None, derandomize=True)
@given(st.lists(LINE, max_size=8))
def test_the_scan_reads_what_yaml_reads_or_declines(lines: list[str]) -> None:
    _check("".join(line + "\n" for line in lines))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    st.lists(st.tuples(KEYS, VALUES), min_size=1, max_size=5),
    INDENTS,
    st.lists(st.tuples(KEYS, VALUES), max_size=4),
)
def test_blocks_are_read_as_yaml_reads_them_or_declined(
    top: list[tuple[str, str]], indent: str, children: list[tuple[str, str]]
) -> None:
    lines = [f"{key}: {value}" for key, value in top]
    lines.append("block:")
    lines += [f"{indent}{key}: {value}" for key, value in children]
    lines.append("after: 1")
    _check("".join(line + "\n" for line in lines))


def test_the_property_tests_see_the_scanner_accept_most_forms() -> None:
    """The tests above would pass with a scanner that declines everything: this one cannot."""
    accepted = [
        "id: inc-20261126-ab12\n",
        "count: -12\nratio: 1.50\nzero: 0\n",
        "at: 2026-11-26T15:30:00Z  # a comment\nday: 2026-11-26\nnothing: ~\n",
        "t: 'it''s'\nd: \"x # y\"\nflag: True\n",
        "roles: {}\nlinks: []\nempty:\n# a comment\n",
        'alert:\n  dedup_key: "native:x"\n  value: 7416\n  status: firing\nnext: C#\n',
        'links:\n  - title: Dashboard\n    url: "https://x.example/d"\n  # c\n  - url: y\nafter: 1\n',
        "",
        "# only a comment\n",
    ]
    for text in accepted:
        assert _check(text), text


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",
        "alert:\n  x: 1\n  x: 2\n",
        "alert:\n  x:\n    y: 1\n",
        "alert:\n  x: 1\n    y: 1\n",
        "links:\n- url: x\n",
        "links:\n  - url: x\n    - y: 1\n",
        "links:\n  - url: x\n  y: 1\n",
        "links:\n  - x\n",
        "links:\n  -\n",
        "title: a\n  continued\n",
        "title: |\n  text\n",
        "null: x\n",
        "a: 0x1F\n",
        "a: 2026-11-31T00:00:00Z\n",
        "a: 1e3\n",
        "a: &x 1\n",
        "a: 'open\n  close'\n",
        'a: "x\\n"\n',
        "a: x\x85y\n",
        "a: x\u2028y\n",
        "a:\tx\n",
        "a: 2026-11-26T15:30:00+01:00\n",
    ],
)
def test_forms_not_modelled_are_declined(text: str) -> None:
    assert load(text) is None


def test_every_file_the_tool_writes_is_scanned(tmp_path: Path) -> None:
    """A generated repository's frontmatters (what `declare` and every transition write) are
    read by the scanner, not by YAML, and the same way YAML reads them."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "repo"
    subprocess.run(
        [
            sys.executable,
            str(root / "benchmarks/generate.py"),
            "bulk",
            "--out",
            str(out),
            "--incidents",
            "60",
        ],
        check=True,
        capture_output=True,
    )
    files = sorted(out.glob("incidents/*/*/incident.md"))
    assert len(files) == 60
    for path in files:
        text = frontmatter.split(path.read_text("utf-8"), str(path)).frontmatter
        assert _check(text), path


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    st.lists(
        st.lists(
            st.tuples(st.sampled_from(["  ", "    ", "   ", "  - ", "    - ", "-   "]), KEYS, VALUES),
            max_size=3,
        ),
        max_size=3,
    )
)
def test_lists_of_mappings_are_read_as_yaml_reads_them_or_declined(
    items: list[list[tuple[str, str, str]]],
) -> None:
    lines = ["id: x", "links:"]
    for item in items:
        lines += [f"{prefix}{key}: {value}" for prefix, key, value in item]
    lines.append("after: 1")
    _check("".join(line + "\n" for line in lines))
