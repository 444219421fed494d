"""--push on real git: concurrent writers on several clones of one bare remote lose nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support.alerts import SEED_ALERT
from support.repos import git, make_repo

SEED = SEED_ALERT


def incident(cwd: Path, *args: str, by: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process, as a workflow run or a laptop would start it."""
    env = dict(os.environ)
    actor = ["--by", by] if by else []
    return subprocess.run(
        [sys.executable, "-m", "incident_kit", *args, *actor],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = make_repo(tmp_path / "seed")
    assert incident(seed, "init").returncode == 0
    git(seed, "remote", "add", "origin", str(bare))
    git(seed, "push", "-q", "-u", "origin", "main")
    return bare


def clone(remote: Path, path: Path, user: str) -> Path:
    git(remote.parent, "clone", "-q", str(remote), str(path))
    git(path, "config", "user.name", user)
    git(path, "config", "user.email", f"{user}@example.com")
    return path


def remote_files(remote: Path, pattern: str = "incident.md") -> list[str]:
    names = git(remote, "ls-tree", "-r", "--name-only", "main", "incidents").split()
    return [n for n in names if n.endswith(pattern)]


def remote_text(remote: Path, path: str) -> str:
    return git(remote, "show", f"main:{path}")


def run_all(jobs: list[tuple[Path, list[str]]]) -> list[subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(lambda job: incident(job[0], *job[1]), jobs))


def test_twenty_concurrent_declares_from_four_clones_all_land(remote: Path, tmp_path: Path) -> None:
    clones = [clone(remote, tmp_path / f"c{n}", f"user{n}") for n in range(4)]
    jobs = [
        (
            clones[n % 4],
            ["declare", "--manual-incident", "--title", f"Outage {n}", "--push", "--format", "json"],
        )
        for n in range(20)
    ]
    results = run_all(jobs)
    for result in results:
        assert result.returncode == 0, result.stderr
    ids = [json.loads(r.stdout)["id"] for r in results]
    assert len(set(ids)) == 20
    files = remote_files(remote)
    assert len(files) == 20
    assert {f.split("/")[2][:17] for f in files} == set(ids)
    assert int(git(remote, "rev-list", "--count", "main")) == 1 + 20


def test_ten_concurrent_deliveries_of_one_alert_make_one_incident(remote: Path, tmp_path: Path) -> None:
    clones = [clone(remote, tmp_path / f"c{n}", f"user{n}") for n in range(4)]
    payload = json.dumps(SEED)
    results = run_all(
        [
            (clones[n % 4], ["declare", "--alert-payload", payload, "--push", "--format", "json"])
            for n in range(10)
        ]
    )
    for result in results:
        assert result.returncode == 0, result.stderr
    documents = [json.loads(r.stdout) for r in results]
    assert sum(d["created"] for d in documents) == 1
    assert len({d["id"] for d in documents}) == 1
    files = remote_files(remote)
    assert len(files) == 1
    assert "occurrences: 10" in remote_text(remote, files[0])


def test_ten_concurrent_notes_all_reach_the_remote(remote: Path, tmp_path: Path) -> None:
    first = clone(remote, tmp_path / "first", "alice")
    declared = incident(
        first, "declare", "--manual-incident", "--title", "Busy", "--push", "--format", "json"
    )
    incident_id = json.loads(declared.stdout)["id"]
    clones = [clone(remote, tmp_path / f"c{n}", f"user{n}") for n in range(4)]
    results = run_all(
        [(clones[n % 4], ["note", incident_id, f"finding number {n}", "--push"]) for n in range(10)]
    )
    for result in results:
        assert result.returncode == 0, result.stderr
    text = remote_text(remote, remote_files(remote)[0])
    for n in range(10):
        assert text.count(f"finding number {n} —") == 1


def test_human_edit_and_bot_transition_both_survive(remote: Path, tmp_path: Path) -> None:
    bot = clone(remote, tmp_path / "bot", "incident-bot")
    declared = incident(
        bot, "declare", "--manual-incident", "--title", "Shared", "--push", "--format", "json"
    )
    document = json.loads(declared.stdout)
    human = clone(remote, tmp_path / "human", "erin")
    path = human / document["path"] / "incident.md"
    # a person rewrites the summary in their clone (pull-request style) and pushes first
    text = path.read_text().replace(
        "<!-- What is broken, for whom, since when. -->", "Checkout fails for EU users."
    )
    path.write_text(text)
    git(human, "commit", "-qam", "Write the summary")
    git(human, "push", "-q", "origin", "main")
    # the bot, on its stale clone, acknowledges: its first push is rejected and the operation re-runs
    result = incident(bot, "ack", document["id"], "--push", by="bot")
    assert result.returncode == 0, result.stderr
    # and the person, now behind, adds a timeline line by hand and rebases onto the bot's commit
    text = path.read_text().replace("## Links", "## Links\n\n- [Status page](https://status.example.com)")
    path.write_text(text)
    git(human, "commit", "-qam", "Link the status page")
    git(human, "pull", "-q", "--rebase", "origin", "main")
    git(human, "push", "-q", "origin", "main")
    final = remote_text(remote, document["path"] + "/incident.md")
    assert "Checkout fails for EU users." in final
    assert "status: investigating" in final and "— Acknowledged — bot" in final
    assert "[Status page](https://status.example.com)" in final


def test_an_unreachable_remote_fails_loudly_and_keeps_the_commit(remote: Path, tmp_path: Path) -> None:
    work = clone(remote, tmp_path / "work", "alice")
    git(work, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    result = incident(work, "declare", "--manual-incident", "--title", "Offline", "--push")
    assert result.returncode == 1
    assert result.stderr.startswith("incident: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert "committed locally" in result.stderr and "git push" in result.stderr
    # nothing is lost: the incident is committed locally, the repository is usable
    assert "declare SEV-3 Offline" in git(work, "log", "-1", "--format=%s")
    assert git(work, "status", "--porcelain").strip() == ""
    assert incident(work, "list").returncode == 0
