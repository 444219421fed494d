"""What sync owes people, decided from the files alone: table tests of the pure planning."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from incident_kit.config.reader import parse
from incident_kit.config.settings import Config
from incident_kit.model import IncidentSummary
from incident_kit.sync.milestones import Milestone, digest, story
from incident_kit.sync.plan import advance, announced_at, finish, plan, reminder_window
from incident_kit.timeline import Entry, entries
from incident_kit.updates import cadence


def at(minute: int) -> datetime:
    return datetime(2026, 11, 26, 15, 0, tzinfo=UTC) + timedelta(minutes=minute)


def stamp(minute: int) -> str:
    return at(minute).strftime("%Y-%m-%dT%H:%M:%SZ")


def incident(status: str = "triage", **fields: Any) -> IncidentSummary:
    base = IncidentSummary(
        id="inc-20261126-k3f7",
        title="Checkout is down",
        status=status,
        severity="SEV-2",
        kind="incident",
        service="checkout",
        commander="bob",
        source="manual",
        path="incidents/2026-11/inc-20261126-k3f7-checkout-is-down",
        declared_at=at(0),
    )
    return replace(
        base, **{k: at(v) if k.endswith("_at") and isinstance(v, int) else v for k, v in fields.items()}
    )


def timeline(*lines: tuple[int, str]) -> list[Entry]:
    body = "## Timeline\n\n" + "".join(f"- {stamp(m)} — {what} — alice\n" for m, what in lines)
    return entries(body, "incident.md")


def told(
    status: str = "triage", severity: str = "SEV-2", commander: str | None = "bob", **extra: Any
) -> dict[str, Any]:
    return {"status": status, "severity": severity, "commander": commander, **extra}


def kinds(found: list[Milestone]) -> list[str]:
    return [m.kind + (f"+{'+'.join(m.also)}" if m.also else "") for m in found]


def tell(
    summary: IncidentSummary, lines: list[Entry], announced: dict[str, Any] | None, **watermark: Any
) -> list[str]:
    options = {"told_at": None, "told": (), "timeline_known": True} | watermark
    return kinds(story(summary, lines, announced, **options))


LIFECYCLE = [
    # (what people were told, the incident now, what they hear, in order)
    (None, incident(), ["declared"]),
    (
        None,
        incident("resolved", acknowledged_at=20, mitigated_at=20, resolved_at=20),
        ["declared", "resolved+acknowledged+mitigated"],
    ),
    (told(), incident("investigating", acknowledged_at=5), ["acknowledged"]),
    (
        told(),
        incident(
            "closed", acknowledged_at=5, mitigated_at=10, resolved_at=20, postmortem_at=25, closed_at=30
        ),
        ["acknowledged", "mitigated", "resolved", "postmortem_ready", "closed"],
    ),
    (
        told("investigating"),
        incident("closed", acknowledged_at=5, mitigated_at=20, resolved_at=20, closed_at=30),
        ["resolved+mitigated", "closed"],
    ),
    (  # a resolution is never folded away, even into a close of the same second
        told("investigating"),
        incident(
            "closed", acknowledged_at=5, mitigated_at=20, resolved_at=20, postmortem_at=20, closed_at=20
        ),
        ["resolved+mitigated", "postmortem_ready", "closed"],
    ),
    (
        told("investigating"),
        incident("postmortem", acknowledged_at=5, mitigated_at=10, resolved_at=20, postmortem_at=25),
        ["mitigated", "resolved", "postmortem_ready"],
    ),
    (told("investigating"), incident("cancelled", acknowledged_at=5, closed_at=9), ["cancelled"]),
    (
        told("triage"),
        incident("cancelled", acknowledged_at=5, mitigated_at=8, closed_at=9),
        ["acknowledged", "mitigated", "cancelled"],
    ),
    (
        told("investigating"),
        incident("merged", acknowledged_at=5, closed_at=9, merged_into="inc-20261126-b0b0"),
        ["merged"],
    ),
    (told("resolved", status_at=stamp(20)), incident("investigating", acknowledged_at=5), ["reopened"]),
    (
        told("resolved", status_at=stamp(20)),
        incident("mitigated", acknowledged_at=5, mitigated_at=40),
        ["reopened", "mitigated"],
    ),
    # told resolved; reopened and resolved again before the next sync: the stamp moved
    (
        told("resolved", status_at=stamp(20)),
        incident("resolved", acknowledged_at=5, mitigated_at=50, resolved_at=50),
        ["reopened", "resolved+mitigated"],
    ),
    (
        told("resolved", status_at=stamp(20)),
        incident("resolved", acknowledged_at=5, mitigated_at=10, resolved_at=20),
        [],
    ),
    (told("cancelled"), incident("triage"), ["reopened"]),  # a cancel undone
    (
        told("merged"),
        incident("mitigated", acknowledged_at=5, mitigated_at=8),
        ["reopened"],
    ),  # back as it was
]


@pytest.mark.parametrize(("announced", "now", "expected"), LIFECYCLE)
def test_every_lifecycle_milestone_since_the_last_announcement_is_told_in_order(
    announced: dict[str, Any] | None, now: IncidentSummary, expected: list[str]
) -> None:
    assert tell(now, [], announced) == expected


def test_an_undone_cancel_is_told_as_a_reopen_with_its_reason_and_the_status_it_came_back_to() -> None:
    lines = timeline(
        (5, "Cancelled: looked like a test"),
        (9, "Un-cancelled (it was cancelled: looked like a test): it is real"),
    )
    found = story(
        incident("investigating", acknowledged_at=3),
        lines,
        told("cancelled"),
        told_at=at(5),
        told=(),
        timeline_known=True,
    )
    assert [(m.kind, m.at, m.current) for m in found] == [("reopened", at(9), "investigating")]
    assert found[0].entry is not None and found[0].entry.what.startswith("Un-cancelled")


def test_milestones_carry_their_stamp_and_the_entry_they_wrote() -> None:
    lines = timeline(
        (5, "Acknowledged"),
        (10, "Mitigated; plan: roll back deployment 1234"),
        (20, "Resolved — cache flushed"),
    )
    found = story(
        incident("resolved", acknowledged_at=5, mitigated_at=10, resolved_at=20),
        lines,
        told(),
        told_at=None,
        told=(),
        timeline_known=True,
    )
    assert [(m.kind, m.at) for m in found] == [
        ("acknowledged", at(5)),
        ("mitigated", at(10)),
        ("resolved", at(20)),
    ]
    assert found[-1].entry is not None and found[-1].entry.what == "Resolved — cache flushed"
    assert found[-1].status_at == stamp(20)


def test_an_escalation_undone_before_the_next_sync_is_still_told_both_ways() -> None:
    lines = timeline((5, "Severity SEV-2 → SEV-1: checkout down for all"), (9, "Severity SEV-1 → SEV-2"))
    found = story(incident(), lines, told(), told_at=at(1), told=(), timeline_known=True)
    assert [(m.kind, m.previous, m.current) for m in found] == [
        ("severity_changed", "SEV-2", "SEV-1"),
        ("severity_changed", "SEV-1", "SEV-2"),
    ]


def test_a_severity_edited_by_hand_is_told_as_one_change() -> None:
    found = story(
        incident(severity="SEV-1"), [], told(severity="SEV-3"), told_at=at(1), told=(), timeline_known=True
    )
    assert [(m.kind, m.previous, m.current, m.at) for m in found] == [
        ("severity_changed", "SEV-3", "SEV-1", None)
    ]


def test_a_commander_handover_is_told_from_the_timeline() -> None:
    lines = timeline(
        (3, "Incident Commander unassigned → bob"), (7, "Incident Commander bob → carol; scribe: dave")
    )
    found = story(
        incident(commander="carol"), lines, told(commander=None), told_at=at(1), told=(), timeline_known=True
    )
    assert [(m.kind, m.previous, m.current) for m in found] == [
        ("commander_changed", None, "bob"),
        ("commander_changed", "bob", "carol"),
    ]


def test_notes_and_updates_after_the_watermark_are_told_and_the_tools_own_entries_are_not() -> None:
    lines = timeline(
        (0, "Declared by hand, SEV-2; commander: bob"),
        (1, "An old note"),
        (4, "Error rate dropped after the cache flush"),
        (4, "Alert fired again (occurrence 2): checkout 5xx"),
        (6, "Update: Checkout works again for most users"),
        (7, "Linked [dashboard](<https://grafana.example.com>)"),
        (8, "Acknowledged"),
    )
    found = story(
        incident("investigating", acknowledged_at=8),
        lines,
        told(),
        told_at=at(2),
        told=(),
        timeline_known=True,
    )
    assert kinds(found) == ["note", "update", "acknowledged"]
    assert found[0].entry is not None and found[0].entry.what == "Error rate dropped after the cache flush"


def test_an_entry_in_the_same_second_as_the_watermark_is_told_unless_it_was_already() -> None:
    lines = timeline((2, "First note"), (2, "Second note, same second"))
    first = digest(lines[0])
    found = story(incident(), lines, told(), told_at=at(2), told=(first,), timeline_known=True)
    assert [m.entry.what for m in found if m.entry] == ["Second note, same second"]


def test_a_state_from_before_the_timeline_was_watched_tells_the_difference_only() -> None:
    lines = timeline((2, "An old note"), (3, "Severity SEV-3 → SEV-2"))
    assert tell(incident(), lines, told(severity="SEV-3"), timeline_known=False) == ["severity_changed"]


def test_a_never_announced_incident_tells_its_notes_after_the_declaration() -> None:
    lines = timeline(
        (0, "Declared by hand, SEV-2; commander: bob"),
        (1, "Severity SEV-3 → SEV-2"),
        (3, "Looking at the DB"),
    )
    assert tell(incident(), lines, None) == ["declared", "note"]


def test_lifecycle_and_timeline_milestones_interleave_by_time_then_by_line() -> None:
    lines = timeline(
        (5, "Acknowledged"), (5, "Severity SEV-2 → SEV-1"), (6, "Pool exhausted"), (9, "Mitigated")
    )
    summary = incident("mitigated", severity="SEV-1", acknowledged_at=5, mitigated_at=9)
    assert tell(summary, lines, told(), told_at=at(1)) == [
        "acknowledged",
        "severity_changed",
        "note",
        "mitigated",
    ]


def test_advancing_past_each_milestone_leaves_nothing_owed() -> None:
    lines = timeline((5, "Severity SEV-2 → SEV-1"), (6, "Pool exhausted"), (9, "Mitigated"))
    summary = incident("mitigated", severity="SEV-1", mitigated_at=9, acknowledged_at=9)
    state: dict[str, Any] = {"announced": told(), "told_at": stamp(1), "told": []}
    for milestone in story(summary, lines, state["announced"], told_at=at(1), told=(), timeline_known=True):
        advance(state, milestone, summary)
    assert state["announced"] == {
        "status": "mitigated",
        "status_at": stamp(9),
        "severity": "SEV-1",
        "commander": "bob",
    }
    assert state["told_at"] == stamp(6)  # the last timeline milestone told
    finish(state, summary, lines, at(10))
    assert (
        story(
            summary, lines, state["announced"], told_at=at(9), told=tuple(state["told"]), timeline_known=True
        )
        == []
    )


ROUTES = [
    # (severity, kind, previous, current, heard in the announcement channel by default)
    ("SEV-4", "declared", None, None, True),
    ("SEV-4", "resolved", None, None, True),
    ("SEV-4", "cancelled", None, None, True),
    ("SEV-4", "merged", None, None, True),
    ("SEV-4", "mitigated", None, None, False),
    ("SEV-4", "note", None, None, False),
    ("SEV-2", "mitigated", None, None, True),
    ("SEV-2", "update", None, None, True),
    ("SEV-2", "closed", None, None, True),
    ("SEV-2", "acknowledged", None, None, False),
    ("SEV-1", "commander_changed", "bob", "carol", True),
    ("SEV-2", "commander_changed", "bob", "carol", False),
    ("SEV-1", "severity_changed", "SEV-3", "SEV-1", True),  # escalated, heard at SEV-1
    ("SEV-3", "severity_changed", "SEV-1", "SEV-3", True),  # de-escalated: SEV-1 listeners hear it end
    ("SEV-4", "severity_changed", "SEV-3", "SEV-4", False),
]


@pytest.mark.parametrize(("severity", "kind", "previous", "current", "heard"), ROUTES)
def test_the_announcement_channel_hears_by_severity(
    severity: str, kind: str, previous: str | None, current: str | None, heard: bool
) -> None:
    milestone = Milestone(kind, at(1), 1, previous=previous, current=current)
    assert announced_at(milestone, incident(severity=severity), Config()) is heard


def test_resolution_always_reaches_the_announcement_channel_and_the_rest_is_configurable() -> None:
    quiet = parse("slack:\n  announce:\n    SEV-2: [update]\n")
    summary = incident()
    assert announced_at(Milestone("resolved", at(1), 1), summary, quiet)
    assert not announced_at(Milestone("declared", at(1), 1), summary, quiet)
    assert announced_at(Milestone("update", at(1), 1), summary, quiet)
    # a milestone folded into another is heard if either is
    assert announced_at(Milestone("closed", at(1), 1, also=("resolved",)), summary, quiet)


def test_a_reminder_is_owed_once_per_overdue_window() -> None:
    due = cadence("investigating", at(0), None, 30)
    assert due is not None
    assert reminder_window(due, {}, at(30)) is None  # due, not overdue
    assert reminder_window(due, {}, at(31)) == at(30)
    assert reminder_window(due, {"reminded": stamp(30)}, at(59)) is None
    assert reminder_window(due, {"reminded": stamp(30)}, at(61)) == at(60)
    later = cadence("investigating", at(0), at(45), 30)  # an update restarts the clock
    assert later is not None and reminder_window(later, {"reminded": stamp(30)}, at(70)) is None
    assert cadence("resolved", at(0), None, 30) is None and cadence("triage", at(0), None, None) is None


def test_the_plan_of_an_incident_over_and_told_reads_nothing_more() -> None:
    summary = incident("closed", closed_at=30)
    state = {"announced": told("closed"), "told_at": stamp(30), "told": [], "status_ts": "1.0"}
    owed = plan(summary, "not even a timeline", "incident.md", state, Config(), at(40))
    assert not owed.wanted and owed.entries == ()
