"""Every hostile payload through `incident declare`: exit 2 with one line, or a safe incident."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.cli import run_cli
from support.repos import commit_count, git, status_clean

from incident_kit.markdown import frontmatter
from incident_kit.markdown.sections import headings

HOSTILE = sorted((Path(__file__).parents[1] / "alerts" / "hostile").glob("*.json"))
TEMPLATE_KEYS = {
    "id",
    "title",
    "status",
    "severity",
    "kind",
    "service",
    "source",
    "commander",
    "roles",
    "impact_started_at",
    "detected_at",
    "declared_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "postmortem_at",
    "closed_at",
    "last_update_at",
    "cancel_reason",
    "merged_into",
    "alert",
    "alerts",  # the alerts of a group, one entry each (incident_kit/alert_list.py)
    "links",
}
ENTRY_KEYS = {"key", "state", "title", "detail", "occurrences", "last_seen", "via"}
ALERT_KEYS = {
    "format",
    "source",
    "dedup_key",
    "metric",
    "value",
    "threshold",
    "status",
    "alerts",
    "occurrences",
    "first_seen",
    "last_seen",
    "started_at",  # kept when an alert says it started long before it was declared
}
DANGEROUS = [
    re.compile(r"^::", re.M),  # a workflow command at the start of any line
    re.compile(r"(?<!\u200b)@(channel|here|everyone)\b", re.I),
    re.compile(r"<!(here|channel|everyone)", re.I),
    re.compile(r"<script", re.I),
]


def test_the_corpus_is_large_enough() -> None:
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize("payload", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_payload_through_the_cli(repo: Path, payload: Path) -> None:
    before = commit_count(repo)
    result = run_cli(["declare", "--alert-payload", f"@{payload}", "--format", "json", "--repo", str(repo)])
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for pattern in DANGEROUS:
        assert not pattern.search(result.stdout + result.stderr), pattern
    kind = payload.stem.split("-", 1)[0]
    if kind == "reject":
        assert result.code == 2, result.stderr
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("incident: ")
        assert json.loads(result.stdout)["outcome"] == "refused"  # one JSON document, still
    if kind in ("reject", "notalert"):
        assert result.code in (0, 2)
        assert commit_count(repo) == before and status_clean(repo)
        return
    assert result.code == 0, result.stderr
    if json.loads(result.stdout)["id"] is None:  # a resolved-only delivery: nothing to declare
        assert commit_count(repo) == before and status_clean(repo)
        return
    assert commit_count(repo) == before + 1 and status_clean(repo)
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert len(changed) == 1 and re.fullmatch(
        r"incidents/\d{4}-\d{2}/inc-\d{8}-[0-9a-z]{4}(-[a-z0-9-]+)?/incident\.md", changed[0]
    ), changed
    text = (repo / changed[0]).read_text("utf-8")
    document = frontmatter.split(text, changed[0])
    data = frontmatter.load(document.frontmatter, changed[0])
    assert set(data) <= TEMPLATE_KEYS, set(data) - TEMPLATE_KEYS
    assert set(data.get("alert") or {}) <= ALERT_KEYS
    for entry in data.get("alerts") or []:
        assert set(entry) <= ENTRY_KEYS and entry["state"] in ("firing", "resolved"), entry
    assert [h[2] for h in headings(document.body.split("\n"))] == ["Summary", "Timeline", "Links"]
    # the body is Markdown people read on GitHub: no raw HTML, pings or workflow commands in it;
    # the frontmatter is YAML data (GitHub shows it as an escaped table), checked for keys above
    for pattern in DANGEROUS:
        assert not pattern.search(document.body), (pattern, changed[0])
    assert not re.search(r"^::", text, re.M)
    assert run_cli(["validate", "--repo", str(repo)]).code == 0


def test_an_oversized_payload_is_refused_before_parsing(repo: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text('{"source": "x", "pad": "' + "a" * 300_000 + '"}')
    result = run_cli(["declare", "--alert-payload", f"@{big}", "--repo", str(repo)])
    assert result.code == 2 and "limit" in result.stderr and result.stderr.count("\n") == 1
    result = run_cli(["declare", "--alert-payload", "-", "--repo", str(repo)], stdin=big.read_text())
    assert result.code == 2 and "limit" in result.stderr


def test_a_missing_payload_file_is_one_line(repo: Path) -> None:
    result = run_cli(["declare", "--alert-payload", "@/nonexistent/alert.json", "--repo", str(repo)])
    assert result.code == 2 and result.stderr.startswith("incident: cannot read alert payload")
