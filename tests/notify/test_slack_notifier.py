"""SlackNotifier through the real slack_sdk client against the loopback fake."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from fakes.api_server import SLACK_TOKEN, FakeApiServer
from fakes.fake_slack import BOT_USER_ID

from incident_kit.errors import DeliveryError
from incident_kit.model import IncidentSummary
from incident_kit.notify import notifier_from_env
from incident_kit.notify.console import ConsoleNotifier
from incident_kit.notify.messages import Event, render_slack, render_status
from incident_kit.notify.notifier import MessageNotFound
from incident_kit.notify.slack import SlackNotifier

INC = "inc-20261126-k3f7"
NAME = "inc-20261126-checkout-5xx"
INCIDENT = IncidentSummary(
    id=INC,
    title="Checkout 5xx",
    status="triage",
    severity="SEV-1",
    kind="incident",
    service="checkout",
    commander="alice",
    source=None,
    path="incidents/2026-11/inc-20261126-k3f7-checkout-5xx",
)
DECLARED = render_slack(Event("declared", INCIDENT, datetime(2026, 11, 26, 15, 0, tzinfo=UTC)))


def assert_clean_error(exc: DeliveryError) -> None:
    message = str(exc)
    assert "\n" not in message
    assert SLACK_TOKEN not in message and "xoxb" not in message
    assert message.startswith("Slack ")


# --- channel ---------------------------------------------------------------------------


def test_creates_the_channel_and_marks_it(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    channel = api.slack.channels[ref.id]
    assert (ref.name, channel.name) == (NAME, NAME)
    assert f"incident-kit:{INC}" in channel.purpose
    assert [r.key for r in api.writes()] == ["conversations.create", "conversations.setPurpose"]


def test_a_known_channel_id_costs_one_read(api: FakeApiServer, slack: SlackNotifier) -> None:
    first = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.requests.clear()
    again = slack.ensure_channel(NAME, incident_id=INC, existing_id=first.id)
    assert again == first
    assert [r.key for r in api.requests] == ["conversations.info"]


def test_rerun_without_the_id_reuses_the_marked_channel(api: FakeApiServer, slack: SlackNotifier) -> None:
    api.slack.page_size = 2  # the marked channel is on the third page
    for n in range(5):
        api.slack.add_channel(f"general-{n}")
    first = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.requests.clear()
    again = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    assert again == first
    assert len(api.slack.channels) == 6
    assert [r.key for r in api.writes()] == ["conversations.create"]  # refused: name_taken
    assert [r.body.get("cursor") for r in api.calls("conversations.list")] == [None, "2", "4"]


def test_a_name_held_by_another_incident_gets_a_suffix(api: FakeApiServer, slack: SlackNotifier) -> None:
    api.slack.add_channel(NAME, purpose="incident-kit:inc-20261126-aaaa")
    api.slack.add_channel(f"{NAME}-2", archived=True)  # archived channels keep their names
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    assert ref.name == f"{NAME}-3"
    # the listing told us -2 was taken: no create attempt for it
    assert [r.body["name"] for r in api.calls("conversations.create")] == [NAME, f"{NAME}-3"]
    # and a prefix of our id is not our marker
    other = slack.ensure_channel("x", incident_id="inc-20261126-aaa", existing_id=None)
    assert other.name == "x"


def test_an_archived_channel_of_ours_is_unarchived(api: FakeApiServer, slack: SlackNotifier) -> None:
    old = api.slack.add_channel(NAME, purpose=f"incident-kit:{INC}", archived=True, bot_member=False)
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    assert ref.id == old
    assert not api.slack.channels[old].is_archived
    assert BOT_USER_ID in api.slack.channels[old].members


def test_a_channel_left_unmarked_by_a_crashed_run_is_adopted(
    api: FakeApiServer, slack: SlackNotifier
) -> None:
    orphan = api.slack.add_channel(NAME, creator=BOT_USER_ID)
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    assert ref.id == orphan
    assert f"incident-kit:{INC}" in api.slack.channels[orphan].purpose


def test_a_deleted_channel_is_created_again(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id="C404")
    assert api.slack.channels[ref.id].name == NAME


def test_topic_is_set_once(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    slack.set_topic(ref.id, "SEV-1 · triage · IC alice · Checkout &amp; cart")
    slack.set_topic(ref.id, "SEV-1 · triage · IC alice · Checkout &amp; cart")
    assert len(api.calls("conversations.setTopic")) == 1
    slack.set_topic(ref.id, "SEV-2 · triage")
    assert api.slack.channels[ref.id].topic == "SEV-2 · triage"


def test_invite_resolves_emails_and_tolerates_members(api: FakeApiServer, slack: SlackNotifier) -> None:
    alice = api.slack.add_user("alice@example.com")
    bob = api.slack.add_user("bob@example.com")
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.slack.channels[ref.id].members.add(bob)
    result = slack.invite(
        ref.id, ["Alice@Example.com", bob, BOT_USER_ID, "ghost@example.com", "carol", alice]
    )
    assert result.invited == (alice,)
    assert result.already_in == (bob, BOT_USER_ID)
    assert [who for who, _ in result.not_invited] == ["ghost@example.com", "carol"]
    assert api.slack.channels[ref.id].members == {BOT_USER_ID, alice, bob}
    assert len(api.calls("users.lookupByEmail")) == 2  # alice once, ghost once


def test_archive_twice_is_fine(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    slack.archive(ref.id)
    slack.archive(ref.id)
    assert api.slack.channels[ref.id].is_archived


# --- messages --------------------------------------------------------------------------


def test_post_by_name_and_update_by_id(api: FakeApiServer, slack: SlackNotifier) -> None:
    announce = api.slack.add_channel("incidents")
    posted = slack.post("#incidents", DECLARED)
    assert posted.channel == announce
    [message] = api.slack.posts(announce)
    assert message["ts"] == posted.ts
    assert message["blocks"] == list(DECLARED.blocks) and message["text"] == DECLARED.text

    status = render_status(dataclasses.replace(INCIDENT, status="mitigated"))
    slack.update(posted.channel, posted.ts, status)
    [message] = api.slack.posts(announce)
    assert message["text"] == status.text


def test_update_of_a_deleted_message_says_so(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    with pytest.raises(MessageNotFound, match="no longer exists"):
        slack.update(ref.id, "1767225600.000001", DECLARED)


def test_a_lost_response_does_not_post_twice(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.fail_next("chat.postMessage", fault="drop", processed=True)
    posted = slack.post(ref.id, DECLARED, key=f"{INC}/declared")
    [message] = api.slack.posts(ref.id)
    assert posted.ts == message["ts"]
    assert len(api.calls("chat.postMessage")) == 1
    assert len(api.calls("conversations.history")) == 2  # before, and after the failure


def test_a_keyed_post_is_not_repeated_by_a_rerun(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    first = slack.post(ref.id, DECLARED, key=f"{INC}/declared")
    for n in range(5):
        slack.post(ref.id, DECLARED, key=f"{INC}/note-{n}")
    assert slack.post(ref.id, DECLARED, key=f"{INC}/declared") == first
    assert len(api.slack.posts(ref.id)) == 6


def test_a_lost_request_fails_and_the_retry_posts_once(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.fail_next("chat.postMessage", fault="drop")
    with pytest.raises(DeliveryError, match="a retry looks for it first") as caught:
        slack.post(ref.id, DECLARED, key=f"{INC}/declared")
    assert_clean_error(caught.value)
    assert api.slack.posts(ref.id) == []
    slack.post(ref.id, DECLARED, key=f"{INC}/declared")
    assert len(api.slack.posts(ref.id)) == 1


def test_a_timed_out_post_that_lands_late_is_found_by_the_retry(
    api: FakeApiServer, slack: SlackNotifier
) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.fail_next("chat.postMessage", fault="slow", delay=1.3)
    with pytest.raises(DeliveryError, match="timed out"):
        slack.post(ref.id, DECLARED, key=f"{INC}/declared")
    api.wait_until_quiet()  # the server finishes the slow request
    posted = slack.post(ref.id, DECLARED, key=f"{INC}/declared")
    [message] = api.slack.posts(ref.id)
    assert posted.ts == message["ts"]
    assert len(api.calls("chat.postMessage")) == 1


def test_a_created_channel_whose_response_was_lost_is_adopted(
    api: FakeApiServer, slack: SlackNotifier
) -> None:
    api.fail_next("conversations.create", fault="drop", processed=True)
    with pytest.raises(DeliveryError):
        slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    assert len(api.calls("conversations.create")) == 1  # not repeated blindly
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    assert ref.name == NAME and len(api.slack.channels) == 1


def test_without_a_key_a_dropped_post_is_not_retried(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.fail_next("chat.postMessage", fault="drop", processed=True)
    with pytest.raises(DeliveryError) as caught:
        slack.post(ref.id, DECLARED)
    assert_clean_error(caught.value)
    assert len(api.calls("chat.postMessage")) == 1
    assert len(api.slack.posts(ref.id)) == 1  # it did land: the caller's next sync decides


def test_a_dropped_connection_is_retried_for_repeatable_calls(
    api: FakeApiServer, slack: SlackNotifier
) -> None:
    alice = api.slack.add_user("alice@example.com")
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.fail_next("conversations.invite", fault="drop", processed=True)
    result = slack.invite(ref.id, [alice])
    assert result.already_in == (alice,)  # the first attempt landed; the retry saw it
    assert len(api.calls("conversations.invite")) == 2


# --- failures --------------------------------------------------------------------------


def test_rate_limit_waits_for_retry_after(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.fail_next("chat.postMessage", 429, retry_after=1)
    started = time.monotonic()
    slack.post(ref.id, DECLARED)
    waited = time.monotonic() - started
    assert 1.0 <= waited < 4.0
    assert len(api.calls("chat.postMessage")) == 2
    assert len(api.slack.posts(ref.id)) == 1


def test_a_long_retry_after_fails_fast(api: FakeApiServer, slack: SlackNotifier) -> None:
    api.fail_next("conversations.create", 429, retry_after=600)
    started = time.monotonic()
    with pytest.raises(DeliveryError, match=r"conversations\.create failed: HTTP 429 ratelimited"):
        slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    assert time.monotonic() - started < 1.0


def test_server_error_is_one_clean_line(api: FakeApiServer, slack: SlackNotifier) -> None:
    api.fail_next("conversations.create", 500)
    with pytest.raises(DeliveryError) as caught:
        slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    assert_clean_error(caught.value)
    assert "HTTP 500" in str(caught.value)
    assert len(api.calls("conversations.create")) == 1  # never retried: a second channel


def test_refusals_name_slack_error_code(api: FakeApiServer) -> None:
    wrong = SlackNotifier("xoxb-wrong-token", base_url=api.slack_url, timeout=1)
    with pytest.raises(DeliveryError) as caught:
        wrong.post("#incidents", DECLARED)
    assert str(caught.value) == "Slack chat.postMessage failed: invalid_auth"
    assert "xoxb-wrong-token" not in str(caught.value)


def test_timeout_is_reported(api: FakeApiServer, slack: SlackNotifier) -> None:
    ref = slack.ensure_channel(NAME, incident_id=INC, existing_id=None)
    api.fail_next("conversations.setTopic", fault="slow", delay=1.5)
    with pytest.raises(DeliveryError, match="setTopic failed: timed out"):
        slack.set_topic(ref.id, "SEV-1")


def test_unreachable_server_is_a_delivery_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # nothing listens there now
    notifier = SlackNotifier(SLACK_TOKEN, base_url=f"http://127.0.0.1:{port}/api/", timeout=1)
    with pytest.raises(DeliveryError) as caught:
        notifier.post("#incidents", DECLARED)
    assert_clean_error(caught.value)
    assert "cannot reach Slack" in str(caught.value)


# --- selection -------------------------------------------------------------------------


def test_token_selects_slack_and_its_url(api: FakeApiServer) -> None:
    env = {"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_API_URL": api.slack_url}
    notifier = notifier_from_env(env)
    assert isinstance(notifier, SlackNotifier)
    notifier.ensure_channel(NAME, incident_id=INC, existing_id=None)
    assert api.slack.by_name(NAME) is not None
    assert isinstance(notifier_from_env({"SLACK_BOT_TOKEN": " "}), ConsoleNotifier)


def test_importing_the_package_does_not_import_the_clients() -> None:
    code = (
        "import sys, incident_kit.notify, incident_kit.notify.slack, incident_kit.github.client;"
        "print(sorted(m for m in ('slack_sdk', 'github', 'requests') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_posting_where_the_bot_is_not_yet_a_member_joins_first(
    api: FakeApiServer, slack: SlackNotifier
) -> None:
    announce = api.slack.add_channel("incidents", bot_member=False)
    posted = slack.post("#incidents", DECLARED)
    assert posted.channel == announce
    assert BOT_USER_ID in api.slack.channels[announce].members
    assert len(api.slack.posts(announce)) == 1
    with pytest.raises(DeliveryError, match=r"chat\.postMessage failed: channel_not_found"):
        slack.post("#nowhere", DECLARED)
