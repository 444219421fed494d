"""Declaring from alert payloads end to end: dedup, resolved deliveries, severity precedence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.alerts import SEED_ALERT
from support.cli import run_cli
from support.repos import commit_count, git

SEED = SEED_ALERT


def declare(repo: Path, payload: object, *extra: str, stdin: str | None = None) -> dict:  # type: ignore[type-arg]
    spec = "-" if stdin is not None else json.dumps(payload)
    result = run_cli(
        ["declare", "--alert-payload", spec, "--format", "json", "--repo", str(repo), *extra], stdin=stdin
    )
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def test_same_firing_delivery_three_times_is_one_incident_three_occurrences(
    repo: Path, tmp_path: Path
) -> None:
    start = commit_count(repo)
    first = declare(repo, SEED)
    assert first["created"] is True and first["deduplicated"] is False
    payload_file = tmp_path / "alert.json"
    payload_file.write_text(json.dumps(SEED))
    result = run_cli(
        ["declare", "--alert-payload", f"@{payload_file}", "--format", "json", "--repo", str(repo)]
    )
    second = json.loads(result.stdout)
    third = declare(repo, None, stdin=json.dumps(SEED))
    for later in (second, third):
        assert later["id"] == first["id"] and later["path"] == first["path"]
        assert later["created"] is False and later["deduplicated"] is True
        assert {
            "id",
            "path",
            "status",
            "severity",
            "commander",
            "created",
            "deduplicated",
            "commit",
        } <= later.keys()
    assert third["occurrences"] == 3
    assert commit_count(repo) == start + 3
    listed = json.loads(run_cli(["list", "--format", "json", "--repo", str(repo)]).stdout)
    assert len(listed) == 1
    shown = json.loads(run_cli(["show", first["id"], "--format", "json", "--repo", str(repo)]).stdout)
    assert shown["frontmatter"]["alert"]["occurrences"] == 3
    assert shown["frontmatter"]["alert"]["dedup_key"] == (
        "native:production_monitor:spec-core-001-authentication:p99_latency"
    )
    assert shown["service"] == "authentication"  # spec_id is an alias in the example config
    assert [e["what"].split(":")[0] for e in shown["timeline"]] == [
        "Declared from native alert, SEV-2; commander",
        "Alert fired again (occurrence 2)",
        "Alert fired again (occurrence 3)",
    ]

    resolved = declare(repo, {**SEED, "status": "resolved"})
    assert resolved["id"] == first["id"] and resolved["created"] is False
    assert resolved["status"] == "mitigated"
    assert commit_count(repo) == start + 4
    shown = json.loads(run_cli(["show", first["id"], "--format", "json", "--repo", str(repo)]).stdout)
    assert shown["timeline"][-1]["what"].startswith("Alert resolved at the source")
    assert shown["frontmatter"]["alert"]["status"] == "resolved"
    assert shown["status"] == "mitigated"
    assert run_cli(["validate", "--repo", str(repo)]).code == 0


def test_resolved_delivery_without_open_incident_declares_nothing(repo: Path) -> None:
    start = commit_count(repo)
    result = declare(repo, {**SEED, "status": "resolved"})
    assert result["created"] is False and result["id"] is None and result["commit"] is None
    assert commit_count(repo) == start


def test_a_closed_incident_is_not_joined_by_a_new_firing(repo: Path) -> None:
    first = declare(repo, SEED)
    assert run_cli(["cancel", first["id"], "--reason", "test", "--repo", str(repo)]).code == 0
    again = declare(repo, SEED)
    assert again["created"] is True and again["id"] != first["id"]


@pytest.mark.parametrize(
    ("payload", "flags", "expected"),
    [
        (SEED, ["--severity", "SEV-1"], "SEV-1"),  # explicit flag wins
        (SEED, [], "SEV-2"),  # then the payload's own
        ({**SEED, "severity": None, "value": 700}, [], "SEV-1"),  # then config rules: 3.5x the SLO
        ({**SEED, "severity": None, "value": 320}, [], "SEV-2"),  # 1.6x
        ({**SEED, "severity": None, "value": 100}, [], "SEV-3"),  # under the SLO: the default
    ],
)
def test_severity_precedence(repo: Path, payload: dict, flags: list[str], expected: str) -> None:  # type: ignore[type-arg]
    if payload.get("severity") is None:
        payload = {k: v for k, v in payload.items() if k != "severity"}
    assert declare(repo, payload, *flags)["severity"] == expected


def test_alertmanager_group_firing_then_resolved(repo: Path) -> None:
    group = {
        "version": "4",
        "groupKey": '{}/{severity="page"}:{alertname="HighErrorRate"}',
        "status": "firing",
        "receiver": "incident-kit",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {"alertname": "HighErrorRate", "severity": "page", "service": "checkout"},
        "commonAnnotations": {"summary": "Checkout error rate above 5%"},
        "externalURL": "http://alertmanager.example.com",
        "truncatedAlerts": 0,
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": "HighErrorRate",
                    "instance": f"web-{n}",
                    "service": "checkout",
                    "severity": "page",
                },
                "annotations": {"summary": "Checkout error rate above 5%"},
                "startsAt": "2026-11-26T14:50:00.123456789Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example.com/graph",
                "fingerprint": f"f{n}",
            }
            for n in range(3)
        ],
    }
    first = declare(repo, group)
    assert first["created"] is True and first["severity"] == "SEV-1"
    shown = json.loads(run_cli(["show", first["id"], "--format", "json", "--repo", str(repo)]).stdout)
    assert shown["frontmatter"]["alert"]["alerts"] == 3
    assert shown["timeline"][0]["at"] == "2026-11-26T14:50:00Z"  # the alert's own start, before declaring
    resolved = {
        **group,
        "status": "resolved",
        "alerts": [{**a, "status": "resolved", "endsAt": "2026-11-26T15:10:00Z"} for a in group["alerts"]],
    }
    result = declare(repo, resolved)
    assert result["id"] == first["id"] and result["deduplicated"] is True
    assert len(json.loads(run_cli(["list", "--format", "json", "--repo", str(repo)]).stdout)) == 1
    dedup_trailer = git(repo, "log", "-1", "--format=%(trailers:key=Dedup-Key,valueonly)").strip()
    assert dedup_trailer == "alertmanager:" + group["groupKey"]


# --- finding the open incident of an alert through its id ---------------------------------------

KEY = "native:production_monitor:spec-core-001-authentication:p99_latency"


def _file(repo: Path, incident_id: str) -> Path:
    return next((repo / "incidents").glob(f"*/{incident_id}*/incident.md"))


def test_an_alerts_incident_carries_its_dedup_keys_code_in_its_id(repo: Path) -> None:
    from incident_kit.ids import alert_codes

    first = declare(repo, SEED)
    assert first["id"] == f"inc-20261126-{alert_codes(KEY, '20261126')[0]}"
    other = declare(repo, {**SEED, "metric": "error_rate"})
    assert other["created"] is True
    assert other["id"].endswith(alert_codes(f"{KEY[:-11]}error_rate", "20261126")[0])


def test_an_alert_that_fires_again_another_day_gets_another_code(repo: Path) -> None:
    """Recurring alerts must not make short references ambiguous: `incident ack k3f7` at 3 a.m."""
    first = declare(repo, SEED, "--at", "2026-11-20T08:00:00Z")
    assert run_cli(["cancel", first["id"], "--reason", "flapping", "--repo", str(repo)]).code == 0
    again = declare(repo, SEED)
    assert again["created"] is True and again["id"].startswith("inc-20261126-")
    code = again["id"][-4:]
    assert code != first["id"][-4:]
    shown = run_cli(["show", code, "--format", "json", "--repo", str(repo)])
    assert shown.code == 0, shown.stderr
    assert json.loads(shown.stdout)["id"] == again["id"]


def test_a_delivery_days_later_in_another_month_joins(repo: Path) -> None:
    first = declare(repo, SEED, "--at", "2026-10-30T23:50:00Z")
    assert first["path"].startswith("incidents/2026-10/")
    again = declare(repo, SEED)
    assert again["id"] == first["id"] and again["deduplicated"] is True and again["occurrences"] == 2


def test_a_taken_code_moves_the_incident_to_the_next_one_which_still_joins(repo: Path) -> None:
    from incident_kit.ids import alert_codes

    codes = alert_codes(KEY, "20261126")
    manual = run_cli(
        ["declare", "--manual-incident", "--title", "Squatter", "--format", "json", "--repo", str(repo)]
    )
    squatter_id = json.loads(manual.stdout)["id"]
    # a hand-made incident that happens to hold the key's first code today
    source = _file(repo, squatter_id)
    target = source.parent.parent / f"inc-20261126-{codes[0]}-squatter" / "incident.md"
    target.parent.mkdir()
    target.write_text(source.read_text().replace(squatter_id, f"inc-20261126-{codes[0]}"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a squatter")

    first = declare(repo, SEED)
    assert first["id"] == f"inc-20261126-{codes[1]}"
    again = declare(repo, SEED)
    assert again["id"] == first["id"] and again["deduplicated"] is True


def test_status_edited_by_hand_counts_at_once(repo: Path) -> None:
    first = declare(repo, SEED)
    path = _file(repo, first["id"])
    original = path.read_text()
    path.write_text(original.replace("status: triage", "status: cancelled"))  # not committed
    fresh = declare(repo, SEED)
    assert fresh["created"] is True and fresh["id"] != first["id"]
    # and back to open by hand: the next delivery joins the newest open one
    git(repo, "checkout", "--", str(path.relative_to(repo)))
    newest = declare(repo, SEED)
    assert newest["id"] == fresh["id"] and newest["deduplicated"] is True


def test_validate_flags_an_open_incident_whose_key_its_id_does_not_carry(repo: Path) -> None:
    first = declare(repo, SEED)
    path = _file(repo, first["id"])
    path.write_text(path.read_text().replace(KEY, "edited-by-hand"))
    result = run_cli(["validate", "--repo", str(repo)])
    assert result.code == 1
    assert "alert.dedup_key is not the key this incident was declared for" in result.stdout + result.stderr
    # once the incident is no longer open the key no longer routes alerts: nothing to flag
    assert run_cli(["cancel", first["id"], "--reason", "test", "--repo", str(repo)]).code == 0
    assert run_cli(["validate", "--repo", str(repo)]).code == 0


def test_a_severity_asked_for_on_a_joining_alert_is_not_dropped_silently(repo: Path) -> None:
    first = declare(repo, SEED)  # SEV-2 from the payload
    again = declare(repo, SEED, "--severity", "SEV-1")
    assert again["deduplicated"] is True and again["severity"] == "SEV-2"
    assert "--severity SEV-1 not applied, it stays SEV-2" in again["message"]
    assert f"incident severity {first['id']} SEV-1" in again["message"]
    same = declare(repo, SEED, "--severity", "SEV-2")
    assert "not applied" not in same["message"]
