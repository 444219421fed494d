"""Human edits survive tool writes: a hand-edited, CRLF incident through note/severity/ack/resolve."""

from __future__ import annotations

import difflib
from pathlib import Path

from support.cli import run_cli
from support.golden import assert_golden
from support.repos import commit_count, git

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"
FOLDER = "incidents/2026-11/inc-20261120-ab12-payments-double-charge"


def _install(repo: Path) -> Path:
    path = repo / FOLDER / "incident.md"
    path.parent.mkdir(parents=True)
    text = (DATA / "hand-edited.md").read_text("utf-8")
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "hand-written incident")
    return path


def test_tool_writes_change_only_the_intended_lines(repo: Path) -> None:
    path = _install(repo)
    before = path.read_bytes()
    steps = [
        ["note", "ab12", "Provider confirmed the timeout", "--at", "2026-11-20T10:05:00Z"],
        ["severity", "ab12", "SEV-2", "--at", "2026-11-20T10:06:00Z"],
        ["ack", "ab12", "--at", "2026-11-20T10:07:00Z"],
        ["resolve", "ab12", "--at", "2026-11-20T11:00:00Z"],
    ]
    start = commit_count(repo)
    for step in steps:
        result = run_cli([*step, "--repo", str(repo)])
        assert result.code == 0, result.stderr
    assert commit_count(repo) == start + len(steps)

    after = path.read_bytes()
    assert after.count(b"\r\n") == after.count(b"\n"), "every line keeps its CRLF ending"
    text = after.decode("utf-8").replace("\r\n", "\n")
    assert_golden(text, GOLDEN / "hand-edited-after.md")

    old_lines = before.decode("utf-8").replace("\r\n", "\n").splitlines()
    diff = list(difflib.ndiff(old_lines, text.splitlines()))
    removed = [line for line in diff if line.startswith("- ")]
    added = [line for line in diff if line.startswith("+ ")]
    assert removed == [
        "- status: triage          # we were slow to ack",
        "- severity: 'SEV-3'",
        "- acknowledged_at: ~",
        "- mitigated_at:",
        "- resolved_at: null",
    ]
    assert added == [
        "+ status: resolved          # we were slow to ack",
        "+ severity: 'SEV-2'",
        "+ acknowledged_at: 2026-11-20T10:07:00Z",
        "+ mitigated_at: 2026-11-20T11:00:00Z",
        "+ resolved_at: 2026-11-20T11:00:00Z",
        "+ - 2026-11-20T10:05:00Z — Provider confirmed the timeout — alice",
        "+ - 2026-11-20T10:06:00Z — Severity SEV-3 → SEV-2 — alice",
        "+ - 2026-11-20T10:07:00Z — Acknowledged — alice",
        "+ - 2026-11-20T11:00:00Z — Resolved (also stamps mitigated) — alice",
    ]


def test_back_dated_entry_lands_in_time_order_after_continuation_lines(repo: Path) -> None:
    path = _install(repo)
    result = run_cli(
        [
            "note",
            "ab12",
            "Earliest report from support",
            "--at",
            "2026-11-20T09:58:00Z",
            "--repo",
            str(repo),
        ]
    )
    assert result.code == 0, result.stderr
    lines = path.read_text("utf-8").replace("\r\n", "\n").split("\n")
    start = lines.index("## Timeline")
    assert lines[start + 2 : start + 6] == [
        "- 2026-11-20T09:58:00Z — Earliest report from support — alice",
        "- 2026-11-20T10:00:00Z — Alert: payment retries above threshold — alertmanager",
        "- 2026-11-20T10:02:00Z — Declared by hand — erin",
        "  (continuation line written by a person)",
    ]
