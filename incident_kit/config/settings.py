"""`incidents/config.yaml` as one typed object: every setting and its default live here.

`config.reader` builds it from the file (validating, with errors that name line and key) and
`config.loading` finds, caches and reads the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

CONFIG_PATH = "incidents/config.yaml"


@dataclass(frozen=True)
class Rotation:
    name: str
    members: tuple[str, ...]
    period_days: int
    handoff: time
    timezone: str
    start: date


@dataclass(frozen=True)
class Override:
    who: str
    start: datetime
    end: datetime
    rotation: str | None = None


@dataclass(frozen=True)
class Service:
    name: str
    aliases: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    rotation: str | None = None


@dataclass(frozen=True)
class SeverityRule:
    min_ratio: float
    severity: str


@dataclass(frozen=True)
class SlackSettings:
    """`slack:` — where incidents are announced and how their channels are named."""

    announcement_channel: str = "#incidents"
    channel_pattern: str = "inc-{date}-{slug}"  # placeholders: {id} {date} {slug} {service} {severity}
    invite: tuple[str, ...] = ()
    archive_on_close: bool = False
    users: Mapping[str, str] = field(default_factory=dict)  # person -> Slack user id


@dataclass(frozen=True)
class GitHubSettings:
    """`github:` — action-item issues and the rollback / hotfix workflows."""

    labels: tuple[str, ...] = ("incident-action-item",)
    rollback_workflow: str | Mapping[str, Any] | None = None
    hotfix_workflow: str | Mapping[str, Any] | None = None
    ref: str = "main"
    logins: Mapping[str, str] = field(default_factory=dict)  # person -> GitHub login


# What a service shows on the status page, best first (Atlassian Statuspage's component statuses).
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage")


@dataclass(frozen=True)
class SiteSettings:
    """`site:` — the public status page and the internal incident site (`incident site`).

    An incident is private unless its frontmatter says `public: true`, or (without a `public:`
    key) its severity or service is listed here; drills never are.
    """

    title: str = "Service status"
    url: str | None = None  # where the status page is published: links in status.json and the feed
    public_severities: tuple[str, ...] = ()
    public_services: tuple[str, ...] = ()
    components: tuple[str, ...] = ()  # services on the status page (default: those of public incidents)
    # the status a service shows while a public incident of that severity is open
    service_status: Mapping[str, str] = field(
        default_factory=lambda: {
            "SEV-1": "major_outage",
            "SEV-2": "partial_outage",
            "SEV-3": "degraded_performance",
            "SEV-4": "degraded_performance",
        }
    )
    mitigated_status: str = "degraded_performance"  # at worst, once the incident is mitigated
    history_days: int = 90
    # an open incident with no timeline entry for this long is overdue for an update
    update_every_minutes: Mapping[str, int] = field(
        default_factory=lambda: {"SEV-1": 30, "SEV-2": 60, "SEV-3": 240, "SEV-4": 1440}
    )


@dataclass(frozen=True)
class Config:
    default_severity: str = "SEV-3"
    severity_descriptions: Mapping[str, str] = field(default_factory=dict)
    required_sections: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    severity_rules: tuple[SeverityRule, ...] = ()
    services: Mapping[str, Service] = field(default_factory=dict)
    rotations: Mapping[str, Rotation] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    default_rotation: str | None = None
    stakeholders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    push: bool = False
    max_payload_bytes: int = 256 * 1024
    max_depth: int = 32
    resolved_marks_mitigated: bool = True
    insufficient_data_as_alert: bool = False
    severity_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    slack: SlackSettings = field(default_factory=SlackSettings)
    github: GitHubSettings = field(default_factory=GitHubSettings)
    site: SiteSettings = field(default_factory=SiteSettings)

    def canonical_service(self, name: str | None) -> str | None:
        """Map an alias (a seed spec_id, a job label) to the configured service name."""
        if not name:
            return name
        lowered = name.lower()
        for service in self.services.values():
            if lowered == service.name.lower() or lowered in (a.lower() for a in service.aliases):
                return service.name
        return name
