"""Lifecycle rules: which transitions are legal, and what each one stamps.

triage → investigating → mitigated → resolved → postmortem → closed, plus the terminal
`cancelled` (false alarm) and `merged` (duplicate). `reopen` takes a mitigated, resolved,
post-mortem or closed incident back to investigating, and undoes a cancel or a merge (back to
where the incident was: triage, investigating or mitigated, read from its timestamps). Skipping
ahead is allowed where it means something: a resolve implies mitigation (and acknowledgement),
so it stamps those too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from incident_kit.errors import RefusedError
from incident_kit.vocabulary import STATUSES


class Transition(NamedTuple):
    action: str  # the CLI verb
    sources: tuple[str, ...]
    target: str
    stamps: tuple[str, ...]  # timestamp keys set to the transition time when still empty
    stamp_always: str | None  # the key this transition is about (always set)
    clears: tuple[str, ...] = ()
    summary: str = ""


ACTIVE = ("triage", "investigating", "mitigated")

TRANSITIONS: dict[str, Transition] = {
    "ack": Transition("ack", ("triage",), "investigating", (), "acknowledged_at", summary="Acknowledged"),
    "mitigate": Transition(
        "mitigate",
        ("triage", "investigating"),
        "mitigated",
        ("acknowledged_at",),
        "mitigated_at",
        summary="Mitigated",
    ),
    "resolve": Transition(
        "resolve",
        ACTIVE,
        "resolved",
        ("acknowledged_at", "mitigated_at"),
        "resolved_at",
        summary="Resolved",
    ),
    "reopen": Transition(
        "reopen",
        ("mitigated", "resolved", "postmortem", "closed", "cancelled", "merged"),
        "investigating",
        (),
        None,
        clears=("mitigated_at", "resolved_at", "postmortem_at", "closed_at"),
        summary="Reopened",
    ),
    "cancel": Transition("cancel", ACTIVE, "cancelled", (), "closed_at", summary="Cancelled"),
    "merge": Transition("merge", ACTIVE, "merged", (), "closed_at", summary="Merged"),
    "postmortem": Transition(
        "postmortem",
        ("resolved",),
        "postmortem",
        (),
        "postmortem_at",
        summary="Post-mortem started",
    ),
    "close": Transition("close", ("resolved", "postmortem"), "closed", (), "closed_at", summary="Closed"),
}

# an alert that says it started longer ago than this before the declaration carries its
# first-seen time (a years-old Sentry issue), not a detection: declare and stats set it aside
STALE_DETECTION = timedelta(days=7)

# reopening these undoes a decision someone made; it takes a reason, for the audit trail
UNDONE = ("closed", "cancelled", "merged")
# what undoing a cancel or a merge clears: the incident goes back to where it was
_UNDO_CLEARS = ("closed_at", "cancel_reason", "merged_into")

# the order lifecycle timestamps must respect (each >= the ones before it, when set)
ORDER = (
    "impact_started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "postmortem_at",
    "closed_at",
)


def allowed_actions(status: str) -> list[str]:
    return [name for name, rule in TRANSITIONS.items() if status in rule.sources]


def check(action: str, status: str) -> Transition:
    """The transition for `action` from `status`, or a refusal naming what is allowed."""
    rule = TRANSITIONS[action]
    if status in rule.sources:
        return rule
    if status not in STATUSES:  # a hand edit: `triaged`, `None` (no status line at all)
        raise RefusedError(
            f"the file says status {status!r}, which is not a status ({', '.join(STATUSES)}); "
            "fix it by hand (incident validate shows where) and run the command again"
        )
    if action == "postmortem" and status == "postmortem":
        raise RefusedError(
            "the post-mortem is already started: fill in its postmortem.md, then run `incident close`"
        )
    allowed = allowed_actions(status)
    hint = ", ".join(allowed) if allowed else "none (this is a final state)"
    raise RefusedError(
        f"cannot {action} an incident that is {status}: {action} needs "
        f"{' or '.join(rule.sources)}; allowed from {status}: {hint}"
    )


def stamps(rule: Transition, current: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """Frontmatter updates (key -> value) a transition makes at time `at`."""
    clears = rule.clears
    target = rule.target
    if rule.action == "reopen" and current.get("status") in ("cancelled", "merged"):
        target, clears = undo_target(current), _UNDO_CLEARS
    updates: dict[str, Any] = {"status": target}
    for key in rule.stamps:
        if current.get(key) in (None, ""):
            updates[key] = at
    if rule.stamp_always:
        updates[rule.stamp_always] = at
    for key in clears:
        if current.get(key) not in (None, ""):
            updates[key] = None
    return updates


def undo_target(current: Mapping[str, Any]) -> str:
    """Where a cancelled or merged incident was before: its timestamps say how far it got."""
    if current.get("mitigated_at") not in (None, ""):
        return "mitigated"
    if current.get("acknowledged_at") not in (None, ""):
        return "investigating"
    return "triage"


class OutOfOrder(RefusedError):
    """A lifecycle time before an earlier phase's; the command decides whether that is an
    earlier detection (moved back) or a mistake (refused with the command that fixes it)."""

    def __init__(self, key: str, value: datetime, earlier_key: str, earlier: datetime) -> None:
        super().__init__(
            f"{phase_name(key)} time {value:%Y-%m-%dT%H:%M:%SZ} is before {phase_name(earlier_key)} "
            f"time {earlier:%Y-%m-%dT%H:%M:%SZ}"
        )
        self.key, self.value, self.earlier_key, self.earlier = key, value, earlier_key, earlier


def phase_name(key: str) -> str:
    return key.removesuffix("_at").replace("_", " ")


def check_order(values: Mapping[str, datetime | None], changed: Mapping[str, Any]) -> None:
    """Refuse a timestamp earlier than an earlier phase (e.g. `--at` before acknowledgement)."""
    merged = dict(values)
    merged.update({k: v for k, v in changed.items() if k in ORDER})
    previous_key: str | None = None
    previous: datetime | None = None
    for key in ORDER:
        value = merged.get(key)
        if not isinstance(value, datetime):
            continue
        moved = key in changed or previous_key in changed
        if previous is not None and previous_key is not None and value < previous and moved:
            raise OutOfOrder(key, value, previous_key, previous)
        previous_key, previous = key, value
