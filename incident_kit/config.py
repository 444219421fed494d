"""`incidents/config.yaml`: one typed object, validated with errors that name line and key."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from incident_kit.errors import ConfigError
from incident_kit.model import SEVERITIES

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
    slack: Mapping[str, Any] = field(default_factory=dict)
    github: Mapping[str, Any] = field(default_factory=dict)

    def canonical_service(self, name: str | None) -> str | None:
        """Map an alias (a seed spec_id, a job label) to the configured service name."""
        if not name:
            return name
        lowered = name.lower()
        for service in self.services.values():
            if lowered == service.name.lower() or lowered in (a.lower() for a in service.aliases):
                return service.name
        return name


def default_text() -> str:
    from importlib import resources

    return resources.files("incident_kit").joinpath("data/config.yaml").read_text("utf-8")


def load(root: Path, cache_dir: Path | None = None) -> Config:
    """The repository's configuration; the built-in defaults when the file is absent.

    With `cache_dir`, the parsed (and validated) data is kept as JSON keyed by the file's
    size, mtime, ctime and inode, so most commands import no YAML library at all (~20 ms).
    """
    path = root / CONFIG_PATH
    try:
        stat = path.stat()
    except FileNotFoundError:
        return Config()
    key = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
    cache = cache_dir / "config.json" if cache_dir is not None else None
    if cache is not None:
        try:
            cached = json.loads(cache.read_text("utf-8"))
            if cached.get("key") == key:
                return _Reader(CONFIG_PATH, check_zones=False).config(cached["data"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ConfigError):
            pass
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{CONFIG_PATH}: cannot read: {exc}") from None
    config = parse(text, CONFIG_PATH)
    if cache is not None:
        _write_cache(cache, key, text)
    return config


def _write_cache(cache: Path, key: list[int], text: str) -> None:
    """Best effort; only a configuration that parsed and validated gets here."""
    from ruamel.yaml import YAML

    try:
        data = _jsonable(YAML(typ="safe", pure=False).load(text))
        cache.parent.mkdir(parents=True, exist_ok=True)
        temp = cache.with_suffix(".tmp")
        temp.write_text(json.dumps({"key": key, "data": data}), "utf-8")
        os.replace(temp, cache)
    except Exception:
        return


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def parse(text: str, source: str = CONFIG_PATH) -> Config:
    """Validate with the fast safe loader; only an invalid file is re-read with the round-trip
    loader, whose line information lets the error name the line (a 4x slower parse)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=False).load(text)
    except (YAMLError, ValueError, TypeError):
        data = None  # the round-trip parse below reports it with its line
    else:
        try:
            return Config() if data is None else _Reader(source).config(data)
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
    return _Reader(source).config(data)


class _Reader:
    """Walks the round-trip tree so every error can name its line and dotted key."""

    def __init__(self, source: str, *, check_zones: bool = True) -> None:
        self.source = source
        # a cached config was checked when it was cached; the zone check alone imports zoneinfo
        self.check_zones = check_zones

    def check_zone(self, node: Any, where: str, zone: str) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(node, "timezone", f"{where}.timezone", f"unknown time zone {zone!r}") from None

    def fail(self, node: Any, key: str | int | None, where: str, message: str) -> ConfigError:
        line = 1
        try:
            if key is not None and hasattr(node, "lc"):
                line = (node.lc.key(key) if isinstance(key, str) else node.lc.item(key))[0] + 1
            elif hasattr(node, "lc"):
                line = node.lc.line + 1
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        return ConfigError(f"{self.source}:{line}: {where}: {message}")

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

    def severity(self, node: Any, key: str, where: str, value: Any) -> str:
        text = str(value).upper().replace("SEV", "SEV-").replace("--", "-")
        if text not in SEVERITIES:
            raise self.fail(node, key, where, f"{value!r} is not one of {', '.join(SEVERITIES)}")
        return text

    def config(self, data: Any) -> Config:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{self.source}:1: the configuration must be a mapping of keys")
        default_severity = self.severity(
            data, "default_severity", "default_severity", data.get("default_severity", "SEV-3")
        )
        descriptions = {}
        severities = self.mapping(data, "severities", "severities")
        for name, value in severities.items():
            sev = self.severity(severities, name, f"severities.{name}", name)
            desc = value.get("description", "") if isinstance(value, Mapping) else value
            descriptions[sev] = str(desc or "")
        postmortem = self.mapping(data, "postmortem", "postmortem")
        sections_node = self.mapping(postmortem, "required_sections", "postmortem.required_sections")
        required = {
            self.severity(sections_node, name, f"postmortem.required_sections.{name}", name): (
                self.strings(sections_node, name, f"postmortem.required_sections.{name}")
            )
            for name in sections_node
        }
        return Config(
            default_severity=default_severity,
            severity_descriptions=descriptions,
            required_sections=required,
            severity_rules=self.severity_rules(data),
            services=self.services(data),
            rotations=self.rotations(data),
            overrides=self.overrides(data),
            default_rotation=self.default_rotation(data),
            stakeholders=self.stakeholders(data),
            push=self.boolean(data, "push", "push", False),
            **self.alerts(data),
            slack=dict(self.mapping(data, "slack", "slack")),
            github=dict(self.mapping(data, "github", "github")),
        )

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

    def rotations(self, data: Any) -> dict[str, Rotation]:
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
            zone = str(value.get("timezone", "UTC"))
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
        maps_node = self.mapping(node, "severity_maps", "alerts.severity_maps")
        maps: dict[str, dict[str, str]] = {}
        for fmt, mapping in maps_node.items():
            where = f"alerts.severity_maps.{fmt}"
            if not isinstance(mapping, Mapping):
                raise self.fail(maps_node, fmt, where, "must be a mapping of raw value to SEV-n")
            maps[str(fmt)] = {
                str(raw).lower(): self.severity(mapping, raw, f"{where}.{raw}", sev)
                for raw, sev in mapping.items()
            }
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
            "severity_maps": maps,
        }
