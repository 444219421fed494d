"""Shared fixtures: real git repositories in tmp_path, identity and clock pinned, HOME sealed."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from incident_kit.cli import app
from incident_kit.error_handler import handle

PINNED_NOW = "2026-11-26T15:00:00Z"


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


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def make_repo(path: Path, user: str = "alice") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", user)
    git(path, "config", "user.email", f"{user}@example.com")
    git(path, "config", "commit.gpgsign", "false")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An initialised repository (`incident init`), with the example config."""
    root = make_repo(tmp_path / "repo")
    result = run_cli(["init", "--repo", str(root)])
    assert result.code == 0, result.stderr
    return root


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


_capture: pytest.CaptureFixture[str] | None = None


@pytest.fixture(autouse=True)
def _capsys_for_cli(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    global _capture
    _capture = capsys
    yield
    _capture = None


def run_cli(args: list[str], stdin: str | None = None) -> Result:
    """Run the CLI in-process (the same handler as the console script) and capture output."""
    assert _capture is not None
    _capture.readouterr()
    if stdin is not None:
        import io
        import sys

        old = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")))
        try:
            code = handle(app, args)
        finally:
            sys.stdin = old
    else:
        code = handle(app, args)
    out = _capture.readouterr()
    return Result(code, out.out, out.err)


def declare(
    repo: Path, title: str = "Checkout is down", *extra: str, severity: str = "SEV-2"
) -> dict[str, object]:
    """`incident declare --manual-incident` in-process; its JSON result."""
    result = run_cli(
        [
            "declare",
            "--manual-incident",
            "--title",
            title,
            "--severity",
            severity,
            "--format",
            "json",
            "--repo",
            str(repo),
            *extra,
        ]
    )
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def commit_count(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD").strip())


def status_clean(root: Path) -> bool:
    return git(root, "status", "--porcelain").strip() == ""
