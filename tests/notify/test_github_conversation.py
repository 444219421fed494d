"""GitHubClient's issue edits, comments, reactions and permission checks, through real
PyGithub against the loopback fake: what the tracking issue, slash commands and reminders use."""

from __future__ import annotations

import pytest
from fakes.api_server import GITHUB_TOKEN, FakeApiServer

from incident_kit.errors import DeliveryError
from incident_kit.github.client import GitHubClient, IssueRef

REPO = "/repos/acme/shop"
MARKER = "<!-- incident-kit: inc-20261126-k3f7 reminder-ack-1 -->"


def test_edit_changes_only_the_fields_given(api: FakeApiServer, github: GitHubClient) -> None:
    number = api.github.add_issue("old", "body stays", ["incident", "sev-2"])
    ref = github.edit_issue(number, title="new", labels=["incident", "sev-1"])
    issue = api.github.issues[number]
    assert (issue.title, issue.body, issue.labels) == ("new", "body stays", ["incident", "sev-1"])
    assert ref == IssueRef(number, f"{api.url}/acme/shop/issues/{number}", "open")
    [call] = api.calls(f"PATCH {REPO}/issues/{number}")
    assert call.body == {"title": "new", "labels": ["incident", "sev-1"]}


def test_close_and_reopen(api: FakeApiServer, github: GitHubClient) -> None:
    number = api.github.add_issue("t")
    assert github.edit_issue(number, state="closed").state == "closed"
    assert api.github.issues[number].state_reason == "completed"
    assert github.edit_issue(number, state="open").state == "open"
    details = github.issue(number)
    assert (details.ref.state, details.title, details.labels) == ("open", "t", ())


def test_an_edit_is_retried_after_a_server_error(api: FakeApiServer, github: GitHubClient) -> None:
    number = api.github.add_issue("t")
    api.fail_next(f"PATCH {REPO}/issues/{number}", 502)
    github.edit_issue(number, title="after the retry")
    assert api.github.issues[number].title == "after the retry"
    assert len(api.calls(f"PATCH {REPO}/issues/{number}")) == 2


def test_comment_with_a_marker_is_posted_once(api: FakeApiServer, github: GitHubClient) -> None:
    number = api.github.add_issue("t")
    for n in range(3):  # other comments before it, over more than one page
        api.github.add_comment(number, f"chatter {n}", "alice")
    api.github.page_size = 2
    first = github.comment(number, "SEV-1 not acknowledged for 10 minutes", marker=MARKER)
    again = github.comment(number, "SEV-1 not acknowledged for 10 minutes", marker=MARKER)
    assert first == again
    mine = [c for c in api.github.comments_on(number) if MARKER in c.body]
    assert len(mine) == 1 and mine[0].login == api.github.bot_login


def test_a_lost_answer_to_a_marked_comment_is_looked_up_not_reposted(
    api: FakeApiServer, github: GitHubClient
) -> None:
    number = api.github.add_issue("t")
    api.fail_next(f"POST {REPO}/issues/{number}/comments", 502, processed=True)
    comment_id = github.comment(number, "reminder", marker=MARKER)
    assert [c.id for c in api.github.comments_on(number)] == [comment_id]


def test_a_failed_unmarked_comment_is_an_error_not_a_retry(api: FakeApiServer, github: GitHubClient) -> None:
    number = api.github.add_issue("t")
    api.fail_next(f"POST {REPO}/issues/{number}/comments", 502, processed=True)
    with pytest.raises(DeliveryError) as caught:
        github.comment(number, "done")
    assert len(api.calls(f"POST {REPO}/issues/{number}/comments")) == 1  # never repeated blindly
    assert "\n" not in str(caught.value) and GITHUB_TOKEN not in str(caught.value)


def test_reactions_are_idempotent_and_checked(api: FakeApiServer, github: GitHubClient) -> None:
    number = api.github.add_issue("t")
    comment_id = api.github.add_comment(number, "/ack", "alice")
    github.react(comment_id, "eyes")
    github.react(comment_id, "eyes")
    github.react(comment_id, "rocket")
    assert api.github.comments[comment_id].reactions == ["eyes", "rocket"]
    with pytest.raises(ValueError):
        github.react(comment_id, "thumbsup")


@pytest.mark.parametrize(
    ("permission", "writes"),
    [
        ("admin", True),
        ("maintain", True),
        ("write", True),
        ("triage", False),
        ("read", False),
        ("none", False),
    ],
)
def test_write_access_is_asked_of_the_api(
    api: FakeApiServer, github: GitHubClient, permission: str, writes: bool
) -> None:
    api.github.permissions["mallory"] = permission
    assert github.can_write("mallory") is writes
    assert api.calls(f"GET {REPO}/collaborators/mallory/permission")


@pytest.mark.parametrize("login", ["../../orgs/x", "a b", "", "x" * 60, "alice;rm"])
def test_a_login_that_is_not_one_never_reaches_the_api(
    api: FakeApiServer, github: GitHubClient, login: str
) -> None:
    with pytest.raises(DeliveryError):
        github.can_write(login)
    assert api.requests == []
