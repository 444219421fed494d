"""A whole-repository `validate` reads frontmatters with the line scanner and accepts the schema
through its compiled check (`many`): the problems it reports are exactly those of the slow path
(ruamel's safe loader, then jsonschema), for every kind of broken file."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.cli import run_cli
from support.repos import git

from incident_kit import validation
from incident_kit.commands import validate as validate_command
from incident_kit.markdown import frontmatter_scan

ROOT = Path(__file__).resolve().parents[2]
FOLDER = "inc-20261126-ab12-checkout"
GOOD = """---
# a comment the tool keeps
id: inc-20261126-ab12
title: consumer_lag 7416 above SLO 5000 on checkout
status: closed  # triage | investigating | mitigated | resolved | postmortem | closed
severity: SEV-2  # SEV-1 (worst) .. SEV-4
kind: incident
service: checkout
source: production_monitor
commander: rupert
roles: {}
impact_started_at: null
detected_at: 2026-11-26T12:24:58Z
declared_at: 2026-11-26T12:33:02Z
acknowledged_at: 2026-11-26T12:49:04Z
mitigated_at: 2026-11-26T13:34:58Z
resolved_at: 2026-11-26T14:00:22Z
postmortem_at: 2026-11-26T15:10:03Z
closed_at: 2026-11-26T16:35:49Z
last_update_at: null
cancel_reason: null
merged_into: null
alert:
  format: native
  source: production_monitor
  dedup_key: "native:production_monitor:checkout:consumer_lag"
  value: 7416
  threshold: 5000
  status: firing
  alerts: 1
  first_seen: 2026-11-26T12:33:02Z
links:
  - title: Dashboard
    url: "https://grafana.example.com/d/checkout?from=1706891027"
---

## Summary

x

## Timeline

- 2026-11-26T12:33:02Z — Declared — alice
"""
GOOD_LINES = GOOD.split("\n")
FM_END = GOOD_LINES.index("---", 1)
VALUES = [
    "",
    "null",
    "~",
    "true",
    "yes",
    "0",
    "-3",
    "1.5",
    "0x1F",
    "2026-11-26T15:30:00Z",
    "2026-11-26 15:30:00",
    "2026-11-26T15:30:00",
    "2026-11-26",
    "2026-11-31T15:30:00Z",
    "2026-11-26T15:30:00+01:00",
    "SEV-9",
    "sev-2",
    "triage",
    "merged",
    "cancelled",
    "drill",
    "inc-20261126-ab12",
    "inc-20261126-zz99",
    "'quoted # not a comment'",
    '"double"',
    '"esc\\taped"',
    "[a, b]",
    "{}",
    "[]",
    "{a: 1}",
    "|",
    "&a x",
    "*a",
    "!!str x",
    "two words",
    "@alice bob",
    "x: y",
    "C#",
    "'open",
    "-",
    "é",
    "x" * 301,
]


@contextlib.contextmanager
def slow_path() -> Iterator[None]:
    """Every frontmatter through ruamel and every schema check through jsonschema (what
    `validate` did before the fast paths)."""
    with (
        mock.patch.object(frontmatter_scan, "load", lambda text: None),
        mock.patch.object(validation, "fast_schema_check", mock.Mock(side_effect=AssertionError)),
        mock.patch.object(validate_command, "MANY_FROM", 10**9),
    ):
        yield


def _both(text: str) -> tuple[validation.Checked, validation.Checked]:
    fast = validation.check_incident(
        "x/incident.md", FOLDER, text, ("SEV-1", "SEV-2", "SEV-3", "SEV-4"), many=True
    )
    with slow_path():
        slow = validation.check_incident("x/incident.md", FOLDER, text, ("SEV-1", "SEV-2", "SEV-3", "SEV-4"))
    return fast, slow


@st.composite
def broken(draw: st.DrawFn) -> str:
    """The good file with a few of its frontmatter lines replaced, removed, repeated or moved."""
    lines = list(GOOD_LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(1, FM_END - 1))
        line = lines[index]
        key, _, _ = line.partition(":")
        action = draw(st.sampled_from(["value", "value", "value", "delete", "repeat", "indent", "dedent"]))
        if action == "value" and ":" in line and not line.startswith("#"):
            lines[index] = f"{key}: {draw(st.sampled_from(VALUES))}".rstrip()
        elif action == "delete":
            lines[index] = "# removed"
        elif action == "repeat":
            lines.insert(draw(st.integers(1, FM_END - 1)), line)
        elif action == "indent":
            lines[index] = "  " + line
        elif action == "dedent":
            lines[index] = line.lstrip(" ")
    return "\n".join(lines)


def test_the_good_file_is_read_by_the_fast_paths() -> None:
    """Else the property test below would compare the slow path with itself."""
    fm = "\n".join(GOOD_LINES[1:FM_END]) + "\n"
    assert frontmatter_scan.load(fm) is not None
    fast, slow = _both(GOOD)
    assert fast == slow and fast.problems == []


@settings(max_examples=400, deadline=None, derandomize=True)
@given(broken())
def test_a_broken_file_gets_the_same_problems(text: str) -> None:
    fast, slow = _both(text)
    assert fast == slow


def _hostile_documents() -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT / "tests" / "reliability"))
    try:
        import test_hostile_files as hostile
    finally:
        sys.path.pop(0)
    found = []
    for name, case in hostile.CASES.items():
        if case.content is None:
            continue
        try:
            found.append((name, case.content.decode("utf-8")))
        except UnicodeDecodeError:
            continue
    return found


@pytest.mark.parametrize(("name", "text"), _hostile_documents())
def test_the_hostile_files_get_the_same_problems(name: str, text: str) -> None:
    fast, slow = _both(text)
    assert fast == slow, name


def test_a_whole_repository_reports_the_same_with_the_fast_paths(tmp_path: Path) -> None:
    """`validate --no-cache` on a generated repository where many incidents are broken in
    every way: the same output, byte for byte, with the fast paths as without them."""
    repo = tmp_path / "repo"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks/generate.py"),
            "bulk",
            "--out",
            str(repo),
            "--incidents",
            "70",
        ],
        check=True,
        capture_output=True,
    )
    files = sorted(repo.glob("incidents/*/*/incident.md"))
    hostile = [text for _, text in _hostile_documents()]
    for index, path in enumerate(files[:60]):
        text = path.read_text("utf-8")
        lines = text.split("\n")
        if index < len(hostile):
            path.write_text(hostile[index], "utf-8")
        elif index % 3 == 0:  # a value of the wrong form
            lines = [
                f"{line.split(':')[0]}: {VALUES[index % len(VALUES)]}" if i == 5 else line
                for i, line in enumerate(lines)
            ]
            path.write_text("\n".join(lines), "utf-8")
        elif index % 3 == 1:  # a lifecycle field out of order or missing
            path.write_text(text.replace("closed_at: 20", "closed_at: 19"), "utf-8")
        else:  # a post-mortem with a broken action item
            (path.parent / "postmortem.md").write_text("## Action items\n\n- [ ] no owner\n", "utf-8")
    git(repo, "add", "-A")
    assert len(files) >= validate_command.MANY_FROM
    fast = run_cli(["validate", "--repo", str(repo), "--no-cache", "--format", "json"])
    with slow_path():
        slow = run_cli(["validate", "--repo", str(repo), "--no-cache", "--format", "json"])
    assert (fast.code, fast.stdout, fast.stderr) == (slow.code, slow.stdout, slow.stderr)
    assert len(json.loads(fast.stdout)["problems"]) > 60
