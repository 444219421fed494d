"""The reminder planner, called directly: which reminders are due for given files, config and time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from incident_kit.config.reader import parse
from incident_kit.config.settings import Config, Rotation
from incident_kit.errors import ConfigError
from incident_kit.model import ActionItem
from incident_kit.reminders import record
from incident_kit.reminders.messages import render_comment, render_slack
from incident_kit.reminders.plan import Subject, due
from incident_kit.summaries.fields import summary_from

DECLARED = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
ROTATION = Rotation("primary", ("alice", "bob", "carol"), 7, time(9), "UTC", date(2026, 1, 5))
CONFIG = Config(
    rotations={"primary": ROTATION}, default_rotation="primary", stakeholders={"SEV-1": ("dana", "#execs")}
)


def at(minutes: int) -> datetime:
    return datetime.fromtimestamp(DECLARED.timestamp() + minutes * 60, UTC)


def subject(
    status: str = "triage", severity: str = "SEV-1", reminders: dict[str, Any] | None = None, **fields: Any
) -> Subject:
    data: dict[str, Any] = {
        "id": "inc-20261203-ab12",
        "title": "Checkout down",
        "status": status,
        "severity": severity,
        "commander": "alice",
        "declared_at": DECLARED,
        **fields,
    }
    if reminders:
        data["reminders"] = reminders
    items = data.pop("items", ())
    rel = "incidents/2026-12/inc-20261203-ab12-checkout-down"
    return Subject(summary_from(rel, data), rel, data, tuple(items))


def sent(reminders: list[Any], now: datetime) -> dict[str, Any]:
    return {r.key: record.entry(r.window, "sent", now) for r in reminders}


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (4, []),
        (5, [("unacknowledged-1", ("alice",))]),
        (15, [("unacknowledged-1", ("alice",)), ("unacknowledged-2", ("bob",))]),
        (
            30,
            [
                ("unacknowledged-1", ("alice",)),
                ("unacknowledged-2", ("bob",)),
                ("unacknowledged-3", ("dana", "#execs")),
            ],
        ),
    ],
)
def test_each_escalation_step_is_due_from_its_threshold(minutes: int, expected: list[Any]) -> None:
    found = due([subject()], CONFIG, at(minutes))
    assert [(r.key, r.recipients) for r in found] == expected


def test_a_step_sent_for_its_window_is_not_due_again_but_the_next_step_is() -> None:
    first = due([subject()], CONFIG, at(5))
    later = due([subject(reminders=sent(first, at(5)))], CONFIG, at(16))
    assert [r.key for r in later] == ["unacknowledged-2"]
    assert due([subject(reminders=sent(first + later, at(16)))], CONFIG, at(20)) == []


def test_a_fresh_claim_belongs_to_its_run_a_stale_one_is_taken_over_a_failed_one_retried() -> None:
    [step] = due([subject()], CONFIG, at(5))
    pending = {step.key: record.entry(step.window, "pending", at(5))}
    assert due([subject(reminders=pending)], CONFIG, at(6)) == []
    assert [r.key for r in due([subject(reminders=pending)], CONFIG, at(15))][:1] == [step.key]
    failed = {step.key: record.entry(step.window, "failed", at(5), "Slack said no")}
    assert [r.key for r in due([subject(reminders=failed)], CONFIG, at(6))] == [step.key]


def test_an_acknowledged_incident_escalates_no_further() -> None:
    assert due([subject(status="investigating", acknowledged_at=at(3))], CONFIG, at(60)) == []


def test_the_rotation_s_next_person_follows_the_commander_in_the_rotation() -> None:
    [_, step2] = due([subject(commander="carol")], CONFIG, at(15))
    assert step2.recipients == ("alice",)


def test_a_post_mortem_not_started_by_its_deadline_is_reminded_once_a_day() -> None:
    resolved = subject(status="resolved", acknowledged_at=at(1), resolved_at=at(60))
    deadline = 60 + 2 * 24 * 60
    assert due([resolved], CONFIG, at(deadline - 1)) == []
    [first] = due([resolved], CONFIG, at(deadline + 10))
    assert (first.kind, first.recipients) == ("postmortem_start", ("alice",))
    reminded = sent([first], at(deadline + 10))
    again = subject(status="resolved", acknowledged_at=at(1), resolved_at=at(60), reminders=reminded)
    assert due([again], CONFIG, at(deadline + 600)) == []
    [next_day] = due([again], CONFIG, at(deadline + 24 * 60))
    assert next_day.window != first.window


def test_a_started_post_mortem_not_closed_by_its_deadline_is_reminded() -> None:
    started = subject(status="postmortem", resolved_at=at(60), postmortem_at=at(120))
    [found] = due([started], CONFIG, at(60 + 7 * 24 * 60))
    assert found.kind == "postmortem_close"


def item(item_id: str, owner: str, due_on: date, done: bool = False) -> ActionItem:
    return ActionItem("inc-20261203-ab12", item_id, f"Fix {item_id}", owner, due_on, "prevent", done)


def test_overdue_action_items_make_one_digest_per_owner() -> None:
    items = [
        item("AI-1", "alice", date(2026, 12, 1)),
        item("AI-2", "alice", date(2026, 12, 2)),
        item("AI-3", "bob", date(2026, 12, 3)),  # due today: not overdue yet
        item("AI-4", "carol", date(2026, 11, 1), done=True),
    ]
    closed = subject(status="closed", items=items)
    [digest] = due([closed], CONFIG, at(60))
    assert (digest.owner, [i.item_id for _, i in digest.items]) == ("alice", ["AI-1", "AI-2"])
    done = subject(status="closed", items=items, reminders=sent([digest], at(60)))
    assert due([done], CONFIG, at(120)) == []
    assert [r.owner for r in due([done], CONFIG, at(24 * 60))] == ["alice", "bob"]


def test_messages_mention_configured_people_and_keep_untrusted_text_inert() -> None:
    hostile = subject(title="<!channel> *bold* @here")
    [step] = due([hostile], CONFIG, at(5))
    message = render_slack(step, at(5), {"alice": "U123ABC"})
    assert "<!channel>" not in message.text and "<@U123ABC>" in str(message.blocks)
    assert "@here" not in message.text
    comment = render_comment(step, at(5), {"alice": "alice-gh"})
    assert "@alice-gh" in comment and "<!channel>" not in comment


def test_reminders_config_is_read_and_checked() -> None:
    config = parse(
        "reminders:\n  escalation:\n    SEV-3: [{after: 1h, notify: commander}]\n"
        "  postmortem:\n    SEV-3: {start: 5d}\n  repeat: 12h\n  action_items: false\n"
    )
    assert config.reminders.escalation["SEV-3"][0].after_minutes == 60
    assert config.reminders.postmortem["SEV-3"].start_minutes == 5 * 24 * 60
    assert config.reminders.repeat_minutes == 720 and config.reminders.action_items is False
    with pytest.raises(ConfigError, match=r"reminders\.escalation\.SEV-1\[0\]\.notify"):
        parse("reminders:\n  escalation:\n    SEV-1: [{after: 5m, notify: everyone}]\n")
    with pytest.raises(ConfigError, match="not a duration"):
        parse("reminders:\n  repeat: soon\n")


def test_a_long_digest_fits_slack_s_limits() -> None:
    items = [item(f"AI-{n}", "alice", date(2026, 12, 1)) for n in range(40)]
    long = [ActionItem(i.incident_id, i.item_id, "&" * 400, i.owner, i.due, i.type, False) for i in items]
    [digest] = due([subject(status="closed", items=long)], CONFIG, at(60))
    message = render_slack(digest, at(60), {})
    header, section = message.blocks[0]["text"]["text"], message.blocks[1]["text"]["text"]
    assert len(header) <= 150 and len(section) <= 3000 and len(message.text) <= 4000
    assert section.endswith("&amp;…")  # cut between entities, never inside one
