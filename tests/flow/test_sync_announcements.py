"""Everyone hears what they must: `incident sync` against the loopback Slack, end to end.

Every milestone crossed since the last sync is told, in order, where it belongs; updates reach
both channels; an overdue update is reminded of once per window; nothing is told twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.api_server import SLACK_TOKEN, FakeApiServer
from support import postmortems
from support.cli import run_cli
from support.repos import git


@pytest.fixture
def api() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        server.slack.add_channel("incidents")
        server.slack.add_user("bob@example.com")
        yield server


@pytest.fixture
def wired(repo: Path, api: FakeApiServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", api.slack_url)
    return repo


def cli(repo: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli([*args, "--repo", str(repo)])
    return result.code, result.stdout, result.stderr


def ok(repo: Path, *args: str) -> str:
    code, out, err = cli(repo, *args)
    assert code == 0, err
    return out


def declare(repo: Path, severity: str = "SEV-2", title: str = "Checkout is down", *extra: str) -> str:
    args = ("--manual-incident", "--title", title, "--severity", severity, "--format", "json", *extra)
    out = ok(repo, "declare", *args)
    return str(json.loads(out)["id"])


def announcements(api: FakeApiServer) -> list[dict[str, Any]]:
    channel = api.slack.by_name("incidents")
    assert channel is not None
    return api.slack.posts(channel.id)


def channel_of(api: FakeApiServer, incident_id: str) -> list[dict[str, Any]]:
    for channel in api.slack.channels.values():
        if incident_id in channel.purpose:
            return api.slack.posts(channel.id)
    raise AssertionError(f"no channel for {incident_id}")


def headlines(posts: list[dict[str, Any]]) -> list[str]:
    """The first line of each message's fallback text, without the incident's title."""
    return [
        p["text"].split("\n")[0].split(": ")[0] for p in posts if "Status:" not in p["text"].split("\n")[0]
    ]


def texts(posts: list[dict[str, Any]]) -> str:
    return "\n".join(p["text"] for p in posts)


def write_postmortem(repo: Path, incident_id: str) -> None:
    pm = next((repo / "incidents").glob(f"*/{incident_id}*/postmortem.md"))
    pm.write_text(postmortems.fill(pm.read_text()))
    git(repo, "commit", "-qam", "the post-mortem")


def test_resolve_and_close_between_two_syncs_reach_the_announcement_channel_with_the_final_communication(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired, "SEV-2", "Checkout is down", "--at", "2026-11-26T14:00:00Z")
    ok(wired, "sync")
    ok(wired, "ack", incident_id, "--at", "2026-11-26T14:10:00Z")
    ok(wired, "mitigate", incident_id, "--rollback", "1234", "--at", "2026-11-26T14:20:00Z")
    ok(wired, "resolve", incident_id, "-m", "p99 back under 200 ms after the rollback")
    ok(wired, "postmortem", incident_id)
    write_postmortem(wired, incident_id)
    ok(wired, "close", incident_id)
    ok(wired, "sync")
    heard = headlines(announcements(api))
    assert heard == ["🚨 Incident declared", "🩹 Mitigated", "✅ Resolved", "🏁 Closed"], heard
    final = next(p for p in announcements(api) if p["text"].startswith("✅ Resolved"))["text"]
    assert (
        "Duration: 1h 00m (impact start to resolution)" in final
    )  # declared 14:00 (pinned --at), resolved 15:00
    assert "Impact:" in final and "What fixed it: p99 back under 200 ms after the rollback" in final
    assert "Post-mortem: incidents/2026-11/" in final and "postmortem.md" in final
    # the incident channel hears every step, in the order they happened
    steps = headlines(channel_of(api, incident_id))
    assert steps == [
        "🚨 Incident declared",
        "👀 Acknowledged",
        "🩹 Mitigated",
        "✅ Resolved",
        "📝 Post-mortem started",
        "🏁 Closed",
    ], steps
    writes = len(api.writes())
    assert "nothing to deliver" in ok(wired, "sync") and len(api.writes()) == writes


def test_a_false_alarm_a_merge_and_an_escalation_reach_the_announcement_channel(
    wired: Path, api: FakeApiServer
) -> None:
    false_alarm = declare(wired, "SEV-3", "Disk alarm")
    duplicate = declare(wired, "SEV-3", "Checkout 5xx")
    survivor = declare(wired, "SEV-3", "Checkout is down")
    ok(wired, "sync")
    ok(wired, "cancel", false_alarm, "--reason", "the disk alarm was a test")
    ok(wired, "merge", duplicate, "--into", survivor)
    ok(wired, "severity", survivor, "SEV-1", "--reason", "all customers")
    ok(wired, "sync")
    said = texts(announcements(api))
    assert "🚫 Cancelled: Disk alarm" in said and "the disk alarm was a test" in said
    assert f"🔗 Merged into {survivor}: Checkout 5xx" in said and f"Duplicate of {survivor}" in said
    assert "📶 Severity SEV-3 → SEV-1: Checkout is down" in said
    # the survivor's channel hears of the merge as a note of its own timeline
    assert f"Merged in {duplicate}" not in said and f"Merged in {duplicate}" in texts(
        channel_of(api, survivor)
    )


def test_an_escalation_undone_before_the_sync_is_still_told_both_ways(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired, "SEV-2")
    ok(wired, "sync")
    ok(wired, "severity", incident_id, "SEV-1")
    ok(wired, "severity", incident_id, "SEV-2", "--reason", "only EU customers")
    ok(wired, "sync")
    heard = headlines(announcements(api))
    assert heard == ["🚨 Incident declared", "📶 Severity SEV-2 → SEV-1", "📶 Severity SEV-1 → SEV-2"], heard


def test_an_update_reaches_both_channels_and_a_note_only_the_incident_channel(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired, "SEV-1")
    ok(wired, "sync")
    ok(wired, "note", incident_id, "Error rate dropped after the cache flush")
    ok(wired, "update", incident_id, "Checkout works again for most users; next update in 30 minutes")
    ok(wired, "sync")
    update = "Update: Checkout works again for most users; next update in 30 minutes"
    assert update in texts(announcements(api))
    assert "cache flush" not in texts(announcements(api))
    incident_channel = texts(channel_of(api, incident_id))
    assert update in incident_channel and "Note: Error rate dropped after the cache flush" in incident_channel
    shown = json.loads(ok(wired, "show", incident_id, "--format", "json"))
    assert shown["update"]["last_at"] == "2026-11-26T15:00:00Z" and shown["update"]["overdue"] is False
    assert "nothing to deliver" in ok(wired, "sync")


def test_a_stakeholder_update_is_refused_when_empty_or_when_the_incident_is_over(wired: Path) -> None:
    incident_id = declare(wired)
    code, _, err = cli(wired, "update", incident_id, " ")
    assert code == 2 and "empty" in err
    ok(wired, "cancel", incident_id, "--reason", "false alarm")
    code, _, err = cli(wired, "update", incident_id, "all good")
    assert code == 1 and "cancelled" in err and err.count("\n") == 1


def test_an_overdue_update_is_shown_and_reminded_once_per_window(
    wired: Path, api: FakeApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "    SEV-1: 30m\n" in (wired / "incidents" / "config.yaml").read_text()  # updates.every
    incident_id = declare(wired, "SEV-1")  # at the pinned 15:00
    ok(wired, "sync")
    assert "[update overdue" not in ok(wired, "list")

    def at(now: str) -> None:
        monkeypatch.setenv("INCIDENT_KIT_NOW", now)

    def reminders() -> list[dict[str, Any]]:
        return [p for p in channel_of(api, incident_id) if p["text"].startswith("⏰")]

    at("2026-11-26T15:45:00Z")
    assert "[update overdue by 15m] Checkout is down" in ok(wired, "list")
    shown = run_cli(["show", incident_id, "--repo", str(wired)])
    assert "update overdue by 15m (every 30m)" in shown.stderr
    ok(wired, "sync")
    assert len(reminders()) == 1 and "update overdue by 15m" in reminders()[0]["text"]
    status = next(p for p in channel_of(api, incident_id) if "Status" in p["text"].split("\n")[0])
    assert "Next update: overdue since 2026-11-26T15:30:00Z" in json.dumps(status["blocks"])
    at("2026-11-26T15:55:00Z")  # the same window: no second reminder
    assert "nothing to deliver" in ok(wired, "sync") and len(reminders()) == 1
    at("2026-11-26T16:05:00Z")  # the next window
    ok(wired, "sync")
    assert len(reminders()) == 2
    ok(wired, "update", incident_id, "Still degraded; the DB team is on it")  # the clock restarts
    at("2026-11-26T16:30:00Z")
    ok(wired, "sync")
    assert len(reminders()) == 2 and "[update overdue" not in ok(wired, "list")
    assert not any(p["text"].startswith("⏰") for p in announcements(api))  # the commander's, not everyone's


def test_a_failure_halfway_delivers_the_rest_at_the_next_sync_and_nothing_twice(
    wired: Path, api: FakeApiServer
) -> None:
    incident_id = declare(wired, "SEV-2", "Checkout is down", "--at", "2026-11-26T14:00:00Z")
    ok(wired, "sync")
    ok(wired, "ack", incident_id, "--at", "2026-11-26T14:10:00Z")
    ok(wired, "update", incident_id, "Rolling back", "--at", "2026-11-26T14:20:00Z")
    ok(wired, "resolve", incident_id)
    api.fail_next("chat.postMessage", 500, after=2)  # acknowledged and the update's announcement land
    code, _, err = cli(wired, "sync")
    assert code == 1 and "still pending" in err
    ok(wired, "sync")
    steps = headlines(channel_of(api, incident_id))
    resolved = "✅ Resolved (also mitigated)"  # the resolve stamped both
    assert steps == ["🚨 Incident declared", "👀 Acknowledged", "📣 Update", resolved], steps
    assert headlines(announcements(api)) == ["🚨 Incident declared", "📣 Update", resolved]
