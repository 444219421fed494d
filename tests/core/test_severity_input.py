"""What people type for a severity at 3 a.m., on the default scale and on a team's own."""

from __future__ import annotations

import pytest

from incident_kit.errors import InputError
from incident_kit.severity import DEFAULT_SCALE, Scale, normalise

SEV0 = Scale.build(
    ["SEV-0", "SEV-1", "SEV-2", "SEV-3", "SEV-4"],
    {"SEV-0": ["P0", "critical"], "SEV-1": ["P1", "major"], "SEV-2": ["P2", "minor"]},
    from_config=True,
)
PRIORITIES = Scale.build(["P0", "P1", "P2", "P3", "P4"], from_config=True)
WORDS = Scale.build(["critical", "major", "minor"], from_config=True)


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
        ("critical", "SEV-1"),
        ("Major", "SEV-2"),
        ("minor", "SEV-3"),
        ("low", "SEV-4"),
    ],
)
def test_the_usual_spellings_are_understood(typed: str, severity: str) -> None:
    assert normalise(typed) == severity


@pytest.mark.parametrize("typed", ["SEV-9", "5", "P9", "bad", "", "SEV-1; rm -rf /"])
def test_anything_else_is_refused_naming_what_works(typed: str) -> None:
    with pytest.raises(InputError) as refused:
        normalise(typed)
    message = refused.value.message
    assert "SEV-1, SEV-2, SEV-3, SEV-4" in message and "SEV-1 is the most severe" in message


def test_a_word_refusal_lists_the_numbers_and_words_that_work() -> None:
    with pytest.raises(InputError) as refused:
        normalise("bad")
    assert refused.value.message == (
        "severity 'bad': choose one of SEV-1, SEV-2, SEV-3, SEV-4 (SEV-1 is the most severe; sev1, 1 "
        "and P1 also work; so do critical, major, minor, low)"
    )


@pytest.mark.parametrize("typed", ["SEV-0", "P0", "0"])
def test_sev_0_on_the_default_scale_says_to_use_sev_1_or_add_the_level(typed: str) -> None:
    with pytest.raises(InputError) as refused:
        normalise(typed)
    assert "not on this team's scale" in refused.value.message
    assert "use SEV-1 for the worst, or add the level under `severities:`" in refused.value.message


@pytest.mark.parametrize(
    ("scale", "typed", "level"),
    [
        (SEV0, "SEV-0", "SEV-0"),
        (SEV0, "sev0", "SEV-0"),
        (SEV0, "P0", "SEV-0"),
        (SEV0, "0", "SEV-0"),
        (SEV0, "critical", "SEV-0"),  # the config's alias beats the default scale's word
        (SEV0, "major", "SEV-1"),
        (SEV0, "minor", "SEV-2"),
        (SEV0, "P3", "SEV-3"),  # built-in alias of a default-named level without its own
        (SEV0, "low", "SEV-4"),
        (PRIORITIES, "p0", "P0"),
        (PRIORITIES, "sev 2", "P2"),  # a number names the level numbered so
        (PRIORITIES, "4", "P4"),
        (WORDS, "Critical", "critical"),
        (WORDS, "MINOR", "minor"),
    ],
)
def test_a_team_scale_reads_its_names_aliases_and_numbers(scale: Scale, typed: str, level: str) -> None:
    assert scale.normalise(typed) == level


def test_a_team_scale_ranks_its_levels_most_severe_first() -> None:
    assert SEV0.worst == "SEV-0"
    assert SEV0.rank("SEV-0") < SEV0.rank("SEV-4") < SEV0.rank("unknown")
    assert SEV0.most_severe(["SEV-3", None, "SEV-0", "x"]) == "SEV-0"


@pytest.mark.parametrize(
    ("scale", "builtin", "level"),
    [
        (DEFAULT_SCALE, "SEV-2", "SEV-2"),
        (SEV0, "SEV-1", "SEV-1"),  # same name
        (PRIORITIES, "SEV-1", "P1"),  # same number
        (WORDS, "SEV-1", "critical"),  # same position
        (WORDS, "SEV-4", "minor"),  # past the end: the least severe
        (DEFAULT_SCALE, None, None),
    ],
)
def test_an_alert_formats_built_in_level_lands_on_the_team_scale(
    scale: Scale, builtin: str | None, level: str | None
) -> None:
    assert scale.onto(builtin) == level


def test_only_words_the_config_wrote_override_an_alert_formats_own_map() -> None:
    assert SEV0.configured_level("critical") == "SEV-0"
    assert SEV0.configured_level("warning") is None
    assert DEFAULT_SCALE.configured_level("critical") is None  # the format's map decides
