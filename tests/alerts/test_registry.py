"""The registry imports an adapter only when its cheap test passes: detection must not change.

`Listed.could_be` may only rule out payloads the adapter's own `detect` refuses; these tests
compare the registry's answer with every adapter's `detect` run in order, on every payload we
have, and check that detecting our own format imports no other adapter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from support.alerts import CAPTURES, HOSTILE, OWN_FIXTURES

from incident_kit.alerts import FORMATS, Listed, detect_format
from incident_kit.alerts.detection import first_detected
from incident_kit.errors import InputError

from .test_properties import OBJECTS, SEEDS, mutated

PAYLOADS = sorted(
    [*OWN_FIXTURES.rglob("*.json"), *CAPTURES.rglob("*.json"), *HOSTILE.glob("*.json")],
    key=str,
)


def _listed() -> list[Listed]:
    return [fmt for fmt in FORMATS.values() if isinstance(fmt, Listed)]


def _eager_answer(payload: Mapping[str, Any]) -> str | None:
    """What detection said before the registry was lazy: every adapter's `detect`, in order."""
    found = first_detected(payload, {fmt.name: fmt.adapter() for fmt in _listed()})
    return found.name if found is not None else None


def _registry_answer(payload: Mapping[str, Any]) -> str | None:
    try:
        return detect_format(payload).name
    except InputError:
        return None


def _check_every_format(payload: object) -> None:
    if not isinstance(payload, Mapping):
        return
    for fmt in _listed():
        if fmt.adapter().detect(payload):
            assert fmt.could_be(payload), f"{fmt.name}: could_be rules out a payload detect accepts"
    assert _registry_answer(payload) == _eager_answer(payload)


def test_every_format_is_listed_under_its_adapters_name() -> None:
    assert len(_listed()) == len(FORMATS) == 11
    for name, fmt in FORMATS.items():
        assert isinstance(fmt, Listed)
        assert name == fmt.name == fmt.adapter().name


@pytest.mark.parametrize("path", PAYLOADS, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_the_cheap_test_never_hides_a_format_from_its_payload(path: Path) -> None:
    try:
        payload = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return  # the hostile payloads that are not JSON never reach detection
    _check_every_format(payload)
    inner = payload.get("client_payload") if isinstance(payload, dict) else None
    if isinstance(inner, dict):  # what the dispatch envelope detects among the others
        _check_every_format(inner)
        _check_every_format(inner.get("alert"))


def test_each_fixture_folder_is_detected_as_its_format() -> None:
    for folder in sorted(p for p in OWN_FIXTURES.iterdir() if p.is_dir()):
        name = folder.name.replace("_", "-")
        detected = {_registry_answer(json.loads(p.read_text("utf-8"))) for p in folder.glob("*.json")}
        assert name in detected, (name, detected)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_payloads_are_detected_as_before(payload: dict[str, Any]) -> None:
    _check_every_format(payload)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OBJECTS)
def test_arbitrary_json_is_detected_as_before(payload: dict[str, Any]) -> None:
    _check_every_format(payload)


_IMPORTED = """
import json, sys
from datetime import UTC, datetime
from incident_kit.alerts import ParseOptions, parse_delivery
parse_delivery(sys.stdin.buffer.read(), options=ParseOptions(received_at=datetime.now(UTC)))
print(json.dumps(sorted(sys.modules)))
"""
_ADAPTERS = {
    "incident_kit.alerts." + module
    for module in [
        "alertmanager",
        "azure_monitor",
        "cloudwatch",
        "datadog",
        "gcp_monitoring",
        "github_dispatch",
        "grafana",
        "grouped",
        "native",
        "opsgenie",
        "pagerduty",
        "sentry",
    ]
}


@pytest.mark.parametrize("name", ["seed", "minimal", "extras"])
def test_declaring_from_our_own_format_imports_no_other_adapter(name: str) -> None:
    raw = (OWN_FIXTURES / "native" / f"{name}.json").read_bytes()
    result = subprocess.run([sys.executable, "-c", _IMPORTED], input=raw, capture_output=True, check=True)
    imported = set(json.loads(result.stdout)) & _ADAPTERS
    assert imported == {"incident_kit.alerts.native"}


def test_the_seeds_are_the_property_tests_seeds() -> None:
    assert set(SEEDS) <= set(PAYLOADS)  # nothing the mutation test starts from is left unchecked here
