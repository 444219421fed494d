"""Where a delivery lands under grouping rules and the storm threshold: the decision table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_kit.alerts.grouping import STORM_KEY, Decision, OpenGroup, RuleMatch, decide, rule_for
from incident_kit.alerts.model import Alert, AlertStatus, Delivery
from incident_kit.config.reader import parse
from incident_kit.config.settings import GroupingRule, StormSettings

AT = datetime(2026, 11, 26, 15, tzinfo=UTC)
OFF = StormSettings()
STORM = StormSettings(threshold=5, window_minutes=10)
CHECKOUT = GroupingRule(name="checkout", services=("checkout",), window_minutes=30)


def delivery(
    key: str = "native:a", status: AlertStatus = "firing", source: str = "native", **labels: str
) -> Delivery:
    alert = Alert(title="t", status=status, dedup_key=key, labels=labels)
    return Delivery(
        format=source, source=source, dedup_key=key, status=status, title="t", alerts=(alert,), labels=labels
    )


def group(ref: str, minutes_ago: float, *keys: str) -> OpenGroup:
    return OpenGroup(ref=ref, last_seen=AT - timedelta(minutes=minutes_ago), keys=frozenset(keys))


def never() -> int:
    raise AssertionError("the storm count is read only when it can change the answer")


def routed(
    d: Delivery,
    *,
    match: RuleMatch | None = None,
    rule_groups: tuple[OpenGroup, ...] = (),
    storm: StormSettings = OFF,
    storm_groups: tuple[OpenGroup, ...] = (),
    recent: int | None = None,
) -> Decision | None:
    return decide(
        d,
        at=AT,
        match=match,
        rule_groups=rule_groups,
        storm=storm,
        storm_groups=storm_groups,
        recent_alert_incidents=never if recent is None else (lambda: recent),
    )


MATCH = RuleMatch(CHECKOUT, "group:checkout:checkout")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # no rule, no storm: its own incident, as today
        ({}, Decision("own")),
        # a rule, nothing open yet: a new grouped incident under the group key
        ({"match": MATCH}, Decision("new-group", key=MATCH.key, why="grouping rule checkout")),
        # the rule's incident had an alert 10 minutes ago (window 30): join it
        (
            {"match": MATCH, "rule_groups": (group("g1", 10),)},
            Decision("join", ref="g1", why="grouping rule checkout"),
        ),
        # ... 45 minutes ago: too old, a new grouped incident
        (
            {"match": MATCH, "rule_groups": (group("g1", 45),)},
            Decision("new-group", key=MATCH.key, why="grouping rule checkout"),
        ),
        # the newest fresh one wins (candidates come newest first)
        (
            {"match": MATCH, "rule_groups": (group("g2", 5), group("g1", 1))},
            Decision("join", ref="g2", why="grouping rule checkout"),
        ),
        # storm on, quiet: its own incident, after counting
        ({"storm": STORM, "recent": 4}, Decision("own")),
        # storm threshold reached: a storm incident opens
        ({"storm": STORM, "recent": 5}, Decision("new-storm", key=STORM_KEY, why="alert storm")),
        # a storm raging (last alert 3 minutes ago): join it without counting
        ({"storm": STORM, "storm_groups": (group("s", 3),)}, Decision("join", ref="s", why="alert storm")),
        # a storm gone quiet for longer than its window, few incidents since: own
        ({"storm": STORM, "storm_groups": (group("s", 30),), "recent": 0}, Decision("own")),
        # a rule's fresh incident beats the storm
        (
            {
                "match": MATCH,
                "rule_groups": (group("g1", 1),),
                "storm": STORM,
                "storm_groups": (group("s", 1),),
            },
            Decision("join", ref="g1", why="grouping rule checkout"),
        ),
        # a storm takes an alert whose rule would open a new grouped incident
        (
            {"match": MATCH, "storm": STORM, "storm_groups": (group("s", 1),)},
            Decision("join", ref="s", why="alert storm"),
        ),
    ],
    ids=[
        "own",
        "rule-new",
        "rule-join",
        "rule-stale",
        "rule-newest",
        "storm-quiet",
        "storm-opens",
        "storm-joins",
        "storm-over",
        "rule-before-storm",
        "storm-before-new-group",
    ],
)
def test_where_a_firing_alert_goes(case: dict[str, object], expected: Decision) -> None:
    assert routed(delivery(), **case) == expected  # type: ignore[arg-type]


def test_an_alert_an_incident_already_lists_goes_there_however_old() -> None:
    d = delivery("native:x")
    stale = group("g1", 600, "native:x")
    assert routed(d, match=MATCH, rule_groups=(group("g2", 1), stale)) == Decision(
        "join", ref="g1", why="it lists this alert"
    )
    assert routed(d, storm=STORM, storm_groups=(group("s", 999, "native:x"),)) == Decision(
        "join", ref="s", why="it lists this alert"
    )


def test_a_resolved_alert_joins_only_an_incident_that_lists_it() -> None:
    resolved = delivery("native:x", status="resolved")
    assert routed(resolved, match=MATCH, rule_groups=(group("g1", 1),)) is None
    assert routed(resolved, match=MATCH, rule_groups=(group("g1", 1, "native:x"),)) == Decision(
        "join", ref="g1", why="it lists this alert"
    )


def test_a_group_delivery_is_found_by_any_alert_it_lists() -> None:
    alerts = tuple(Alert("t", "firing", f"am:fingerprint:{n}") for n in range(3))
    d = Delivery("alertmanager", "alertmanager", "am:group", "firing", "t", alerts)
    assert routed(d, storm=STORM, storm_groups=(group("s", 99, "am:fingerprint:2"),)) == Decision(
        "join", ref="s", why="it lists this alert"
    )


def test_a_rule_matches_when_every_condition_holds_and_keys_its_group_by_the_values() -> None:
    rule = GroupingRule(
        name="payments",
        sources=("alertmanager",),
        labels={"team": "payments"},
        by=("service", "labels.region"),
    )
    d = delivery("am:1", source="alertmanager", team="payments", region="eu")
    match = rule_for(d, "checkout", [rule])
    assert match is not None and match.key == "group:payments:checkout:eu"
    assert rule_for(delivery("am:1", source="grafana", team="payments"), "checkout", [rule]) is None
    assert rule_for(delivery("am:1", source="alertmanager", team="search"), "checkout", [rule]) is None


def test_the_first_matching_rule_wins_and_service_matching_ignores_case() -> None:
    rules = [GroupingRule(name="a", services=("Checkout",)), GroupingRule(name="b")]
    first = rule_for(delivery(), "checkout", rules)
    assert first is not None and first.rule.name == "a"
    other = rule_for(delivery(), "search", rules)
    assert other is not None and other.rule.name == "b" and other.key == "group:b:search"


def test_a_group_key_from_hostile_label_values_is_still_a_safe_key() -> None:
    rule = GroupingRule(name="r", by=("labels.instance",))
    match = rule_for(delivery(instance="a\n::error::<!here>"), None, [rule])
    assert match is not None and "\n" not in match.key and "<!here>" not in match.key


def test_config_reads_rules_and_storm_and_defaults_to_neither() -> None:
    config = parse(
        "alerts:\n"
        "  grouping:\n"
        "    - name: checkout-hosts\n"
        "      match: {service: checkout, source: [alertmanager, grafana], labels: {team: payments}}\n"
        "      by: [service, labels.instance]\n"
        "      window_minutes: 15\n"
        "  storm: {threshold: 20, window_minutes: 5}\n"
    )
    assert config.grouping == (
        GroupingRule(
            name="checkout-hosts",
            sources=("alertmanager", "grafana"),
            services=("checkout",),
            labels={"team": "payments"},
            by=("service", "labels.instance"),
            window_minutes=15,
        ),
    )
    assert config.storm == StormSettings(threshold=20, window_minutes=5)
    assert parse("alerts: {}\n").grouping == () and parse("alerts: {}\n").storm.threshold == 0


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "alerts:\n  grouping:\n    - name: Bad Name\n",
            ":3: alerts.grouping[0].name: needs a name of lower-case",
        ),
        (
            "alerts:\n  grouping:\n    - name: a\n      by: [colour]\n",
            ":4: alerts.grouping[0].by: 'colour' is not service",
        ),
        (
            "alerts:\n  grouping:\n    - name: a\n    - name: a\n",
            ":4: alerts.grouping[1].name: another rule is already named",
        ),
        ("alerts:\n  grouping: {a: 1}\n", ":2: alerts.grouping: must be a list of rules"),
        ("alerts:\n  storm: {threshold: 1}\n", ":2: alerts.storm.threshold: must be 0 (off) or at least 2"),
        (
            "alerts:\n  storm:\n    threshold: 3\n    window_minutes: 99999\n",
            ":4: alerts.storm.window_minutes: must be at most 1440",
        ),
    ],
)
def test_config_errors_name_the_line_and_the_key(text: str, error: str) -> None:
    from incident_kit.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        parse(text)
    assert error in str(raised.value)


def test_validate_names_a_misspelt_grouping_key_and_suggests_the_known_one() -> None:
    from ruamel.yaml import YAML

    from incident_kit.config.references import check

    data = YAML(typ="rt").load(
        "alerts:\n  grouping:\n    - name: a\n      windw_minutes: 3\n      match: {servce: x}\n"
        "  storm: {treshold: 3}\n"
    )
    found = {(f.key, f.message) for f in check(data)}
    assert (
        "alerts.grouping[0].windw_minutes",
        "unknown key 'windw_minutes' (did you mean window_minutes?); it is ignored",
    ) in found
    assert (
        "alerts.grouping[0].match.servce",
        "unknown key 'servce' (did you mean service?); it is ignored",
    ) in found
    assert (
        "alerts.storm.treshold",
        "unknown key 'treshold' (did you mean threshold?); it is ignored",
    ) in found
