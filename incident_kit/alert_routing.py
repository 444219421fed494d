"""Reading what `alerts.grouping` decides on: the open incidents of a group key, and how many
incidents alerts declared recently (for the storm threshold).

Both read folder names first, like the search for an alert's own incident: a grouped or storm
incident carries its group key's code in its id (`ids.alert_codes`), and an incident's day is in
its id, so at 10,000 incidents only the few candidate files are opened. Nothing here runs when
no grouping is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from incident_kit import alert_list, ids
from incident_kit.alerts import grouping
from incident_kit.errors import FileFormatError
from incident_kit.markdown.frontmatter import as_datetime
from incident_kit.store import INCIDENT_FILE, IncidentFile, Store
from incident_kit.vocabulary import OPEN_STATUSES

if TYPE_CHECKING:
    from incident_kit.alerts.model import Delivery
    from incident_kit.config.settings import Config


@dataclass(frozen=True)
class Routed:
    """Where grouping sends a delivery that has no incident of its own key."""

    decision: grouping.Decision | None  # None: nothing to declare (a resolved alert, no home)
    join: IncidentFile | None = None  # the grouped or storm incident to join
    rule: grouping.RuleMatch | None = None
    window_minutes: int = 0  # the storm's, for a new storm incident

    def new_group(self, delivery: Delivery) -> NewGroup | None:
        """The grouped or storm incident this delivery opens, if it opens one."""
        decision = self.decision
        if decision is None or decision.key is None:
            return None
        if decision.kind == "new-storm":
            return NewGroup(
                key=decision.key,
                title=f"Alert storm: {delivery.title}",
                why="alert storm",
                preamble=(
                    "Alert storm: so many incidents were declared from alerts within "
                    f"{self.window_minutes} minutes that further alerts join this one, until none "
                    f"has arrived for {self.window_minutes} minutes."
                ),
            )
        rule = self.rule.rule if self.rule else None
        name = rule.name if rule else "?"
        return NewGroup(
            key=decision.key,
            title=delivery.title,
            why=f"grouping rule {name}",
            preamble=(
                f"Alerts grouped by the rule `{name}` (alerts.grouping in incidents/config.yaml): "
                f"alerts it matches join this incident while its last alert is at most "
                f"{rule.window_minutes if rule else 0} minutes old."
            ),
        )


@dataclass(frozen=True)
class NewGroup:
    key: str  # the incident's dedup key: the group's, so later alerts find it by its id
    title: str
    why: str  # `grouping rule <name>` or `alert storm`, kept in the alert block
    preamble: str  # the Summary's first paragraph


def route(
    config: Config, store: Store, delivery: Delivery, service: str | None, at: datetime
) -> Routed | None:
    """None when no grouping or storm is configured: today's behaviour, at no cost."""
    if not config.grouping and not config.storm.threshold:
        return None
    match = grouping.rule_for(delivery, service, config.grouping)
    rule_groups = open_incidents(store, match.key) if match else []
    storm_groups = open_incidents(store, grouping.STORM_KEY) if config.storm.threshold else []
    by_ref = {incident.rel: incident for incident in (*rule_groups, *storm_groups)}
    decision = grouping.decide(
        delivery,
        at=at,
        match=match,
        rule_groups=[_as_group(i) for i in rule_groups],
        storm=config.storm,
        storm_groups=[_as_group(i) for i in storm_groups],
        recent_alert_incidents=lambda: recent_alert_incidents(
            store, at, timedelta(minutes=config.storm.window_minutes), config.storm.threshold
        ),
    )
    if decision is None:
        return Routed(None)
    join = by_ref.get(decision.ref) if decision.ref else None
    return Routed(decision, join=join, rule=match, window_minutes=config.storm.window_minutes)


def open_incidents(store: Store, key: str) -> list[IncidentFile]:
    """The open incidents declared for `key`, newest first (the codes in their ids say which)."""
    codes = ids.AlertCodes(key)
    found = sorted(
        (
            (ids.day_of(name), codes.on(ids.day_of(name)).index(ids.code_of(name)), month, name)
            for month, name in store.names()
            if ids.id_from_folder(name) and ids.code_of(name) in codes.on(ids.day_of(name))
        ),
        reverse=True,
    )
    out = []
    for _, _, month, name in found:
        folder = store.incidents / month / name
        if not (folder / INCIDENT_FILE).is_file():
            continue
        try:
            incident = store.read(folder)
        except FileFormatError:
            continue  # validate reports a broken file; it is no alert's home
        alert = incident.data.get("alert")
        if (
            isinstance(alert, Mapping)
            and alert.get("dedup_key") == key
            and incident.data.get("status") in OPEN_STATUSES
        ):
            out.append(incident)
    return out


def recent_alert_incidents(store: Store, at: datetime, window: timedelta, enough: int) -> int:
    """Incidents declared from alerts (not drills, not storms) within `window` before `at`,
    counted up to `enough`: only folders of the window's days are opened."""
    since = at - window
    days = {(since + timedelta(days=n)).astimezone(UTC).strftime("%Y%m%d") for n in range(window.days + 2)}
    months = sorted({f"{day[:4]}-{day[4:6]}" for day in days})
    count = 0
    for month, name in store.names(months):
        if not ids.id_from_folder(name) or ids.day_of(name) not in days:
            continue
        try:
            data = store.read(store.incidents / month / name, summary_only=True).data
        except (FileFormatError, OSError):
            continue
        if _declared_from_alert_since(data, since):
            count += 1
            if count >= enough:
                break
    return count


def _declared_from_alert_since(data: Mapping[str, Any], since: datetime) -> bool:
    alert = data.get("alert")
    key = alert.get("dedup_key") if isinstance(alert, Mapping) else data.get("alert.dedup_key")
    declared = as_datetime(data.get("declared_at"))
    return (
        isinstance(key, str)
        and key != grouping.STORM_KEY
        and data.get("kind") != "drill"
        and declared is not None
        and declared >= since
    )


def _as_group(incident: IncidentFile) -> grouping.OpenGroup:
    alert = incident.data.get("alert")
    last_seen = as_datetime(alert.get("last_seen")) if isinstance(alert, Mapping) else None
    listed = alert_list.read(incident.data)
    keys = frozenset(entry.key for entry in listed.entries) if listed else frozenset()
    return grouping.OpenGroup(ref=incident.rel, last_seen=last_seen, keys=keys)
