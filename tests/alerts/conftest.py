"""Fixtures for the alert adapters: parse options at a pinned clock, our fixtures, the real captures."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from support.alert_safety import assert_delivery_safe
from support.alerts import CAPTURES, OWN_FIXTURES, RECEIVED_AT

from incident_kit.alerts import Delivery, ParseOptions, parse_delivery


@pytest.fixture
def options() -> ParseOptions:
    return ParseOptions(received_at=RECEIVED_AT)


@pytest.fixture
def shared_capture() -> Callable[[str], bytes]:
    """The bytes of one real capture (tests/alerts/captures, vendored with its SOURCES.md)."""

    def read(relative: str) -> bytes:
        return (CAPTURES / relative).read_bytes()

    return read


@pytest.fixture
def own_fixture() -> Callable[[str], dict[str, Any]]:
    """One of our own fixtures (tests/alerts/fixtures/<format>/<name>.json), parsed."""

    def read(relative: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((OWN_FIXTURES / relative).read_text("utf-8"))
        return data

    return read


@pytest.fixture
def own_delivery(options: ParseOptions) -> Callable[..., Delivery]:
    """Parse one of our own fixtures through `parse_delivery`, checking the safety invariant."""

    def parse(relative: str, format_name: str | None = None, **option_changes: Any) -> Delivery:
        opts = options._replace(**option_changes)
        raw = (OWN_FIXTURES / relative).read_bytes()
        delivery = parse_delivery(raw, options=opts, format_name=format_name)
        assert_delivery_safe(delivery)
        return delivery

    return parse
