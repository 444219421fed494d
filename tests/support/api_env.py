"""The environment that points the CLI's Slack and GitHub clients at the loopback fakes."""

from __future__ import annotations

import pytest
from fakes.api_server import GITHUB_TOKEN, SLACK_TOKEN, FakeApiServer


def wire(monkeypatch: pytest.MonkeyPatch, server: FakeApiServer) -> None:
    """Tokens and API URLs of `server`; a 1 s HTTP timeout and no pause between GitHub writes."""
    for name, value in {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_API_URL": server.slack_url,
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "GITHUB_API_URL": server.github_url,
        "GITHUB_REPOSITORY": server.github.repo,
        "INCIDENT_KIT_HTTP_TIMEOUT": "1",
        "INCIDENT_KIT_GITHUB_WRITE_INTERVAL": "0",
    }.items():
        monkeypatch.setenv(name, value)
