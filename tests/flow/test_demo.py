"""The README's main job: `incident demo` walks one incident from alert to close, offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support.repos import git


def test_demo_runs_end_to_end_and_leaves_a_valid_repository(tmp_path: Path) -> None:
    keep = tmp_path / "demo"
    env = dict(os.environ) | {"SLACK_BOT_TOKEN": "xoxb-must-not-be-used", "INCIDENT_KIT_NOW": ""}
    result = subprocess.run(
        [sys.executable, "-m", "incident_kit", "demo", "--keep", str(keep)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for step in (
        "$ incident declare",
        "$ incident ack",
        "$ incident mitigate",
        "$ incident resolve",
        "$ incident postmortem",
        "$ incident close",
        "$ incident sync",
        "$ incident update",
        "Incident declared",
    ):
        assert step in result.stdout, step
    # the final communication reaches everyone, with what they need to know
    final = result.stdout[result.stdout.index("[#incidents] ✅ Resolved") :]
    final = final[: final.index("\n[#")]
    for fact in ("Duration:", "| 45m (impact start to resolution)", "Impact:", "What fixed it:"):
        assert fact in final, (fact, final)
    assert "the rollback of deployment 1234" in final and "postmortem.md" in final
    assert "[#incidents] 📣 Update:" in result.stdout and "[#incidents] 🏁 Closed:" in result.stdout
    assert "a post-mortem is required before close" in result.stdout + result.stderr
    subjects = git(keep, "log", "--format=%s").splitlines()
    assert any(": close (postmortem → closed)" in s for s in subjects)
    check = subprocess.run(
        [sys.executable, "-m", "incident_kit", "validate", "--repo", str(keep)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert check.returncode == 0, check.stdout


def test_demo_refuses_to_keep_its_repository_in_a_folder_that_holds_anything(tmp_path: Path) -> None:
    """`--keep .` in a real incident repository would walk a real incident to closed."""
    real = tmp_path / "real"
    real.mkdir()
    git(real, "init", "-q")
    (real / "README.md").write_text("ours\n")
    result = subprocess.run(
        [sys.executable, "-m", "incident_kit", "demo", "--keep", str(real)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "must be a new or empty folder" in result.stderr
    assert sorted(p.name for p in real.iterdir()) == [".git", "README.md"]
    config = (real / ".git" / "config").read_text()
    assert "alice" not in config and "[user]" not in config
