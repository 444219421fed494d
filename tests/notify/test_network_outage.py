"""An API that stops answering costs a run two calls, not one timeout per call: both adapters
against the loopback fake, dropping connections (network_outage)."""

from __future__ import annotations

import pytest
from fakes.api_server import FakeApiServer

from incident_kit.errors import DeliveryError
from incident_kit.github.client import GitHubClient, action_item_marker
from incident_kit.network_outage import GIVE_UP_AFTER, Outage
from incident_kit.notify.slack import SlackCallError, SlackNotifier
from notify.test_slack_notifier import DECLARED, INC, NAME

REPO = "GET /repos/acme/shop"
ISSUES = "GET /repos/acme/shop/issues"


def test_the_count_is_of_failures_in_a_row() -> None:
    outage = Outage("Slack")
    for _ in range(GIVE_UP_AFTER - 1):
        outage.failed("timed out")
    assert outage.refusal() is None
    outage.answered()
    for _ in range(GIVE_UP_AFTER - 1):
        outage.failed("timed out")
    assert outage.refusal() is None  # the answer in between started the count again
    outage.failed("cannot reach Slack (Connection refused)")
    refusal = outage.refusal()
    assert refusal is not None
    assert "Slack got no answer 2 times in a row" in refusal and "Connection refused" in refusal


def test_slack_stops_calling_after_two_calls_without_an_answer(
    api: FakeApiServer, slack: SlackNotifier
) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.fail_next("chat.postMessage", fault="drop", count=100)
    errors = []
    for _ in range(5):
        with pytest.raises(SlackCallError) as caught:
            slack.post(ref.id, DECLARED)
        errors.append(caught.value)
    assert len(api.calls("chat.postMessage")) == GIVE_UP_AFTER
    assert [e.sent for e in errors] == [True, True, False, False, False]
    # a call never sent cannot have landed: nothing to look for, it is simply still to do
    assert errors[0].uncertain and not errors[-1].uncertain
    assert "not tried" in str(errors[-1]) and "\n" not in str(errors[-1])
    assert api.slack.posts(ref.id) == []


def test_slack_keeps_calling_after_a_blip(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    for _ in range(3):
        api.fail_next("chat.postMessage", fault="drop")
        with pytest.raises(DeliveryError):
            slack.post(ref.id, DECLARED)
        slack.post(ref.id, DECLARED)  # answered: the count starts again
    assert len(api.calls("chat.postMessage")) == 6
    assert len(api.slack.posts(ref.id)) == 3


def test_an_http_error_is_an_answer(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.fail_next("chat.postMessage", 500, count=100)
    for _ in range(4):
        with pytest.raises(SlackCallError) as caught:
            slack.post(ref.id, DECLARED)
        assert caught.value.sent
    assert len(api.calls("chat.postMessage")) == 4


def test_github_stops_calling_after_two_calls_without_an_answer(
    api: FakeApiServer, github: GitHubClient
) -> None:
    api.fail_next(REPO, fault="drop", count=100)
    messages = []
    for _ in range(4):
        with pytest.raises(DeliveryError) as caught:
            github.default_branch()
        messages.append(str(caught.value))
    sent = len(api.calls(REPO))  # PyGithub repeats a GET itself: more than one request a call
    assert sent >= GIVE_UP_AFTER
    assert ["not tried" in m for m in messages] == [False, False, True, True]
    assert all(m.startswith("GitHub acme/shop: reading the repository failed") for m in messages)
    with pytest.raises(DeliveryError, match="not tried"):
        github.default_branch()
    assert len(api.calls(REPO)) == sent  # nothing more went out


def test_github_keeps_calling_after_a_blip(api: FakeApiServer, github: GitHubClient) -> None:
    marker = action_item_marker(INC, "AI-1")
    for _ in range(3):
        api.fail_next(ISSUES, fault="drop", count=2)  # both tries of one read (PyGithub retries once)
        with pytest.raises(DeliveryError, match="failed: cannot reach GitHub"):
            github.find_action_item_issue(marker, label="incident-action-item")
        assert github.find_action_item_issue(marker, label="incident-action-item") is None
    assert len(api.calls(ISSUES)) == 3 * (2 + 1)
