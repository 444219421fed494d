"""`incident validate`: every rule, with file and line, in text, github and json formats."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from support.cli import run_cli
from support.repos import git

FOLDER = "incidents/2026-11/inc-20261126-aaaa-broken"
GOOD = """---
id: inc-20261126-aaaa
title: Broken thing
status: triage
severity: SEV-3
kind: incident
declared_at: 2026-11-26T10:00:00Z
acknowledged_at: null
mitigated_at: null
resolved_at: null
---

## Summary

x

## Timeline

- 2026-11-26T10:00:00Z — Declared — alice
"""


def write(repo: Path, text: str, folder: str = FOLDER, name: str = "incident.md") -> Path:
    path = repo / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def validate(repo: Path, *args: str) -> tuple[int, list[str]]:
    result = run_cli(["validate", "--format", "github", "--repo", str(repo), *args])
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    return result.code, annotations


def test_a_good_file_passes(repo: Path) -> None:
    write(repo, GOOD)
    code, annotations = validate(repo)
    assert (code, annotations) == (0, [])


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("severity: SEV-3", "severity: SEV-5", 5, "severity: 'SEV-5' is not one of SEV-1"),
        (
            "declared_at: 2026-11-26T10:00:00Z",
            "declared_at: 2026-11-26T10:00:00",
            7,
            "not an RFC 3339 timestamp",
        ),
        ("status: triage", "status: resolved", 9, "status is resolved but mitigated_at is empty"),
        ("status: triage", "status: done", 4, "status: 'done' is not one of triage"),
        ("title: Broken thing\n", "", 1, "'title' is missing"),
        ("id: inc-20261126-aaaa", "id: inc-20261126-bbbb", 2, "does not match its folder"),
        (
            "acknowledged_at: null\nmitigated_at: null",
            "acknowledged_at: 2026-11-26T10:30:00Z\nmitigated_at: 2026-11-26T10:20:00Z",
            9,
            "mitigated_at is before acknowledged_at",
        ),
        (
            "- 2026-11-26T10:00:00Z — Declared — alice",
            "- Declared, no time — alice",
            19,
            "needs a UTC timestamp",
        ),
        ("## Timeline\n", "## Timeline\n\n## Timeline\n", 19, "'## Timeline' appears more than once"),
        ("kind: incident", "kind: [incident", 7, "invalid YAML frontmatter"),
        ("---\n\n## Summary", "\n## Summary", 1, "frontmatter is not closed"),
    ],
)
def test_each_rule_reports_file_and_line(repo: Path, old: str, new: str, line: int, message: str) -> None:
    assert old in GOOD
    write(repo, GOOD.replace(old, new, 1))
    code, annotations = validate(repo)
    assert code == 1
    expected = f"::error file={FOLDER}/incident.md,line={line},"
    matching = [a for a in annotations if a.startswith(expected) and message in a]
    assert matching, annotations


def test_missing_timeline_section(repo: Path) -> None:
    write(repo, GOOD.split("## Timeline")[0])
    code, annotations = validate(repo)
    assert code == 1 and any("no '## Timeline' section" in a for a in annotations)


def test_duplicate_ids_across_folders_both_reported(repo: Path) -> None:
    write(repo, GOOD)
    write(repo, GOOD.replace("Broken thing", "Other"), folder="incidents/2026-11/inc-20261126-aaaa-other")
    code, annotations = validate(repo)
    assert code == 1
    dupes = [a for a in annotations if "used by several folders" in a]
    assert len(dupes) == 2


def test_postmortem_rules(repo: Path) -> None:
    closed = GOOD.replace("status: triage", "status: closed").replace("severity: SEV-3", "severity: SEV-2")
    closed = closed.replace("acknowledged_at: null", "acknowledged_at: 2026-11-26T10:01:00Z")
    closed = closed.replace("mitigated_at: null", "mitigated_at: 2026-11-26T10:02:00Z")
    closed = closed.replace(
        "resolved_at: null", "resolved_at: 2026-11-26T10:03:00Z\nclosed_at: 2026-11-26T11:00:00Z"
    )
    write(repo, closed)
    code, annotations = validate(repo)
    assert code == 1 and any("requires a post-mortem but postmortem.md is missing" in a for a in annotations)
    write(
        repo,
        "# PM\n\n## Summary\n\nDone.\n\n## Impact\n\nSome.\n\n## Root cause\n\n<!-- later -->\n\n"
        "## Action items\n\n- [ ] AI-1: Fix it — owner: @bob — due: 2026-12-01 — type: prevent\n"
        "- [ ] AI-1: Again — owner: @bob — due: 2026-13-01 — type: guess\n- [x] missing id\n",
        name="postmortem.md",
    )
    code, annotations = validate(repo)
    pm = f"file={FOLDER}/postmortem.md"
    assert code == 1
    assert any(pm in a and "line=18" in a and "also used on line 17" in a for a in annotations), annotations
    assert any(pm in a and "line=18" in a and "'2026-13-01' is not YYYY-MM-DD" in a for a in annotations)
    assert any(
        pm in a and "line=18" in a and "type: prevent/mitigate/detect/process" in a for a in annotations
    )
    assert any(pm in a and "line=19" in a and "must start with an id" in a for a in annotations)
    assert any(pm in a and "line=11" in a and "fill in Root cause" in a for a in annotations), annotations


def test_config_errors_are_reported_with_their_line(repo: Path) -> None:
    config = repo / "incidents" / "config.yaml"
    text = config.read_text().replace("default_severity: SEV-3", "default_severity: SEV-9")
    config.write_text(text)
    line = text[: text.index("default_severity: SEV-9")].count("\n") + 1
    code, annotations = validate(repo)
    assert code == 1
    assert any(
        a.startswith(f"::error file=incidents/config.yaml,line={line},") and "SEV-9" in a for a in annotations
    )


def test_symlinks_inside_incidents_are_reported_and_never_followed(repo: Path, tmp_path: Path) -> None:
    write(repo, GOOD)
    outside = tmp_path / "outside.md"
    outside.write_text("secret")
    os.symlink(outside, repo / FOLDER / "postmortem.md")
    code, annotations = validate(repo)
    assert code == 1 and any("is a symlink" in a for a in annotations)
    result = run_cli(["note", "aaaa", "x", "--repo", str(repo)])
    assert result.code == 0  # the incident itself is fine; the symlink is not written through
    assert outside.read_text() == "secret"


def test_changed_since_checks_only_the_changed_folders(repo: Path) -> None:
    write(
        repo,
        GOOD.replace("severity: SEV-3", "severity: SEV-9"),
        folder="incidents/2026-11/inc-20261126-bad1-x",
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "old broken file")
    base = git(repo, "rev-parse", "HEAD").strip()
    write(repo, GOOD)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "new good file")
    result = run_cli(["validate", "--changed-since", base, "--repo", str(repo)])
    assert result.code == 0, result.stdout
    assert "1 incident(s) checked" in result.stdout
    assert run_cli(["validate", "--repo", str(repo)]).code == 1


def test_json_format_is_one_document(repo: Path) -> None:
    write(repo, GOOD.replace("severity: SEV-3", "severity: nope"))
    result = run_cli(["validate", "--format", "json", "--repo", str(repo)])
    document = json.loads(result.stdout)
    assert result.code == 1 and document["ok"] is False and document["errors"] == 1
    assert document["problems"][0]["line"] == 5 and document["problems"][0]["rule"] == "schema"


def test_annotation_text_cannot_inject_workflow_commands(repo: Path) -> None:
    write(repo, GOOD.replace("severity: SEV-3", 'severity: "x\\n::add-mask::leak"'))
    _, annotations = validate(repo)
    assert all(not re.search(r"%0A::|\n::add-mask", a) or "%0A" in a for a in annotations)
    assert not any(
        line.startswith("::add-mask")
        for line in run_cli(["validate", "--format", "github", "--repo", str(repo)]).stdout.splitlines()
    )


def test_every_file_the_cli_writes_validates(repo: Path) -> None:
    def ok() -> None:
        result = run_cli(["validate", "--repo", str(repo)])
        assert result.code == 0, result.stdout

    ok()
    declared = json.loads(
        run_cli(
            [
                "declare",
                "--manual-incident",
                "--title",
                "All commands",
                "--severity",
                "SEV-2",
                "--format",
                "json",
                "--repo",
                str(repo),
            ]
        ).stdout
    )
    other = json.loads(
        run_cli(
            ["declare", "--manual-incident", "--title", "Dup", "--format", "json", "--repo", str(repo)]
        ).stdout
    )
    ok()
    incident = declared["id"]
    steps = [
        ["ack", incident],
        ["note", incident, "a note"],
        ["severity", incident, "SEV-1"],
        ["assign", incident, "--commander", "carol", "--role", "comms=dan"],
        ["link", incident, "https://example.com/dash"],
        ["mitigate", incident, "--hotfix"],
        ["reopen", incident],
        ["resolve", incident],
        ["postmortem", incident],
        ["merge", other["id"], "--into", incident],
    ]
    for step in steps:
        result = run_cli([*step, "--repo", str(repo)])
        assert result.code == 0, (step, result.stderr)
        ok()
    run_cli(["index", "--repo", str(repo)])
    ok()


def test_a_path_that_does_not_exist_is_an_error_not_a_green_check(repo: Path) -> None:
    """A typo in a pre-commit hook or a CI step must not pass as `0 incident(s) checked`."""
    result = run_cli(["validate", "incidents/2026-11/no-such-incident", "--repo", str(repo)])
    assert result.code == 2 and result.stderr.count("\n") == 1
    assert "no such file or folder" in result.stderr


def test_merge_conflict_markers_are_reported_where_they_start(repo: Path) -> None:
    result = run_cli(["declare", "--manual-incident", "--title", "Conflicted", "--repo", str(repo)])
    assert result.code == 0
    path = next((repo / "incidents").glob("*/*/incident.md"))
    lines = path.read_text().split("\n")
    at = len(lines) - 1
    lines[at:at] = [
        "<<<<<<< HEAD",
        "- 2026-11-26T15:01:00Z — ours — alice",
        "=======",
        "- 2026-11-26T15:02:00Z — theirs — bob",
        ">>>>>>> theirs",
    ]
    path.write_text("\n".join(lines))
    checked = run_cli(["validate", "--repo", str(repo)])
    assert checked.code == 1
    assert (
        f"incident.md:{at + 1}:" in checked.stdout
        and "unresolved git merge conflict markers" in checked.stdout
    )
    # a lone ======= is a Markdown heading underline, not a conflict
    path.write_text("\n".join(line for line in lines if not line.startswith(("<<<<<<<", ">>>>>>>"))))
    assert "conflict" not in run_cli(["validate", "--repo", str(repo)]).stdout
