"""`site:` in incidents/config.yaml (the status page and the incident site), read and checked.

Like the other readers it walks the round-trip tree through `ConfigReader`, so an error names
the file, line and dotted key. Severity-keyed defaults apply to the team's scale level by level
(`communication.by_rank`): on a P1..P4 scale, P1 is a major outage like SEV-1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from incident_kit.config.communication import by_rank
from incident_kit.config.settings import COMPONENT_STATUSES, SiteSettings

if TYPE_CHECKING:
    from incident_kit.config.reader import ConfigReader


def read_site(reader: ConfigReader, data: Mapping[str, Any]) -> SiteSettings:
    node = reader.mapping(data, "site", "site")
    defaults = SiteSettings()
    public = reader.mapping(node, "public", "site.public")
    url = node.get("url")
    if url is not None:
        from incident_kit.sanitize import safe_url

        if not isinstance(url, str) or safe_url(url) != url:
            raise reader.fail(node, "url", "site.url", f"must be an http(s) URL, not {url!r}")
    status = by_rank(reader.scale.levels, defaults.service_status, "degraded_performance")
    given = reader.mapping(node, "service_status", "site.service_status")
    for name, value in given.items():
        where = f"site.service_status.{name}"
        status[reader.severity(given, name, where, name)] = _component_status(
            reader, given, name, where, value
        )
    mitigated = node.get("mitigated_status")
    return SiteSettings(
        title=reader.text(node, "title", "site", defaults.title),
        url=url,
        public_severities=tuple(
            reader.severity(public, "severities", "site.public.severities", value)
            for value in reader.strings(public, "severities", "site.public.severities")
        ),
        public_services=reader.strings(public, "services", "site.public.services"),
        components=reader.strings(node, "components", "site.components"),
        service_status=status,
        mitigated_status=defaults.mitigated_status
        if mitigated is None
        else _component_status(reader, node, "mitigated_status", "site.mitigated_status", mitigated),
        history_days=reader.integer(node, "history_days", "site.history_days", defaults.history_days, 1),
    )


def _component_status(reader: ConfigReader, node: Any, key: str, where: str, value: Any) -> str:
    if value not in COMPONENT_STATUSES:
        raise reader.fail(node, key, where, f"{value!r} is not one of {', '.join(COMPONENT_STATUSES)}")
    return str(value)
