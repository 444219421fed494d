"""An incident file as `incident declare` writes it, for the scanners' tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from incident_kit.new_incident import NewIncident, render


def tool_written(alert: dict[str, Any] | None = None) -> str:
    """The text of a new SEV-2 incident (a title with a colon and quotes), declared from an
    alert when `alert` is given."""
    at = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    return render(
        NewIncident(
            id="inc-20261126-abcd",
            title="Checkout: 500s for 'EU'",
            severity="SEV-2",
            kind="incident",
            service="checkout",
            source="alertmanager" if alert else "manual",
            commander="bob",
            declared_at=at,
            detected_at=at,
            impact_started_at=None,
            summary="x",
            timeline=[(at, "Declared", "bob")],
            alert=alert,
        )
    )
