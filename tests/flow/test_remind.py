"""`incident remind` end to end: real git, a bare remote, Slack and GitHub through their fakes,
the clock pinned per run. Each reminder goes out once per window, whatever the reruns."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fakes.api_server import FakeApiServer
from support.api_env import wire
from support.cli import run_cli
from support.repos import git, make_repo, status_clean

DECLARED = "2026-12-03T08:00:00Z"


def at(minutes: int) -> str:
    return f"2026-12-03T{8 + minutes // 60:02d}:{minutes % 60:02d}:00Z"


def _cli(monkeypatch: pytest.MonkeyPatch, root: Path, *args: str, now: str) -> tuple[int, str, str]:
    monkeypatch.setenv("INCIDENT_KIT_NOW", now)
    result = run_cli([*args, "--repo", str(root)])
    return result.code, result.stdout, result.stderr


@pytest.fixture
def server() -> Iterator[FakeApiServer]:
    with FakeApiServer() as fake:
        fake.slack.add_channel("incidents")
        yield fake


@pytest.fixture
def unacknowledged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SEV-1 declared at 08:00 that nobody acknowledges, with tracking issue #1."""
    root = make_repo(tmp_path / "repo")
    assert _cli(monkeypatch, root, "init", now=DECLARED)[0] == 0
    config = root / "incidents/config.yaml"
    config.write_text(config.read_text().replace("  SEV-1: []\n", "  SEV-1: [dana]\n", 1))
    code, _, err = _cli(
        monkeypatch, root, "declare", "--manual-incident", "--title", "Checkout down", "--severity", "SEV-1",
        "--commander", "alice", now=DECLARED,
    )  # fmt: skip
    assert code == 0, err
    path = next((root / "incidents").glob("20*/inc-*/incident.md"))
    path.write_text(path.read_text().replace("links: []\n", "links: []\ntracking_issue: 1\n", 1))
    git(root, "commit", "-qam", "tracking issue")
    return root


def _posts(server: FakeApiServer) -> list[str]:
    channel = server.slack.by_name("incidents")
    assert channel is not None
    return [str(message["text"]) for message in server.slack.posts(channel.id)]


def test_each_escalation_step_fires_once_at_its_threshold(
    unacknowledged: Path, server: FakeApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.github.add_issue(title="Checkout down", body="tracking")
    wire(monkeypatch, server)
    counts = []
    for minutes in (4, 5, 5, 14, 15, 20, 30, 30, 45):
        code, _, err = _cli(monkeypatch, unacknowledged, "remind", now=at(minutes))
        assert code == 0, err
        counts.append(len(_posts(server)))
    # SEV-1 defaults: the commander at 5 min, the rotation's next person at 15, stakeholders at 30
    assert counts == [0, 1, 1, 1, 2, 2, 3, 3, 3]
    posts = _posts(server)
    assert all("Unacknowledged" in text for text in posts)
    assert ["step 1" in posts[0], "step 2" in posts[1], "step 3" in posts[2]] == [True, True, True]
    comments = server.github.comments_on(1)
    assert len(comments) == 3
    assert len({c.body.split("<!--")[-1] for c in comments}) == 3
    assert status_clean(unacknowledged)
    assert run_cli(["validate", "--repo", str(unacknowledged)]).code == 0
    text = next((unacknowledged / "incidents").glob("20*/inc-*/incident.md")).read_text()
    assert text.count("state: sent") == 3


def test_a_failed_delivery_stays_pending_and_the_next_run_sends_it_once(
    unacknowledged: Path, server: FakeApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.github.add_issue(title="Checkout down", body="tracking")
    wire(monkeypatch, server)
    server.fail_next("chat.postMessage", 500, count=2)
    code, _, err = _cli(monkeypatch, unacknowledged, "remind", now=at(6))
    assert code != 0 and "still pending" in err and "Traceback" not in err
    assert _posts(server) == []
    text = next((unacknowledged / "incidents").glob("20*/inc-*/incident.md")).read_text()
    assert "state: failed" in text
    assert status_clean(unacknowledged)

    # Slack keeps failing for a while (each run retries it), then answers
    codes = [_cli(monkeypatch, unacknowledged, "remind", now=at(minute))[0] for minute in range(7, 15)]
    assert 0 in codes and codes[codes.index(0) :] == [0] * (len(codes) - codes.index(0))
    assert len(_posts(server)) == 1
    assert len(server.github.comments_on(1)) == 1


def test_a_github_failure_after_the_slack_post_retries_without_posting_twice(
    unacknowledged: Path, server: FakeApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.github.add_issue(title="Checkout down", body="tracking")
    wire(monkeypatch, server)
    server.fail_next("POST /repos/acme/shop/issues/1/comments", 500, count=3)
    code, _, _ = _cli(monkeypatch, unacknowledged, "remind", now=at(6))
    assert code != 0
    assert len(_posts(server)) == 1 and server.github.comments_on(1) == []
    codes = [_cli(monkeypatch, unacknowledged, "remind", now=at(minute))[0] for minute in range(7, 15)]
    assert codes[-1] == 0
    assert len(_posts(server)) == 1  # found again by its key, not posted twice
    assert len(server.github.comments_on(1)) == 1


def test_a_dry_run_says_what_is_due_and_writes_nothing(
    unacknowledged: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = git(unacknowledged, "rev-parse", "HEAD")
    code, out, _ = _cli(monkeypatch, unacknowledged, "remind", "--dry-run", now=at(20))
    assert code == 0
    assert "unacknowledged, step 1 (commander)" in out and "step 2 (next_on_call)" in out
    assert git(unacknowledged, "rev-parse", "HEAD") == head


def _incident_process(cwd: Path, *args: str, now: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INCIDENT_KIT_NOW": now}
    return subprocess.run(
        [sys.executable, "-m", "incident_kit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_concurrent_runs_from_two_clones_send_each_reminder_once(
    unacknowledged: Path, tmp_path: Path
) -> None:
    # Console delivery (no Slack token): each run prints what it sends, so two runs that both
    # sent a reminder would both print it.
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(unacknowledged, "remote", "add", "origin", str(remote))
    git(unacknowledged, "push", "-q", "-u", "origin", "main")
    clones = []
    for name in ("one", "two", "three"):
        path = tmp_path / name
        git(tmp_path, "clone", "-q", str(remote), str(path))
        git(path, "config", "user.name", name)
        git(path, "config", "user.email", f"{name}@example.com")
        clones.append(path)
    for minutes in (16, 31):
        now = at(minutes)
        with ThreadPoolExecutor(max_workers=len(clones)) as pool:
            jobs = [pool.submit(_incident_process, clone, "remind", "--push", now=now) for clone in clones]
            runs = [job.result() for job in jobs]
        assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]
        printed = "".join(run.stdout for run in runs)
        expected = 2 if minutes == 16 else 1  # steps 1 and 2, then step 3
        assert printed.count("🚨 Unacknowledged") == expected, printed
    landed = git(remote, "show", f"main:{_rel(unacknowledged)}")
    assert landed.count("state: sent") == 3


def _rel(root: Path) -> str:
    path = next((root / "incidents").glob("20*/inc-*/incident.md"))
    return path.relative_to(root).as_posix()


ITEMS = (
    "- [ ] AI-1: Add a breaker — owner: @alice — due: 2026-12-01 — type: prevent\n"
    "- [ ] AI-2: Alert on pool use — owner: @bob — due: 2026-12-31 — type: detect\n"
)


def test_overdue_action_items_across_incidents_make_one_digest_per_owner_per_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path / "repo")
    assert _cli(monkeypatch, root, "init", now=DECLARED)[0] == 0
    for title in ("Pool exhausted", "Cache cold"):
        code, _, err = _cli(
            monkeypatch, root, "declare", "--manual-incident", "--title", title, "--severity", "SEV-3",
            now=DECLARED,
        )  # fmt: skip
        assert code == 0, err
    for folder in sorted((root / "incidents").glob("20*/inc-*")):
        for step in ("ack", "resolve", "postmortem"):
            assert _cli(monkeypatch, root, step, folder.name[:17], now=at(10))[0] == 0
        pm = folder / "postmortem.md"
        pm.write_text(pm.read_text().replace("## Action items\n\n", "## Action items\n\n" + ITEMS))
    git(root, "commit", "-qam", "action items")

    runs = (at(60), at(120), "2026-12-04T08:00:00Z")  # the next day is the next window
    printed = [_cli(monkeypatch, root, "remind", now=when)[1] for when in runs]

    # alice's two overdue items (one per incident) in one digest; bob's item is not due yet
    assert [out.count("⏰ alice: 2 overdue action item(s)") for out in printed] == [1, 0, 1]
    assert all("bob" not in out for out in printed)
    assert status_clean(root)


def test_a_hand_edited_reminders_block_is_flagged_by_validate_and_remind_plans_again(
    unacknowledged: Path, server: FakeApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.github.add_issue(title="Checkout down", body="tracking")
    wire(monkeypatch, server)
    assert _cli(monkeypatch, unacknowledged, "remind", now=at(5))[0] == 0
    path = next((unacknowledged / "incidents").glob("20*/inc-*/incident.md"))
    text = path.read_text()
    assert "state: sent" in text
    head, _, rest = text.partition("reminders:")
    body = rest[rest.index("\n---") :]
    for garbage in ("reminders: {unacknowledged-1: {window: soon, state: done}}", "reminders: junk"):
        path.write_text(f"{head}{garbage}{body}")
        git(unacknowledged, "commit", "-qam", "a person tidies the reminders")
        result = run_cli(["validate", "--repo", str(unacknowledged)])
        assert result.code != 0 and "reminders" in result.stderr + result.stdout
        assert "Traceback" not in result.stderr
        code, _, err = _cli(monkeypatch, unacknowledged, "remind", now=at(6))
        assert code == 0 and "Traceback" not in err, err
        assert run_cli(["validate", "--repo", str(unacknowledged)]).code == 0
        assert "state: sent" in path.read_text()
    assert status_clean(unacknowledged)
