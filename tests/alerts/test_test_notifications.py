"""A sender's test notification is recognised: declared as a drill that says so, or ignored.

Grafana's "Test" button (legacy and unified alerting) and Datadog's "Test Notifications" used to
become real SEV-3 incidents with nothing marking them. `alerts.test_notifications` chooses:
`drill` (the default: the pipe is proven, nobody is paged for it) or `ignore`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.alerts import CAPTURES
from support.cli import run_cli
from support.repos import commit_count, git

TESTS = [
    ("grafana/legacy-test-notification-zulip.json", "Grafana test notification"),
    ("datadog/default-template-test-notification-relay.json", "Datadog test notification"),
]


def declare(repo: Path, relative: str, *extra: str) -> tuple[int, str, str]:
    result = run_cli(["declare", "--alert-payload", f"@{CAPTURES / relative}", "--repo", str(repo), *extra])
    return result.code, result.stdout, result.stderr


def configure(repo: Path, policy: str) -> None:
    config = repo / "incidents" / "config.yaml"
    text = config.read_text()
    assert "  test_notifications: drill\n" in text  # the template's default, stated
    config.write_text(text.replace("  test_notifications: drill\n", f"  test_notifications: {policy}\n", 1))
    git(repo, "commit", "-qam", f"test notifications: {policy}")


@pytest.mark.parametrize(("relative", "what"), TESTS)
def test_a_test_notification_is_declared_as_a_drill_that_says_so(
    repo: Path, relative: str, what: str
) -> None:
    code, out, err = declare(repo, relative)
    assert code == 0, err
    assert f"{what}: declared as a drill (alerts.test_notifications: drill)" in out
    code, out, _ = declare(repo, relative, "--format", "json")
    result = json.loads(out)
    assert result["deduplicated"] is True  # pressing Test again joins the drill
    shown = json.loads(run_cli(["show", result["id"], "--format", "json", "--repo", str(repo)]).stdout)
    assert shown["frontmatter"]["kind"] == "drill"
    assert any(f"as a drill: {what}" in entry["what"] for entry in shown["timeline"])
    listed = run_cli(["list", "--repo", str(repo)]).stdout
    assert "drill" in listed.lower()


@pytest.mark.parametrize(("relative", "what"), TESTS)
def test_a_test_notification_is_ignored_when_config_says_so(repo: Path, relative: str, what: str) -> None:
    configure(repo, "ignore")
    start = commit_count(repo)
    code, _out, err = declare(repo, relative)
    assert code == 0
    assert err.strip() == f"incident: {what}: ignored (alerts.test_notifications: ignore); nothing declared"
    assert commit_count(repo) == start


def test_a_real_rule_with_test_in_its_name_is_a_real_incident(repo: Path) -> None:
    code, out, err = declare(repo, "grafana/legacy-alerting-tags-v6-alerta.json", "--format", "json")
    assert code == 0, err
    shown = json.loads(
        run_cli(["show", json.loads(out)["id"], "--format", "json", "--repo", str(repo)]).stdout
    )
    assert shown["frontmatter"]["kind"] == "incident"
    assert shown["severity"] == "SEV-3"  # its own severity tag: warning


def test_a_resolved_test_notification_declares_nothing(repo: Path) -> None:
    """Grafana's unified test alert arrives resolved (zulip's capture): nothing to open."""
    start = commit_count(repo)
    code, out, _ = declare(repo, "grafana/unified-test-notification-v8-zulip.json", "--format", "json")
    assert code == 0 and json.loads(out)["created"] is False
    assert commit_count(repo) == start


def test_a_bad_policy_warns_naming_the_line_and_the_default_holds(repo: Path) -> None:
    """Degraded, not dead (config/degraded.py): declare still records, with the default."""
    configure(repo, "maybe")
    code, out, err = declare(repo, TESTS[0][0])
    assert code == 0, err
    assert "incidents/config.yaml:" in err
    assert "alerts.test_notifications: 'maybe' is not one of drill, ignore" in err
    assert "declared as a drill" in out
    result = run_cli(["validate", "--repo", str(repo)])
    assert result.code == 1 and "alerts.test_notifications" in result.stdout + result.stderr
