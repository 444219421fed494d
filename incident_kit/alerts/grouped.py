"""The Alertmanager-style group envelope, shared by Alertmanager (v4) and Grafana (v1).

A delivered group is one incident keyed by its `groupKey`, listing the alerts in it: firing
if any alert fires, resolved once all are. The two formats differ only in version, link
fields and where a value may be found, which `Flavour` says.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from incident_kit.alerts import fields as f
from incident_kit.alerts.build import start_time, status_from, with_suffix
from incident_kit.alerts.model import Alert, AlertStatus, Delivery, ParseOptions
from incident_kit.alerts.severity import LABELS, map_severity, most_severe
from incident_kit.alerts.timestamps import parse_timestamp
from incident_kit.errors import InputError

# A 256 KB body holds thousands of tiny alerts; an incident listing more helps nobody, and
# the rest are counted as truncated so the incident can say the list is incomplete.
MAX_GROUP_ALERTS = 200
_SERVICE_LABELS = ("service", "job", "namespace")


class Flavour(NamedTuple):
    name: str  # format name, also the dedup key prefix
    system: str  # how the sender calls itself, for the external URL's link title
    link_fields: tuple[tuple[str, str], ...]  # (link title, alert field holding the URL)
    value_of: Callable[[Mapping[str, Any]], float | None]


def is_group(payload: Mapping[str, Any], version: str) -> bool:
    return f.get(payload, "version") == version and isinstance(f.get(payload, "alerts"), list)


def parse_group(payload: Mapping[str, Any], options: ParseOptions, flavour: Flavour) -> Delivery:
    group_key = f.get(payload, "groupKey")
    if f.text(group_key) is None:
        raise InputError(f"{flavour.name} payload has no groupKey to identify the group")
    raw_alerts = [a for a in f.get_list(payload, "alerts") if isinstance(a, Mapping)]
    if not raw_alerts:
        raise InputError(f"{flavour.name} payload carries no alerts")
    read = raw_alerts[:MAX_GROUP_ALERTS]
    sender_dropped = f.get_number(payload, "truncatedAlerts") or 0.0
    truncated = int(min(max(sender_dropped, 0.0), 1e9)) + len(raw_alerts) - len(read)

    common_labels = f.get_map(payload, "commonLabels")
    common_annotations = f.get_map(payload, "commonAnnotations")
    group_status = f.get(payload, "status")
    alerts = tuple(
        _alert(raw, group_status, common_labels, common_annotations, options, flavour) for raw in read
    )

    firing = [a for a in alerts if a.status == "firing"]
    status: AlertStatus = "firing" if firing else "resolved"
    services = {a.service for a in alerts}
    severities = [a.severity for a in (firing or alerts)]
    _, raw_severity = map_severity(flavour.name, common_labels.get("severity"), LABELS, options)
    ended = [a.ended_at for a in alerts if a.ended_at is not None]
    only = alerts[0] if len(alerts) == 1 else None
    return Delivery(
        format=flavour.name,
        source=flavour.name,
        dedup_key=f.key(flavour.name, group_key),
        status=status,
        title=group_title(alerts, common_annotations, common_labels, truncated),
        alerts=alerts,
        service=service_label(common_labels) or (services.pop() if len(services) == 1 else None),
        metric=only.metric if only else None,
        value=only.value if only else None,
        threshold=only.threshold if only else None,
        severity=most_severe(severities, options),
        raw_severity=raw_severity or next((a.raw_severity for a in alerts if a.raw_severity), None),
        started_at=min(a.started_at for a in alerts if a.started_at is not None),
        ended_at=max(ended) if status == "resolved" and ended else None,
        links=f.links(
            [(link.title, link.url) for a in alerts for link in a.links]
            + [(flavour.system, f.get(payload, "externalURL"))]
        ),
        labels=f.labels(common_labels),
        truncated_alerts=truncated,
    )


def group_title(
    alerts: tuple[Alert, ...],
    common_annotations: Mapping[str, Any],
    common_labels: Mapping[str, Any],
    truncated: int,
) -> str:
    """The group's title from what is firing: a recovered alert's summary never names a group
    that still fires, and the count says how many fire (how many resolved, once all have)."""
    firing = [a for a in alerts if a.status == "firing"]
    shown = firing or list(alerts)
    common = f.get_text(common_annotations, "summary") or f.get_text(common_labels, "alertname")
    parts = [f"{len(shown)} {'firing' if firing else 'resolved'}"] if len(shown) > 1 else []
    if truncated:
        parts.append(f"+{truncated} not listed")
    return with_suffix(common or shown[0].title, f" ({', '.join(parts)})" if parts else "")


def _alert(
    raw: Mapping[str, Any],
    group_status: object,
    common_labels: Mapping[str, Any],
    common_annotations: Mapping[str, Any],
    options: ParseOptions,
    flavour: Flavour,
) -> Alert:
    labels = f.get_map(raw, "labels")
    annotations = f.get_map(raw, "annotations")
    # legacy Alertmanager sends no per-alert status: the group's then speaks for it
    status = status_from(f.get(raw, "status") or group_status)
    severity, raw_severity = map_severity(
        flavour.name, labels.get("severity") or common_labels.get("severity"), LABELS, options
    )
    fingerprint = f.get(raw, "fingerprint")
    if f.text(fingerprint):
        dedup_key = f.key(flavour.name, "fingerprint", fingerprint)
    else:  # legacy payloads: the label set is what the fingerprint would hash
        canonical = json.dumps(f.labels(labels), sort_keys=True, ensure_ascii=False)
        dedup_key = f.key(flavour.name, "labels", canonical)
    link_pairs = [(title, f.get(raw, field)) for title, field in flavour.link_fields]
    link_pairs += [
        ("Runbook", annotations.get("runbook_url")),
        ("Runbook", annotations.get("runbook")),
    ]
    link_pairs += [
        ("Runbook", common_annotations.get("runbook_url")),
        ("Runbook", common_annotations.get("runbook")),
    ]
    return Alert(
        title=f.get_text(annotations, "summary")
        or f.get_text(labels, "alertname")
        or f.get_text(common_annotations, "summary")
        or f"{flavour.name} alert",
        status=status,
        dedup_key=dedup_key,
        service=service_label(labels) or service_label(common_labels),
        value=flavour.value_of(raw),
        severity=severity,
        raw_severity=raw_severity,
        started_at=start_time(parse_timestamp(f.get(raw, "startsAt")), options),
        ended_at=parse_timestamp(f.get(raw, "endsAt")) if status == "resolved" else None,
        links=f.links(link_pairs),
        labels=f.labels(labels),
        description=f.get_text(annotations, "description"),
    )


def service_label(labels: Mapping[str, Any]) -> str | None:
    """The conventional `service`, `job` or `namespace` label."""
    for name in _SERVICE_LABELS:
        found = f.get_text(labels, name)
        if found:
            return found
    return None
