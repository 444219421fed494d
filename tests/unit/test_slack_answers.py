"""Slack answers are checked for the fields the notifier reads before it reads them."""

from __future__ import annotations

from typing import Any

import pytest

from incident_kit.notify.slack_answers import well_formed


@pytest.mark.parametrize(
    ("method", "data"),
    [
        ("conversations.create", {"ok": True, "channel": {"id": "C1", "name": "inc-x"}}),
        (
            "conversations.list",
            {"ok": True, "channels": [{"id": "C1"}], "response_metadata": {"next_cursor": ""}},
        ),
        ("conversations.list", {"ok": True}),  # no channels at all: an empty page
        (
            "conversations.history",
            {
                "ok": True,
                "messages": [
                    {"subtype": "channel_topic", "ts": "1.2", "topic": "a topic, as text"},
                    {"ts": "1.3", "metadata": {"event_type": "incident_kit", "event_payload": {"key": "k"}}},
                ],
            },
        ),
        ("chat.postMessage", {"ok": True, "channel": "C1", "ts": "1.2"}),
        ("users.lookupByEmail", {"ok": True, "user": {"id": "U1"}}),
        ("conversations.setTopic", {"ok": True}),
    ],
)
def test_answers_shaped_like_slacks_are_well_formed(method: str, data: dict[str, Any]) -> None:
    assert well_formed(method, data)


@pytest.mark.parametrize(
    ("method", "data"),
    [
        ("conversations.create", {"ok": "yes", "channel": 5}),
        ("conversations.create", {"ok": True}),
        ("conversations.info", {"ok": True, "channel": {"name": "no id"}}),
        ("conversations.list", {"ok": True, "channels": [5]}),
        ("conversations.list", {"ok": True, "channels": [], "response_metadata": "next"}),
        ("conversations.history", {"ok": True, "messages": [{"ts": "1", "metadata": "key"}]}),
        ("conversations.history", {"ok": True, "messages": [{"ts": "1", "metadata": {"event_payload": []}}]}),
        ("conversations.history", {"ok": True, "messages": [{"text": "no ts"}]}),
        ("chat.postMessage", {"ok": True, "channel": "C1", "ts": 12}),
        ("users.lookupByEmail", {"ok": True, "user": "U1"}),
    ],
)
def test_answers_missing_what_the_notifier_reads_are_not(method: str, data: dict[str, Any]) -> None:
    assert not well_formed(method, data)
