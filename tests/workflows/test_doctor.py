"""`incident doctor` against the loopback Slack/GitHub stand-in (real slack_sdk and PyGithub):
each thing a team's setup can lack is one line that says how to fix it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.api_server import GITHUB_TOKEN, SLACK_TOKEN, FakeApiServer
from support.cli import Result, run_cli
from support.repos import git, make_repo

from incident_kit import __version__

SHA = "d" * 40
ALERT = ".github/workflows/incident-alert.yml"


@pytest.fixture
def api() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        server.github.labels["incident-action-item"] = "b60205"
        yield server


@pytest.fixture
def team_repo(tmp_path: Path, api: FakeApiServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "repo")
    assert run_cli(["init", "--action-ref", SHA, "--repo", str(root)]).code == 0
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", api.slack_url)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", api.github_url)
    monkeypatch.setenv("GITHUB_REPOSITORY", api.github.repo)
    return root


def doctor(root: Path) -> Result:
    return run_cli(["doctor", "--repo", str(root)])


def findings(result: Result, level: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(level + " ")]


def the_one(result: Result, level: str, words: str) -> str:
    [line] = [line for line in findings(result, level) if words in line]
    assert " — fix: " in line, line
    return line


def edit(root: Path, rel: str, old: str, new: str) -> None:
    text = (root / rel).read_text()
    assert old in text
    (root / rel).write_text(text.replace(old, new, 1))


def test_a_complete_setup_is_all_ok(team_repo: Path, api: FakeApiServer) -> None:
    result = doctor(team_repo)
    assert result.code == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "incident doctor: 0 problem(s), 0 warning(s)"
    assert (
        f"ok       {ALERT}:" in result.stdout
        and f"runs incident-kit v{__version__} @ {SHA[:12]}" in result.stdout
    )
    assert "ok       Slack scopes: the bot token has every scope incident-kit uses" in result.stdout
    assert "ok       default branch: main" in result.stdout
    assert [r.key for r in api.requests if not r.key.startswith("GET")] == ["auth.test"]  # reads only


def test_missing_tokens_are_reported_with_their_fix(team_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    monkeypatch.delenv("GITHUB_TOKEN")
    result = doctor(team_repo)
    assert result.code == 1
    assert "export GITHUB_TOKEN" in the_one(result, "problem", "GITHUB_TOKEN: not set")
    assert "README's manifest" in the_one(result, "warning", "SLACK_BOT_TOKEN: not set")
    assert result.stderr == ""


def test_a_missing_slack_scope_is_named(team_repo: Path, api: FakeApiServer) -> None:
    api.slack.scopes.discard("chat:write")
    api.slack.scopes.discard("channels:history")
    result = doctor(team_repo)
    assert result.code == 1
    line = the_one(result, "problem", "Slack scopes")
    assert "lacks channels:history, chat:write" in line and "Bot Token Scopes" in line
    assert api.calls("auth.test")


def test_a_rejected_slack_token_is_a_problem(team_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    result = doctor(team_repo)
    assert result.code == 1
    assert "invalid_auth" in the_one(result, "problem", "SLACK_BOT_TOKEN")
    assert "xoxb-revoked" not in result.stdout


def test_unpinned_workflows_are_problems(team_repo: Path) -> None:
    edit(team_repo, ALERT, f"incident-kit/incident-kit@{SHA}", "incident-kit/incident-kit@v0.1.0")
    edit(
        team_repo,
        ALERT,
        "      - name: Write the alert payload to a file\n",
        "      - uses: actions/setup-node@v4\n      - run: pip install incident-kit\n"
        "      - name: Write the alert payload to a file\n",
    )
    result = doctor(team_repo)
    assert result.code == 1
    managed_step = the_one(result, "problem", "incident-kit is not pinned to a commit (v0.1.0)")
    assert "incident init --upgrade --action-ref" in managed_step
    assert "full commit SHA it points to" in the_one(result, "problem", "uses actions/setup-node@v4")
    assert "remove the step" in the_one(result, "problem", "installs a package by name")
    assert len(findings(result, "problem")) == 3


def test_a_stale_workflow_is_a_problem(team_repo: Path) -> None:
    edit(team_repo, ALERT, f"@{SHA} # v{__version__}", f"@{SHA} # v0.0.9")
    result = doctor(team_repo)
    assert result.code == 1
    line = the_one(result, "problem", "runs incident-kit v0.0.9, older than this CLI")
    assert line.startswith(f"problem  {ALERT}:") and "incident init --upgrade" in line


def test_a_missing_workflow_is_a_problem(team_repo: Path) -> None:
    git(team_repo, "rm", "-q", ALERT)
    result = doctor(team_repo)
    assert result.code == 1
    assert "incident init" in the_one(result, "problem", f"{ALERT}: missing")


def test_the_github_side_default_branch_and_labels(team_repo: Path, api: FakeApiServer) -> None:
    api.github.default_branch = "trunk"
    del api.github.labels["incident-action-item"]
    result = doctor(team_repo)
    assert result.code == 0  # warnings only
    assert "merge the workflows" in the_one(
        result, "warning", "default branch is trunk but this clone is on main"
    )
    assert "gh label create incident-action-item" in the_one(
        result, "warning", "missing incident-action-item"
    )


def test_an_unreachable_github_is_one_line(team_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/else")
    result = doctor(team_repo)
    assert result.code == 1
    assert "HTTP 404" in the_one(result, "problem", "GitHub someone/else")
