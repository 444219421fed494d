"""Opsgenie outgoing Webhook integration: `Create` fires, `Close`/`Delete` resolve.

Every other action (Acknowledge, AddNote, Escalate, ...) is an update on an alert that was
already delivered, so it is not an alert. Priority arrives as "P1".."P5" (Alert API) or as an
integer (seen in real deliveries); `createdAt` is epoch ms, `updatedAt` epoch ns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import single, start_time
from incident_kit.alerts.detection import unknown_shape
from incident_kit.alerts.model import Alert, Delivery, NotAnAlert, ParseOptions
from incident_kit.alerts.severity import OPSGENIE, map_severity
from incident_kit.alerts.timestamps import parse_timestamp
from incident_kit.errors import InputError

_FIRING = frozenset({"create"})
_RESOLVED = frozenset({"close", "delete"})


class OpsgenieFormat:
    name = "opsgenie"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        return (
            f.has(payload, "action")
            and f.has(payload, "alert", "alertId")
            and (f.has(payload, "integrationName") or f.has(payload, "integrationId"))
        )

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        if not (f.has(payload, "integrationName") or f.has(payload, "integrationId")):
            return None
        if not (f.has(payload, "action") or isinstance(f.get(payload, "alert"), Mapping)):
            return None
        return unknown_shape(
            "Opsgenie", "it lacks action or alert.alertId", "the outgoing Webhook integration"
        )

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        action = (f.get_str(payload, "action") or "").strip().lower()
        if action not in _FIRING | _RESOLVED:
            shown = f.get_text(payload, "action", max_len=40) or "unknown"
            raise NotAnAlert(f"Opsgenie {shown} action updates an alert; nothing to declare")
        alert_data = f.get_map(payload, "alert")
        if f.text(alert_data.get("alertId")) is None:
            raise InputError("Opsgenie payload has no alert.alertId to identify the alert")
        resolved = action in _RESOLVED
        severity, raw_severity = map_severity(self.name, alert_data.get("priority"), OPSGENIE, options)
        tags = [t for t in (f.text(tag, 60) for tag in f.get_list(alert_data, "tags")) if t]
        alert = Alert(
            title=f.get_text(alert_data, "message") or "Opsgenie alert",
            status="resolved" if resolved else "firing",
            # alertId is shared by the Create and the Close of one alert; the alias (the
            # sender's own dedup key) is kept as a label
            dedup_key=f.key("opsgenie", alert_data.get("alertId")),
            service=f.get_text(alert_data, "entity"),
            severity=severity,
            raw_severity=raw_severity,
            started_at=start_time(parse_timestamp(alert_data.get("createdAt")), options),
            ended_at=parse_timestamp(alert_data.get("updatedAt")) if resolved else None,
            labels=f.labels(
                {
                    "alias": alert_data.get("alias"),
                    "tiny_id": alert_data.get("tinyId"),
                    "tags": ", ".join(tags) if tags else None,
                }
            ),
        )
        return single(self.name, "opsgenie", alert)


FORMAT = OpsgenieFormat()
