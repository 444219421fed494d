"""Slack and GitHub failing at every call position of a sync: nothing lost, nothing sent twice."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from fakes.api_server import FakeApiServer
from support.api_env import wire
from support.cli import run_cli
from support.repos import git, status_clean

ITEMS = (
    "- [ ] AI-1: Add a breaker — owner: @alice — due: 2026-12-10 — type: prevent\n"
    "- [ ] AI-2: Alert on pool use — owner: @bob — due: 2026-12-11 — type: detect\n"
)


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A repository whose first sync makes every kind of call: channel, posts, issues."""
    from support.repos import make_repo

    root = make_repo(tmp_path / "template")
    _cli(root, "init")
    _cli(root, "declare", "--manual-incident", "--title", "Pool exhausted", "--severity", "SEV-3")
    incident_id = next((root / "incidents").glob("20*/inc-*")).name[:17]
    for step in ("ack", "resolve", "postmortem"):
        _cli(root, step, incident_id)
    pm = next((root / "incidents").glob("20*/inc-*/postmortem.md"))
    pm.write_text(pm.read_text().replace("## Action items\n\n", "## Action items\n\n" + ITEMS))
    git(root, "commit", "-qam", "action items")
    return root


def _cli(root: Path, *args: str) -> int:
    result = run_cli([*args, "--repo", str(root)])
    assert result.code == 0, result.stderr
    return result.code


def _server() -> FakeApiServer:
    server = FakeApiServer().start()
    server.slack.add_channel("incidents")
    return server


def _outcome(server: FakeApiServer) -> tuple[Counter[str], int, list[str]]:
    """What people and GitHub ended up with: posts per channel, issues, their markers."""
    posts: Counter[str] = Counter()
    for channel in server.slack.channels.values():
        for message in server.slack.posts(channel.id):
            posts[f"{'announce' if channel.name == 'incidents' else 'incident'}:{message['text'][:40]}"] += 1
    markers = sorted(issue.body.split("<!--")[-1] for issue in server.github.issues.values())
    return posts, len(server.slack.channels), markers


@pytest.fixture
def reference(template: Path, tmp_path: Path) -> tuple[list[tuple[str, int]], object]:
    """The calls a clean sync makes, and what it leaves behind."""
    monkeypatch = pytest.MonkeyPatch()
    server = _server()
    try:
        repo = tmp_path / "reference"
        shutil.copytree(template, repo)
        wire(monkeypatch, server)
        assert run_cli(["sync", "--repo", str(repo)]).code == 0
        seen: Counter[str] = Counter()
        positions = []
        for call in server.writes():
            positions.append((call.key, seen[call.key]))
            seen[call.key] += 1
        return positions, _outcome(server)
    finally:
        server.close()
        monkeypatch.undo()


def _cases() -> list[tuple[str, str | int]]:
    return [("every", 500), ("every", "drop"), ("first", 429), ("first", 502), ("first", "slow")]


@pytest.mark.reliability
@pytest.mark.parametrize(("which", "fault"), _cases())
def test_a_fault_at_each_call_position_loses_nothing_and_doubles_nothing(
    template: Path,
    reference: tuple[list[tuple[str, int]], object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    which: str,
    fault: str | int,
) -> None:
    positions, expected = reference
    assert len(positions) >= 8  # channel, purpose, topic, posts, update, labels, issues
    if which == "first":
        positions = [p for p in positions if p[1] == 0]
    failures = []
    for number, (key, occurrence) in enumerate(positions):
        server = _server()
        try:
            repo = tmp_path / f"case{number}"
            shutil.copytree(template, repo)
            wire(monkeypatch, server)
            if fault == "drop":
                server.fail_next(key, fault="drop", after=occurrence)
            elif fault == "slow":
                server.fail_next(key, fault="slow", delay=1.5, after=occurrence)
            elif fault == 429:
                server.fail_next(key, 429, retry_after=1, after=occurrence)
            else:
                server.fail_next(key, int(fault), after=occurrence)
            codes = [run_cli(["sync", "--repo", str(repo)]).code]
            while codes[-1] != 0 and len(codes) < 4:
                codes.append(run_cli(["sync", "--repo", str(repo)]).code)
            writes_before = len(server.writes())
            final = run_cli(["sync", "--repo", str(repo)])
            problems = []
            if codes[-1] != 0 or final.code != 0:
                problems.append(f"syncs exited {codes} then {final.code}")
            if len(server.writes()) != writes_before:
                problems.append("a settled sync still wrote")
            if _outcome(server) != expected:
                problems.append(f"outcome {_outcome(server)} != {expected}")
            if not status_clean(repo) or run_cli(["validate", "--repo", str(repo)]).code != 0:
                problems.append("repository not clean or not valid")
            if problems:
                failures.append(f"{key}#{occurrence}: {'; '.join(problems)}")
        finally:
            server.close()
    assert not failures, "\n".join(failures)
