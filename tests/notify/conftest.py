"""Fixtures for the notification and GitHub adapters: one loopback fake of both APIs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes.api_server import GITHUB_TOKEN, SLACK_TOKEN, FakeApiServer

from incident_kit.github.client import GitHubClient
from incident_kit.notify.slack import SlackNotifier


@pytest.fixture
def api() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        yield server


@pytest.fixture
def slack(api: FakeApiServer) -> SlackNotifier:
    # small timeout and waits: the fault tests sleep through them
    return SlackNotifier(SLACK_TOKEN, base_url=api.slack_url, timeout=1, max_retry_wait=5)


@pytest.fixture
def github(api: FakeApiServer) -> GitHubClient:
    return GitHubClient(
        token=GITHUB_TOKEN,
        repo=api.github.repo,
        base_url=api.github_url,
        timeout=1,
        seconds_between_requests=None,
        seconds_between_writes=None,
        max_rate_limit_wait=5,
    )
