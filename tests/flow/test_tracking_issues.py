"""Tracking issues end to end: `incident sync` with PyGithub against the loopback fake GitHub.

One issue per SEV-1/2 incident: opened once (found by its marker after a lost answer, never
opened twice), its title, labels, body and state kept in step, closed and reopened with the
incident; a sync with nothing new makes no call at all.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.api_server import GITHUB_TOKEN, FakeApiServer
from fakes.fake_github import Issue
from support import postmortems
from support.cli import run_cli
from support.repos import commit_count, git, status_clean

ISSUES = "POST /repos/acme/shop/issues"


@pytest.fixture
def api() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        yield server


@pytest.fixture
def wired(repo: Path, api: FakeApiServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GitHub only: without a Slack token, sync prints its messages (no Slack calls)."""
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", api.github_url)
    monkeypatch.setenv("GITHUB_REPOSITORY", api.github.repo)
    monkeypatch.setenv("INCIDENT_KIT_GITHUB_WRITE_INTERVAL", "0")
    return repo


def cli(repo: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli([*args, "--repo", str(repo)])
    return result.code, result.stdout, result.stderr


def declare(repo: Path, title: str = "Checkout is down", severity: str = "SEV-2") -> str:
    code, out, err = cli(
        repo, "declare", "--manual-incident", "--title", title, "--severity", severity, "--format", "json"
    )
    assert code == 0, err
    return str(json.loads(out)["id"])


def sync_ok(repo: Path) -> str:
    code, out, err = cli(repo, "sync")
    assert code == 0, err
    return out


def incident_file(repo: Path) -> Path:
    return next((repo / "incidents").glob("20*/inc-*/incident.md"))


def recorded_number(repo: Path) -> int | None:
    match = re.search(r"^tracking_issue: (\d+)$", incident_file(repo).read_text(), re.M)
    return int(match.group(1)) if match else None


def tracking_issues(api: FakeApiServer) -> list[Issue]:
    return [i for i in api.github.issues.values() if "incident" in i.labels]


def tracking_creates(api: FakeApiServer) -> list[object]:
    """The creates of tracking issues (a filled post-mortem also opens action-item issues)."""
    return [call for call in api.calls(ISSUES) if "incident" in call.body["labels"]]


def only_issue(api: FakeApiServer) -> Issue:
    issues = tracking_issues(api)
    assert len(issues) == 1, [i.title for i in issues]
    return issues[0]


def github_calls(api: FakeApiServer) -> int:
    return sum(1 for r in api.requests if r.path.startswith("/repos/"))


def test_sync_opens_one_tracking_issue_records_it_and_a_second_sync_makes_no_call(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired)
    before = commit_count(wired)
    planned = cli(wired, "sync", "--dry-run")[1]
    assert f"would open (or find by marker) the tracking issue of {incident_id}" in planned
    assert api.requests == []  # a dry run asks nothing
    out = sync_ok(wired)
    issue = only_issue(api)
    assert f"{incident_id}: opened tracking issue #{issue.number}" in out
    assert issue.title == f"[SEV-2] Checkout is down ({incident_id})"
    assert issue.labels == ["incident", "severity: SEV-2", "status: triage"] and issue.state == "open"
    assert f"<!-- incident-kit: {incident_id} tracking -->" in issue.body
    assert "- **Commander:** bob" in issue.body
    assert f"https://github.com/acme/shop/blob/main/{incident_file(wired).relative_to(wired).as_posix()}" in (
        issue.body
    )
    # recorded in the incident's frontmatter, in the sync's one commit
    assert recorded_number(wired) == issue.number
    assert re.search(r"^tracking_issue_synced: [0-9a-f]{16}$", incident_file(wired).read_text(), re.M)
    assert commit_count(wired) == before + 1 and status_clean(wired)
    assert run_cli(["validate", "--repo", str(wired)]).code == 0
    calls, commits = github_calls(api), commit_count(wired)
    assert "nothing to deliver" in sync_ok(wired)
    assert github_calls(api) == calls and commit_count(wired) == commits


def test_severity_and_status_changes_edit_only_what_differs_close_and_reopen(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired)
    sync_ok(wired)
    issue = only_issue(api)
    assert cli(wired, "severity", incident_id, "SEV-1")[0] == 0
    out = sync_ok(wired)
    assert issue.title.startswith("[SEV-1] ") and "severity: SEV-1" in issue.labels
    assert "severity: SEV-2" not in issue.labels and "- **Severity:** SEV-1" in issue.body
    assert f"tracking issue #{issue.number} updated" in out
    patch = f"PATCH /repos/acme/shop/issues/{issue.number}"
    assert cli(wired, "ack", incident_id)[0] == 0
    sync_ok(wired)
    last = api.calls(patch)[-1].body
    assert set(last) == {"body", "labels"}, last  # the title did not change: not sent
    assert "status: investigating" in issue.labels and "status: triage" not in issue.labels
    for command in ("mitigate", "resolve", "postmortem"):
        assert cli(wired, command, incident_id)[0] == 0
    sync_ok(wired)
    assert issue.state == "open" and "status: postmortem" in issue.labels  # open until closed
    pm = incident_file(wired).parent / "postmortem.md"
    pm.write_text(postmortems.fill(pm.read_text()))
    git(wired, "commit", "-qam", "write the post-mortem")
    assert cli(wired, "close", incident_id)[0] == 0
    out = sync_ok(wired)
    assert issue.state == "closed" and issue.state_reason == "completed" and "status: closed" in issue.labels
    assert f"tracking issue #{issue.number} closed" in out
    assert cli(wired, "reopen", incident_id, "--reason", "it came back")[0] == 0
    out = sync_ok(wired)
    assert issue.state == "open" and "status: investigating" in issue.labels
    assert f"tracking issue #{issue.number} reopened" in out
    assert len(tracking_issues(api)) == 1 and len(tracking_creates(api)) == 1


def test_a_cancelled_incident_closes_its_issue_as_not_planned(wired: Path, api: FakeApiServer) -> None:
    incident_id = declare(wired, severity="SEV-1")
    sync_ok(wired)
    assert cli(wired, "cancel", incident_id, "--reason", "false alarm")[0] == 0
    sync_ok(wired)
    issue = only_issue(api)
    assert issue.state == "closed" and issue.state_reason == "not_planned"


def test_only_wanted_severities_get_one_and_an_escalation_opens_it(wired: Path, api: FakeApiServer) -> None:
    incident_id = declare(wired, severity="SEV-3")
    sync_ok(wired)
    assert tracking_issues(api) == [] and recorded_number(wired) is None
    assert cli(wired, "severity", incident_id, "SEV-2")[0] == 0
    sync_ok(wired)
    assert only_issue(api).title.startswith("[SEV-2] ")
    assert cli(wired, "severity", incident_id, "SEV-3")[0] == 0  # kept in step, not closed
    sync_ok(wired)
    issue = only_issue(api)
    assert issue.state == "open" and "severity: SEV-3" in issue.labels


def test_switched_off_nothing_is_opened(wired: Path, api: FakeApiServer) -> None:
    config = wired / "incidents" / "config.yaml"
    config.write_text(config.read_text().replace("    enabled: true\n", "    enabled: false\n", 1))
    git(wired, "commit", "-qam", "no tracking issues")
    declare(wired, severity="SEV-1")
    sync_ok(wired)
    assert api.github.issues == {} and api.calls(ISSUES) == []


def test_an_issue_linked_at_declare_time_is_adopted_not_duplicated(wired: Path, api: FakeApiServer) -> None:
    form = "### What is broken?\n\nCheckout returns 502s\n\n### Severity\n\nSEV-2"
    number = api.github.add_issue("Checkout broken", form, ["from-form"])
    declare(wired)
    path = incident_file(wired)
    path.write_text(path.read_text().replace("\n---\n", f"\ntracking_issue: {number}\n---\n", 1))
    git(wired, "commit", "-qam", "linked by the issue form")
    out = sync_ok(wired)
    issue = api.github.issues[number]
    assert len(api.github.issues) == 1 and api.calls(ISSUES) == []
    assert issue.body.startswith(form)  # the form's answers are kept; the block is appended
    assert "<!-- incident-kit: inc-" in issue.body and issue.title.startswith("[SEV-2] ")
    assert (
        issue.labels[:3] == ["incident", "severity: SEV-2", "status: triage"] and "from-form" in issue.labels
    )
    assert f"tracking issue #{number} updated" in out
    calls = github_calls(api)
    sync_ok(wired)
    assert github_calls(api) == calls


def test_a_create_answered_with_500_is_found_by_its_marker_not_repeated(
    wired: Path, api: FakeApiServer
) -> None:
    declare(wired)
    api.fail_next(ISSUES, 500, processed=True)  # created, then the answer is lost
    sync_ok(wired)
    issue = only_issue(api)
    assert recorded_number(wired) == issue.number and len(api.calls(ISSUES)) == 1


def test_a_sync_that_fails_after_the_create_then_one_that_finishes_make_exactly_one_issue(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired)
    before = commit_count(wired)
    api.fail_next(ISSUES, fault="drop", processed=True)  # created; the connection drops
    # and the re-check fails: four 500s outlast PyGithub's three retries of a GET
    api.fail_next("GET /repos/acme/shop/issues", 500, count=4, after=1)
    code, _, err = cli(wired, "sync")
    assert code == 1 and "still pending" in err and incident_id in err, err
    assert len(tracking_issues(api)) == 1 and recorded_number(wired) is None
    assert commit_count(wired) == before + 1 and status_clean(wired)  # the console's record only
    out = sync_ok(wired)
    issue = only_issue(api)
    assert f"found tracking issue #{issue.number}" in out and len(api.calls(ISSUES)) == 1
    assert recorded_number(wired) == issue.number
    calls = github_calls(api)
    sync_ok(wired)
    assert github_calls(api) == calls and len(tracking_issues(api)) == 1


def test_a_failed_edit_stays_pending_and_the_next_sync_finishes_it(wired: Path, api: FakeApiServer) -> None:
    incident_id = declare(wired)
    sync_ok(wired)
    issue = only_issue(api)
    assert cli(wired, "ack", incident_id)[0] == 0
    api.fail_next(f"PATCH /repos/acme/shop/issues/{issue.number}", 500, count=4)  # outlasts the retries
    code, _, err = cli(wired, "sync")
    assert code == 1 and f"{incident_id} tracking issue" in err
    assert "status: triage" in issue.labels
    sync_ok(wired)
    assert "status: investigating" in issue.labels and len(tracking_creates(api)) == 1


def test_incident_text_cannot_ping_inject_html_or_links(wired: Path, api: FakeApiServer) -> None:
    title = "@everyone @acme/oncall <img src=x onerror=alert(1)> [click](javascript:alert(1)) # hi"
    incident_id = declare(wired, title=title)
    board = "@bob's <b>board</b>"
    assert cli(wired, "link", incident_id, "https://grafana.example.com/d/1", "--title", board)[0] == 0
    assert cli(wired, "update", incident_id, "rolled back; ping @carol")[0] == 0
    sync_ok(wired)
    issue = only_issue(api)
    for text in (issue.title, issue.body):
        assert re.search(r"@[A-Za-z0-9]", text) is None, text  # every @ is broken
    unescaped = re.compile(r"(?<!\\)(<img|<b>|\]\(javascript)")
    assert unescaped.search(issue.body) is None, issue.body  # shown as text, never rendered
    assert "\\<img src=x" in issue.body and "(<https://grafana.example.com/d/1>)" in issue.body
    assert "rolled back; ping @\u200bcarol" in issue.body  # the latest update, inert


def _github_keys(api: FakeApiServer, since: int) -> list[tuple[str, int]]:
    """Each GitHub call after request `since`, with how many of its kind came before it."""
    seen: dict[str, int] = {}
    positions = []
    for call in api.requests[since:]:
        if call.path.startswith("/repos/"):
            positions.append((call.key, seen.get(call.key, 0)))
            seen[call.key] = seen.get(call.key, 0) + 1
    return positions


@pytest.mark.reliability
@pytest.mark.parametrize("fault", [500, "drop"])
def test_a_fault_at_each_github_call_of_a_create_and_an_edit_ends_in_one_issue_in_step(
    wired: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: int | str
) -> None:
    incident_id = declare(wired)
    template = tmp_path / "template"
    shutil.copytree(wired, template)

    def inject(api: FakeApiServer, key: str, after: int) -> None:
        if fault == "drop":  # the work is done, the answer lost
            api.fail_next(key, fault="drop", processed=True, after=after)
        else:  # a GET or PATCH is retried three times: four 500s make the sync fail
            api.fail_next(key, 500, count=1 if key.startswith("POST") else 4, after=after)

    def story(repo: Path, api: FakeApiServer, fault_at: tuple[str, int, int] | None) -> tuple[object, ...]:
        monkeypatch.setenv("GITHUB_API_URL", api.github_url)
        for step in (1, 2):
            if step == 2:
                assert cli(repo, "ack", incident_id)[0] == 0
            if fault_at is not None and fault_at[2] == step:
                inject(api, fault_at[0], fault_at[1])
            codes = [cli(repo, "sync")[0]]
            while codes[-1] != 0 and len(codes) < 4:
                codes.append(cli(repo, "sync")[0])
            assert codes[-1] == 0, codes
        calls = github_calls(api)
        assert cli(repo, "sync")[0] == 0 and github_calls(api) == calls  # settled: no call
        issue = only_issue(api)
        assert status_clean(repo) and recorded_number(repo) == issue.number
        return issue.title, tuple(issue.labels), issue.body, issue.state

    with FakeApiServer() as api:
        expected = story(wired, api, None)
        keys = _github_keys(api, 0)
    # the first sync looks up the marker and creates; the second reads the issue and edits it
    # (no call of one kind in both, so `after` counts within the sync it is injected in)
    expected_keys = {ISSUES, "GET /repos/acme/shop/issues", "PATCH /repos/acme/shop/issues/1"}
    assert expected_keys <= {key for key, _ in keys}, keys
    second_sync = keys.index(("GET /repos/acme/shop/issues/1", 0))
    for number, (key, after) in enumerate(keys):
        repo = tmp_path / f"case{number}"
        shutil.copytree(template, repo)
        with FakeApiServer() as api:
            step = 1 if number < second_sync else 2
            assert story(repo, api, (key, after, step)) == expected, (key, after)
