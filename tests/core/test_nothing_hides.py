"""Nothing hides: an incident whose frontmatter breaks a rule is still listed, with a warning."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import declare, run_cli


def one_line(stderr: str) -> str:
    assert stderr.startswith("incident: ") and stderr.count("\n") == 1, stderr
    return stderr


def test_an_incident_with_a_typo_in_its_status_is_listed_with_a_warning(repo: Path) -> None:
    typo = str(declare(repo, "Logins fail")["id"])
    fine = str(declare(repo, "Search is slow")["id"])
    path = next((repo / "incidents").glob(f"*/{typo}-*/incident.md"))
    path.write_text(path.read_text().replace("status: triage", "status: trage"))
    result = run_cli(["list", "--repo", str(repo)])
    assert result.code == 0
    assert typo in result.stdout and fine in result.stdout
    rel = path.relative_to(repo).as_posix()
    assert one_line(result.stderr) == (
        f"incident: warning: {rel}: status 'trage' is not a status (triage, investigating, mitigated, "
        "resolved, postmortem, closed, cancelled, merged); listed with the open incidents "
        "(see `incident validate`)\n"
    )
    listed = run_cli(["list", "--format", "json", "--repo", str(repo)])
    assert typo in [item["id"] for item in json.loads(listed.stdout)]


def test_an_incident_with_an_impossible_date_is_listed_with_a_warning(repo: Path) -> None:
    broken = str(declare(repo, "Logins fail")["id"])
    path = next((repo / "incidents").glob(f"*/{broken}-*/incident.md"))
    path.write_text(
        path.read_text().replace("acknowledged_at: null", "acknowledged_at: 2026-11-31T10:00:00Z")
    )
    for _ in range(2):  # also the second time: such an entry is never served from the cache silently
        result = run_cli(["list", "--repo", str(repo)])
        assert result.code == 0 and broken in result.stdout
        assert "listed from the lines that could be read" in one_line(result.stderr)
        assert "acknowledged_at" in result.stderr
