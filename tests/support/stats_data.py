"""A hand-built incident history with known timestamps, for stats and index tests.

The expected numbers in tests/stats are worked out by hand from the comments below; change a
timestamp here and those tests (and the golden files) say which numbers moved.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from incident_kit.model import ActionItem, IncidentSummary

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """`"2026-01-05 10:02"` (or with seconds) as a UTC datetime."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(text, fmt).replace(tzinfo=UTC)


def incident(
    id: str,
    *,
    severity: str = "SEV-3",
    status: str = "resolved",
    service: str | None = "auth",
    kind: str = "incident",
    title: str | None = None,
    **timestamps_and_more: Any,
) -> IncidentSummary:
    """An IncidentSummary; timestamp keywords take `at()` strings, the rest goes as is."""
    fields: dict[str, Any] = {}
    for key, value in timestamps_and_more.items():
        fields[key] = at(value) if key.endswith("_at") and isinstance(value, str) else value
    return IncidentSummary(
        id=id,
        title=title or f"Incident {id}",
        status=status,
        severity=severity,
        kind=kind,
        service=service,
        commander=fields.pop("commander", "alice"),
        source=fields.pop("source", "alertmanager"),
        path=fields.pop("path", f"incidents/{id[4:8]}-{id[8:10]}/{id}-slug"),
        **fields,
    )


def sample_incidents() -> list[IncidentSummary]:
    """Thirteen incidents, 2025-12 to 2026-03. Durations counted in the times, in seconds:

    id     sev    service   ack (from)          mitigate (from)       resolve
    mmmm   SEV-1  auth      300 (detected)      7200 (detected)       14400
    aaaa   SEV-1  auth      420 (detected)      3600 (impact)          7200
    eeee   SEV-3  payments 1800 (detected)      3600 (detected)       10800
    bbbb   SEV-2  auth      600 (detected)      2400 (detected)        5400
    cccc   SEV-2  auth      180 (declared)      1800 (declared)        7200
    ffff   SEV-2  payments   60 (detected)      3600 (impact)          5400
    dddd   SEV-1  auth     1200 (detected)      -                      -      (open)
    gggg   SEV-4  payments    -                 -                      -      (open)
    llll   SEV-3  (none)   2400 (detected)      3600 (detected)        7200
    Left out of the times: hhhh (drill), jjjj (merged), iiii and kkkk (cancelled).
    """
    return [
        incident(
            "inc-20251220-mmmm",
            severity="SEV-1",
            status="closed",
            dedup_key="am:auth-latency",
            detected_at="2025-12-20 23:30",
            declared_at="2025-12-20 23:30",
            acknowledged_at="2025-12-20 23:35",
            mitigated_at="2025-12-21 01:30",
            resolved_at="2025-12-21 03:30",
        ),
        incident(
            "inc-20260105-aaaa",
            severity="SEV-1",
            status="closed",
            dedup_key="am:auth-latency",
            slack_channel="inc-20260105-aaaa-auth",
            impact_started_at="2026-01-05 09:50",
            detected_at="2026-01-05 10:00",
            declared_at="2026-01-05 10:02",
            acknowledged_at="2026-01-05 10:07",
            mitigated_at="2026-01-05 10:50",
            resolved_at="2026-01-05 11:50",
            closed_at="2026-01-09 16:00",
        ),
        incident(
            "inc-20260115-eeee",
            status="closed",
            service="payments",
            commander="bob",
            detected_at="2026-01-15 12:00",
            declared_at="2026-01-15 12:00",
            acknowledged_at="2026-01-15 12:30",
            mitigated_at="2026-01-15 13:00",
            resolved_at="2026-01-15 15:00",
            closed_at="2026-01-20 09:00",
        ),
        incident(
            "inc-20260120-bbbb",
            severity="SEV-2",
            dedup_key="am:auth-latency",
            detected_at="2026-01-20 08:00",
            declared_at="2026-01-20 08:05",
            acknowledged_at="2026-01-20 08:10",
            mitigated_at="2026-01-20 08:40",
            resolved_at="2026-01-20 09:30",
        ),
        incident(
            "inc-20260120-jjjj",
            severity="SEV-2",
            status="merged",
            merged_into="inc-20260120-bbbb",
            dedup_key="am:auth-latency",
            declared_at="2026-01-20 08:06",
            acknowledged_at="2026-01-20 08:07",
            closed_at="2026-01-20 08:15",
        ),
        incident(
            "inc-20260210-cccc",
            severity="SEV-2",
            status="postmortem",
            declared_at="2026-02-10 14:00",
            acknowledged_at="2026-02-10 14:03",
            mitigated_at="2026-02-10 14:30",
            resolved_at="2026-02-10 16:00",
            postmortem_at="2026-02-12 10:00",
        ),
        incident(
            "inc-20260212-hhhh",
            severity="SEV-2",
            status="closed",
            kind="drill",
            detected_at="2026-02-12 10:00",
            declared_at="2026-02-12 10:00",
            acknowledged_at="2026-02-12 10:00:30",
            mitigated_at="2026-02-12 10:05",
            resolved_at="2026-02-12 10:10",
            closed_at="2026-02-12 11:00",
        ),
        incident(
            "inc-20260222-ffff",
            severity="SEV-2",
            service="payments",
            commander="carol",
            impact_started_at="2026-02-22 20:00",
            detected_at="2026-02-22 20:15",
            declared_at="2026-02-22 20:20",
            acknowledged_at="2026-02-22 20:16",
            mitigated_at="2026-02-22 21:00",
            resolved_at="2026-02-22 21:30",
        ),
        incident(
            "inc-20260301-dddd",
            severity="SEV-1",
            status="investigating",
            slack_channel="inc-20260301-dddd-auth-down",
            detected_at="2026-03-01 00:00",
            declared_at="2026-03-01 00:01",
            acknowledged_at="2026-03-01 00:20",
        ),
        incident(
            "inc-20260305-gggg",
            severity="SEV-4",
            status="triage",
            service="payments",
            commander=None,
            declared_at="2026-03-05 09:00",
        ),
        incident(
            "inc-20260310-iiii",
            status="cancelled",
            service="search",
            dedup_key="dd:search-5xx",
            declared_at="2026-03-10 10:00",
            acknowledged_at="2026-03-10 10:01",
            closed_at="2026-03-10 10:30",
        ),
        incident(
            "inc-20260318-llll",
            service=None,
            detected_at="2026-03-18 06:00",
            declared_at="2026-03-18 06:10",
            acknowledged_at="2026-03-18 06:40",
            mitigated_at="2026-03-18 07:00",
            resolved_at="2026-03-18 08:00",
        ),
        incident(
            "inc-20260325-kkkk",
            status="cancelled",
            service="search",
            dedup_key="dd:search-5xx",
            declared_at="2026-03-25 17:00",
            closed_at="2026-03-25 17:20",
        ),
    ]


def item(
    incident_id: str,
    item_id: str,
    owner: str | None,
    due: str | None,
    *,
    done: bool = False,
    text: str | None = None,
) -> ActionItem:
    return ActionItem(
        incident_id=incident_id,
        item_id=item_id,
        text=text or f"Follow-up {item_id} of {incident_id}",
        owner=owner,
        due=date.fromisoformat(due) if due else None,
        type="prevent",
        done=done,
    )


def sample_action_items() -> list[ActionItem]:
    """Today is 2026-04-01 (NOW): due before it and not done is overdue.

    open: aaaa AI-1, aaaa AI-2, bbbb AI-1, bbbb AI-2, cccc AI-1, mmmm AI-1  (6)
    overdue: aaaa AI-1 (alice, 59 days), bbbb AI-1 (alice, 1 day), mmmm AI-1 (bob, 81 days)
    cccc AI-1 is due today: open, not overdue. aaaa AI-3 is done.
    """
    return [
        item("inc-20260105-aaaa", "AI-1", "alice", "2026-02-01"),
        item("inc-20260105-aaaa", "AI-2", "bob", "2026-05-01"),
        item("inc-20260105-aaaa", "AI-3", "alice", "2026-01-15", done=True),
        item("inc-20260120-bbbb", "AI-1", "alice", "2026-03-31"),
        item("inc-20260120-bbbb", "AI-2", None, None),
        item("inc-20260210-cccc", "AI-1", "carol", "2026-04-01"),
        item("inc-20251220-mmmm", "AI-1", "bob", "2026-01-10"),
    ]
