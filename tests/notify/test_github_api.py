"""GitHubClient through real PyGithub against the loopback fake: issues never duplicate."""

from __future__ import annotations

import socket
import time

import pytest
from fakes.api_server import GITHUB_TOKEN, FakeApiServer

from incident_kit.errors import DeliveryError
from incident_kit.github.client import GitHubClient, IssueRef, action_item_marker

LABEL = "incident-action-item"
MARKER = action_item_marker("inc-20261126-k3f7", "AI-1")
ISSUES = "/repos/acme/shop/issues"


def open_item(github: GitHubClient, **kw: object) -> IssueRef:
    args: dict[str, object] = {
        "marker": MARKER,
        "title": "Add a circuit breaker to the auth client",
        "body": "From the post-mortem of inc-20261126-k3f7.",
        "labels": [LABEL, "postmortem"],
        "assignees": ["alice"],
    }
    args.update(kw)
    return github.open_action_item_issue(**args)  # type: ignore[arg-type]


def assert_clean_error(exc: DeliveryError) -> None:
    assert "\n" not in str(exc)
    assert GITHUB_TOKEN not in str(exc)
    assert str(exc).startswith("GitHub acme/shop: ")


def test_creates_a_labelled_assigned_issue_with_the_marker(api: FakeApiServer, github: GitHubClient) -> None:
    ref = open_item(github)
    issue = api.github.issues[ref.number]
    assert ref == IssueRef(ref.number, f"{api.url}/acme/shop/issues/{ref.number}", "open")
    assert issue.body == f"From the post-mortem of inc-20261126-k3f7.\n\n{MARKER}\n"
    assert issue.labels == [LABEL, "postmortem"]
    assert issue.assignees == ["alice"]


def test_a_second_run_finds_it_and_writes_nothing(api: FakeApiServer, github: GitHubClient) -> None:
    first = open_item(github)
    api.requests.clear()
    assert open_item(github) == first
    assert api.writes() == []
    assert len(api.github.issues) == 1


def test_lookup_pages_through_and_skips_pull_requests(api: FakeApiServer, github: GitHubClient) -> None:
    api.github.page_size = 2
    api.github.add_issue("fix", f"quotes the issue:\n{MARKER}", [LABEL], pull_request=True)
    mine = api.github.add_issue("mine", f"text\n{MARKER}", [LABEL])
    for n in range(5):  # newer issues push ours to the last page
        api.github.add_issue(f"other {n}", action_item_marker("inc-x", f"AI-{n}"), [LABEL])
    api.github.add_issue("unlabelled copy", MARKER, [])
    api.requests.clear()
    found = github.find_action_item_issue(MARKER, label=LABEL)
    assert found is not None and found.number == mine
    pages = api.calls(f"GET {ISSUES}")
    assert [r.query.get("page") for r in pages] == [None, "2", "3", "4"]
    assert len(api.requests) == len(pages)  # no per-issue GET on top of the listing
    index = github.index_action_item_issues(LABEL)
    assert set(index) == {MARKER, *(action_item_marker("inc-x", f"AI-{n}") for n in range(5))}


def test_closed_on_github_is_seen(api: FakeApiServer, github: GitHubClient) -> None:
    ref = open_item(github)
    assert github.issue_state(ref.number) == "open"
    api.github.close_issue(ref.number)
    assert github.issue_state(ref.number) == "closed"
    assert github.find_action_item_issue(MARKER, label=LABEL) == IssueRef(ref.number, ref.url, "closed")


def test_a_500_after_the_issue_landed_returns_it(api: FakeApiServer, github: GitHubClient) -> None:
    api.fail_next(f"POST {ISSUES}", 500, processed=True)
    ref = open_item(github)
    assert len(api.github.issues) == 1 and ref.number == 1
    assert len(api.calls(f"POST {ISSUES}")) == 1  # never sent twice


def test_a_500_before_it_landed_fails_and_the_next_run_creates_one(
    api: FakeApiServer, github: GitHubClient
) -> None:
    api.fail_next(f"POST {ISSUES}", 502)
    with pytest.raises(DeliveryError) as caught:
        open_item(github)
    assert_clean_error(caught.value)
    assert "creating the issue for inc-20261126-k3f7 AI-1 failed: HTTP 502" in str(caught.value)
    assert "no issue was created" in str(caught.value)
    assert api.github.issues == {}
    open_item(github)
    assert len(api.github.issues) == 1
    assert len(api.calls(f"POST {ISSUES}")) == 2


def test_a_dropped_create_is_looked_up_not_resent(api: FakeApiServer, github: GitHubClient) -> None:
    api.fail_next(f"POST {ISSUES}", fault="drop", processed=True)
    ref = open_item(github)
    assert list(api.github.issues) == [ref.number]
    assert len(api.calls(f"POST {ISSUES}")) == 1


def test_an_owner_who_cannot_be_assigned_still_gets_an_issue(
    api: FakeApiServer, github: GitHubClient
) -> None:
    ref = open_item(github, assignees=["mallory"])
    assert api.github.issues[ref.number].assignees == []
    assert len(api.calls(f"POST {ISSUES}")) == 2  # the 422 created nothing


def test_reads_are_retried_after_a_server_error(api: FakeApiServer, github: GitHubClient) -> None:
    api.fail_next(f"GET {ISSUES}", 503)
    assert github.find_action_item_issue(MARKER, label=LABEL) is None
    assert len(api.calls(f"GET {ISSUES}")) == 2


def test_ensure_labels_creates_only_missing_ones(api: FakeApiServer, github: GitHubClient) -> None:
    api.github.labels["postmortem"] = "000000"
    github.ensure_labels([LABEL, "postmortem", LABEL, "sev: 1/2"])
    assert api.github.labels == {"postmortem": "000000", LABEL: "b60205", "sev: 1/2": "b60205"}
    api.requests.clear()
    github.ensure_labels([LABEL, "sev: 1/2"])
    assert api.writes() == []


def test_workflow_dispatch_sends_ref_and_inputs(api: FakeApiServer, github: GitHubClient) -> None:
    inputs = {"incident_id": "inc-20261126-k3f7", "deployment_id": "deploy-4711"}
    github.dispatch_workflow("rollback.yml", ref="main", inputs=inputs)
    assert api.github.workflow_runs == [{"workflow": "rollback.yml", "ref": "main", "inputs": inputs}]
    [call] = api.requests
    assert call.path == "/repos/acme/shop/actions/workflows/rollback.yml/dispatches"


def test_dispatch_errors_are_not_retried(api: FakeApiServer, github: GitHubClient) -> None:
    api.fail_next("POST /repos/acme/shop/actions/workflows/rollback.yml/dispatches", 500)
    with pytest.raises(DeliveryError, match="may have run anyway") as caught:
        github.dispatch_workflow("rollback.yml", ref="main", inputs={"incident_id": "x"})
    assert_clean_error(caught.value)
    assert len(api.requests) == 1
    with pytest.raises(DeliveryError, match=r"dispatching workflow nope\.yml failed: HTTP 404 Not Found"):
        github.dispatch_workflow("nope.yml", ref="main", inputs={})


def test_repository_dispatch(api: FakeApiServer, github: GitHubClient) -> None:
    github.repository_dispatch("incident-hotfix", {"incident_id": "inc-20261126-k3f7"})
    assert api.github.repository_dispatches == [
        {"event_type": "incident-hotfix", "client_payload": {"incident_id": "inc-20261126-k3f7"}}
    ]
    with pytest.raises(DeliveryError, match="HTTP 422 Validation Failed"):
        github.repository_dispatch("x" * 101, {})


def test_bad_token_is_named_without_the_token(api: FakeApiServer) -> None:
    env = {
        "GITHUB_TOKEN": "ghp_wrong_secret",
        "GITHUB_API_URL": api.github_url,
        "GITHUB_REPOSITORY": "acme/shop",
    }
    client = GitHubClient.from_env(env, seconds_between_requests=None, timeout=1)
    with pytest.raises(DeliveryError) as caught:
        client.issue_state(1)
    assert str(caught.value) == "GitHub acme/shop: reading issue #1 failed: HTTP 401 Bad credentials"
    assert api.writes() == []


def test_rate_limit_on_a_write_is_reported_not_waited(api: FakeApiServer, github: GitHubClient) -> None:
    reset = str(int(time.time()) + 3600)
    api.fail_next(f"POST {ISSUES}", 403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    started = time.monotonic()
    with pytest.raises(DeliveryError, match=r"rate limited \(HTTP 403\)"):
        open_item(github)
    assert time.monotonic() - started < 2
    assert api.github.issues == {}


def test_rate_limit_on_a_read_longer_than_allowed_fails(api: FakeApiServer, github: GitHubClient) -> None:
    api.fail_next(f"GET {ISSUES}", 429, retry_after=600)
    started = time.monotonic()
    with pytest.raises(DeliveryError, match=r"rate limited \(HTTP 429\); retry in 600 s"):
        github.find_action_item_issue(MARKER, label=LABEL)
    assert time.monotonic() - started < 2


def test_missing_environment_is_named() -> None:
    with pytest.raises(DeliveryError, match="GITHUB_TOKEN is not set"):
        GitHubClient.from_env({})
    with pytest.raises(DeliveryError, match="GITHUB_REPOSITORY is not set"):
        GitHubClient.from_env({"GITHUB_TOKEN": "t"})
    with pytest.raises(DeliveryError, match="owner/name"):
        GitHubClient.from_env({"GITHUB_TOKEN": "t"}, repo="not a repo")


def test_unreachable_github_is_a_delivery_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GitHubClient(
        token=GITHUB_TOKEN,
        repo="acme/shop",
        base_url=f"http://127.0.0.1:{port}",
        timeout=1,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    with pytest.raises(DeliveryError) as caught:
        client.issue_state(1)
    assert_clean_error(caught.value)
    assert "cannot reach GitHub (NewConnectionError" in str(caught.value)
    assert "Connection refused" in str(caught.value)
