"""Service status for the public page, derived from the public incidents alone (pure).

- A service's **status** is the worst of its open public incidents: the severity's status from
  `site.service_status` (SEV-1 major outage … SEV-4 degraded performance), at most
  `site.mitigated_status` once the incident is mitigated; operational when none is open.
- Its **history** is one status per UTC day for the last `site.history_days` days: the worst
  status any public incident of the service had that day, from its impact start to its
  resolution (to now while open).
- The page's **indicator** is Statuspage's: none, minor, major or critical, from the worst
  service status (or of an open public incident without a service).

Private incidents never reach this module's input, so nothing about them can show through a
status, a count or a day of history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from incident_kit.config.settings import COMPONENT_STATUSES, SiteSettings
from incident_kit.site.publicity import PublicUpdate
from incident_kit.site.record import NONE, Record, moment

STATUS_LABELS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
# Statuspage's page indicator and incident impact, by the worst component status
INDICATORS = {
    "operational": ("none", "All Systems Operational"),
    "degraded_performance": ("minor", "Minor Service Outage"),
    "partial_outage": ("major", "Partial System Outage"),
    "major_outage": ("critical", "Major System Outage"),
}
# Statuspage's incident status, by lifecycle status
INCIDENT_STATUS = {"triage": "investigating", "investigating": "investigating", "mitigated": "monitoring"}
INCIDENT_STATUS_LABELS = {
    "investigating": "Investigating",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
}


@dataclass(frozen=True)
class PublicIncident:
    id: str
    name: str
    component: str | None  # the service, when it has one
    status: str  # investigating, monitoring or resolved (Statuspage's words)
    impact: str  # none, minor, major, critical
    component_status: str  # what the service shows while the incident is open
    started_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    updated_at: datetime
    updates: tuple[PublicUpdate, ...]  # newest first

    @property
    def is_open(self) -> bool:
        return self.status != "resolved"


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    position: int
    status: str
    created_at: datetime
    updated_at: datetime
    days: tuple[tuple[date, str, int], ...]  # (day, worst status, public incidents that day)


@dataclass(frozen=True)
class StatusPage:
    page_id: str
    title: str
    url: str | None
    generated_at: datetime
    indicator: str
    description: str
    components: tuple[Component, ...]
    current: tuple[PublicIncident, ...]  # open, worst first
    past: tuple[PublicIncident, ...]  # resolved within the history window, newest first


def stable_id(*parts: str) -> str:
    """A 12-character id that stays the same from build to build (Statuspage ids look alike)."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:12]


def worst(statuses: Sequence[str]) -> str:
    return max(statuses, key=COMPONENT_STATUSES.index, default="operational")


def _capped(status: str, cap: str) -> str:
    return min(status, cap, key=COMPONENT_STATUSES.index)


def public_incident(record: Record, settings: SiteSettings) -> PublicIncident | None:
    """The customer's view of a public incident (None when it has no date to place it by)."""
    if record.started == NONE and record.declared == NONE:
        return None
    start = record.started if record.started != NONE else record.declared
    status = INCIDENT_STATUS.get(record.status, "resolved")
    component_status = settings.service_status.get(record.severity, "degraded_performance")
    updates = record.updates()
    resolved_at = moment(record.resolved) if record.resolved != NONE else None
    if status == "resolved" and resolved_at is None:  # closed by hand without a resolve time
        resolved_at = moment(max(start, record.last_update))
    monitoring_at = moment(record.mitigated) if record.mitigated != NONE else None
    times = [start, *(int(u.at.timestamp()) for u in updates)]
    times += [int(t.timestamp()) for t in (monitoring_at, resolved_at) if t is not None]
    return PublicIncident(
        id=record.id,
        name=record.public_title or record.title,
        component=record.service or None,
        status=status,
        impact=INDICATORS[component_status][0],
        component_status=component_status,
        started_at=moment(start),
        monitoring_at=monitoring_at,
        resolved_at=resolved_at,
        updated_at=moment(max(times)),
        updates=tuple(reversed(updates)),
    )


def current_status(incident: PublicIncident, settings: SiteSettings) -> str:
    if not incident.is_open:
        return "operational"
    if incident.status == "monitoring":
        return _capped(incident.component_status, settings.mitigated_status)
    return incident.component_status


def derive(records: Sequence[Record], settings: SiteSettings, *, now: datetime, page_id: str) -> StatusPage:
    """The status page of the given public records as of `now`."""
    now = now.astimezone(UTC)
    today = now.date()
    first_day = today - timedelta(days=settings.history_days - 1)
    incidents = [i for r in records if (i := public_incident(r, settings)) is not None]
    in_window = [i for i in incidents if i.is_open or (i.resolved_at and i.resolved_at.date() >= first_day)]
    names = list(settings.components) or sorted({i.component for i in in_window if i.component})
    components = []
    for position, name in enumerate(names, start=1):
        own = [i for i in incidents if i.component == name]
        status = worst([current_status(i, settings) for i in own])
        components.append(
            Component(
                id=stable_id(page_id, "component", name),
                name=name,
                position=position,
                status=status,
                created_at=min((i.started_at for i in own), default=now),
                updated_at=max((i.updated_at for i in own), default=now),
                days=_history(own, first_day, today, now, settings),
            )
        )
    open_ones = [i for i in incidents if i.is_open]
    overall = worst([c.status for c in components] + [current_status(i, settings) for i in open_ones])
    indicator, description = INDICATORS[overall]
    return StatusPage(
        page_id=page_id,
        title=settings.title,
        url=settings.url,
        generated_at=now,
        indicator=indicator,
        description=description,
        components=tuple(components),
        current=tuple(sorted(open_ones, key=_worst_first)),
        past=tuple(
            sorted(
                (i for i in in_window if not i.is_open),
                key=lambda i: (i.resolved_at or i.started_at, i.id),
                reverse=True,
            )
        ),
    )


def _worst_first(incident: PublicIncident) -> tuple[int, datetime, str]:
    return (-COMPONENT_STATUSES.index(incident.component_status), incident.started_at, incident.id)


def _history(
    incidents: Sequence[PublicIncident], first: date, last: date, now: datetime, settings: SiteSettings
) -> tuple[tuple[date, str, int], ...]:
    days = (last - first).days + 1
    statuses = [["operational"] for _ in range(days)]
    counts = [0] * days
    for incident in incidents:
        end = incident.resolved_at or now
        phases = [(incident.started_at, incident.monitoring_at or end, incident.component_status)]
        if incident.monitoring_at is not None:
            capped = _capped(incident.component_status, settings.mitigated_status)
            phases.append((incident.monitoring_at, end, capped))
        touched = set()
        for start, stop, status in phases:
            lo = max((start.date() - first).days, 0)
            hi = min((max(stop, start).date() - first).days, days - 1)
            for index in range(lo, hi + 1):
                statuses[index].append(status)
                touched.add(index)
        for index in touched:
            counts[index] += 1
    return tuple(
        (first + timedelta(days=index), worst(statuses[index]), counts[index]) for index in range(days)
    )
