"""Prometheus Alertmanager webhook (`version: "4"`, and the older `"3"`): one group per delivery.

Schema: prometheus/alertmanager `notify/webhook/webhook.go` and `template/template.go`.
Labels are free-form, so service and severity come from the conventional `service`/`job`/
`namespace` and `severity` labels; no structured metric value exists. Version 3 (Alertmanager
before 0.8, still sent by long-lived installations) differs only in its `groupKey`, an
integer hash instead of the route's matchers, and in lacking per-alert fingerprints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.detection import shown, unknown_shape
from incident_kit.alerts.grouped import Flavour, is_group, parse_group
from incident_kit.alerts.model import Delivery, ParseOptions


def _no_value(alert: Mapping[str, Any]) -> float | None:
    return None


VERSIONS = ("4", "3")

FLAVOUR = Flavour(
    name="alertmanager",
    system="Alertmanager",
    link_fields=(("Source", "generatorURL"),),
    value_of=_no_value,
)


class AlertmanagerFormat:
    name = "alertmanager"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        return any(is_group(payload, v) for v in VERSIONS) and f.has(payload, "groupKey")

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        return parse_group(payload, options, FLAVOUR)

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        """A group envelope (`alerts`, `groupKey`, `receiver`) of a version we do not know."""
        if not (isinstance(f.get(payload, "alerts"), list) and f.has(payload, "groupKey")):
            return None
        if not f.has(payload, "receiver") or f.has(payload, "orgId"):
            return None  # Grafana's envelope has orgId; it speaks for itself
        version = shown(f.get(payload, "version"))
        return unknown_shape(
            "Prometheus Alertmanager", f"its webhook version is {version}", 'versions "4" and "3"'
        )


FORMAT = AlertmanagerFormat()
