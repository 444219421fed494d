"""Building the typed `Config` from parsed YAML, with errors that name the line and dotted key.

Why this module is long: it is one walk over the whole configuration schema, each section with
its own checks (and the people and channel names in it checked as what they become: a
commander, a place to post), so that every error can name its line and dotted key; split by
section, the schema would be scattered over a dozen files that each need the same walker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from incident_kit.config import alert_rules
from incident_kit.config.communication import read_announce, read_updates
from incident_kit.config.reminders_reader import read_reminders
from incident_kit.config.settings import (
    CONFIG_PATH,
    Config,
    GitHubSettings,
    Override,
    Rotation,
    Service,
    SeverityRule,
    SlackSettings,
)
from incident_kit.config.site_reader import read_site
from incident_kit.config.tracking_issues import read_tracking_issues
from incident_kit.errors import ConfigError
from incident_kit.sanitize import is_handle, safe_text
from incident_kit.severity import DEFAULT_SCALE, Scale

# it is printed in workflow logs and job summaries and posted to: one name, nothing else
_SLACK_CHANNEL = re.compile(r"^(?:#?[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{2,20})$")


class ReaderError(ConfigError):
    """A config error that knows the node and key it is about, so a forgiving load can drop
    just that part and use its default (`config.degraded`)."""

    def __init__(self, message: str, node: Any, key: str | int | None) -> None:
        super().__init__(message)
        self.node = node
        self.key = key


def parse(text: str, source: str = CONFIG_PATH) -> Config:
    """Validate with the fast safe loader; only an invalid file is re-read with the round-trip
    loader, whose line information lets the error name the line (a 4x slower parse).

    Anchors, aliases, tags and deep nesting are refused before either parse (`safe_yaml`): an
    alias bomb that parses in a millisecond would otherwise hang whatever walks the result.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from incident_kit import safe_yaml  # with the YAML parser: a cached config needs neither

    unsafe = safe_yaml.problem(text)
    if unsafe is not None:
        raise ConfigError(f"{source}:{unsafe.line + 1}: {unsafe.message}")
    try:
        data = YAML(typ="safe", pure=False).load(text)
    except (YAMLError, ValueError, TypeError):
        data = None  # the round-trip parse below reports it with its line
    else:
        try:
            return Config() if data is None else ConfigReader(source).config(data)
        except ConfigError:
            pass
    return _parse_with_lines(text, source)


def _parse_with_lines(text: str, source: str) -> Config:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ConfigError(f"{source}:{line}: invalid YAML: {exc.problem or exc.context}") from None
    except YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {str(exc).splitlines()[0]}") from None
    if data is None:
        return Config()
    return ConfigReader(source).config(data)


def line_of(node: Any, key: str | int | None = None) -> int:
    """1-based line of `node[key]` (or of the node) in the round-trip tree; 1 when unknown."""
    try:
        if key is not None and hasattr(node, "lc"):
            return int((node.lc.key(key) if isinstance(key, str) else node.lc.item(key))[0]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        pass  # the key is missing: the node's own line
    try:
        return int(node.lc.line) + 1 if hasattr(node, "lc") else 1
    except (TypeError, AttributeError):
        return 1


class ConfigReader:
    """Walks the round-trip tree so every error can name its line and dotted key."""

    def __init__(self, source: str, *, check_zones: bool = True) -> None:
        self.source = source
        # a cached config was checked when it was cached; the zone check alone imports zoneinfo
        self.check_zones = check_zones
        self.scale = DEFAULT_SCALE

    def check_zone(self, node: Any, where: str, zone: str) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            key = "timezone" if isinstance(node, Mapping) and "timezone" in node else None
            where = f"{where}.timezone" if where else "timezone"
            raise self.fail(node, key, where, f"unknown time zone {zone!r}") from None

    def fail(self, node: Any, key: str | int | None, where: str, message: str) -> ReaderError:
        line = line_of(node, key)
        return ReaderError(f"{self.source}:{line}: {where}: {message}", node, key)

    def mapping(self, node: Any, key: str, where: str) -> Mapping[str, Any]:
        value = node.get(key) if isinstance(node, Mapping) else None
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(node, key, where, "must be a mapping")
        return value

    def strings(self, node: Any, key: str, where: str) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise self.fail(node, key, where, "must be a list of strings")
        return tuple(str(v) for v in value)

    def handles(self, node: Any, key: str, where: str, people: tuple[str, ...]) -> None:
        """On-call people become an incident's commander: in commits, Slack topics and issues,
        so each must be one person's handle, as `--commander` must."""
        for person in people:
            if not is_handle(person.removeprefix("@")):
                shown = safe_text(person, 60)
                raise self.fail(node, key, where, f"{shown!r} is not one person's handle (e.g. alice)")

    def severity(self, node: Any, key: str | int, where: str, value: Any) -> str:
        found = self.scale.lookup(str(value)) if isinstance(value, (str, int)) else None
        if found is None:
            raise self.fail(node, key, where, f"{value!r} is not one of {', '.join(self.scale.levels)}")
        return found

    def severity_scale(self, data: Mapping[str, Any]) -> Scale:
        from incident_kit.config.severities import read_scale

        return read_scale(self, self.mapping(data, "severities", "severities"))

    def config(self, data: Any) -> Config:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{self.source}:1: the configuration must be a mapping of keys")
        self.scale = self.severity_scale(data)
        default_severity = self._default_severity(data)
        postmortem = self.mapping(data, "postmortem", "postmortem")
        sections_node = self.mapping(postmortem, "required_sections", "postmortem.required_sections")
        required = {
            self.severity(sections_node, name, f"postmortem.required_sections.{name}", name): (
                self.strings(sections_node, name, f"postmortem.required_sections.{name}")
            )
            for name in sections_node
        }
        timezone = self.team_timezone(data)
        return Config(
            default_severity=default_severity,
            severity_scale=self.scale,
            severity_descriptions=dict(self.scale.descriptions),
            required_sections=required,
            severity_rules=self.severity_rules(data),
            services=self.services(data),
            rotations=self.rotations(data, timezone),
            overrides=self.overrides(data),
            default_rotation=self.default_rotation(data),
            stakeholders=self.stakeholders(data),
            push=self.boolean(data, "push", "push", False),
            timezone=timezone,
            **self.alerts(data),
            slack=self.slack(data),
            github=self.github(data),
            updates=read_updates(self, data),
            site=read_site(self, data),
            reminders=read_reminders(self, data),
        )

    def _default_severity(self, data: Mapping[str, Any]) -> str:
        if data.get("default_severity") is not None:
            return self.severity(data, "default_severity", "default_severity", data["default_severity"])
        # the default scale's SEV-3 is its second-least severe level; a custom scale's likewise
        return self.scale.lookup("SEV-3") or self.scale.levels[max(0, len(self.scale.levels) - 2)]

    def team_timezone(self, data: Mapping[str, Any]) -> str | None:
        """`timezone:` — the zone times typed without one are read in (`--at 14:05`)."""
        value = data.get("timezone")
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(
                data, "timezone", "timezone", f"must be a zone name like Europe/Berlin, not {value!r}"
            )
        if self.check_zones:
            self.check_zone(data, "", value.strip())
        return value.strip()

    def boolean(self, node: Any, key: str, where: str, default: bool) -> bool:
        value = node.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(node, key, where, f"must be true or false, not {value!r}")
        return value

    def integer(self, node: Any, key: str, where: str, default: int, low: int) -> int:
        value = node.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(node, key, where, f"must be a whole number >= {low}, not {value!r}")
        return value

    def severity_rules(self, data: Any) -> tuple[SeverityRule, ...]:
        rules = data.get("severity_rules")
        if rules is None:
            return ()
        if not isinstance(rules, list):
            raise self.fail(data, "severity_rules", "severity_rules", "must be a list")
        out = []
        for index, rule in enumerate(rules):
            where = f"severity_rules[{index}]"
            if not isinstance(rule, Mapping) or "min_ratio" not in rule or "severity" not in rule:
                raise self.fail(rules, index, where, "needs min_ratio and severity")
            ratio = rule["min_ratio"]
            if isinstance(ratio, bool) or not isinstance(ratio, (int, float)):
                raise self.fail(rule, "min_ratio", f"{where}.min_ratio", "must be a number")
            sev = self.severity(rule, "severity", f"{where}.severity", rule["severity"])
            out.append(SeverityRule(float(ratio), sev))
        return tuple(out)

    def services(self, data: Any) -> dict[str, Service]:
        node = self.mapping(data, "services", "services")
        out = {}
        for name, value in node.items():
            where = f"services.{name}"
            value = value or {}
            if not isinstance(value, Mapping):
                raise self.fail(node, name, where, "must be a mapping")
            rotation = value.get("rotation")
            out[str(name)] = Service(
                name=str(name),
                aliases=self.strings(value, "aliases", f"{where}.aliases"),
                owners=self.strings(value, "owners", f"{where}.owners"),
                rotation=str(rotation) if rotation else None,
            )
        return out

    def rotations(self, data: Any, team_zone: str | None = None) -> dict[str, Rotation]:
        oncall = self.mapping(data, "oncall", "oncall")
        node = self.mapping(oncall, "rotations", "oncall.rotations")
        out = {}
        for name, value in node.items():
            where = f"oncall.rotations.{name}"
            if not isinstance(value, Mapping):
                raise self.fail(node, name, where, "must be a mapping")
            members = self.strings(value, "members", f"{where}.members")
            if not members:
                raise self.fail(value, "members", f"{where}.members", "needs at least one member")
            self.handles(value, "members", f"{where}.members", members)
            zone = str(value.get("timezone") or team_zone or "UTC")
            if self.check_zones:
                self.check_zone(value, where, zone)
            handoff_text = str(value.get("handoff", "09:00"))
            try:
                handoff = time.fromisoformat(handoff_text)
            except ValueError:
                raise self.fail(
                    value,
                    "handoff",
                    f"{where}.handoff",
                    f"{handoff_text!r} is not a time like 09:00",
                ) from None
            start = value.get("start")
            if isinstance(start, str):
                try:
                    start = date.fromisoformat(start)
                except ValueError:
                    start = None
            if isinstance(start, datetime):
                start = start.date()
            if not isinstance(start, date):
                raise self.fail(value, "start", f"{where}.start", "must be a date like 2026-01-05")
            out[str(name)] = Rotation(
                name=str(name),
                members=members,
                period_days=self.integer(value, "period_days", f"{where}.period_days", 7, 1),
                handoff=handoff,
                timezone=zone,
                start=start,
            )
        return out

    def overrides(self, data: Any) -> tuple[Override, ...]:
        oncall = self.mapping(data, "oncall", "oncall")
        node = oncall.get("overrides")
        if node is None:
            return ()
        if not isinstance(node, list):
            raise self.fail(oncall, "overrides", "oncall.overrides", "must be a list")
        out = []
        for index, value in enumerate(node):
            where = f"oncall.overrides[{index}]"
            if not isinstance(value, Mapping) or not value.get("who"):
                raise self.fail(node, index, where, "needs who, from and until")
            bounds = []
            for key in ("from", "until"):
                stamp = value.get(key)
                if isinstance(stamp, str):
                    try:
                        stamp = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
                    except ValueError:
                        stamp = None
                if not isinstance(stamp, datetime) or stamp.tzinfo is None:
                    raise self.fail(
                        value, key, f"{where}.{key}", "must be a timestamp with a time zone offset"
                    )
                bounds.append(stamp)
            rotation = value.get("rotation")
            self.handles(value, "who", f"{where}.who", (str(value["who"]),))
            out.append(Override(str(value["who"]), bounds[0], bounds[1], str(rotation) if rotation else None))
        return tuple(out)

    def default_rotation(self, data: Any) -> str | None:
        oncall = self.mapping(data, "oncall", "oncall")
        value = oncall.get("default_rotation")
        if value is None:
            return None
        rotations = self.mapping(oncall, "rotations", "oncall.rotations")
        if value not in rotations:
            raise self.fail(
                oncall,
                "default_rotation",
                "oncall.default_rotation",
                f"no rotation named {value!r}",
            )
        return str(value)

    def stakeholders(self, data: Any) -> dict[str, tuple[str, ...]]:
        node = self.mapping(data, "stakeholders", "stakeholders")
        return {
            self.severity(node, name, f"stakeholders.{name}", name): self.strings(
                node, name, f"stakeholders.{name}"
            )
            for name in node
        }

    def alerts(self, data: Any) -> dict[str, Any]:
        node = self.mapping(data, "alerts", "alerts")
        return {
            "max_payload_bytes": self.integer(
                node, "max_payload_bytes", "alerts.max_payload_bytes", 256 * 1024, 1024
            ),
            "max_depth": self.integer(node, "max_depth", "alerts.max_depth", 32, 2),
            "resolved_marks_mitigated": self.boolean(
                node, "resolved_marks_mitigated", "alerts.resolved_marks_mitigated", True
            ),
            "insufficient_data_as_alert": self.boolean(
                node, "insufficient_data_as_alert", "alerts.insufficient_data_as_alert", False
            ),
            **alert_rules.read(self, node),  # severity_maps, test notifications, grouping, storm
        }

    def slack(self, data: Any) -> SlackSettings:
        node = self.mapping(data, "slack", "slack")
        defaults = SlackSettings()
        announcement = self.text(node, "announcement_channel", "slack", defaults.announcement_channel)
        if not _SLACK_CHANNEL.match(announcement):
            raise self.fail(
                node,
                "announcement_channel",
                "slack.announcement_channel",
                f"{safe_text(announcement, 60)!r} is not a Slack channel: #name (lowercase letters, "
                "digits, - and _; at most 80) or a channel id like C0123ABCD",
            )
        return SlackSettings(
            announcement_channel=announcement,
            channel_pattern=self.text(node, "channel_pattern", "slack", defaults.channel_pattern),
            invite=self.strings(node, "invite", "slack.invite"),
            archive_on_close=self.boolean(node, "archive_on_close", "slack.archive_on_close", False),
            users=self.names(node, "users", "slack.users"),
            announce=read_announce(self, node),
        )

    def github(self, data: Any) -> GitHubSettings:
        node = self.mapping(data, "github", "github")
        defaults = GitHubSettings()
        return GitHubSettings(
            labels=self.strings(node, "labels", "github.labels") or defaults.labels,
            rollback_workflow=self.workflow(node, "rollback_workflow"),
            hotfix_workflow=self.workflow(node, "hotfix_workflow"),
            ref=self.text(node, "ref", "github", defaults.ref),
            logins=self.names(node, "logins", "github.logins"),
            tracking_issues=read_tracking_issues(self, node),
        )

    def text(self, node: Any, key: str, where: str, default: str) -> str:
        value = node.get(key)
        if value is None or value == "":
            return default
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise self.fail(node, key, f"{where}.{key}", f"must be text, not {value!r}")
        return str(value)

    def names(self, node: Any, key: str, where: str) -> dict[str, str]:
        value = self.mapping(node, key, where)
        return {str(k): str(v) for k, v in value.items() if v is not None}

    def workflow(self, node: Any, key: str) -> str | Mapping[str, Any] | None:
        value = node.get(key)
        if value is None or isinstance(value, str):
            return value or None
        if isinstance(value, Mapping) and value.get("event_type"):
            return {str(k): v for k, v in value.items()}
        raise self.fail(node, key, f"github.{key}", "must be a workflow file name or {event_type: NAME}")
