"""`incidents/config.yaml` as one typed object: every setting and its default live here.

`config.reader` builds it from the file (validating, with errors that name line and key) and
`config.loading` finds, caches and reads the file.
"""

# No `from __future__ import annotations` here: typing.NamedTuple compiles every string
# annotation into a ForwardRef when the class is made, which every command pays for.

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any, NamedTuple

from incident_kit.config.reminders import ReminderSettings
from incident_kit.severity import DEFAULT_SCALE, Scale

CONFIG_PATH = "incidents/config.yaml"


class Rotation(NamedTuple):
    name: str
    members: tuple[str, ...]
    period_days: int
    handoff: time
    timezone: str
    start: date


class Override(NamedTuple):
    who: str
    start: datetime
    end: datetime
    rotation: str | None = None


class Service(NamedTuple):
    name: str
    aliases: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    rotation: str | None = None


class SeverityRule(NamedTuple):
    min_ratio: float
    severity: str


# What the announcement channel can hear (`slack.announce`); every event also goes to the
# incident's own channel, and plain notes go there only.
ANNOUNCE_EVENTS = (
    "declared", "acknowledged", "escalated", "deescalated", "commander_changed", "mitigated",
    "resolved", "reopened", "postmortem", "closed", "cancelled", "merged", "update",
)  # fmt: skip
ALWAYS_ANNOUNCED = frozenset({"resolved"})  # the final communication reaches everyone
_MAJOR = (
    "declared", "escalated", "deescalated", "commander_changed", "mitigated", "resolved",
    "reopened", "postmortem", "closed", "cancelled", "merged", "update",
)  # fmt: skip
_MINOR = ("declared", "escalated", "resolved", "reopened", "cancelled", "merged")
DEFAULT_ANNOUNCE: Mapping[str, tuple[str, ...]] = {
    "SEV-1": _MAJOR,
    "SEV-2": tuple(kind for kind in _MAJOR if kind not in ("commander_changed", "postmortem")),
    "SEV-3": _MINOR,
    "SEV-4": _MINOR,
}


class SlackSettings(NamedTuple):
    """`slack:` — where incidents are announced and how their channels are named."""

    announcement_channel: str = "#incidents"
    channel_pattern: str = "inc-{date}-{slug}"  # placeholders: {id} {date} {slug} {service} {severity}
    invite: tuple[str, ...] = ()
    archive_on_close: bool = False
    users: Mapping[str, str] = {}  # person -> Slack user id
    # severity -> the events the announcement channel hears (a severity not listed: the defaults)
    announce: Mapping[str, tuple[str, ...]] = dict(DEFAULT_ANNOUNCE)

    def announces(self, severity: str, event: str) -> bool:
        """Does the announcement channel hear `event` (an `ANNOUNCE_EVENTS` name) at `severity`?"""
        if event in ALWAYS_ANNOUNCED:
            return True
        listed = self.announce.get(severity, DEFAULT_ANNOUNCE.get(severity, _MINOR))
        return event in listed


# How often the commander owes stakeholders an update while an incident is open, in minutes.
DEFAULT_UPDATE_EVERY: Mapping[str, int] = {"SEV-1": 30, "SEV-2": 60}


class UpdateSettings(NamedTuple):
    """`updates:` — the stakeholder-update cadence `list`, `show`, the status message and the
    reminders in `sync` hold the commander to."""

    every: Mapping[str, int] = dict(DEFAULT_UPDATE_EVERY)  # minutes

    def every_minutes(self, severity: str) -> int | None:
        minutes = self.every.get(severity)
        return minutes if minutes else None


class TrackingIssueSettings(NamedTuple):
    """`github.tracking_issues` — one GitHub issue per incident, opened and kept in step by
    `sync` (title, labels, facts), closed when the incident closes, reopened on reopen."""

    enabled: bool = True
    severities: tuple[str, ...] = ("SEV-1", "SEV-2")  # what gets one (on a custom scale: the top two)
    label: str = "incident"  # on every tracking issue: how sync finds one again by its marker

    def wanted(self, severity: str) -> bool:
        return self.enabled and severity in self.severities


class GitHubSettings(NamedTuple):
    """`github:` — action-item issues and the rollback / hotfix workflows."""

    labels: tuple[str, ...] = ("incident-action-item",)
    rollback_workflow: str | Mapping[str, Any] | None = None
    hotfix_workflow: str | Mapping[str, Any] | None = None
    ref: str = "main"
    logins: Mapping[str, str] = {}  # person -> GitHub login
    tracking_issues: TrackingIssueSettings = TrackingIssueSettings()


# What a service shows on the status page, best first (Atlassian Statuspage's component statuses).
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage")


class SiteSettings(NamedTuple):
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
    service_status: Mapping[str, str] = {
        "SEV-1": "major_outage",
        "SEV-2": "partial_outage",
        "SEV-3": "degraded_performance",
        "SEV-4": "degraded_performance",
    }
    mitigated_status: str = "degraded_performance"  # at worst, once the incident is mitigated
    history_days: int = 90


class GroupingRule(NamedTuple):
    """`alerts.grouping[]` — alerts that match join one open incident instead of each declaring one.

    A rule matches a delivery when every condition given holds (none given: every delivery);
    matching deliveries with the same values of `by` share an incident while its last alert is
    at most `window_minutes` old.
    """

    name: str  # names the incident's group key: lower-case letters, digits and `-`
    sources: tuple[str, ...] = ()  # the alert's source or format, any of these
    services: tuple[str, ...] = ()  # the configured (canonical) service, any of these
    labels: Mapping[str, str] = {}  # label values, all of these
    by: tuple[str, ...] = ("service",)  # `service`, `source` or `labels.<name>`
    window_minutes: int = 30


class StormSettings(NamedTuple):
    """`alerts.storm` — past `threshold` incidents declared from alerts within `window_minutes`,
    further alerts fold into one storm incident (until none has arrived for the window)."""

    threshold: int = 0  # 0: no storm handling
    window_minutes: int = 10


TEST_NOTIFICATION_POLICIES = ("drill", "ignore")


class Config(NamedTuple):
    default_severity: str = "SEV-3"
    severity_scale: Scale = DEFAULT_SCALE  # `severities:` — levels (most severe first) and aliases
    severity_descriptions: Mapping[str, str] = {}
    required_sections: Mapping[str, tuple[str, ...]] = {}
    severity_rules: tuple[SeverityRule, ...] = ()
    services: Mapping[str, Service] = {}
    rotations: Mapping[str, Rotation] = {}
    overrides: tuple[Override, ...] = ()
    default_rotation: str | None = None
    stakeholders: Mapping[str, tuple[str, ...]] = {}
    push: bool = False
    timezone: str | None = None  # the team's zone for times typed without one (else TZ, else UTC)
    max_payload_bytes: int = 256 * 1024
    max_depth: int = 32
    resolved_marks_mitigated: bool = True
    insufficient_data_as_alert: bool = False
    severity_maps: Mapping[str, Mapping[str, str]] = {}
    # a sender's test notification (Grafana's TestAlert, Datadog's [TEST]): declared as a drill
    # that says so, or ignored (exit 0, nothing written)
    test_notifications: str = "drill"
    grouping: tuple[GroupingRule, ...] = ()
    storm: StormSettings = StormSettings()
    slack: SlackSettings = SlackSettings()
    github: GitHubSettings = GitHubSettings()
    updates: UpdateSettings = UpdateSettings()
    site: SiteSettings = SiteSettings()
    reminders: ReminderSettings = ReminderSettings()

    def canonical_service(self, name: str | None) -> str | None:
        """Map an alias (a seed spec_id, a job label) to the configured service name."""
        if not name:
            return name
        lowered = name.lower()
        for service in self.services.values():
            if lowered == service.name.lower() or lowered in (a.lower() for a in service.aliases):
                return service.name
        return name
