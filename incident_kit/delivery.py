"""What every delivering command (`sync`, `remind`) reads the same way: the incidents it can
read, which channel it delivers to, and the HTTP settings from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from incident_kit.errors import FileFormatError
from incident_kit.store import IncidentFile, Store


def read_all(store: Store) -> tuple[list[IncidentFile], list[str]]:
    """Every incident that can be read, and one line for each that cannot: one broken file
    (merged from a pull request, say) must not keep every other incident from being told."""
    incidents: list[IncidentFile] = []
    broken: list[str] = []
    for folder in store.folders():
        try:
            incidents.append(store.read(folder))
        except FileFormatError as error:
            broken.append(f"skipped {error.message} (see `incident validate`)")
    return incidents, broken


def http_timeout(env: Mapping[str, str]) -> int:
    """Seconds one HTTP call may take (`INCIDENT_KIT_HTTP_TIMEOUT`, default 15)."""
    try:
        return max(1, int(env.get("INCIDENT_KIT_HTTP_TIMEOUT", "15")))
    except ValueError:
        return 15


class GitHubPacing(TypedDict):
    seconds_between_requests: float
    seconds_between_writes: float


def github_pacing(env: Mapping[str, str]) -> GitHubPacing:
    """PyGithub's throttles, as `GitHubClient` options: GitHub asks integrations to space out
    requests, and content-creating ones by a second (secondary rate limits).
    `INCIDENT_KIT_GITHUB_REQUEST_INTERVAL` (default 0.25 s) and
    `INCIDENT_KIT_GITHUB_WRITE_INTERVAL` (default 1 s) override them (GitHub Enterprise, the
    tests' stand-in, which has no rate limits); a value that is not a number keeps the default."""
    return GitHubPacing(
        seconds_between_requests=_seconds(env, "INCIDENT_KIT_GITHUB_REQUEST_INTERVAL", 0.25),
        seconds_between_writes=_seconds(env, "INCIDENT_KIT_GITHUB_WRITE_INTERVAL", 1.0),
    )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        return max(0.0, float(env.get(name, default)))
    except ValueError:
        return default


def backend(env: Mapping[str, str]) -> str:
    """`slack` when a bot token is set, else `console`."""
    return "slack" if env.get("SLACK_BOT_TOKEN", "").strip() else "console"
