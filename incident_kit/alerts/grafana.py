"""Grafana webhooks, both generations: unified alerting (`version: "1"`) and legacy (pre-8).

Unified alerting sends Alertmanager's group envelope plus `orgId`, `state`, `title` and
`message` (the last three deprecated, so unused); each alert adds dashboard/panel/silence/image
URLs and `values`. Schema: grafana/alerting `receivers/webhook/v1/webhook.go`.

Legacy ("old") alerting, still running in long-lived installations, sends one rule per
delivery: `ruleId`, `ruleName`, `ruleUrl`, `state` (`alerting`/`no_data` fire, `ok`
resolves, `paused`/`pending` are not alerts), `evalMatches` (the series that matched, with
their values), rule `tags`, `message`; no times. Schema: grafana/grafana
`pkg/services/alerting/notifiers/webhook.go` (removed in Grafana 11).

Both have a test notification (the contact point's "Test" button), recognised here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import single, start_time
from incident_kit.alerts.detection import shown, unknown_shape
from incident_kit.alerts.grouped import Flavour, is_group, parse_group, service_label
from incident_kit.alerts.model import Alert, Delivery, NotAnAlert, ParseOptions
from incident_kit.alerts.severity import LABELS, map_severity
from incident_kit.errors import InputError

NAME = "grafana"
TEST_NOTIFICATION = "Grafana test notification"
_LEGACY_FIRING = frozenset({"alerting", "no_data"})
_LEGACY_STATES = _LEGACY_FIRING | {"ok", "paused", "pending"}
_STATE_PREFIX = re.compile(r"\s*\[[A-Za-z_ ]{1,20}\]\s*")  # "[Alerting] " before a legacy title


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
    name=NAME,
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
    name = NAME

    def detect(self, payload: Mapping[str, Any]) -> bool:
        unified = is_group(payload, "1") and (f.has(payload, "orgId") or f.has(payload, "state"))
        return unified or _is_legacy(payload)

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        if not isinstance(f.get(payload, "alerts"), list) and _is_legacy(payload):
            return _legacy(payload, options)
        delivery = parse_group(payload, options, FLAVOUR)
        if _unified_test(payload):
            delivery = delivery._replace(test_notification=TEST_NOTIFICATION)
        return delivery

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        if isinstance(f.get(payload, "alerts"), list) and f.has(payload, "orgId"):
            version = shown(f.get(payload, "version"))
            return unknown_shape("Grafana", f"its webhook version is {version}", 'unified alerting "1"')
        if f.has(payload, "ruleId") and f.has(payload, "ruleUrl"):
            return unknown_shape(
                "Grafana legacy alerting",
                f"its state is {shown(f.get(payload, 'state'))}",
                "states " + ", ".join(sorted(_LEGACY_STATES)),
            )
        return None


def _is_legacy(payload: Mapping[str, Any]) -> bool:
    state = f.get_str(payload, "state")
    rule = f.has(payload, "ruleId") or f.has(payload, "ruleName")
    evidence = isinstance(f.get(payload, "evalMatches"), list) or f.has(payload, "ruleUrl")
    return state in _LEGACY_STATES and rule and evidence and not f.has(payload, "alerts")


def _legacy(payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
    state = f.get_str(payload, "state") or ""
    if state not in _LEGACY_FIRING and state != "ok":
        raise NotAnAlert(f"Grafana legacy rule is {state}: not an alert state; nothing to declare")
    rule_id = f.get(payload, "ruleId")
    if f.text(rule_id) is not None:
        dedup_key = f.key(NAME, "rule", rule_id)
    elif f.text(f.get(payload, "ruleName")) is not None:
        dedup_key = f.key(NAME, "rule-name", f.get(payload, "ruleName"))
    else:
        raise InputError("Grafana legacy payload has neither ruleId nor ruleName to identify the rule")
    tags = f.get_map(payload, "tags")
    matches = [m for m in f.get_list(payload, "evalMatches") if isinstance(m, Mapping)]
    first = matches[0] if matches else {}
    severity, raw_severity = map_severity(NAME, tags.get("severity"), LABELS, options)
    title = (f.get_str(payload, "title") or "")[:300]
    alert = Alert(
        # the rule's name, not `title`: that one is prefixed "[Alerting]"/"[OK]" and so differs
        # between the firing and the resolving delivery
        title=f.get_text(payload, "ruleName")
        or f.text(_STATE_PREFIX.sub("", title, count=1))
        or "Grafana legacy alert",
        status="resolved" if state == "ok" else "firing",
        dedup_key=dedup_key,
        service=service_label(tags) or service_label(f.get_map(first, "tags")),
        metric=f.get_text(first, "metric", max_len=f.NAME_LEN),
        value=f.get_number(first, "value") if len(matches) == 1 else None,
        severity=severity,
        raw_severity=raw_severity,
        started_at=start_time(None, options),  # legacy payloads carry no time
        links=f.links([("Rule", payload.get("ruleUrl")), ("Image", payload.get("imageUrl"))]),
        labels=f.labels(f.get_map(first, "tags"), tags, {"state": state}),
        description=f.get_text(payload, "message"),
    )
    return single(NAME, NAME, alert, test_notification=TEST_NOTIFICATION if _legacy_test(payload) else None)


def _legacy_test(payload: Mapping[str, Any]) -> bool:
    """The "Send Test" button: rule 0 and Grafana's own sentence (grafana/grafana
    `pkg/services/alerting/test_notification.go`), not any rule with "test" in its name."""
    message = (f.get_str(payload, "message") or "")[:200].lower()
    title = (f.get_str(payload, "title") or "")[:200]
    return message.startswith("someone is testing the alert notification") or (
        f.get(payload, "ruleId") == 0 and title.endswith("Test notification")
    )


def _unified_test(payload: Mapping[str, Any]) -> bool:
    """Unified alerting's test alert: `alertname: TestAlert` from instance `Grafana`."""
    alerts = [a for a in f.get_list(payload, "alerts") if isinstance(a, Mapping)]
    return bool(alerts) and all(
        f.get_str(a, "labels", "alertname") == "TestAlert"
        and (
            f.get_str(a, "labels", "instance") == "Grafana"
            or f.get_str(a, "annotations", "summary") == "Notification test"
        )
        for a in alerts[:50]
    )


FORMAT = GrafanaFormat()
