"""Fixtures for the alert adapters: the shared real-world captures, a pinned clock."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from incident_kit.alerts import Delivery, ParseOptions, parse_delivery

from .safety import assert_delivery_safe

HERE = Path(__file__).resolve().parent
OWN_FIXTURES = HERE / "fixtures"
HOSTILE = HERE / "hostile"
RECEIVED_AT = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    """A UTC time, as expectations are written."""
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def _repo_root() -> Path:
    for folder in HERE.parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise RuntimeError("no pyproject.toml above the tests")


# CI runs in a fresh clone with a copy of shared/ beside it: always relative to the repo root
SHARED_FIXTURES = _repo_root().parent / "shared" / "fixtures" / "alerts"


@pytest.fixture
def options() -> ParseOptions:
    return ParseOptions(received_at=RECEIVED_AT)


@pytest.fixture
def shared_capture() -> Callable[[str], bytes]:
    """The bytes of one capture under shared/fixtures/alerts, or a clean skip without it."""

    def read(relative: str) -> bytes:
        path = SHARED_FIXTURES / relative
        if not path.is_file():
            pytest.skip(f"shared fixture {relative} not available beside the repository")
        return path.read_bytes()

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
        opts = dataclasses.replace(options, **option_changes)
        raw = (OWN_FIXTURES / relative).read_bytes()
        delivery = parse_delivery(raw, options=opts, format_name=format_name)
        assert_delivery_safe(delivery)
        return delivery

    return parse
