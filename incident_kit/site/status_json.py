"""`status.json`: the public status in the shape of Atlassian Statuspage's `summary.json`
(`/api/v2/summary.json`), so existing status widgets and aggregators can read it (pure).

`page`, `status` (indicator none/minor/major/critical and its description), `components`
(operational / degraded_performance / partial_outage / major_outage), the unresolved
`incidents` with their `incident_updates`, and `scheduled_maintenances` (always empty).
Ids are stable hashes (components, updates) or the incident's own id.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from incident_kit.site.status import PublicIncident, StatusPage, stable_id


def _ts(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _incident(
    status: StatusPage, incident: PublicIncident, components: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    base = status.url.rstrip("/") if status.url else ""
    updates = [
        {
            "id": stable_id(status.page_id, incident.id, _ts(u.at) or "", u.text),
            "status": incident.status,
            "body": u.text,
            "incident_id": incident.id,
            "created_at": _ts(u.at),
            "updated_at": _ts(u.at),
            "display_at": _ts(u.at),
            "affected_components": None,
            "deliver_notifications": False,
            "custom_tweet": None,
            "tweet_id": None,
        }
        for u in incident.updates
    ]
    return {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status,
        "created_at": _ts(incident.started_at),
        "updated_at": _ts(incident.updated_at),
        "monitoring_at": _ts(incident.monitoring_at),
        "resolved_at": _ts(incident.resolved_at),
        "impact": incident.impact,
        "shortlink": f"{base}/#{incident.id}" if base else f"#{incident.id}",
        "started_at": _ts(incident.started_at),
        "page_id": status.page_id,
        "incident_updates": updates,
        "components": [components[incident.component]] if incident.component in components else [],
    }


def summary(status: StatusPage) -> dict[str, Any]:
    components = {
        c.name: {
            "id": c.id,
            "name": c.name,
            "status": c.status,
            "created_at": _ts(c.created_at),
            "updated_at": _ts(c.updated_at),
            "position": c.position,
            "description": None,
            "showcase": True,
            "start_date": None,
            "group_id": None,
            "page_id": status.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }
        for c in status.components
    }
    return {
        "page": {
            "id": status.page_id,
            "name": status.title,
            "url": status.url or "",
            "time_zone": "Etc/UTC",
            "updated_at": _ts(status.generated_at),
        },
        "components": list(components.values()),
        "incidents": [_incident(status, i, components) for i in status.current],
        "scheduled_maintenances": [],
        "status": {"indicator": status.indicator, "description": status.description},
    }


def render(status: StatusPage) -> str:
    return json.dumps(summary(status), indent=2, ensure_ascii=False) + "\n"
