"""The small frictions of issue 15, one test each: fixed, or answered with what to type instead."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import declare, run_cli
from support.repos import git, make_repo

from incident_kit.markdown import frontmatter

OLD_ALERT = {
    "version": "4",
    "groupKey": '{}:{alertname="SentryIssue"}',
    "status": "firing",
    "receiver": "incident-kit",
    "groupLabels": {"alertname": "SentryIssue"},
    "commonLabels": {"alertname": "SentryIssue"},
    "commonAnnotations": {"summary": "TypeError in checkout"},
    "externalURL": "http://alertmanager.example.com",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "SentryIssue"},
            "annotations": {"summary": "TypeError in checkout"},
            "startsAt": "2019-06-01T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": "old",
        }
    ],
}


def frontmatter_of(repo: Path, incident_id: str) -> dict[str, object]:
    path = next((repo / "incidents").glob(f"*/{incident_id}*/incident.md"))
    return frontmatter.load(frontmatter.split(path.read_text(), "x").frontmatter, "x")


def test_declare_with_a_title_alone_declares_by_hand(repo: Path) -> None:
    result = run_cli(["declare", "--title", "Checkout is down", "--format", "json", "--repo", str(repo)])
    assert result.code == 0 and json.loads(result.stdout)["created"] is True
    nothing = run_cli(["declare", "--repo", str(repo)])
    assert nothing.code == 2
    assert (
        "give --alert-payload JSON|@FILE|- or --title 'what is broken' (declares by hand)" in nothing.stderr
    )


def test_a_payload_file_name_without_the_at_sign_asks_whether_at_was_meant(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    missing = run_cli(["declare", "--alert-payload", "alert.json", "--repo", str(repo)])
    assert missing.code == 2
    assert "--alert-payload 'alert.json' is not JSON; did you mean @alert.json (a file)?" in missing.stderr
    (repo / "alert.json").write_text("{}")
    present = run_cli(["declare", "--alert-payload", "alert.json", "--repo", str(repo)])
    assert present.code == 2 and "to read the file, use @alert.json" in present.stderr


def test_a_misspelt_flag_gets_the_closest_flags_or_the_list_of_flags(repo: Path) -> None:
    close = run_cli(["declare", "--title", "x", "--sevrity", "1", "--repo", str(repo)])
    assert close.code == 2
    assert close.stderr == "incident: no such option: --sevrity; did you mean --severity or --service?\n"
    far = run_cli(["ack", "x", "--servce", "y"])
    assert far.code == 2
    assert "`incident ack` takes --at, --message, --push, --override, --format, --repo, --by" in far.stderr


@pytest.mark.parametrize(("typed", "meant"), [("canceled", "cancelled"), ("CANCELLED", "cancelled")])
def test_list_status_takes_the_american_spelling_and_any_case(repo: Path, typed: str, meant: str) -> None:
    incident_id = str(declare(repo)["id"])
    assert run_cli(["cancel", incident_id, "--reason", "noise", "--repo", str(repo)]).code == 0
    listed = json.loads(run_cli(["list", "--status", typed, "--format", "json", "--repo", str(repo)]).stdout)
    assert [i["status"] for i in listed] == [meant]
    wrong = run_cli(["list", "--status", "resolvd", "--repo", str(repo)])
    assert wrong.code == 2 and wrong.stderr.rstrip().endswith("did you mean resolved?")


def test_format_is_read_in_any_case(repo: Path) -> None:
    result = run_cli(["declare", "--title", "x", "--format", "JSON", "--repo", str(repo)])
    assert result.code == 0 and json.loads(result.stdout)["created"] is True
    assert json.loads(run_cli(["list", "--format", "Json", "--repo", str(repo)]).stdout)


def test_a_long_title_is_shortened_so_the_list_table_stays_a_table(repo: Path) -> None:
    declare(repo, "A" * 200)
    lines = run_cli(["list", "--repo", str(repo)]).stdout.splitlines()
    assert lines[1].endswith("A" * 59 + "…") and len(lines[1]) < 160


def test_list_text_and_json_list_the_same_incidents(repo: Path) -> None:
    """The open ones by default, in both; --all for every one (see also test_json_output)."""
    open_id = str(declare(repo, "Open")["id"])
    closed_id = str(declare(repo, "Cancelled")["id"])
    assert run_cli(["cancel", closed_id, "--reason", "noise", "--repo", str(repo)]).code == 0
    text = run_cli(["list", "--repo", str(repo)]).stdout
    listed = [i["id"] for i in json.loads(run_cli(["list", "--format", "json", "--repo", str(repo)]).stdout)]
    assert listed == [open_id] and open_id in text and closed_id not in text


def test_list_filters_by_service_severity_commander_and_time(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = str(
        declare(repo, "Login fails", "--service", "auth", "--commander", "alice", "--at", "2d ago")["id"]
    )
    other = str(
        declare(repo, "Search slow", "--service", "search", "--commander", "bob", severity="SEV-3")["id"]
    )

    def ids(*flags: str) -> list[str]:
        result = run_cli(["list", *flags, "--format", "json", "--repo", str(repo)])
        assert result.code == 0, result.stderr
        return [i["id"] for i in json.loads(result.stdout)]

    assert ids("--service", "authentication") == ids("--service", "auth") == [auth]  # an alias works
    assert ids("--severity", "sev3") == ids("--severity", "minor") == [other]
    assert ids("--mine") == [auth]  # the repository's git user is alice
    assert ids("--mine", "--by", "bob") == [other]
    assert ids("--since", "yesterday") == ids("--since", "1d ago") == [other]
    assert sorted(ids("--since", "2026-11-20")) == sorted([auth, other])
    assert "no incidents match" in run_cli(["list", "--service", "nope", "--repo", str(repo)]).stdout


def test_version_prints_the_installed_version() -> None:
    result = run_cli(["--version"])
    assert result.code == 0 and result.stdout.startswith("incident-kit ")


def test_shell_completion_can_be_shown_and_installed() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "incident_kit", "--show-completion", "bash"],
        capture_output=True,
        text=True,
        env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        check=False,
        timeout=60,
    )
    assert result.returncode == 0 and "complete" in result.stdout and "incident" in result.stdout
    assert "--install-completion" in run_cli(["--help"]).stdout


def test_sync_and_index_print_one_json_document(repo: Path) -> None:
    declare(repo)
    synced = run_cli(["sync", "--format", "json", "--repo", str(repo)])
    assert synced.code == 0, synced.stderr
    document = json.loads(synced.stdout)  # the console channel's messages went to stderr
    assert document["ok"] is True and document["delivered"] and document["commit"]
    planned = json.loads(run_cli(["sync", "--dry-run", "--format", "json", "--repo", str(repo)]).stdout)
    assert planned == {
        "dry_run": True,
        "delivered": [],
        "pending": [],
        "planned": [],
        "commit": None,
        "ok": True,
    }
    indexed = json.loads(run_cli(["index", "--format", "json", "--repo", str(repo)]).stdout)
    assert indexed["changed"] is True and indexed["commit"]
    checked = json.loads(run_cli(["index", "--check", "--format", "json", "--repo", str(repo)]).stdout)
    assert checked == {"path": "incidents/README.md", "up_to_date": True, "changed": False, "commit": None}


def test_json_fields_are_plain_text_without_markdown_escapes_or_entities(repo: Path) -> None:
    incident_id = str(declare(repo)["id"])
    noted = run_cli(
        ["note", incident_id, "error_rate up on <svc> *again*", "--format", "json", "--repo", str(repo)]
    )
    assert json.loads(noted.stdout)["change"] == "error_rate up on <svc> *again*"
    shown = json.loads(run_cli(["show", incident_id, "--format", "json", "--repo", str(repo)]).stdout)
    assert shown["timeline"][-1]["what"] == "error_rate up on <svc> *again*"
    text = next((repo / "incidents").glob(f"*/{incident_id}*/incident.md")).read_text()
    assert "&lt;svc&gt;" in text  # the file stays inert Markdown


def test_an_alert_that_started_years_ago_is_flagged_and_its_first_seen_kept_out_of_stats(repo: Path) -> None:
    result = run_cli(
        ["declare", "--alert-payload", json.dumps(OLD_ALERT), "--format", "json", "--repo", str(repo)]
    )
    assert result.code == 0
    assert result.stderr.startswith(
        "incident: warning: the alert says it started 2019-06-01T10:00:00Z, 2735 days ago"
    )
    incident_id = json.loads(result.stdout)["id"]
    data = frontmatter_of(repo, incident_id)
    assert data["detected_at"] == data["declared_at"]
    alert = data["alert"]
    assert (
        isinstance(alert, dict)
        and frontmatter.format_timestamp(alert["started_at"]) == "2019-06-01T10:00:00Z"
    )
    # a file that already carries such a detection (written before, or by hand) is flagged by stats
    path = next((repo / "incidents").glob(f"*/{incident_id}*/incident.md"))
    path.write_text(
        path.read_text().replace("detected_at: 2026-11-26T15:00:00Z", "detected_at: 2019-06-01T10:00:00Z")
    )
    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0  # at the declaration's 15:00
    stats = json.loads(run_cli(["stats", "--format", "json", "--repo", str(repo)]).stdout)
    assert stats["times"]["time_to_acknowledge"]["overall"]["p90_seconds"] == 0  # not 2,735 days
    text = run_cli(["stats", "--repo", str(repo)]).stdout
    assert (
        f"{incident_id}: detected_at is 2735 days before declared_at; its times count from the declaration"
        in text
    )


def test_acting_without_any_identity_is_recorded_as_incident_kit_with_a_warning(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "anonymous")
    git(root, "config", "--unset", "user.name")
    assert run_cli(["init", "--repo", str(root), "--by", "setup"]).code == 0
    result = run_cli(["declare", "--title", "Who am I", "--format", "json", "--repo", str(root)])
    assert result.code == 0
    assert result.stderr == (
        "incident: warning: no --by, git user.name or GITHUB_ACTOR, so this is recorded as incident-kit; "
        "run `git config user.name 'Your Name'` or pass --by WHO\n"
    )
    assert git(root, "log", "-1", "--format=%an").strip() == "incident-kit"
    incident_id = json.loads(result.stdout)["id"]
    assert run_cli(["note", incident_id, "x", "--by", "dana", "--repo", str(root)]).stderr == ""
