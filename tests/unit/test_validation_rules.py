"""Each rule of `incident validate`, called directly on one file's text: what it finds, and where."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incident_kit import validation
from incident_kit.new_incident import NewIncident, render

AT = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
FOLDER = "inc-20261126-k3f7-checkout-is-down"
REL = f"incidents/2026-11/{FOLDER}/incident.md"


def _valid() -> str:
    return render(
        NewIncident(
            id="inc-20261126-k3f7",
            title="Checkout is down",
            severity="SEV-2",
            kind="incident",
            service="checkout",
            source="manual",
            commander="alice",
            declared_at=AT,
            detected_at=AT,
            impact_started_at=None,
            summary="Card payments fail.",
            timeline=[(AT, "Declared", "alice")],
        )
    )


VALID = _valid()


def _line_of(text: str, needle: str) -> int:
    return text.split("\n").index(next(line for line in text.split("\n") if line.startswith(needle))) + 1


def _problems(text: str, folder: str = FOLDER) -> list[tuple[str, int, str]]:
    checked = validation.check_incident(REL, folder, text)
    return [(p.rule, p.line, p.message) for p in checked.problems]


def test_the_file_the_tool_writes_is_valid() -> None:
    assert _problems(VALID) == []


@pytest.mark.parametrize(
    ("case", "edit", "rule", "at_line_of", "says"),
    [
        ("unknown status", ("status: triage", "status: trage"), "schema", "status:", "trage"),
        ("unknown severity", ("severity: SEV-2", "severity: SEV-9"), "schema", "severity:", "SEV-9"),
        ("id of another folder", ("id: inc-20261126-k3f7", "id: inc-20261126-zzzz"), "id", "id:", "folder"),
        (
            "investigating without acknowledgement",
            ("status: triage", "status: investigating"),
            "lifecycle",
            "acknowledged_at:",
            "acknowledged_at is empty",
        ),
        (
            "detected after declared",
            ("detected_at: 2026-11-26T14:00:00Z", "detected_at: 2026-11-26T15:00:00Z"),
            "lifecycle",
            "declared_at:",
            "declared_at is before detected_at",
        ),
        (
            "a timeline entry without a time",
            ("- 2026-11-26T14:00:00Z — Declared — alice", "- Declared — alice"),
            "timeline",
            "- Declared — alice",
            "needs a UTC timestamp",
        ),
        ("no timeline at all", ("## Timeline", "## Story"), "timeline", None, "no '## Timeline' section"),
    ],
)
def test_each_rule_finds_its_problem_at_its_line(
    case: str, edit: tuple[str, str], rule: str, at_line_of: str | None, says: str
) -> None:
    old, new = edit
    assert old in VALID, case
    text = VALID.replace(old, new, 1)
    found = [(r, line, message) for r, line, message in _problems(text) if r == rule]
    assert found, (case, _problems(text))
    _, lines, messages = zip(*found, strict=True)
    assert any(says in message for message in messages), (case, messages)
    if at_line_of is not None:
        assert _line_of(text, at_line_of) in lines, (case, found)


def test_merge_conflict_markers_are_reported_alone_at_their_first_line() -> None:
    text = VALID.replace(
        "status: triage", "<<<<<<< HEAD\nstatus: triage\n=======\nstatus: mitigated\n>>>>>>> b"
    )
    assert _problems(text) == [
        ("conflict", _line_of(text, "<<<<<<<"), "unresolved git merge conflict markers (<<<<<<< … >>>>>>>)")
    ]


def test_a_lone_equals_line_is_a_heading_underline_not_a_conflict() -> None:
    text = VALID + "\nSummary\n=======\n"
    assert [rule for rule, _, _ in _problems(text)] == []


def test_broken_yaml_is_one_format_problem_with_its_line() -> None:
    text = VALID.replace("severity: SEV-2", "severity: [SEV-2")
    [(rule, line, _)] = _problems(text)
    assert rule == "format" and line >= _line_of(text, "severity:")
