"""Plain data the core passes around: an incident's summary and a post-mortem action item.

The words they use (statuses, severities, ...) live in `vocabulary`, re-exported here, and
`ActionItem` in `action_items` (a NamedTuple there, so the post-mortem gate of `close` creates
no dataclass), also re-exported.

These are read-only views built from the files; the files stay the source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from incident_kit.action_items import ActionItem
from incident_kit.vocabulary import (
    ACTION_ITEM_TYPES,
    KINDS,
    OPEN_STATUSES,
    SEVERITIES,
    STATUSES,
    SUMMARY_KEYS,
    TERMINAL_STATUSES,
    TIMESTAMP_KEYS,
)

__all__ = [
    "ACTION_ITEM_TYPES",
    "KINDS",
    "OPEN_STATUSES",
    "SEVERITIES",
    "STATUSES",
    "SUMMARY_KEYS",
    "TERMINAL_STATUSES",
    "TIMESTAMP_KEYS",
    "ActionItem",
    "IncidentSummary",
]


@dataclass(frozen=True, slots=True)  # slots: 50,000 of them in stats
class IncidentSummary:
    """What list, stats and the index need of one incident (no Markdown parsing)."""

    id: str
    title: str
    status: str
    severity: str
    kind: str
    service: str | None
    commander: str | None
    source: str | None
    path: str  # folder, relative to the repository root, POSIX separators
    impact_started_at: datetime | None = None
    detected_at: datetime | None = None
    declared_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    postmortem_at: datetime | None = None
    closed_at: datetime | None = None  # also set when cancelled or merged
    dedup_key: str | None = None
    merged_into: str | None = None
    slack_channel: str | None = None  # channel name, when one was created
    last_update_at: datetime | None = None  # the last stakeholder update (`incident update`)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
