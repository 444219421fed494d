"""Azure Monitor alerts in the common alert schema (`schemaId: azureMonitorCommonAlertSchema`).

`essentials` is the same for every signal; `alertContext` varies with the signal type, and
only the metric-alert shape (`condition.allOf[]`) is read for metric, value and threshold.
Schema: https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import single, start_time, status_from
from incident_kit.alerts.detection import shown, unknown_shape
from incident_kit.alerts.model import Alert, Delivery, ParseOptions
from incident_kit.alerts.severity import AZURE, map_severity
from incident_kit.alerts.timestamps import parse_timestamp
from incident_kit.errors import InputError

SCHEMA_ID = "azureMonitorCommonAlertSchema"


class AzureMonitorFormat:
    name = "azure-monitor"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        return f.get_str(payload, "schemaId") == SCHEMA_ID

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        """Azure's older, per-signal schemas (`schemaId` of another kind, or `data.context`)."""
        schema = f.get_str(payload, "schemaId")
        if schema is None and not (f.has(payload, "data", "context") and f.has(payload, "data", "status")):
            return None
        return unknown_shape(
            "Azure Monitor",
            f"its schemaId is {shown(schema)} (a per-signal schema)",
            f"the common alert schema ({SCHEMA_ID}: enable it on the action group)",
        )

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        essentials = f.get_map(payload, "data", "essentials")
        alert_id = essentials.get("alertId") or essentials.get("originAlertId")
        if f.text(alert_id) is None:
            raise InputError("Azure Monitor payload has no data.essentials.alertId")
        context = f.get_map(payload, "data", "alertContext")
        condition = f.get_map(context, "condition", "allOf", 0)
        status = status_from(essentials.get("monitorCondition"))
        severity, raw_severity = map_severity(self.name, essentials.get("severity"), AZURE, options)
        alert = Alert(
            title=f.get_text(essentials, "alertRule") or "Azure Monitor alert",
            status=status,
            dedup_key=f.key(self.name, alert_id),
            service=f.get_text(essentials, "configurationItems", 0)
            or _resource_name(f.get_str(essentials, "alertTargetIDs", 0))
            or f.get_text(essentials, "targetResourceGroup"),
            metric=f.get_text(condition, "metricName", max_len=f.NAME_LEN),
            value=f.get_number(condition, "metricValue"),
            threshold=f.get_number(condition, "threshold"),
            severity=severity,
            raw_severity=raw_severity,
            started_at=start_time(parse_timestamp(essentials.get("firedDateTime")), options),
            ended_at=parse_timestamp(essentials.get("resolvedDateTime")) if status == "resolved" else None,
            links=f.links(
                [
                    ("Investigate", essentials.get("investigationLink")),
                    ("Search results", condition.get("linkToSearchResultsUI")),
                    ("Search results", context.get("LinkToSearchResultsUI")),
                ]
            ),
            labels=f.labels(
                f.get_map(payload, "data", "customProperties"),
                {
                    "signal_type": essentials.get("signalType"),
                    "monitoring_service": essentials.get("monitoringService"),
                    "resource_group": essentials.get("targetResourceGroup"),
                },
            ),
        )
        return single(self.name, self.name, alert)


def _resource_name(target_id: str | None) -> str | None:
    """The last segment of an ARM resource id (`.../virtualmachines/<name>`)."""
    if not target_id:
        return None
    return f.text(target_id.rstrip("/").rsplit("/", 1)[-1])


FORMAT = AzureMonitorFormat()
