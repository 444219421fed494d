"""`declare --format json` prints one JSON document with an `outcome` for every outcome, so a
workflow piping it into `jq` never breaks — whether the delivery declared, joined, resolved,
was ignored, or was refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import run_cli
from support.repos import commit_count

FIXTURES = Path(__file__).resolve().parents[1] / "alerts" / "fixtures"
SEED = (FIXTURES / "native" / "seed.json").read_text()
RESOLVED = (FIXTURES / "native" / "resolved.json").read_text()
KEYS = {"outcome", "id", "path", "status", "severity", "commander", "created", "deduplicated", "commit"}


def declare_json(repo: Path, *args: str) -> tuple[int, dict[str, object], str]:
    result = run_cli(["declare", *args, "--format", "json", "--repo", str(repo)])
    document = json.loads(result.stdout)  # exactly one document: json.loads refuses anything more
    assert isinstance(document, dict) and document.keys() >= KEYS, result.stdout
    return result.code, document, result.stderr


def test_a_new_incident_is_created(repo: Path) -> None:
    code, document, _ = declare_json(repo, "--manual-incident", "--title", "Checkout is down")
    assert code == 0 and document["outcome"] == "created" and document["created"] is True
    code, document, _ = declare_json(repo, "--alert-payload", SEED)
    assert code == 0 and document["outcome"] == "created" and isinstance(document["commit"], str)


def test_a_repeated_alert_joins_and_its_resolution_resolves(repo: Path) -> None:
    _, first, _ = declare_json(repo, "--alert-payload", SEED)
    code, joined, _ = declare_json(repo, "--alert-payload", SEED)
    assert code == 0 and joined["outcome"] == "joined" and joined["id"] == first["id"]
    assert joined["deduplicated"] is True and joined["occurrences"] == 2
    code, resolved, _ = declare_json(repo, "--alert-payload", RESOLVED)
    assert code == 0 and resolved["outcome"] == "resolved" and resolved["id"] == first["id"]
    assert resolved["status"] == "mitigated"


@pytest.mark.parametrize(
    "fixture",
    [
        "opsgenie/acknowledge.json",
        "opsgenie/add-note.json",
        "pagerduty/service-updated.json",
        "cloudwatch/lambda-insufficient-data.json",
        "cloudwatch/unsubscribe-confirmation.json",
        "native/resolved.json",  # a resolution with no open incident
    ],
)
def test_a_delivery_that_is_not_a_new_alert_is_ignored_as_json_too(repo: Path, fixture: str) -> None:
    before = commit_count(repo)
    code, document, _ = declare_json(repo, "--alert-payload", f"@{FIXTURES / fixture}")
    assert code == 0 and document["outcome"] == "ignored", document
    assert document["id"] is None and document["created"] is False and document["message"]
    assert commit_count(repo) == before


@pytest.mark.parametrize(
    ("args", "exit_code", "says"),
    [
        (["--alert-payload", "{not json"], 2, "JSON"),
        (["--alert-payload", '{"hello": "world"}'], 2, "matches no known format"),
        (["--manual-incident"], 2, "needs --title"),
        (["--manual-incident", "--title", "x", "--alert-payload", SEED], 2, "an alert brings its own title"),
        (["--manual-incident", "--alert-payload", SEED], 2, "not both"),
        (["--manual-incident", "--title", "x", "--severity", "SEV-9"], 2, "severity"),
        (["--manual-incident", "--title", "x", "--at", "2999-01-01T00:00:00Z"], 2, "future"),
    ],
)
def test_a_refusal_is_json_on_stdout_and_one_line_on_stderr(
    repo: Path, args: list[str], exit_code: int, says: str
) -> None:
    before = commit_count(repo)
    code, document, stderr = declare_json(repo, *args)
    assert code == exit_code and document["outcome"] == "refused" and document["exit_code"] == exit_code
    assert says in str(document["message"]) and stderr.count("\n") == 1 and says in stderr
    assert commit_count(repo) == before


def test_a_refusal_outside_a_repository_is_json_too(tmp_path: Path) -> None:
    result = run_cli(
        ["declare", "--manual-incident", "--title", "x", "--format", "json", "--repo", str(tmp_path)]
    )
    document = json.loads(result.stdout)
    assert result.code == 1 and document["outcome"] == "refused" and document["exit_code"] == 1
