"""Grafana unified alerting webhook contact point (`version: "1"`): one group per delivery.

The envelope is Alertmanager's plus `orgId`, `state`, `title` and `message` (the last three
deprecated, so unused), and each alert adds dashboard/panel/silence/image URLs and `values`.
Schema: grafana/alerting `receivers/webhook/v1/webhook.go`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.grouped import Flavour, is_group, parse_group
from incident_kit.alerts.model import Delivery, ParseOptions


def _first_value(alert: Mapping[str, Any]) -> float | None:
    """The value of the alphabetically first refId (`A`, else `B`...).

    The payload does not say which expression is "the" value; rules conventionally put the
    query or its reduction first and the threshold condition (0/1) last, so the first refId
    is the best guess. The threshold itself is not in the payload.
    """
    values = f.get_map(alert, "values")
    for ref in sorted(k for k in values if isinstance(k, str)):
        found = f.number(values[ref])
        if found is not None:
            return found
    return None


FLAVOUR = Flavour(
    name="grafana",
    system="Grafana",
    link_fields=(
        ("Rule", "generatorURL"),
        ("Dashboard", "dashboardURL"),
        ("Panel", "panelURL"),
        ("Silence", "silenceURL"),
        ("Image", "imageURL"),
    ),
    value_of=_first_value,
)


class GrafanaFormat:
    name = "grafana"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        return is_group(payload, "1") and (f.has(payload, "orgId") or f.has(payload, "state"))

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        return parse_group(payload, options, FLAVOUR)


FORMAT = GrafanaFormat()
