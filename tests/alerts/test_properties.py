"""Property tests: whatever JSON arrives, only IncidentKitError escapes, and output is inert."""

from __future__ import annotations

import contextlib
import copy
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.alert_safety import assert_delivery_safe
from support.alerts import CAPTURES, HOSTILE, OWN_FIXTURES, RECEIVED_AT

from incident_kit.alerts import FORMATS, ParseOptions, detect_format, parse_delivery
from incident_kit.errors import IncidentKitError

OPTIONS = ParseOptions(received_at=RECEIVED_AT)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# our fixtures, the real captures (every shape a system sends, issue 18's included) and the
# hostile payloads that parse: the mutation test starts from each
SEEDS: list[Path] = (
    sorted(OWN_FIXTURES.rglob("*.json"))
    + sorted(p for p in CAPTURES.rglob("*.json") if p.stat().st_size < 20_000)
    + sorted(p for p in HOSTILE.glob("safe-*.json") if p.stat().st_size < 20_000)
)


def _keys_of(value: object, into: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            into.add(key)
            _keys_of(item, into)
    elif isinstance(value, list):
        for item in value:
            _keys_of(item, into)


def _vocabulary() -> list[str]:
    keys: set[str] = set()
    for path in SEEDS:
        _keys_of(json.loads(path.read_text("utf-8")), keys)
    return sorted(keys)


VOCABULARY = _vocabulary()
# values the adapters compare against, so random payloads reach their deeper branches
MAGIC = [
    "4", "1", "1.2", "azureMonitorCommonAlertSchema", "Notification", "SubscriptionConfirmation",
    "UnsubscribeConfirmation", "incident", "incident.triggered", "incident.resolved", "Create",
    "Close", "firing", "resolved", "ALARM", "OK", "INSUFFICIENT_DATA", "datadog", "critical",
    "open", "closed", "Fired", "Resolved", "P1", "0001-01-01T00:00:00Z", "::error::x", "<!here>",
    "@channel", "../../etc/passwd", "\u202e", "\x00", "https://ok.example/x", "javascript:x",
    # issue 18's shapes: Alertmanager v3, CloudWatch state changes, Grafana legacy states,
    # Sentry issue actions, Datadog transitions and event types, test notification markers
    "3", "0", "aws.cloudwatch", "CloudWatch Alarm State Change", "CloudWatch Alarm Configuration Change",
    "alerting", "ok", "no_data", "paused", "created", "unresolved", "assigned", "Triggered",
    "Recovered", "metric_alert_monitor", "[Triggered] [TEST] x", "[P1] [Recovered on {host:a}] y",
    "TestAlert", "Grafana", "Someone is testing the alert notification within grafana.",
    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a", '{"recentDatapoints": [1.5], "threshold": 2}',
    "incident.trigger",
]  # fmt: skip
HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from(list(":@<>!|#-`*_[]\\/. \n\r\t\x00\x1b\u2028\u202e\u200baZ9é認🔥")),
    max_size=30,
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(MAGIC)
    | HOSTILE_TEXT
    | st.text(max_size=20)
)
KEYS = st.sampled_from(VOCABULARY) | st.text(max_size=8)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=40,
)
OBJECTS = st.dictionaries(KEYS, JSON, max_size=8)


_PINGS = re.compile(r"<!|<@|@(here|channel|everyone)\b", re.IGNORECASE)


def _check(payload: dict[str, Any], run: Any) -> None:
    try:
        delivery = run(payload)
    except IncidentKitError as refused:
        # a refusal is one bounded line that pings nobody, whatever it quotes
        message = str(refused)
        assert message and "\n" not in message and len(message) < 1000, message
        assert not _PINGS.search(message), message
        return
    assert_delivery_safe(delivery)


@PROPERTY
@given(OBJECTS)
def test_arbitrary_json_through_every_entry(payload: dict[str, Any]) -> None:
    """detect_format answers or refuses; every adapter, forced, and parse_delivery hold."""
    with contextlib.suppress(IncidentKitError):
        assert detect_format(payload) in FORMATS.values()
    for fmt in FORMATS.values():
        _check(payload, lambda p, fmt=fmt: fmt.parse(p, OPTIONS))
    _check(payload, lambda p: parse_delivery(json.dumps(p).encode(), options=OPTIONS))


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A real payload with one random spot replaced, deleted or wrapped: the likeliest garbage."""
    path = draw(st.sampled_from(SEEDS))
    payload: dict[str, Any] = copy.deepcopy(json.loads(path.read_text("utf-8")))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        node: Any = payload
        while True:
            children = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not children:
                break
            key = draw(st.sampled_from(children))
            child = node[key]
            if isinstance(child, dict | list) and child and draw(st.booleans()):
                node = child
                continue
            action = draw(st.sampled_from(["replace", "delete", "wrap"]))
            if action == "replace":
                node[key] = draw(JSON)
            elif action == "wrap":
                node[key] = [child]
            elif isinstance(node, dict):
                del node[key]
            else:
                node.pop(key)
            break
    return payload


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_real_payloads_never_crash(payload: dict[str, Any]) -> None:
    _check(payload, lambda p: parse_delivery(json.dumps(p).encode(), options=OPTIONS))
    for fmt in FORMATS.values():  # also forced into every format, as --alert-format would
        _check(payload, lambda p, fmt=fmt: fmt.parse(p, OPTIONS))
