"""Frontmatter edits touch only the value text they change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incident_kit.errors import FileFormatError
from incident_kit.markdown import frontmatter as fm

T = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "value", "expected"),
    [
        ("status: triage   # why", "mitigated", "status: mitigated   # why"),
        ("severity: 'SEV-3'", "SEV-1", "severity: 'SEV-1'"),
        ('severity: "SEV-3"  # q', "SEV-1", 'severity: "SEV-1"  # q'),
        ("acknowledged_at: ~", T, "acknowledged_at: 2026-11-26T10:00:00Z"),
        ("acknowledged_at:", T, "acknowledged_at: 2026-11-26T10:00:00Z"),
        (
            "acknowledged_at:   # set by ack",
            T,
            "acknowledged_at: 2026-11-26T10:00:00Z   # set by ack",
        ),
        ("commander: alice", "yes", 'commander: "yes"'),
        ("commander: alice", "o'brien: #1", 'commander: "o\'brien: #1"'),
        ("title: 'It''s down'", "It's back", "title: 'It''s back'"),
        ("count: 1", 2, "count: 2"),
        ("resolved_at: 2026-01-01T00:00:00Z", None, "resolved_at: null"),
    ],
)
def test_scalar_replacement_keeps_the_rest_of_the_line(line: str, value: object, expected: str) -> None:
    text = f"# head\n{line}\nother: 1  # tail\n"
    key = line.split(":")[0]
    out = fm.set_value(text, [key], value)
    assert out == f"# head\n{expected}\nother: 1  # tail\n"
    assert fm.load(out, "x")[key] == (value if not isinstance(value, datetime) else fm.load(out, "x")[key])


def test_nested_keys_keep_the_block_indentation() -> None:
    text = "alert:\n    dedup_key: k   # keep\n    occurrences: 1\nnext: x\n"
    out = fm.set_value(text, ["alert", "occurrences"], 2)
    out = fm.set_value(out, ["alert", "last_seen"], T)
    assert out == (
        "alert:\n    dedup_key: k   # keep\n    occurrences: 2\n"
        "    last_seen: 2026-11-26T10:00:00Z\nnext: x\n"
    )


def test_new_and_structural_keys_change_only_their_own_block() -> None:
    text = "a: 1  # one\nroles: {}\nz: [1, 2]   # flow kept\n"
    out = fm.set_value(text, ["roles"], {"scribe": "bob"})
    out = fm.set_value(out, ["added"], "x")
    assert out == "a: 1  # one\nroles:\n  scribe: bob\nz: [1, 2]   # flow kept\nadded: x\n"


def test_block_scalar_values_fall_back_to_a_structural_edit() -> None:
    text = "summary: |\n  line one\n  line two\nstatus: triage\n"
    out = fm.set_value(text, ["summary"], "short")
    assert fm.load(out, "x") == {"summary": "short", "status": "triage"}
    assert out.endswith("\nstatus: triage\n") and "line one" not in out


def test_split_keeps_bom_and_crlf_and_fences() -> None:
    raw = "\ufeff---\r\na: 1\r\n---\r\nbody\r\n"
    document = fm.split(raw, "f.md")
    assert document.newline == "\r\n" and document.bom == "\ufeff"
    assert document.text() == raw
    edited = document.with_frontmatter(fm.set_value(document.frontmatter, ["a"], 2))
    assert edited.text() == raw.replace("a: 1", "a: 2")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("no frontmatter\n", "f.md:1: missing frontmatter"),
        ("---\na: 1\nbody\n", "f.md:1: frontmatter is not closed"),
        ("---\n- a\n- b\n---\n", "frontmatter must be a mapping of keys, not a list"),
        ("---\njust text\n---\n", "frontmatter must be a mapping of keys, not a str"),
        ("---\na: 1\na: 2\n---\n", "f.md:3: invalid YAML frontmatter"),
        ("---\na: [1\n---\n", "f.md:"),
        ("---\na: 1\x00\n---\n", "binary content"),
    ],
)
def test_broken_files_are_one_clear_error_with_file_and_line(raw: str, message: str) -> None:
    with pytest.raises(FileFormatError) as error:
        document = fm.split(raw, "f.md")
        fm.load(document.frontmatter, "f.md")
    assert message in str(error.value)
    assert "\n" not in str(error.value)
