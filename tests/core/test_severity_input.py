"""What people type for a severity at 3 a.m."""

from __future__ import annotations

import pytest

from incident_kit.errors import InputError
from incident_kit.severity import normalise


@pytest.mark.parametrize(
    ("typed", "severity"),
    [
        ("SEV-1", "SEV-1"),
        ("sev1", "SEV-1"),
        ("Sev 2", "SEV-2"),
        ("SEV_3", "SEV-3"),
        ("4", "SEV-4"),
        ("P1", "SEV-1"),
        (" p2 ", "SEV-2"),
    ],
)
def test_the_usual_spellings_are_understood(typed: str, severity: str) -> None:
    assert normalise(typed) == severity


@pytest.mark.parametrize("typed", ["SEV-9", "5", "P9", "critical", "", "SEV-1; rm -rf /"])
def test_anything_else_is_refused_naming_what_works(typed: str) -> None:
    with pytest.raises(InputError) as refused:
        normalise(typed)
    assert (
        "choose one of SEV-1, SEV-2, SEV-3, SEV-4" in refused.value.message
        and "P1 also work" in refused.value.message
    )
