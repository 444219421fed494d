"""Google Cloud Monitoring webhook notification channel, schema `version: "1.2"`.

One incident per delivery: `state` open fires, closed resolves; times are epoch seconds;
`observed_value`/`threshold_value` are numbers in strings. Schema:
https://cloud.google.com/monitoring/support/notification-options#webhooks
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import single, start_time, status_from
from incident_kit.alerts.detection import shown, unknown_shape
from incident_kit.alerts.model import Alert, Delivery, ParseOptions
from incident_kit.alerts.severity import GCP, map_severity
from incident_kit.alerts.timestamps import parse_timestamp
from incident_kit.errors import InputError

# resource labels that name a service (Cloud Run, App Engine, GKE) rather than a project
_SERVICE_RESOURCE_LABELS = ("service_name", "module_id", "container_name")


class GcpMonitoringFormat:
    name = "gcp-monitoring"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        version = f.get_str(payload, "version") or ""
        return f.has(payload, "incident", "incident_id") and version.startswith("1.")

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        if not f.has(payload, "incident", "incident_id"):
            return None
        version = shown(f.get(payload, "version"))
        return unknown_shape("Google Cloud Monitoring", f"its schema version is {version}", "versions 1.x")

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        incident = f.get_map(payload, "incident")
        if f.text(incident.get("incident_id")) is None:
            raise InputError("Cloud Monitoring payload has no incident.incident_id")
        status = status_from(incident.get("state"))
        severity, raw_severity = map_severity(self.name, incident.get("severity"), GCP, options)
        threshold = f.number(incident.get("threshold_value"))
        if threshold is None:
            threshold = f.get_number(incident, "condition", "conditionThreshold", "thresholdValue")
        doc_links = [
            (f.get_text(item, "displayName", max_len=80) or "Documentation", f.get(item, "url"))
            for item in f.get_list(incident, "documentation", "links")
        ]
        alert = Alert(
            title=f.first_text(
                incident,
                ("policy_name",),
                ("documentation", "subject"),
                ("condition_name",),
                ("summary",),
            )
            or "Cloud Monitoring incident",
            status=status,
            dedup_key=f.key(self.name, incident.get("incident_id")),
            service=_service(incident),
            metric=f.first_text(incident, ("metric", "type"), ("metric", "displayName"), max_len=f.NAME_LEN),
            value=f.number(incident.get("observed_value")),
            threshold=threshold,
            severity=severity,
            raw_severity=raw_severity,
            started_at=start_time(parse_timestamp(incident.get("started_at")), options),
            ended_at=parse_timestamp(incident.get("ended_at")) if status == "resolved" else None,
            links=f.links([("Cloud Monitoring incident", incident.get("url")), *doc_links]),
            labels=f.labels(
                f.get_map(incident, "resource", "labels"),
                f.get_map(incident, "metadata", "user_labels"),
                f.get_map(incident, "policy_user_labels"),
                {"resource_type": f.get(incident, "resource", "type")},
            ),
        )
        return single(self.name, self.name, alert)


def _service(incident: Mapping[str, Any]) -> str | None:
    """`service` in the policy's or the incident's user labels, else the resource's name."""
    for labels in (
        f.get_map(incident, "policy_user_labels"),
        f.get_map(incident, "metadata", "user_labels"),
    ):
        found = f.get_text(labels, "service")
        if found:
            return found
    resource_labels = f.get_map(incident, "resource", "labels")
    for name in _SERVICE_RESOURCE_LABELS:
        found = f.get_text(resource_labels, name)
        if found:
            return found
    return f.get_text(incident, "resource_display_name")


FORMAT = GcpMonitoringFormat()
