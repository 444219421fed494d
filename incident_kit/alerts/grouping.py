"""Where an alert lands when grouping rules or a storm threshold are configured.

Today's rule holds first: an alert whose own key has an open incident joins it (declare.py).
Otherwise, with `alerts.grouping` rules or `alerts.storm` set in config:

1. an open grouped or storm incident that already lists one of the delivery's alerts takes it
   (a re-delivery, or the resolution of an alert that joined it), however old;
2. a resolved delivery with nowhere to go declares nothing, as always;
3. the first rule that matches names a group (`group:<rule>:<values of its by>`): its open
   incident takes the alert while its last alert is at most the rule's window old;
4. a storm in progress (an open storm incident whose last alert is within the storm window)
   takes any alert that would otherwise open an incident; past `threshold` incidents declared
   from alerts within the window, a storm incident opens;
5. else the rule's group opens an incident, or (no rule) the alert opens its own, as today.

A grouped or storm incident is keyed by its group key, so it is found from folder names alone,
like any alert's incident. Pure: the caller finds the candidates and counts recent incidents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from incident_kit.alerts.fields import key as make_key
from incident_kit.alerts.model import Delivery
from incident_kit.config.settings import GroupingRule, StormSettings

STORM_KEY = "storm"


@dataclass(frozen=True)
class OpenGroup:
    """An open grouped or storm incident, as the caller read it."""

    ref: str  # the caller's handle (its folder)
    last_seen: datetime | None  # its last alert
    keys: frozenset[str]  # the alert keys it lists


@dataclass(frozen=True)
class RuleMatch:
    rule: GroupingRule
    key: str  # the group key of the incident the rule gives this delivery


@dataclass(frozen=True)
class Decision:
    kind: Literal["join", "new-group", "new-storm", "own"]
    ref: str | None = None  # the incident to join
    key: str | None = None  # the key of the incident to declare
    why: str = ""  # said in the timeline and the reply


def rule_for(delivery: Delivery, service: str | None, rules: Sequence[GroupingRule]) -> RuleMatch | None:
    """The first rule whose conditions the delivery meets, and the group it puts it in."""
    labels = _labels(delivery)
    for rule in rules:
        if rule.sources and not ({delivery.source.lower(), delivery.format.lower()} & _lower(rule.sources)):
            continue
        if rule.services and (service or "").lower() not in _lower(rule.services):
            continue
        if any(labels.get(name) != value for name, value in rule.labels.items()):
            continue
        values = [_by_value(item, delivery, service, labels) for item in rule.by]
        return RuleMatch(rule, make_key("group", rule.name, *values))
    return None


def decide(
    delivery: Delivery,
    *,
    at: datetime,
    match: RuleMatch | None,
    rule_groups: Sequence[OpenGroup],
    storm: StormSettings,
    storm_groups: Sequence[OpenGroup],
    recent_alert_incidents: Callable[[], int],
) -> Decision | None:
    """Where the delivery goes; None when it declares nothing (resolved, nowhere to go)."""
    keys = {delivery.dedup_key, *(alert.dedup_key for alert in delivery.alerts)}
    for group in (*rule_groups, *storm_groups):
        if keys & group.keys:
            return Decision("join", ref=group.ref, why="it lists this alert")
    if delivery.status == "resolved":
        return None
    if match is not None:
        window = timedelta(minutes=match.rule.window_minutes)
        fresh = _fresh(rule_groups, at, window)
        if fresh is not None:
            return Decision("join", ref=fresh.ref, why=f"grouping rule {match.rule.name}")
    if storm.threshold:
        window = timedelta(minutes=storm.window_minutes)
        raging = _fresh(storm_groups, at, window)
        if raging is not None:
            return Decision("join", ref=raging.ref, why="alert storm")
        if recent_alert_incidents() >= storm.threshold:
            return Decision("new-storm", key=STORM_KEY, why="alert storm")
    if match is not None:
        return Decision("new-group", key=match.key, why=f"grouping rule {match.rule.name}")
    return Decision("own")


def _fresh(groups: Sequence[OpenGroup], at: datetime, window: timedelta) -> OpenGroup | None:
    """The newest group whose last alert is within the window (the list is newest first)."""
    return next((g for g in groups if g.last_seen is not None and at - g.last_seen <= window), None)


def _labels(delivery: Delivery) -> Mapping[str, str]:
    """The delivery's labels, else (a group without common labels) its first alert's."""
    if delivery.labels:
        return delivery.labels
    return delivery.alerts[0].labels if delivery.alerts else {}


def _by_value(item: str, delivery: Delivery, service: str | None, labels: Mapping[str, str]) -> str:
    if item == "service":
        return service or ""
    if item == "source":
        return delivery.source
    return labels.get(item.removeprefix("labels."), "")


def _lower(values: Sequence[str]) -> set[str]:
    return {value.lower() for value in values}
