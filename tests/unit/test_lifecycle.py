"""The lifecycle rules, called directly: every action from every status, and what each stamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incident_kit import lifecycle
from incident_kit.errors import RefusedError
from incident_kit.model import STATUSES

T0 = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)

# action -> {status it may start from: status it leads to}; every other pair is refused
LEGAL = {
    "ack": {"triage": "investigating"},
    "mitigate": {"triage": "mitigated", "investigating": "mitigated"},
    "resolve": {"triage": "resolved", "investigating": "resolved", "mitigated": "resolved"},
    # from cancelled or merged, reopen undoes: back to where the incident was (see `stamps`)
    "reopen": {
        "mitigated": "investigating",
        "resolved": "investigating",
        "postmortem": "investigating",
        "closed": "investigating",
        "cancelled": "investigating",
        "merged": "investigating",
    },
    "cancel": {"triage": "cancelled", "investigating": "cancelled", "mitigated": "cancelled"},
    "merge": {"triage": "merged", "investigating": "merged", "mitigated": "merged"},
    "postmortem": {"resolved": "postmortem"},
    "close": {"resolved": "closed", "postmortem": "closed"},
}
PAIRS = [(action, status) for action in LEGAL for status in STATUSES]


@pytest.mark.parametrize(("action", "status"), PAIRS)
def test_each_action_from_each_status_leads_where_the_lifecycle_says_or_is_refused(
    action: str, status: str
) -> None:
    target = LEGAL[action].get(status)
    if target is None:
        with pytest.raises(RefusedError) as refused:
            lifecycle.check(action, status)
        assert f"cannot {action} an incident that is {status}" in refused.value.message or (
            action == "postmortem" and status == "postmortem"
        )
    else:
        assert lifecycle.check(action, status).target == target


def test_every_verb_the_cli_offers_is_in_the_table() -> None:
    assert set(lifecycle.TRANSITIONS) == set(LEGAL)


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        ("triage", ["ack", "mitigate", "resolve", "cancel", "merge"]),
        ("investigating", ["mitigate", "resolve", "cancel", "merge"]),
        ("mitigated", ["resolve", "reopen", "cancel", "merge"]),
        ("resolved", ["reopen", "postmortem", "close"]),
        ("postmortem", ["reopen", "close"]),
        ("closed", ["reopen"]),
        ("cancelled", ["reopen"]),
        ("merged", ["reopen"]),
    ],
)
def test_the_refusal_lists_what_is_allowed_from_a_status(status: str, allowed: list[str]) -> None:
    assert lifecycle.allowed_actions(status) == allowed


def test_a_closed_incident_says_it_can_be_reopened() -> None:
    with pytest.raises(RefusedError, match=r"allowed from closed: reopen$"):
        lifecycle.check("ack", "closed")


@pytest.mark.parametrize("status", ["trage", "None", "Resolved"])
def test_a_status_typed_by_hand_that_is_no_status_says_to_fix_the_file(status: str) -> None:
    with pytest.raises(RefusedError, match="which is not a status"):
        lifecycle.check("ack", status)


def test_a_second_postmortem_points_at_the_file_to_fill_in() -> None:
    with pytest.raises(RefusedError, match=r"already started: fill in its postmortem\.md"):
        lifecycle.check("postmortem", "postmortem")


@pytest.mark.parametrize(
    ("action", "current", "expected"),
    [
        ("ack", {}, {"status": "investigating", "acknowledged_at": T1}),
        # resolving from triage implies acknowledgement and mitigation
        (
            "resolve",
            {},
            {"status": "resolved", "acknowledged_at": T1, "mitigated_at": T1, "resolved_at": T1},
        ),
        # what already happened keeps its time
        (
            "resolve",
            {"acknowledged_at": T0, "mitigated_at": T0},
            {"status": "resolved", "resolved_at": T1},
        ),
        ("mitigate", {"acknowledged_at": T0}, {"status": "mitigated", "mitigated_at": T1}),
        # reopening clears what is no longer true, and only that
        (
            "reopen",
            {"acknowledged_at": T0, "mitigated_at": T0, "resolved_at": T0},
            {"status": "investigating", "mitigated_at": None, "resolved_at": None},
        ),
        ("reopen", {"mitigated_at": T0}, {"status": "investigating", "mitigated_at": None}),
        # reopening a closed incident clears every later phase
        (
            "reopen",
            {"status": "closed", "resolved_at": T0, "postmortem_at": T0, "closed_at": T0},
            {"status": "investigating", "resolved_at": None, "postmortem_at": None, "closed_at": None},
        ),
        # undoing a cancel or a merge goes back to where the incident was
        (
            "reopen",
            {"status": "cancelled", "acknowledged_at": T0, "closed_at": T0, "cancel_reason": "noise"},
            {"status": "investigating", "closed_at": None, "cancel_reason": None},
        ),
        (
            "reopen",
            {"status": "cancelled", "mitigated_at": T0, "closed_at": T0, "cancel_reason": "noise"},
            {"status": "mitigated", "closed_at": None, "cancel_reason": None},
        ),
        (
            "reopen",
            {"status": "merged", "closed_at": T0, "merged_into": "inc-20261126-ab12"},
            {"status": "triage", "closed_at": None, "merged_into": None},
        ),
        ("cancel", {}, {"status": "cancelled", "closed_at": T1}),
        ("postmortem", {"resolved_at": T0}, {"status": "postmortem", "postmortem_at": T1}),
        ("close", {"postmortem_at": T0}, {"status": "closed", "closed_at": T1}),
    ],
)
def test_a_transition_stamps_its_own_time_and_the_implied_ones(
    action: str, current: dict[str, datetime], expected: dict[str, object]
) -> None:
    assert lifecycle.stamps(lifecycle.TRANSITIONS[action], current, T1) == expected


def test_a_time_before_an_earlier_phase_is_refused_naming_both_phases() -> None:
    with pytest.raises(lifecycle.OutOfOrder) as refused:
        lifecycle.check_order({"acknowledged_at": T1}, {"mitigated_at": T0})
    assert refused.value.message == (
        "mitigated time 2026-11-26T14:00:00Z is before acknowledged time 2026-11-26T15:00:00Z"
    )
    # the command turns it into the exact command that works (tests/core/test_time_input_cli.py)
    assert (refused.value.earlier_key, refused.value.earlier) == ("acknowledged_at", T1)


def test_an_old_disorder_that_this_change_does_not_touch_is_not_its_problem() -> None:
    # detected after acknowledged (a hand edit) does not block a later resolve
    lifecycle.check_order({"detected_at": T1, "acknowledged_at": T0}, {"resolved_at": T1.replace(hour=16)})
