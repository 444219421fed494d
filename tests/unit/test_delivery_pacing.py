"""GitHub's throttles read from the environment: defaults, overrides, and garbage forgiven."""

from __future__ import annotations

import pytest

from incident_kit.delivery import github_pacing, http_timeout


def test_the_defaults_space_requests_and_writes_as_github_asks() -> None:
    assert github_pacing({}) == {"seconds_between_requests": 0.25, "seconds_between_writes": 1.0}


def test_each_throttle_is_set_on_its_own() -> None:
    env = {"INCIDENT_KIT_GITHUB_REQUEST_INTERVAL": "0", "INCIDENT_KIT_GITHUB_WRITE_INTERVAL": "2.5"}
    assert github_pacing(env) == {"seconds_between_requests": 0.0, "seconds_between_writes": 2.5}


@pytest.mark.parametrize("value", ["soon", "", "1s"])
def test_a_value_that_is_not_a_number_keeps_the_default(value: str) -> None:
    env = {"INCIDENT_KIT_GITHUB_REQUEST_INTERVAL": value, "INCIDENT_KIT_GITHUB_WRITE_INTERVAL": value}
    assert github_pacing(env) == {"seconds_between_requests": 0.25, "seconds_between_writes": 1.0}


def test_a_negative_interval_is_no_interval() -> None:
    assert github_pacing({"INCIDENT_KIT_GITHUB_WRITE_INTERVAL": "-3"})["seconds_between_writes"] == 0.0


def test_the_http_timeout_is_at_least_a_second() -> None:
    assert http_timeout({}) == 15
    assert http_timeout({"INCIDENT_KIT_HTTP_TIMEOUT": "0"}) == 1
    assert http_timeout({"INCIDENT_KIT_HTTP_TIMEOUT": "x"}) == 15
