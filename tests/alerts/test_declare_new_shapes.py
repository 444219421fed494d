"""Issue 18's shapes end to end through the CLI: declare, re-deliver, resolve.

Each story starts from a real capture (tests/alerts/captures). Where the public sources hold
only one side of an alarm's life, the other side is that same capture with its state flipped,
written out here so the change is visible.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.alerts import CAPTURES, OWN_FIXTURES
from support.cli import run_cli
from support.repos import commit_count


def capture(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CAPTURES / relative).read_text("utf-8"))
    return data


def changed(relative: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(capture(relative))
    change(data)
    return data


def _state(path: tuple[str, ...], value: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _alertmanager_resolved(data: dict[str, Any]) -> None:
    data["status"] = "resolved"
    for alert in data["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2016-08-01T13:40:00+03:00"


EVENTBRIDGE = "aws-cloudwatch/eventbridge-alarm-state-change-single-metric-aws-docs.json"
ACTION = "aws-cloudwatch/lambda-alarm-action-composite-aws-lambda-java-libs.json"
BARE_OK = "aws-cloudwatch/bare-alarm-message-ok-byu-alert-lambda.json"
SNS_OK = "aws-cloudwatch-sns/lambda-sns-event-ok-byu-alert-lambda.json"
V3 = "alertmanager/v3-firing-integer-groupkey-alerta.json"
SENTRY_CREATED = "sentry/issue-created-sentry-docs.json"

STORIES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # (the firing delivery, the resolving one)
    "cloudwatch-eventbridge": (
        capture(EVENTBRIDGE),
        changed(EVENTBRIDGE, _state(("detail", "state", "value"), "OK")),
    ),
    "cloudwatch-lambda-alarm-action-composite": (
        capture(ACTION),
        changed(ACTION, _state(("alarmData", "state", "value"), "OK")),
    ),
    # a relay forwards the bare alarm; its recovery comes through SNS into a Lambda (real capture)
    "cloudwatch-bare-alarm-then-sns-recovery": (
        changed(BARE_OK, _state(("NewStateValue",), "ALARM")),
        capture(SNS_OK),
    ),
    "alertmanager-v3": (capture(V3), changed(V3, _alertmanager_resolved)),
    # both real: one legacy rule alerting, then ok
    "grafana-legacy": (
        capture("grafana/legacy-alerting-alerta.json"),
        capture("grafana/legacy-ok-alerta.json"),
    ),
    "sentry-issue-webhook": (
        capture(SENTRY_CREATED),
        changed(SENTRY_CREATED, _state(("action",), "resolved")),
    ),
    # Datadog's default payload (no status field: the title prefix says it)
    "datadog-default-payload": (
        json.loads((OWN_FIXTURES / "datadog/default-template.json").read_text("utf-8")),
        {
            **json.loads((OWN_FIXTURES / "datadog/default-template.json").read_text("utf-8")),
            "title": "[Recovered on {host:db-1}] Disk usage high",
            "id": "7654329999",
        },
    ),
    # both real: a source-less custom Datadog template, triggered then recovered
    "datadog-sourceless-template": (
        capture("datadog/custom-template-triggered-codenow-fluffy.json"),
        capture("datadog/custom-template-recovered-codenow-fluffy.json"),
    ),
}


def declare(repo: Path, payload: dict[str, Any]) -> dict[str, Any]:
    result = run_cli(
        ["declare", "--alert-payload", json.dumps(payload), "--format", "json", "--repo", str(repo)]
    )
    assert result.code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.mark.parametrize("story", sorted(STORIES))
def test_a_new_shape_declares_then_joins_then_resolves_its_incident(repo: Path, story: str) -> None:
    firing, resolved = STORIES[story]
    start = commit_count(repo)
    first = declare(repo, firing)
    assert first["created"] is True and first["status"] == "triage"
    again = declare(repo, firing)
    assert again["id"] == first["id"] and again["deduplicated"] is True and again["occurrences"] == 2
    done = declare(repo, resolved)
    assert done["id"] == first["id"] and done["status"] == "mitigated", done
    assert commit_count(repo) == start + 3
    listed = json.loads(run_cli(["list", "--format", "json", "--repo", str(repo)]).stdout)
    assert [item["id"] for item in listed] == [first["id"]]
    shown = json.loads(run_cli(["show", first["id"], "--format", "json", "--repo", str(repo)]).stdout)
    assert shown["frontmatter"]["alert"]["status"] == "resolved"
    # dated when the source says it ended (the captures are years old), so found, not last
    assert any(entry["what"].startswith("Alert resolved at the source") for entry in shown["timeline"])
    assert run_cli(["validate", "--repo", str(repo)]).code == 0


def test_a_recovery_with_no_open_incident_declares_nothing(repo: Path) -> None:
    start = commit_count(repo)
    result = declare(repo, capture(SNS_OK))
    assert result["created"] is False and result["id"] is None
    assert commit_count(repo) == start


@pytest.mark.parametrize(
    ("relative", "code", "said"),
    [
        ("aws-cloudwatch/eventbridge-alarm-configuration-change-aws-docs.json", 0, "not a state change"),
        ("sentry/issue-ignored-zulip.json", 0, "Sentry issue ignored"),
        ("sentry/error-webhook-zulip.json", 2, "looks like Sentry, but a webhook of resource 'error'"),
        ("pagerduty/v1-webhook-messages-alerta.json", 2, "looks like PagerDuty, but a V1/V2 webhook"),
    ],
)
def test_what_is_no_alert_writes_nothing_and_says_what_it_is(
    repo: Path, relative: str, code: int, said: str
) -> None:
    start = commit_count(repo)
    result = run_cli(["declare", "--alert-payload", f"@{CAPTURES / relative}", "--repo", str(repo)])
    assert result.code == code
    assert said in result.stdout + result.stderr
    assert "Traceback" not in result.stderr and len((result.stdout + result.stderr).splitlines()) == 1
    assert commit_count(repo) == start
