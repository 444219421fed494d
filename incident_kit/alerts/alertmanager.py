"""Prometheus Alertmanager webhook (`version: "4"`): one group per delivery.

Schema: prometheus/alertmanager `notify/webhook/webhook.go` and `template/template.go`.
Labels are free-form, so service and severity come from the conventional `service`/`job`/
`namespace` and `severity` labels; no structured metric value exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.grouped import Flavour, is_group, parse_group
from incident_kit.alerts.model import Delivery, ParseOptions


def _no_value(alert: Mapping[str, Any]) -> float | None:
    return None


FLAVOUR = Flavour(
    name="alertmanager",
    system="Alertmanager",
    link_fields=(("Source", "generatorURL"),),
    value_of=_no_value,
)


class AlertmanagerFormat:
    name = "alertmanager"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        return is_group(payload, "4") and f.has(payload, "groupKey")

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        return parse_group(payload, options, FLAVOUR)


FORMAT = AlertmanagerFormat()
