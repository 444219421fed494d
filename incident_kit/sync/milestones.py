"""The story of an incident since its last announcement, as events in order (pure).

Two sources, both in the files, so a change made in a pull request is told like one made with
the CLI:

- the lifecycle stamps in the frontmatter (`mitigated_at`, `resolved_at`…): every milestone
  between the status last announced and the current one, not just the last — a resolve and a
  close landing in one push tell both;
- the timeline entries written since (`Severity SEV-2 → SEV-1`, `Incident Commander a → b`,
  `Update: …`, and every other entry a person wrote, a note), so an escalation that was
  de-escalated again before the next sync is still told.

An acknowledgement or mitigation stamped at the same moment as a later milestone (a resolve
that also stamps mitigation) is folded into it: one message says both.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import pairwise
from typing import Any

from incident_kit.model import IncidentSummary
from incident_kit.notify.messages import EventKind
from incident_kit.summaries.fields import as_datetime
from incident_kit.timeline import Entry
from incident_kit.updates import PREFIX as UPDATE_PREFIX

# the forward path, and the stamp and event of each status
PATH = ("triage", "investigating", "mitigated", "resolved", "postmortem", "closed")
STAMP = {
    "investigating": "acknowledged_at",
    "mitigated": "mitigated_at",
    "resolved": "resolved_at",
    "postmortem": "postmortem_at",
    "closed": "closed_at",
    "cancelled": "closed_at",
    "merged": "closed_at",
}
EVENT: dict[str, EventKind] = {
    "investigating": "acknowledged",
    "mitigated": "mitigated",
    "resolved": "resolved",
    "postmortem": "postmortem_ready",
    "closed": "closed",
    "cancelled": "cancelled",
    "merged": "merged",
}
# the milestones a later transition stamps along (a resolve is also the mitigation): told with it
# when of the same moment. Nothing else folds: a resolution is the final communication.
FOLDABLE = frozenset({"acknowledged", "mitigated"})
STATUS_OF: dict[str, str] = {event: status for status, event in EVENT.items()}
# the timeline entry each lifecycle event wrote (its author, its words, its place in the story)
ENTRY_PREFIX: dict[str, str] = {
    "acknowledged": "Acknowledged",
    "mitigated": "Mitigated",
    "resolved": "Resolved",
    "reopened": "Reopened",
    "postmortem_ready": "Post-mortem started",
    "closed": "Closed",
    "cancelled": "Cancelled",
    "merged": "Merged into",
}
# entries the tool writes about things told otherwise (lifecycle, alerts, links): not notes;
# the rest — what people wrote, a duplicate merged in, a role assigned — is a note
_REOPEN_PREFIXES = ("Reopened", "Un-cancelled", "Un-merged")  # `reopen`, and its undo of a cancel or merge
_TOOL_PREFIXES = (
    "Declared",
    "Alert ",
    "Acknowledged",
    "Mitigated",
    "Resolved",
    *_REOPEN_PREFIXES,
    "Cancelled",
    "Merged into ",
    "Post-mortem started",
    "Closed",
    "Linked ",
)
_SEVERITY = re.compile(r"^Severity[ \t]+(\S+)[ \t]+→[ \t]+(\S+?)(?::|$|[ \t])")
_COMMANDER = re.compile(r"^Incident Commander[ \t]+(\S+)[ \t]+→[ \t]+([^\s;]+)")


@dataclass(frozen=True)
class Milestone:
    """One thing to tell; `previous`/`current` carry a severity or commander change."""

    kind: EventKind
    at: datetime | None  # None: when it happened is not recorded (told as of now)
    order: int  # tie-break for one `at`: the line of its timeline entry
    entry: Entry | None = None  # the timeline entry it comes from, or that it wrote
    previous: str | None = None
    current: str | None = None
    status_at: str | None = None  # lifecycle: the stamp, to tell a reopen cycle apart
    also: tuple[EventKind, ...] = ()  # milestones folded into this one (same moment)

    @property
    def from_timeline(self) -> bool:
        return self.kind in ("note", "update") or (self.entry is not None and self.status_at is None)


def digest(entry: Entry) -> str:
    """A timeline entry's identity, for the watermark of what was told."""
    return hashlib.sha256(entry.raw.strip().encode("utf-8", "surrogatepass")).hexdigest()[:10]


def is_new(entry: Entry, told_at: datetime | None, told: Sequence[str]) -> bool:
    """Written after the watermark: later than `told_at`, or at it and not among `told`."""
    if entry.at is None:
        return False
    if told_at is None or entry.at > told_at:
        return True
    return entry.at == told_at and digest(entry) not in told


def story(
    incident: IncidentSummary,
    entries: Sequence[Entry],
    announced: Mapping[str, Any] | None,
    *,
    told_at: datetime | None,
    told: Sequence[str],
    timeline_known: bool,
) -> list[Milestone]:
    """Everything to tell since `announced` (None: never announced), in the order it happened.

    `timeline_known` is False for a delivery state written before the timeline was watched:
    then only the state's difference is told, not the old entries."""
    fresh = [e for e in entries if is_new(e, told_at, told)] if timeline_known else []
    found: list[Milestone] = []
    if announced is None:
        found.append(Milestone("declared", incident.declared_at, 0))
        before, before_at = "triage", None
    else:
        before, before_at = str(announced.get("status")), _text(announced.get("status_at"))
        found += _changes("severity_changed", _SEVERITY, fresh, announced.get("severity"), incident.severity)
        found += _changes(
            "commander_changed", _COMMANDER, fresh, announced.get("commander"), incident.commander
        )
    found += _lifecycle(incident, entries, before, before_at)
    found += [_told(entry) for entry in fresh if _is_note(entry.what)]
    return sorted(found, key=lambda m: (m.at is None, m.at or datetime.max, m.order))


def _told(entry: Entry) -> Milestone:
    kind: EventKind = "update" if entry.what.startswith(UPDATE_PREFIX) else "note"
    return Milestone(kind, entry.at, entry.line, entry)


def _is_note(what: str) -> bool:
    if what.startswith(UPDATE_PREFIX):
        return True
    if _SEVERITY.match(what) or _COMMANDER.match(what):
        return False
    return not what.startswith(_TOOL_PREFIXES)


def _changes(
    kind: EventKind, pattern: re.Pattern[str], fresh: Sequence[Entry], told: Any, now: str | None
) -> list[Milestone]:
    """Each change the timeline records since the last announcement, when its chain leads from
    what was told to what is; else (an edit by hand) the one net change."""
    chain = [(e, m.group(1), m.group(2)) for e in fresh if (m := pattern.match(e.what))]
    told_text, now_text = _text(told), _text(now)
    linked = all(a[2] == b[1] for a, b in pairwise(chain))
    if (
        chain
        and linked
        and chain[0][1] == _or_unassigned(told_text)
        and chain[-1][2] == _or_unassigned(now_text)
    ):
        return [Milestone(kind, e.at, e.line, e, _none(old), _none(new)) for e, old, new in chain]
    if told_text == now_text:
        return []
    last = chain[-1][0] if chain else None
    return [
        Milestone(kind, last.at if last else None, last.line if last else 1 << 30, last, told_text, now_text)
    ]


def _lifecycle(
    incident: IncidentSummary, entries: Sequence[Entry], before: str, before_at: str | None
) -> list[Milestone]:
    now = incident.status
    stamps = {status: getattr(incident, key) for status, key in STAMP.items()}
    path: list[str] = []
    if before == now:
        stamp = stamps.get(now)
        # told `resolved`, then reopened and resolved again: the stamp moved
        if now in ("mitigated", "resolved") and before_at and stamp and _stamp_text(stamp) != before_at:
            path = ["reopened", "investigating", *PATH[PATH.index("mitigated") : PATH.index(now) + 1]]
    elif now in PATH and before in ("cancelled", "merged"):  # undone: back as it was
        path = ["reopened"]
    elif now in PATH and before in PATH and PATH.index(now) < PATH.index(before):  # reopened
        path = ["reopened", *PATH[1 : PATH.index(now) + 1]]
    elif now in PATH:
        start = PATH.index(before) + 1 if before in PATH else 1
        path = list(PATH[start : PATH.index(now) + 1])
    else:  # cancelled or merged: the milestones on the way, then the end
        start = PATH.index(before) + 1 if before in PATH else 1
        path = [*PATH[start:-1], now]
    return _fold(incident, entries, path, stamps)


def _fold(
    incident: IncidentSummary, entries: Sequence[Entry], path: Sequence[str], stamps: Mapping[str, Any]
) -> list[Milestone]:
    found: list[Milestone] = []
    pending_also: list[EventKind] = []
    reopened_at = None
    for index, status in enumerate(path):
        if status == "reopened":
            entry = _last(entries, _REOPEN_PREFIXES)
            reopened_at = entry.at if entry else None
            # no entry (a hand edit): told just before what followed it
            later = [
                stamps[s] for s in path[index + 1 :] if s != "investigating" and stamps.get(s) is not None
            ]
            when = reopened_at or (min(later) if later else None)
            found.append(Milestone("reopened", when, entry.line if entry else 1 << 30, entry))
            continue
        stamp = stamps.get(status)
        last = index == len(path) - 1
        if not last and (stamp is None or (reopened_at and stamp < reopened_at)):
            continue  # not crossed (a skip, or cleared by the reopen)
        if status == "investigating" and found and found[-1].kind == "reopened":
            continue  # a reopen is the acknowledgement
        kind = EVENT[status]
        later = [stamps.get(s) for s in path[index + 1 :] if s != "reopened"]
        if not last and kind in FOLDABLE and stamp is not None and stamp in later:
            pending_also.append(kind)  # told with the later milestone of the same moment
            continue
        entry = _last(entries, ENTRY_PREFIX[kind])
        at = stamp if stamp is not None else (entry.at if entry else None)
        found.append(
            Milestone(
                kind,
                at,
                entry.line if entry else 1 << 30,
                entry,
                status_at=_stamp_text(stamp) if stamp else "",
                current=incident.merged_into if kind == "merged" else None,
                also=tuple(pending_also),
            )
        )
        pending_also = []
    if found and found[-1].kind == "reopened":  # nothing after it: the status it came back to
        found[-1] = replace(found[-1], current=incident.status)
    return found


def _last(entries: Sequence[Entry], prefix: str | tuple[str, ...]) -> Entry | None:
    for entry in reversed(entries):
        if entry.what.startswith(prefix):
            return entry
    return None


def _stamp_text(value: Any) -> str:
    stamp = as_datetime(value)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else ""


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _or_unassigned(value: str | None) -> str:
    return value or "unassigned"


def _none(value: str) -> str | None:
    return None if value == "unassigned" else value
