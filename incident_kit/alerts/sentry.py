"""Sentry integration-platform webhooks: issue alerts, metric alerts and issues.

Issue alerts (`data.event`) only ever fire; Sentry sends no resolve for them. Metric alerts
(`data.metric_alert`) fire as `critical`/`warning` and resolve as `resolved`. Issue webhooks
(`data.issue`, resource `issue`) fire when an issue is `created` or `unresolved` and resolve it
when `resolved`; `assigned`, `archived` and `ignored` are updates, not alerts. An issue alert
and the issue's own webhooks share a dedup key, so Sentry resolving the issue resolves the
incident its alert opened. Schemas: Sentry docs, "Issue Alerts", "Metric Alerts" and "Issues"
webhook pages. Other resources (errors, comments, installations) are refused by name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import single, start_time, status_from
from incident_kit.alerts.detection import shown, unknown_shape
from incident_kit.alerts.model import Alert, AlertStatus, Delivery, NotAnAlert, ParseOptions
from incident_kit.alerts.severity import SENTRY, map_severity
from incident_kit.alerts.timestamps import parse_timestamp
from incident_kit.errors import InputError

# the project slug is only in the event's API URL: .../projects/<org>/<project>/events/<id>/
_PROJECT_IN_URL = re.compile(r"/projects/[^/]+/([^/]+)/events/")
_LEADING_NUMBER = re.compile(r"\s*([-+]?\d+(?:\.\d+)?)\b")
_RESOURCES = ("event", "metric_alert", "issue")
_ISSUE_FIRES = frozenset({"created", "unresolved"})
SUPPORTED = "issue alerts (data.event), metric alerts (data.metric_alert) and issue webhooks (data.issue)"


class SentryFormat:
    name = "sentry"

    def detect(self, payload: Mapping[str, Any]) -> bool:
        return (
            f.has(payload, "installation", "uuid")
            and f.has(payload, "action")
            and any(f.has(payload, "data", resource) for resource in _RESOURCES)
        )

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        data = f.get_map(payload, "data")
        if isinstance(data.get("metric_alert"), Mapping):
            alert = _metric_alert(payload, data, options)
        elif isinstance(data.get("event"), Mapping):
            alert = _issue_alert(data, options)
        elif isinstance(data.get("issue"), Mapping):
            alert = _issue(payload, data, options)
        else:
            raise InputError(self.looks_like(payload) or "Sentry payload has no alert in data")
        return single(self.name, "sentry", alert)

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        if f.has(payload, "installation", "uuid") and f.has(payload, "action"):
            data = f.get_map(payload, "data")
            kind = next(iter(data), None)
            what = f"a webhook of resource {shown(kind)}" if kind is not None else "a webhook with no data"
            return unknown_shape("Sentry", what, SUPPORTED)
        if f.has(payload, "project_slug") and f.has(payload, "triggering_rules"):
            return unknown_shape(
                "Sentry", "the legacy WebHooks plugin's payload (use an internal integration)", SUPPORTED
            )
        return None


def _issue_alert(data: Mapping[str, Any], options: ParseOptions) -> Alert:
    event = f.get_map(data, "event")
    if f.text(event.get("issue_id")):
        dedup_key = f.key("sentry", "issue", event.get("issue_id"))
    elif f.text(event.get("event_id")):
        dedup_key = f.key("sentry", "event", event.get("event_id"))
    else:
        raise InputError("Sentry issue alert has no data.event.issue_id to identify the issue")
    severity, raw_severity = map_severity("sentry", event.get("level"), SENTRY, options)
    url = (f.get_str(event, "url") or "")[:2000]
    project = _PROJECT_IN_URL.search(url)
    tags = {
        pair[0]: pair[1]
        for pair in f.get_list(event, "tags")
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
    }
    return Alert(
        title=f.first_text(event, ("title",), ("message",))
        or f.get_text(data, "triggered_rule")
        or "Sentry issue alert",
        status="firing",
        dedup_key=dedup_key,
        service=f.text(project.group(1)) if project else f.get_text(event, "project"),
        severity=severity,
        raw_severity=raw_severity,
        started_at=start_time(
            parse_timestamp(event.get("datetime")) or parse_timestamp(event.get("timestamp")),
            options,
        ),
        links=f.links([("Sentry event", event.get("web_url"))]),
        # not all tags: `user` carries IP addresses, which do not belong in a repository
        labels=f.labels(
            {
                "rule": data.get("triggered_rule"),
                "level": event.get("level"),
                "platform": event.get("platform"),
                "environment": tags.get("environment"),
                "release": event.get("release"),
            }
        ),
    )


def _issue(payload: Mapping[str, Any], data: Mapping[str, Any], options: ParseOptions) -> Alert:
    issue = f.get_map(data, "issue")
    action = f.get_str(payload, "action") or ""
    if action not in _ISSUE_FIRES and action != "resolved":
        shown = f.text(action, 40) or "updated"
        raise NotAnAlert(f"Sentry issue {shown}: an update to the issue, not an alert; nothing to declare")
    if f.text(issue.get("id")) is None:
        raise InputError("Sentry issue webhook has no data.issue.id to identify the issue")
    status: AlertStatus = "resolved" if action == "resolved" else "firing"
    severity, raw_severity = map_severity("sentry", issue.get("level"), SENTRY, options)
    return Alert(
        title=f.get_text(issue, "title") or f.get_text(issue, "shortId") or "Sentry issue",
        status=status,
        dedup_key=f.key("sentry", "issue", issue.get("id")),  # as the issue alert's
        service=f.get_text(issue, "project", "slug") or f.get_text(issue, "project", "name"),
        severity=severity if status == "firing" else None,
        raw_severity=raw_severity,
        started_at=start_time(parse_timestamp(issue.get("firstSeen")), options),
        links=f.links([("Sentry issue", issue.get("web_url")), ("Sentry issue", issue.get("permalink"))]),
        labels=f.labels(
            {
                "level": issue.get("level"),
                "platform": issue.get("platform"),
                "short_id": issue.get("shortId"),
                "action": action,
            }
        ),
        description=f.get_text(issue, "culprit"),
    )


def _metric_alert(payload: Mapping[str, Any], data: Mapping[str, Any], options: ParseOptions) -> Alert:
    metric_alert = f.get_map(data, "metric_alert")
    rule = f.get_map(metric_alert, "alert_rule")
    if f.text(metric_alert.get("id")) is None:
        raise InputError("Sentry metric alert has no data.metric_alert.id to identify it")
    action = f.get_str(payload, "action")
    status = status_from(action)
    severity, raw_severity = (
        map_severity("sentry", action, SENTRY, options) if status == "firing" else (None, None)
    )
    description = (f.get_str(data, "description_text") or "")[:100]
    value = _LEADING_NUMBER.match(description)
    return Alert(
        # the rule name, not description_title: that one is prefixed "Critical:"/"Resolved:"
        # and so differs between the firing and the resolved delivery
        title=f.first_text(rule, ("name",))
        or f.first_text(data, ("description_title",))
        or f.get_text(metric_alert, "title")
        or "Sentry metric alert",
        status=status,
        dedup_key=f.key("sentry", "metric", metric_alert.get("id")),
        service=f.first_text(rule, ("projects", 0)) or f.get_text(metric_alert, "projects", 0),
        metric=f.get_text(rule, "aggregate", max_len=f.NAME_LEN),
        value=f.number(value.group(1)) if value else None,
        threshold=_threshold(rule, action),
        severity=severity,
        raw_severity=raw_severity,
        started_at=start_time(
            parse_timestamp(metric_alert.get("date_started"))
            or parse_timestamp(metric_alert.get("date_detected")),
            options,
        ),
        ended_at=parse_timestamp(metric_alert.get("date_closed")) if status == "resolved" else None,
        links=f.links([("Sentry alert", data.get("web_url"))]),
        labels=f.labels({"query": rule.get("query"), "dataset": rule.get("dataset")}),
    )


def _threshold(rule: Mapping[str, Any], action: str | None) -> float | None:
    """The threshold of the trigger that fired (its label is the action), else the first."""
    triggers = [t for t in f.get_list(rule, "triggers") if isinstance(t, Mapping)]
    for trigger in triggers:
        if action and f.get_str(trigger, "label") == action:
            return f.get_number(trigger, "alert_threshold")
    return f.get_number(triggers[0], "alert_threshold") if triggers else None


FORMAT = SentryFormat()
