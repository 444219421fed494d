"""The current time, and what people type for a time (`--at`, `--since`).

`INCIDENT_KIT_NOW` (RFC 3339) pins the clock for tests and reproducible demos. The parser
(`clock.parse`) and the echo (`clock.echo`) are pure: the team's zone is a parameter, so
they are table-tested without touching the environment. `zoneinfo` is imported only when a
zone other than UTC is involved.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo

from incident_kit.clock.parse import EARLIEST, FUTURE_SKEW, When, parse

__all__ = ["EARLIEST", "FUTURE_SKEW", "When", "now", "parse", "parse_when"]


def now() -> datetime:
    pinned = os.environ.get("INCIDENT_KIT_NOW")
    if pinned:
        return parse(pinned, datetime.now(UTC), UTC, allow_future=True, flag="INCIDENT_KIT_NOW").at
    return datetime.now(UTC).replace(microsecond=0)


def parse_when(text: str, reference: datetime, zone: tzinfo = UTC, *, allow_future: bool = False) -> datetime:
    """The UTC instant `text` means at `reference`, in the team's `zone` (see `parse`)."""
    return parse(text, reference, zone, allow_future=allow_future).at
