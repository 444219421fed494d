"""Alert test data: where our fixtures and the vendored real captures live, and a pinned clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

ALERT_TESTS = Path(__file__).resolve().parent.parent / "alerts"
OWN_FIXTURES = ALERT_TESTS / "fixtures"  # payloads we wrote, one folder per format
CAPTURES = ALERT_TESTS / "captures"  # real payloads from public sources (captures/SOURCES.md)
HOSTILE = ALERT_TESTS / "hostile"
RECEIVED_AT = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    """A UTC time, as expectations are written."""
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


# the seed's example alert (the native format), as every test that needs "an alert" sends it
SEED_ALERT: dict[str, object] = json.loads((OWN_FIXTURES / "native" / "seed.json").read_text("utf-8"))
