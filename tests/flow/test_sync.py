"""`incident sync` end to end: the real slack_sdk and PyGithub clients against the loopback fake."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.api_server import GITHUB_TOKEN, SLACK_TOKEN, FakeApiServer
from fakes.fake_github import Issue
from support import postmortems
from support.cli import run_cli
from support.repos import commit_count, git, status_clean

CONFIG_EXTRA = """
stakeholders:
  SEV-2: [cto@example.com]
"""


@pytest.fixture
def api() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        server.slack.add_channel("incidents")
        for email in ("bob@example.com", "carol@example.com", "cto@example.com"):
            server.slack.add_user(email)
        yield server


@pytest.fixture
def wired(repo: Path, api: FakeApiServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", api.slack_url)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", api.github_url)
    monkeypatch.setenv("GITHUB_REPOSITORY", api.github.repo)
    config = repo / "incidents" / "config.yaml"
    text = config.read_text()
    text = text.replace("stakeholders:\n  SEV-1: []\n  SEV-2: []\n", CONFIG_EXTRA.lstrip())
    text = text.replace(
        "  archive_on_close: false\n",
        "  archive_on_close: true\n  users: {bob: bob@example.com, carol: carol@example.com}\n",
    )
    text = text.replace("  rollback_workflow: null", "  rollback_workflow: rollback.yml")
    config.write_text(text)
    git(repo, "commit", "-qam", "configure Slack and GitHub")
    return repo


def cli(repo: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli([*args, "--repo", str(repo)])
    return result.code, result.stdout, result.stderr


def declare(repo: Path, title: str = "Checkout is down") -> str:
    code, out, err = cli(
        repo, "declare", "--manual-incident", "--title", title, "--severity", "SEV-2", "--format", "json"
    )
    assert code == 0, err
    return str(json.loads(out)["id"])


def action_item_issues(api: FakeApiServer) -> list[Issue]:
    """The action-item issues (sync also opens a tracking issue for each SEV-1/2 incident)."""
    issues = sorted(api.github.issues.values(), key=lambda i: i.number)
    return [issue for issue in issues if "incident-action-item" in issue.labels]


def incident_channel(api: FakeApiServer) -> str:
    ids = [c for c, ch in api.slack.channels.items() if ch.name != "incidents"]
    assert len(ids) == 1
    return ids[0]


def test_declare_then_sync_creates_announces_invites_and_a_second_sync_writes_nothing(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired)
    code, out, err = cli(wired, "sync")
    assert code == 0, err
    channel = api.slack.channels[incident_channel(api)]
    assert re.fullmatch(r"[a-z0-9_-]{1,80}", channel.name) and channel.name == "inc-20261126-checkout-is-down"
    assert incident_id in channel.purpose  # the marker that finds the channel again
    assert "SEV-2" in channel.topic and "IC bob" in channel.topic
    emails = {api.slack.users[m] for m in channel.members if m in api.slack.users}
    assert {"bob@example.com", "cto@example.com"} <= emails
    announcement = api.slack.posts(api.slack.by_name("incidents").id)  # type: ignore[union-attr]
    assert len(announcement) == 1 and announcement[0]["blocks"] and incident_id in announcement[0]["text"]
    posts = api.slack.posts(channel.id)
    assert [bool(p["blocks"]) for p in posts] == [True, True]  # the announcement and the status message
    assert "declared" in posts[0]["text"].lower()
    # the delivery state was committed, once
    assert "incident-kit: sync" in git(wired, "log", "-1", "--format=%s") and status_clean(wired)
    before, writes = commit_count(wired), len(api.writes())
    code, out, err = cli(wired, "sync")
    assert code == 0, err
    assert len(api.writes()) == writes, [w.key for w in api.writes()[writes:]]
    assert commit_count(wired) == before and "nothing to deliver" in out


def test_each_transition_posts_once_updates_status_and_close_archives(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired)
    assert cli(wired, "sync")[0] == 0
    channel = incident_channel(api)
    announcement = api.slack.by_name("incidents").id  # type: ignore[union-attr]
    steps = [
        ("ack", "Acknowledged", None),
        ("severity", "Severity", "SEV-1"),
        ("mitigate", "Mitigated", None),
        ("resolve", "Resolved", None),
    ]
    for command, _, extra in steps:
        posts_before = len(api.slack.posts(channel))
        updates_before = len(api.calls("chat.update"))
        args = [command, incident_id] + ([extra] if extra else [])
        assert cli(wired, *args)[0] == 0
        code, _, err = cli(wired, "sync")
        assert code == 0, err
        new_posts = api.slack.posts(channel)[posts_before:]
        assert len(new_posts) == 1, (command, [p["text"] for p in new_posts])
        assert len(api.calls("chat.update")) == updates_before + 1, command
    # resolve is the final communication: it also goes to the announcement channel
    assert "resolved" in api.slack.posts(announcement)[-1]["text"].lower()
    assert cli(wired, "postmortem", incident_id)[0] == 0
    assert cli(wired, "sync")[0] == 0
    assert cli(wired, "cancel", incident_id, "--reason", "x")[0] == 1  # postmortem → only close
    folder = next((wired / "incidents").glob("20*/inc-*"))
    pm = folder / "postmortem.md"
    pm.write_text(postmortems.fill(pm.read_text()))
    git(wired, "commit", "-qam", "write the post-mortem")
    assert cli(wired, "close", incident_id)[0] == 0
    code, _out, err = cli(wired, "sync")
    assert code == 0, err
    assert api.slack.channels[channel].is_archived
    assert "closed" in api.slack.posts(channel)[-1]["text"].lower() or any(
        "closed" in p["text"].lower() for p in api.slack.posts(channel)[-2:]
    )


def test_three_action_items_become_three_issues_once_and_closing_one_ticks_it(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired)
    for command in ("resolve", "postmortem"):
        assert cli(wired, command, incident_id)[0] == 0
    pm = next((wired / "incidents").glob("20*/inc-*/postmortem.md"))
    items = "".join(
        f"- [ ] AI-{n}: Item {n} — owner: @{owner} — due: 2026-12-1{n} — type: prevent\n"
        for n, owner in ((1, "alice"), (2, "bob"), (3, "nobody-we-know"))
    )
    pm.write_text(pm.read_text().replace("## Action items\n\n", "## Action items\n\n" + items))
    git(wired, "commit", "-qam", "action items")
    before = commit_count(wired)
    code, _, err = cli(wired, "sync")
    assert code == 0, err
    issues = action_item_issues(api)
    assert len(issues) == 3
    for n, issue in enumerate(issues, start=1):
        assert f"<!-- incident-kit: {incident_id} AI-{n} -->" in issue.body
        assert "incident-action-item" in issue.labels
    assert issues[0].assignees == ["alice"] and issues[2].assignees == []
    assert commit_count(wired) == before + 1  # the references and the Slack state: one commit
    text = pm.read_text()
    for n in (1, 2, 3):
        assert re.search(rf"AI-{n}: Item {n} .* — issue: #{issues[n - 1].number}$", text, re.M)
    code, _, err = cli(wired, "sync")
    assert code == 0 and len(action_item_issues(api)) == 3 and commit_count(wired) == before + 1
    api.github.close_issue(issues[1].number)
    code, _out, err = cli(wired, "sync")
    assert code == 0, err
    assert re.search(r"^- \[x\] AI-2: Item 2", pm.read_text(), re.M)
    assert re.search(r"^- \[ \] AI-1: Item 1", pm.read_text(), re.M)


def test_duplicate_and_missing_action_item_ids_are_refused_before_any_issue_is_opened(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired)
    for command in ("resolve", "postmortem"):
        assert cli(wired, command, incident_id)[0] == 0
    pm = next((wired / "incidents").glob("20*/inc-*/postmortem.md"))
    items = (
        "- [ ] AI-1: Add a breaker — owner: @bob — due: 2026-12-10 — type: prevent\n"
        "- [ ] AI-1: Alert on saturation — owner: @bob — due: 2026-12-11 — type: detect\n"
        "- [ ] Review the runbook — owner: @bob — due: 2026-12-12 — type: process\n"
    )
    pm.write_text(pm.read_text().replace("## Action items\n\n", "## Action items\n\n" + items))
    git(wired, "commit", "-qam", "action items, two with one id and one with none")
    duplicate = pm.read_text().split("\n").index(items.split("\n")[1]) + 1
    code, out, err = cli(wired, "sync")
    assert code == 1 and "still pending" in err and f"postmortem.md:{duplicate}: " in err, err
    assert "opened issue" not in out and action_item_issues(api) == []
    posted = [call.body for call in api.calls("POST /repos/acme/shop/issues")]
    assert [body for body in posted if "incident-action-item" in body["labels"]] == []
    text = pm.read_text().replace("] AI-1: Alert", "] AI-2: Alert").replace("] Review", "] AI-3: Review")
    pm.write_text(text)
    git(wired, "commit", "-qam", "one id each")
    code, out, err = cli(wired, "sync")
    assert code == 0, err
    assert out.count("opened issue") == 3 and len(action_item_issues(api)) == 3


def test_rate_limit_is_retried_and_a_500_leaves_work_pending_then_delivered_once(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired)
    api.fail_next("conversations.create", 429, retry_after=1)
    api.fail_next("chat.postMessage", 500, count=1)
    code, out, err = cli(wired, "sync")
    assert code == 1
    assert err.startswith("incident: sync incomplete; still pending:") and incident_id in err
    assert err.count("\n") == 1 and status_clean(wired)
    assert len(api.calls("conversations.create")) == 2  # the 429 was retried
    channel = incident_channel(api)
    code, out, err = cli(wired, "sync")
    assert code == 0, err
    code, out, err = cli(wired, "sync")
    assert code == 0 and "nothing to deliver" in out
    announcement = api.slack.by_name("incidents").id  # type: ignore[union-attr]
    assert len(api.slack.posts(announcement)) == 1
    texts = [p["text"] for p in api.slack.posts(channel)]
    assert sum("declared" in t.lower() for t in texts) == 1
    assert len(api.calls("conversations.create")) == 2  # the channel was never created twice


def test_unreachable_slack_fails_with_one_line_and_keeps_the_repository_intact(
    wired: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    declare(wired)
    before = commit_count(wired)
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    monkeypatch.delenv("GITHUB_TOKEN")  # Slack alone: GitHub would record its tracking issue
    code, out, err = cli(wired, "sync")
    assert code == 1 and err.count("\n") == 1 and "still pending" in err
    assert SLACK_TOKEN not in err + out
    assert status_clean(wired) and commit_count(wired) == before
    assert run_cli(["validate", "--repo", str(wired)]).code == 0


def test_a_slack_that_stops_answering_costs_two_calls_and_the_next_sync_tells_everything_once(
    wired: Path, api: FakeApiServer
) -> None:
    ids = [declare(wired, f"Outage number {n}") for n in range(3)]
    api.fail_next("conversations.create", fault="drop", count=100)
    code, _out, err = cli(wired, "sync")
    assert code == 1 and err.count("\n") == 1 and "still pending" in err
    assert len(api.calls("conversations.create")) == 2  # then no third timeout, nor a fourth
    assert not api.slack.posts(api.slack.by_name("incidents").id)  # type: ignore[union-attr]
    api.heal()
    code, _out, err = cli(wired, "sync")
    assert code == 0, err
    announcement = api.slack.by_name("incidents").id  # type: ignore[union-attr]
    texts = [p["text"] for p in api.slack.posts(announcement)]
    assert [sum(i in t for t in texts) for i in ids] == [1, 1, 1]
    assert len(api.slack.channels) == 4  # #incidents and one for each incident


def test_mitigate_rollback_dispatches_the_workflow_once_and_records_it(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired)
    code, _out, err = cli(wired, "mitigate", incident_id, "--rollback", "1234")
    assert code == 0, err
    assert len(api.github.workflow_runs) == 1
    run = api.github.workflow_runs[0]
    assert run["inputs"] == {"incident_id": incident_id, "deployment_id": "1234"} and run["ref"] == "main"
    shown = json.loads(run_cli(["show", incident_id, "--format", "json", "--repo", str(wired)]).stdout)
    assert shown["frontmatter"]["remediation"]["status"] == "dispatched"
    assert "rollback dispatched: rollback.yml" in shown["timeline"][-1]["what"]
    assert cli(wired, "sync")[0] == 0
    assert len(api.github.workflow_runs) == 1  # sync does not repeat a dispatch


def test_a_failed_dispatch_is_retried_by_sync(wired: Path, api: FakeApiServer) -> None:
    incident_id = declare(wired)
    api.fail_next(f"POST /repos/{api.github.repo}/actions/workflows/rollback.yml/dispatches", 422)
    code, _out, err = cli(wired, "mitigate", incident_id, "--rollback", "77")
    assert code == 0, err
    assert api.github.workflow_runs == []
    assert cli(wired, "sync")[0] == 0
    assert len(api.github.workflow_runs) == 1
    shown = json.loads(run_cli(["show", incident_id, "--format", "json", "--repo", str(wired)]).stdout)
    assert shown["frontmatter"]["remediation"]["status"] == "dispatched"


def test_without_tokens_everything_goes_to_the_console(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    incident_id = declare(repo)
    code, out, err = cli(repo, "sync")
    assert code == 0, err
    assert incident_id in out and "Incident declared" in out
    assert incident_id in summary.read_text()
    assert "nothing to deliver" in cli(repo, "sync")[1]


def test_console_deliveries_are_still_owed_to_slack_and_the_dry_run_says_so(
    repo: Path, api: FakeApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local `incident sync` without a token must not make the sync workflow skip Slack."""
    incident_id = declare(repo)
    code, out, _ = cli(repo, "sync")
    assert code == 0 and "NOT sent to Slack" in out
    assert "nothing to deliver" in cli(repo, "sync", "--dry-run")[1]  # the console has been told
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", api.slack_url)
    planned = cli(repo, "sync", "--dry-run")[1]
    assert f"would create the channel for {incident_id}" in planned and "would post declared" in planned
    assert cli(repo, "sync")[0] == 0
    assert incident_id in api.slack.posts(api.slack.by_name("incidents").id)[0]["text"]  # type: ignore[union-attr]
