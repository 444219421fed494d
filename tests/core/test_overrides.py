"""Who decided what since this clone last saw an incident (the pure part of "no silent override")."""

from __future__ import annotations

from dataclasses import dataclass

from incident_kit.overrides import decided_by_others, refusal


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    date: str
    subject: str


def version(status: str = "mitigated", severity: str = "SEV-2", commander: str = "alice") -> str:
    fields = f"id: inc-20261126-k3f7\nstatus: {status}\nseverity: {severity}\ncommander: {commander}\n"
    return f"---\n{fields}---\n\n## Timeline\n"


def commit(n: int, author: str) -> Commit:
    return Commit(f"{n:040d}", author, f"2026-11-26T15:{n:02d}:00+00:00", f"change {n}")


def test_a_field_someone_else_changed_is_reported_with_who_and_when() -> None:
    found = decided_by_others(
        version(), [(commit(20, "bob"), version(status="investigating"))], ("status",), "alice"
    )
    assert [f.describe() for f in found] == [
        "bob changed status from mitigated to investigating at 2026-11-26T15:20:00Z "
        "(commit 000000000000: change 20)"
    ]


def test_only_the_fields_the_change_decides_count() -> None:
    versions = [(commit(20, "bob"), version(severity="SEV-1"))]
    assert decided_by_others(version(), versions, ("status",), "alice") == []
    assert [f.field for f in decided_by_others(version(), versions, ("severity",), "alice")] == ["severity"]


def test_a_change_set_back_or_made_by_the_same_person_is_no_override() -> None:
    back = [(commit(20, "bob"), version(status="investigating")), (commit(21, "carol"), version())]
    assert decided_by_others(version(), back, ("status",), "alice") == []
    own = [(commit(20, "alice"), version(status="investigating"))]
    assert decided_by_others(version(), own, ("status",), "alice") == []


def test_the_last_change_by_someone_else_is_named_and_the_value_is_todays() -> None:
    versions = [
        (commit(20, "bob"), version(status="investigating")),
        (commit(25, "carol"), version(status="resolved")),
        (commit(30, "alice"), version(status="resolved", severity="SEV-1")),
    ]
    [found] = decided_by_others(version(), versions, ("status",), "alice")
    assert (found.commit.author, found.was, found.now) == ("carol", "mitigated", "resolved")
    assert refusal("inc-20261126-k3f7", "resolve", [found]).startswith(
        "inc-20261126-k3f7: carol changed status from mitigated to resolved at 2026-11-26T15:25:00Z"
    )


def test_an_incident_this_clone_never_saw_has_nothing_to_override() -> None:
    assert decided_by_others(None, [(commit(20, "bob"), version())], ("status",), "alice") == []
