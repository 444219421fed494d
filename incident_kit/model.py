"""Plain data the core passes around: an incident's summary and a post-mortem action item.

These are read-only views built from the files; the files stay the source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

STATUSES = (
    "triage",
    "investigating",
    "mitigated",
    "resolved",
    "postmortem",
    "closed",
    "cancelled",
    "merged",
)
OPEN_STATUSES = ("triage", "investigating", "mitigated")
TERMINAL_STATUSES = ("closed", "cancelled", "merged")
SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")
KINDS = ("incident", "drill")
ACTION_ITEM_TYPES = ("prevent", "mitigate", "detect", "process")

# the frontmatter keys an incident's summary is made of (list, stats, the index, dedup)
SUMMARY_KEYS = (
    "id", "title", "status", "severity", "kind", "service", "commander", "source",
    "impact_started_at", "detected_at", "declared_at", "acknowledged_at", "mitigated_at",
    "resolved_at", "postmortem_at", "closed_at", "merged_into", "last_update_at",
)  # fmt: skip

# lifecycle timestamp keys, in the order they happen
TIMESTAMP_KEYS = (
    "impact_started_at",
    "detected_at",
    "declared_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "postmortem_at",
    "closed_at",
)


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


@dataclass(frozen=True, slots=True)
class ActionItem:
    """One line of a post-mortem's Action items task list.

    `- [ ] AI-1: Add a circuit breaker — owner: @alice — due: 2026-12-10 — type: prevent`
    optionally followed by ` — issue: #123` once sync opened its GitHub issue.
    """

    incident_id: str
    item_id: str  # "AI-1"
    text: str
    owner: str | None  # without the leading "@"
    due: date | None
    type: str | None
    done: bool
    issue: str | None = None  # "#123" or "owner/repo#123"
    line: int = 0  # 1-based line number in postmortem.md
