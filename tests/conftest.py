"""Fixtures only (helpers live in tests/support/): a sealed environment and an initialised repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.cli import PINNED_NOW, run_cli
from support.repos import make_repo


@pytest.fixture(autouse=True)
def _sealed_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real home folder or git config, or sees a real token."""
    home = tmp_path_factory.mktemp("home")
    home.chmod(0o500)  # any write to the home folder fails
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    for name in (
        "SLACK_BOT_TOKEN",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GITHUB_ACTOR",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_REPOSITORY",
        "INCIDENT_KIT_DEBUG",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "TZ",  # times typed without a zone are read in the team's zone, else TZ: pin it
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INCIDENT_KIT_NOW", PINNED_NOW)
    # The GitHub stand-ins have no rate limits: requests and writes are not spaced out
    # (the workflow harness gives its runners a clean environment, so workflow runs still are)
    monkeypatch.setenv("INCIDENT_KIT_GITHUB_WRITE_INTERVAL", "0")
    monkeypatch.setenv("INCIDENT_KIT_GITHUB_REQUEST_INTERVAL", "0")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An initialised repository (`incident init`), with the example config."""
    root = make_repo(tmp_path / "repo")
    result = run_cli(["init", "--repo", str(root)])
    assert result.code == 0, result.stderr
    return root
