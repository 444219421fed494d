"""Rendering: every event kind gives a valid Block Kit message and the same plain text."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from incident_kit.model import IncidentSummary
from incident_kit.notify.messages import (
    EVENT_KINDS,
    Event,
    render_plain,
    render_slack,
    render_status,
    render_topic,
)

AT = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)
INCIDENT = IncidentSummary(
    id="inc-20261126-k3f7",
    title="p99_latency above SLO on authentication",
    status="investigating",
    severity="SEV-2",
    kind="incident",
    service="authentication",
    commander="alice",
    source="production_monitor",
    path="incidents/2026-11/inc-20261126-k3f7-p99-latency",
    declared_at=AT,
)
URL = "https://github.com/acme/shop/tree/main/incidents/2026-11/inc-20261126-k3f7-p99-latency"
HOSTILE = (
    "<!channel> @here <!everyone> @channel <@U123> <!subteam^S1|@oncall> "
    "*bold* _it_ ~s~ `code` ```block``` <https://evil.example|click> & \x1b[31m\u202e ::set-env"
)


def event(kind: str = "declared", **changes: Any) -> Event:
    incident = dataclasses.replace(INCIDENT, **changes.pop("incident", {}))
    args: dict[str, Any] = {"actor": "alice", "url": URL, **changes}
    return Event(kind=kind, incident=incident, at=AT, **args)  # type: ignore[arg-type]


def texts(blocks: Any) -> list[tuple[str, str]]:
    """(type, text) of every text object in the blocks."""
    found: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
                found.append((node["type"], node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def assert_within_limits(blocks: Any, text: str) -> None:
    assert 1 <= len(blocks) <= 50
    assert 1 <= utf16(text) <= 4000
    for block in blocks:
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert 1 <= utf16(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block.get("fields", [])) <= 10
            for field in block.get("fields", []):
                assert 1 <= utf16(field["text"]) <= 2000
            if "text" in block:
                assert 1 <= utf16(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
    json.dumps(list(blocks))  # what slack_sdk will send


def assert_inert(text: str, *, slack: bool = True) -> None:
    """Nothing that pings, links, runs a workflow command or moves the cursor survived."""
    assert not re.search(r"(?<!\u200b)@(here|channel|everyone)", text, re.IGNORECASE)
    assert "\x1b" not in text and "\u202e" not in text
    assert "::set-env" not in text
    if slack:  # `<` means nothing to a terminal, everything to Slack
        assert "<!" not in text and "<@" not in text and "<http" not in text


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_every_kind_renders_within_slack_limits(kind: str) -> None:
    message = render_slack(event(kind, detail="Roll back deploy 123", previous="SEV-3"))
    assert_within_limits(message.blocks, message.text)
    assert "inc-20261126-k3f7" in message.text
    assert message.plain == render_plain(event(kind, detail="Roll back deploy 123", previous="SEV-3"))


def test_declared_announcement_carries_the_facts() -> None:
    message = render_slack(event("declared"))
    header = message.blocks[0]["text"]["text"]
    assert header == "🚨 Incident declared · SEV-2 · p99_latency above SLO on authentication"
    fields = [f["text"] for f in message.blocks[1]["fields"]]
    assert fields == [
        "Incident: inc-20261126-k3f7",
        "Status: Investigating",
        "Severity: SEV-2",
        "Commander: alice",
        "Service: authentication",
    ]
    context = message.blocks[-1]["elements"]
    assert context[0]["text"] == "by alice"
    assert context[1]["text"] == "<!date^1795707000^{date_short_pretty} {time}|2026-11-26 15:30 UTC>"
    assert context[2]["text"] == f"<{URL}|inc-20261126-k3f7>"


def test_transitions_say_what_changed() -> None:
    sev = render_slack(event("severity_changed", previous="SEV-3", incident={"severity": "SEV-1"}))
    assert "Severity SEV-3 → SEV-1" in sev.text
    ic = render_slack(event("commander_changed", previous="alice", incident={"commander": "bob"}))
    assert "Commander alice → bob" in ic.text
    merged = render_slack(event("merged", incident={"merged_into": "inc-20261126-aaaa"}))
    assert "Merged into inc-20261126-aaaa" in merged.text


def test_mitigation_plan_and_resolution_are_in_the_message() -> None:
    plan = render_slack(event("mitigated", detail="Roll back deployment 4711\n\n\n\nthen watch"))
    section = plan.blocks[2]["text"]
    assert section == {
        "type": "plain_text",
        "text": "Mitigation plan:\nRoll back deployment 4711\n\nthen watch",
        "emoji": True,
    }
    final = render_slack(event("resolved", detail="Fixed by reverting the pool size"))
    assert "Resolution: Fixed by reverting the pool size" in final.text
    assert "Resolution:" in final.plain and "| Fixed by reverting the pool size" in final.plain


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_hostile_text_is_inert_everywhere(kind: str) -> None:
    hostile = event(
        kind,
        actor=HOSTILE,
        detail=HOSTILE + "\n" + HOSTILE,
        previous=HOSTILE,
        current=HOSTILE,
        facts=((HOSTILE, HOSTILE + "\n" + HOSTILE),),
        mention=HOSTILE,  # not a user id: no ping
        incident={"title": HOSTILE, "commander": HOSTILE, "service": HOSTILE},
    )
    message = render_slack(hostile)
    assert_within_limits(message.blocks, message.text)
    for kind_, text in texts(message.blocks):
        if kind_ == "plain_text":
            assert_inert(text)
            assert "<" not in text and ">" not in text  # escaped as &lt; &gt;
    # our own mrkdwn only: the date token and the link to the incident
    mrkdwn = [text for kind_, text in texts(message.blocks) if kind_ == "mrkdwn"]
    assert all(t.startswith(("<!date^", "<https://github.com/")) for t in mrkdwn)
    assert_inert(message.text)
    assert_inert(message.plain, slack=False)
    assert_inert(render_topic(hostile.incident))


def test_the_final_communication_says_each_fact_under_its_label() -> None:
    facts = (
        ("Duration", "1h 05m (impact start to resolution)"),
        ("Impact", "30% of logins took over 2 s"),
        ("What fixed it", "rolled back deployment 1234"),
        ("Post-mortem (to come)", "incidents/2026-11/inc-20261126-k3f7-p99-latency/postmortem.md"),
    )
    message = render_slack(event("resolved", facts=facts, also=("mitigated",)))
    assert message.text.startswith("✅ Resolved (also mitigated): ")
    sections = [b["text"]["text"] for b in message.blocks if b["type"] == "section" and "text" in b]
    assert sections == [f"{label}:\n{text}" for label, text in facts]
    for label, text in facts:
        assert f"  {label}:\n  | {text}" in message.plain


def test_only_a_slack_user_id_becomes_a_ping() -> None:
    pinged = render_slack(event("update_overdue", detail="bob: an update is owed", mention="U024BE7LH"))
    context = next(b for b in pinged.blocks if b["type"] == "context")
    assert context["elements"][0] == {"type": "mrkdwn", "text": "<@U024BE7LH>"}
    for who in ("bob@example.com", "bob", "<!channel>"):
        message = render_slack(event("update_overdue", mention=who))
        assert "<@" not in json.dumps(message.blocks) and "!channel" not in json.dumps(message.blocks)


def test_escaping_is_slack_entities_not_html() -> None:
    message = render_slack(event(incident={"title": "a & b <c> 'd'"}))
    assert message.blocks[0]["text"]["text"].endswith("a &amp; b &lt;c&gt; 'd'")
    assert "a & b <c> 'd'" in message.plain  # the console is not Slack


def test_long_text_is_cut_to_the_limits_without_breaking_entities() -> None:
    long_title = "&" * 400
    long_plan = "x" * 10_000
    message = render_slack(event("mitigated", detail=long_plan, incident={"title": long_title}))
    assert_within_limits(message.blocks, message.text)
    header = message.blocks[0]["text"]["text"]
    assert header.endswith("&amp;…")  # whole entities only
    assert message.blocks[2]["text"]["text"].endswith("…")


def test_emoji_titles_count_twice_against_the_limits() -> None:
    message = render_slack(event(incident={"title": "🔥" * 200}))
    assert_within_limits(message.blocks, message.text)
    assert utf16(message.blocks[0]["text"]["text"]) <= 150


def test_empty_title_still_makes_a_valid_header() -> None:
    message = render_slack(event(incident={"title": "", "commander": None, "service": None}))
    assert_within_limits(message.blocks, message.text)
    assert "(untitled)" in message.blocks[0]["text"]["text"]
    assert "Commander: unassigned" in [f["text"] for f in message.blocks[1]["fields"]]


def test_bad_url_is_left_out_and_the_path_shown() -> None:
    message = render_slack(event(url="javascript:alert(1)"))
    context = message.blocks[-1]["elements"]
    assert context[-1] == {
        "type": "plain_text",
        "text": "incidents/2026-11/inc-20261126-k3f7-p99-latency",
        "emoji": True,
    }


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        Event(kind="exploded", incident=INCIDENT, at=AT)  # type: ignore[arg-type]


def test_plain_text_keeps_untrusted_lines_behind_a_prefix() -> None:
    text = render_plain(event("mitigated", detail="::error::boom\n##[group]x"))
    lines = text.splitlines()
    assert lines[0] == "🩹 Mitigated: inc-20261126-k3f7 · SEV-2 · p99_latency above SLO on authentication"
    assert all(line.startswith("  ") for line in lines[1:])
    assert not any(line.lstrip().startswith(("::", "##[")) for line in lines)


def test_status_message_lists_the_lifecycle_stamps() -> None:
    resolved = dataclasses.replace(
        INCIDENT, status="resolved", mitigated_at=AT, resolved_at=AT.replace(hour=17)
    )
    message = render_status(resolved, url=URL)
    assert_within_limits(message.blocks, message.text)
    fields = [f["text"] for f in message.blocks[1]["fields"]]
    assert "Status: Resolved" in fields
    assert "Resolved: 2026-11-26 17:30 UTC" in fields
    assert "Status: Resolved" in message.plain
    cancelled = dataclasses.replace(INCIDENT, status="cancelled", closed_at=AT)
    assert "Cancelled: 2026-11-26 15:30 UTC" in render_status(cancelled).plain


def test_topic_is_one_short_unformatted_line() -> None:
    assert render_topic(INCIDENT) == (
        "SEV-2 · investigating · IC alice · p99_latency above SLO on authentication"
    )
    long = dataclasses.replace(INCIDENT, title="word " * 100, commander=None)
    topic = render_topic(long)
    assert len(topic) <= 250 and "\n" not in topic and "IC unassigned" in topic
