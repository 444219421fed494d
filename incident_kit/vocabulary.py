"""The fixed words of an incident file: its statuses, severities, kinds, action-item types and
the frontmatter keys summaries and timestamps are made of.

Plain tuples, apart from `model`'s classes: the write path needs the words, not the classes, and
creating a dataclass costs about a millisecond at every start (docs/benchmarks.md).
"""

from __future__ import annotations

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
