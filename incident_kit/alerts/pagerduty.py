"""PagerDuty V3 webhook subscriptions: one event per request, `incident.*` ones are alerts.

Schema: PagerDuty/developer-docs `docs/webhooks/01-Overview.md`. Other resources (`service.*`)
and incident sub-resources (notes, responders: `data.type` other than `incident`) are valid
deliveries but not alerts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import single, start_time
from incident_kit.alerts.detection import unknown_shape
from incident_kit.alerts.model import Alert, Delivery, NotAnAlert, ParseOptions
from incident_kit.alerts.severity import PAGERDUTY, map_severity
from incident_kit.alerts.timestamps import parse_timestamp
from incident_kit.errors import InputError


class PagerDutyFormat:
    name = "pagerduty"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        return f.has(payload, "event", "event_type") and f.has(payload, "event", "resource_type")

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        """The retired V1/V2 webhooks: `{"messages": [{"event"|"type": "incident.trigger"…}]}`."""
        first = f.get(payload, "messages", 0)
        kind = f.get_str(first, "event") or f.get_str(first, "type") or ""
        if not kind.startswith("incident."):
            return None
        return unknown_shape(
            "PagerDuty",
            "a V1/V2 webhook (messages[]), which PagerDuty has retired",
            "V3 webhook subscriptions (one event per request)",
        )

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        event = f.get_map(payload, "event")
        data = f.get_map(event, "data")
        event_type = f.get_str(event, "event_type") or ""
        data_type = f.get_str(data, "type")
        if (
            f.get_str(event, "resource_type") != "incident"
            or not event_type.startswith("incident.")
            or data_type not in (None, "incident")
        ):
            shown = f.text(event_type, 60) or "unknown"
            raise NotAnAlert(f"PagerDuty {shown} event is not an incident alert; nothing to do")
        incident_id = f.get(data, "id")
        if f.text(incident_id) is None:
            raise InputError("PagerDuty incident event has no data.id to identify the incident")

        resolved = event_type == "incident.resolved" or f.get_str(data, "status") == "resolved"
        # an incident without a priority still has an urgency (high/low)
        raw_priority = f.get(data, "priority", "summary") or f.get(data, "urgency")
        severity, raw_severity = map_severity(self.name, raw_priority, PAGERDUTY, options)
        occurred = parse_timestamp(f.get(event, "occurred_at"))
        alert = Alert(
            title=f.first_text(data, ("title",), ("summary",))
            or f"PagerDuty incident {f.get_text(data, 'number', max_len=20) or ''}".strip(),
            status="resolved" if resolved else "firing",
            dedup_key=f.key("pagerduty", incident_id),
            service=f.get_text(data, "service", "summary"),
            severity=severity,
            raw_severity=raw_severity,
            started_at=start_time(parse_timestamp(f.get(data, "created_at")) or occurred, options),
            ended_at=occurred if resolved else None,
            links=f.links(
                [
                    ("PagerDuty incident", f.get(data, "html_url")),
                    ("PagerDuty service", f.get(data, "service", "html_url")),
                ]
            ),
            labels=f.labels(
                {
                    "event_type": event_type,
                    "urgency": f.get(data, "urgency"),
                    "incident_key": f.get(data, "incident_key"),
                    "incident_number": f.get(data, "number"),
                }
            ),
        )
        return single(self.name, "pagerduty", alert)


FORMAT = PagerDutyFormat()
