"""`validate` knows the config's references: unknown keys, undefined names, overlapping overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from support.cli import declare, run_cli
from support.repos import git

from incident_kit.config.loading import default_text
from incident_kit.config.references import ERROR, WARNING, Finding, check
from incident_kit.severity import Scale


def findings(text: str, scale: Scale | None = None) -> list[Finding]:
    data = YAML(typ="rt").load(text)
    return check(data, scale) if scale else check(data)


def brief(text: str, scale: Scale | None = None) -> list[tuple[int, str, str, str]]:
    return [(f.line, f.level, f.key, f.message) for f in findings(text, scale)]


ROTATIONS = """\
oncall:
  rotations:
    primary: {members: [alice, bob], start: 2026-01-05}
    secondary: {members: [carol], start: 2026-01-05}
"""


def test_the_shipped_config_has_no_findings() -> None:
    assert findings(default_text()) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "severites:\n  SEV-1: {}\n",
            (1, ERROR, "severites", "unknown key 'severites' (did you mean severities?); it is ignored"),
        ),
        ("pushh: true\n", (1, ERROR, "pushh", "unknown key 'pushh' (did you mean push?); it is ignored")),
        ("team_notes: hello\n", (1, WARNING, "team_notes", "unknown key 'team_notes'; it is ignored")),
        (
            "slack:\n  anouncement_channel: '#x'\n",
            (
                2,
                ERROR,
                "slack.anouncement_channel",
                "unknown key 'anouncement_channel' (did you mean announcement_channel?); it is ignored",
            ),
        ),
        (
            "oncall:\n  rotations:\n    primary: {memebers: [a], start: 2026-01-05}\n",
            (
                3,
                ERROR,
                "oncall.rotations.primary.memebers",
                "unknown key 'memebers' (did you mean members?); it is ignored",
            ),
        ),
        (
            "services:\n  payments: {rotaton: primary}\n",
            (
                2,
                ERROR,
                "services.payments.rotaton",
                "unknown key 'rotaton' (did you mean rotation?); it is ignored",
            ),
        ),
        (
            "oncall:\n  overrides:\n    - {who: a, form: 2026-01-01T00:00:00Z}\n",
            (3, ERROR, "oncall.overrides[0].form", "unknown key 'form' (did you mean from?); it is ignored"),
        ),
    ],
)
def test_an_unknown_key_is_an_error_when_a_known_one_is_close_and_a_warning_otherwise(
    text: str, expected: tuple[int, str, str, str]
) -> None:
    assert expected in brief(text)


def test_names_people_choose_are_not_unknown_keys() -> None:
    text = "services:\n  my-service: {}\nslack:\n  users: {anyone: U1}\ngithub:\n  logins: {x: y}\n"
    assert findings(text) == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "services:\n  payments: {rotation: primay}\n",
            (
                6,
                ERROR,
                "services.payments.rotation",
                "no rotation named 'primay' (did you mean primary?); its incidents get no commander",
            ),
        ),
        (
            "  overrides:\n    - {rotation: night, who: dave, from: 2026-01-01T00:00:00Z,"
            " until: 2026-01-02T00:00:00Z}\n",
            (
                6,
                ERROR,
                "oncall.overrides[0].rotation",
                "no rotation named 'night'; the override never applies",
            ),
        ),
    ],
)
def test_a_rotation_referenced_but_not_defined_is_an_error(
    extra: str, expected: tuple[int, str, str, str]
) -> None:
    assert expected in brief(ROTATIONS + extra)


OVERRIDES = ROTATIONS + "  overrides:\n"


@pytest.mark.parametrize(
    ("lines", "overlap"),
    [
        (
            [
                "{rotation: primary, who: dave, from: 2026-12-24T09:00:00+01:00,"
                " until: 2026-12-27T09:00:00+01:00}",
                "{rotation: primary, who: erin, from: 2026-12-26T09:00:00+01:00,"
                " until: 2026-12-28T09:00:00+01:00}",
            ],
            True,
        ),
        (
            [  # an override of every rotation overlaps one of a single rotation
                "{rotation: primary, who: dave, from: 2026-12-24T09:00:00Z, until: 2026-12-27T09:00:00Z}",
                "{who: erin, from: 2026-12-26T09:00:00Z, until: 2026-12-28T09:00:00Z}",
            ],
            True,
        ),
        (
            [  # different rotations: both apply, each to its own
                "{rotation: primary, who: dave, from: 2026-12-24T09:00:00Z, until: 2026-12-27T09:00:00Z}",
                "{rotation: secondary, who: erin, from: 2026-12-26T09:00:00Z, until: 2026-12-28T09:00:00Z}",
            ],
            False,
        ),
        (
            [  # back to back: one ends as the next starts
                "{rotation: primary, who: dave, from: 2026-12-24T09:00:00Z, until: 2026-12-27T09:00:00Z}",
                "{rotation: primary, who: erin, from: 2026-12-27T09:00:00Z, until: 2026-12-28T09:00:00Z}",
            ],
            False,
        ),
    ],
)
def test_overlapping_overrides_on_one_rotation_are_an_error(lines: list[str], overlap: bool) -> None:
    found = brief(OVERRIDES + "".join(f"    - {line}\n" for line in lines))
    overlaps = [f for f in found if "overlaps" in f[3]]
    if not overlap:
        assert overlaps == []
        return
    assert overlaps == [
        (
            7,
            ERROR,
            "oncall.overrides[1]",
            overlaps[0][3],
        )
    ]
    assert overlaps[0][3].startswith("overlaps oncall.overrides[0] (erin and dave from 2026-12-26T")
    assert overlaps[0][3].endswith("the first listed wins, so say which")


def test_an_override_that_ends_before_it_starts_is_an_error() -> None:
    found = brief(OVERRIDES + "    - {who: dave, from: 2026-12-27T09:00:00Z, until: 2026-12-24T09:00:00Z}\n")
    assert (6, ERROR, "oncall.overrides[0].until", "is not after `from`; the override never applies") in found


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("default_severity: SEV-5\n", "default_severity"),
        ("severity_rules:\n  - {min_ratio: 2, severity: SEV-7}\n", "severity_rules[0].severity"),
        ("stakeholders:\n  SEV-0: [alice]\n", "stakeholders.SEV-0"),
        ("postmortem:\n  required_sections:\n    P0: [Summary]\n", "postmortem.required_sections.P0"),
        (
            "alerts:\n  severity_maps:\n    grafana: {critical: SEV-0}\n",
            "alerts.severity_maps.grafana.critical",
        ),
    ],
)
def test_a_severity_named_anywhere_must_be_on_the_scale(text: str, key: str) -> None:
    found = [f for f in findings(text) if f.key == key]
    assert len(found) == 1 and found[0].level == ERROR
    assert "is not a severity of this scale (SEV-1, SEV-2, SEV-3, SEV-4)" in found[0].message
    # the same names are fine on a scale that has them
    custom = Scale.build(["SEV-0", "SEV-1", "SEV-2"], {"SEV-0": ["P0", "P1"]}, from_config=True)
    if "SEV-5" not in text and "SEV-7" not in text:
        assert [f for f in findings(text, custom) if f.key == key] == []


def test_people_without_a_slack_users_entry_are_named_once_where_first_seen() -> None:
    text = ROTATIONS + (
        "  overrides:\n    - {who: dave, from: 2026-12-24T09:00:00Z, until: 2026-12-27T09:00:00Z}\n"
        "stakeholders:\n  SEV-1: [carol, '#incidents', ops@example.com, U0123ABCD, alicee]\n"
        "slack:\n  users: {alice: U1, bob: U2}\n  invite: [dave]\n"
    )
    people = [(f.key, f.message) for f in findings(text) if "slack.users" in f.message]
    assert people == [
        (
            "oncall.rotations.secondary.members",
            "'carol' has no slack.users entry; Slack cannot invite or mention them",
        ),
        ("oncall.overrides[0].who", "'dave' has no slack.users entry; Slack cannot invite or mention them"),
        (
            "stakeholders.SEV-1",
            "'alicee' has no slack.users entry (did you mean alice?); Slack cannot invite or mention them",
        ),
    ]
    assert all(f.level == WARNING for f in findings(text) if "slack.users" in f.message)


def test_without_a_slack_users_map_nobody_is_expected_in_it() -> None:
    assert findings(ROTATIONS + "stakeholders:\n  SEV-1: [carol]\n") == []


# --- through the CLI -------------------------------------------------------------------------


def test_validate_lists_the_readers_error_and_every_reference_with_file_and_line(repo: Path) -> None:
    config = repo / "incidents" / "config.yaml"
    text = default_text().replace("severities:", "severites:", 1)
    text = text.replace("    rotation: primary", "    rotation: primay")
    text = text.replace("push: false", "push: yes please")
    config.write_text(text)
    result = run_cli(["validate", "--format", "json", "--repo", str(repo)])
    assert result.code == 1
    problems = {(p["line"], p["level"], p["message"]) for p in json.loads(result.stdout)["problems"]}

    def line(fragment: str) -> int:
        return text[: text.index(fragment)].count("\n") + 1

    assert problems >= {
        (
            line("severites:"),
            "error",
            "severites: unknown key 'severites' (did you mean severities?); it is ignored",
        ),
        (
            line("rotation: primay"),
            "error",
            "services.authentication.rotation: no rotation named 'primay' (did you mean primary?); "
            "its incidents get no commander",
        ),
        (line("push: yes please"), "error", "push: must be true or false, not 'yes please'"),
    }


def test_declare_warns_about_a_service_the_config_does_not_know_and_suggests_the_closest(repo: Path) -> None:
    result = run_cli(["declare", "--title", "Login fails", "--service", "authentcation", "--repo", str(repo)])
    assert result.code == 0
    assert result.stderr == (
        "incident: warning: service 'authentcation' is not in incidents/config.yaml; did you mean "
        "authentication? (`--service authentication`); recorded as typed (add it under `services:` if it "
        "is new)\n"
    )
    assert (
        run_cli(["declare", "--title", "x", "--service", "auth", "--repo", str(repo)]).stderr == ""
    )  # alias


def test_validate_warns_about_an_incident_whose_service_is_not_in_the_config(repo: Path) -> None:
    incident = declare(repo, "Login fails", "--service", "authentcation")
    git(repo, "status")
    result = run_cli(["validate", "--repo", str(repo)])
    assert result.code == 0  # a warning
    assert (
        f"{incident['path']}/incident.md:9: warning: service 'authentcation' is not in "
        "incidents/config.yaml (did you mean authentication?)"
    ) in result.stdout
