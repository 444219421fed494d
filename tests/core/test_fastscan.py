"""The line scanner reads exactly what YAML reads, or admits it cannot (property-tested)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from incident_kit.markdown import frontmatter
from incident_kit.markdown.field_scan import NESTED, WANTED, scan
from incident_kit.summaries.fields import as_datetime, flat_fields, summary_from

KEYS = [*sorted(WANTED), "links", "roles", "custom", "alert", "slack"]
PLAIN = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), max_size=30)
VALUES = st.one_of(
    PLAIN,
    PLAIN.map(lambda t: "'" + t.replace("'", "''") + "'"),
    PLAIN.filter(lambda t: '"' not in t and "\\" not in t).map(lambda t: f'"{t}"'),
    st.sampled_from(
        [
            "null",
            "~",
            "",
            "true",
            "yes",
            "2026-11-26T15:00:00Z",
            "2026-11-26 15:00:00",
            "2026-11-26",
            "12",
            "1.5",
            "0x1F",
            "[a, b]",
            "{}",
            "|",
            "&anchor x",
            "*ref",
            "triage  # a comment",
            "a # b",
            "C#",
            "x: y",
            "-",
            "- a",
            "SEV-1",
        ]
    ),
)
EXTRA = [
    "# comment",
    "",
    "  dedup_key: k1",
    "  channel_name: c",
    "  - item",
    "- item",
    "    deep: 1",
    "  continued text",
    "\tx: 1",
    "  dedup_key: 'quoted # not a comment'",
]


@st.composite
def documents(draw: st.DrawFn) -> list[str]:
    """Mostly valid frontmatter (unique keys), with a few lines that make it odd or invalid."""
    pairs = draw(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=14))
    lines: list[str] = []
    for key, value in pairs.items():
        lines.append(f"{key}: {value}".rstrip())
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(EXTRA)))
    return lines


LINES = documents()


def _normalised(fields: dict[str, Any]) -> Any:
    summary = summary_from("incidents/2026-11/inc-20261126-abcd-x", fields)
    return summary, {k: as_datetime(v) for k, v in fields.items() if k.endswith("_at")}


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(LINES)
def test_scan_matches_yaml_or_declines(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    try:
        data = frontmatter.load(text, "f.md")
    except Exception:
        return  # YAML refuses it: whatever the scanner says, the caller's fallback reports the error
    scanned = scan(text)
    if scanned is None:
        return
    expected = flat_fields(data)
    for key in [*WANTED, *(f"{p}.{c}" for p, cs in NESTED.items() for c in cs)]:
        got, want = scanned.get(key), expected.get(key)
        if isinstance(want, (dict, list)):
            raise AssertionError(f"{key}: scanner read {got!r} where YAML has a structure")
        assert _same(got, want), (key, got, want, text)


def _same(got: Any, want: Any) -> bool:
    if hasattr(want, "isoformat") and hasattr(got, "isoformat"):
        return bool(got == want)
    return got == want or (got is None and want in (None, "")) or (want is None and got in (None, ""))


def test_the_files_the_tool_writes_are_scanned_without_fallback() -> None:
    from datetime import UTC, datetime

    from incident_kit.new_incident import NewIncident, render

    at = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    text = render(
        NewIncident(
            id="inc-20261126-abcd",
            title="Checkout: 500s for 'EU'",
            severity="SEV-2",
            kind="incident",
            service="checkout",
            source="manual",
            commander="bob",
            declared_at=at,
            detected_at=at,
            impact_started_at=None,
            summary="x",
            timeline=[(at, "Declared", "bob")],
            alert={"dedup_key": "k", "value": 3},
        )
    )
    document = frontmatter.split(text, "f.md")
    scanned = scan(document.frontmatter)
    assert scanned is not None
    assert scanned["title"] == "Checkout: 500s for 'EU'" and scanned["alert.dedup_key"] == "k"
    assert _normalised(scanned) == _normalised(flat_fields(frontmatter.load(document.frontmatter, "f.md")))
