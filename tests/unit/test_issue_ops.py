"""The issue form, slash commands and event classification: pure, table and property tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_kit.errors import InputError
from incident_kit.issue_ops import events, form, slash
from incident_kit.severity import DEFAULT_SCALE

ID = "inc-20261126-k3f7"


@pytest.mark.parametrize(
    ("body", "argv"),
    [
        ("/ack", ["ack", "--", ID]),
        ("  /ACK  \n", ["ack", "--", ID]),
        ("/note cache flushed", ["note", "--", ID, "cache flushed"]),
        ("/note first line\nsecond   line", ["note", "--", ID, "first line second line"]),
        ("/update ETA 30 min", ["update", "--", ID, "ETA 30 min"]),
        ("/severity SEV-1", ["severity", "--", ID, "SEV-1"]),
        ("/severity sev1 checkout down", ["severity", "--reason=checkout down", "--", ID, "sev1"]),
        ("/assign @alice", ["assign", "--commander=alice", "--", ID]),
        ("/role Scribe=@bob", ["assign", "--role=scribe=bob", "--", ID]),
        ("/mitigate", ["mitigate", "--", ID]),
        ("/mitigate --hotfix", ["mitigate", "--hotfix", "--", ID]),
        ("/mitigate --rollback 1234", ["mitigate", "--rollback=1234", "--", ID]),
        ("/resolve", ["resolve", "--", ID]),
        ("/cancel a test alert", ["cancel", "--reason=a test alert", "--", ID]),
        ("/postmortem", ["postmortem", "--", ID]),
        ("/note --by mallory", ["note", "--", ID, "--by mallory"]),
    ],
)
def test_each_command_becomes_the_cli_s_arguments(body: str, argv: list[str]) -> None:
    assert slash.parse(body).argv(ID) == argv


def test_the_workflow_s_own_options_go_before_the_end_of_options() -> None:
    assert slash.parse("/note x").argv(ID, "--by=bob", "--push") == [
        "note",
        "--by=bob",
        "--push",
        "--",
        ID,
        "x",
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("/ack\n/resolve", "one command per comment"),
        ("/note a\n/ack", "one command per comment"),
        ("/ack now please", "takes nothing"),
        ("/deploy prod", "unknown command"),
        ("/note", "needs text"),
        ("/severity", "needs a level"),
        ("/severity --by=x", "needs a level"),
        ("/assign alice bob", "one GitHub login"),
        ("/assign @-x", "one GitHub login"),
        ("/role scribe", "ROLE=@login"),
        ("/mitigate --rollback", "--rollback DEPLOYMENT_ID"),
        ("/mitigate --rollback -x", "--rollback DEPLOYMENT_ID"),
        ("/mitigate --rollback 1 --hotfix", "--rollback DEPLOYMENT_ID"),
        ("/cancel", "needs a reason"),
        ("/ack\nplease", "takes one line"),
        ("/note " + "x" * 1001, "under 1000"),
        ("/ack " + "x" * 65536, "a command fits in"),
        ("hello", "not a command"),
    ],
)
def test_anything_else_is_a_one_line_refusal(body: str, error: str) -> None:
    with pytest.raises(InputError) as caught:
        slash.parse(body)
    assert error in caught.value.message and "\n" not in caught.value.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_no_comment_text_becomes_an_option(body: str) -> None:
    try:
        command = slash.parse("/" + body)
    except InputError as error:
        assert "\n" not in error.message
        return
    argv = command.argv(ID, "--by=bob")
    end = argv.index("--")
    before = argv[1:end]
    assert all(arg.startswith("--") for arg in before)
    names = {arg.split("=", 1)[0] for arg in before}
    assert names <= {"--by", "--reason", "--commander", "--role", "--rollback", "--hotfix"}
    assert [arg for arg in before if arg.startswith("--by")] == ["--by=bob"]
    assert argv[end + 1] == ID and len(argv) <= end + 3


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.text(max_size=400))
def test_any_issue_is_a_form_declare_or_a_one_line_refusal(title: str, body: str) -> None:
    try:
        asked = form.parse(title, body, scale=DEFAULT_SCALE, services=(), aliases={})
    except InputError as error:
        assert "\n" not in error.message
        return
    assert asked.title and "\n" not in asked.title
    assert asked.severity in (None, *DEFAULT_SCALE.levels)


FORM = "### Severity\n\nsev2\n\n### Service\n\nPayments\n\n### Summary\n\nCards fail.\nSince 14:40.\n"


def test_the_form_s_answers_are_read_and_checked_against_the_config() -> None:
    asked = form.parse(
        "Incident: Checkout is down", FORM, scale=DEFAULT_SCALE, services=("payments", "auth"), aliases={}
    )
    assert asked == form.FormDeclare("Checkout is down", "SEV-2", "payments", "Cards fail. Since 14:40.")
    via_alias = form.parse("x", FORM, scale=DEFAULT_SCALE, services=("pay",), aliases={"payments": "pay"})
    assert via_alias.service == "pay"
    with pytest.raises(InputError, match=r"not in incidents/config\.yaml"):
        form.parse("x", FORM, scale=DEFAULT_SCALE, services=("auth",), aliases={})
    empty = FORM.replace("sev2", "_No response_").replace("Payments", "_No response_")
    assert form.parse("x", empty, scale=DEFAULT_SCALE, services=("auth",), aliases={}).severity is None
    with pytest.raises(InputError, match="needs a title"):
        form.parse("Incident: ", FORM, scale=DEFAULT_SCALE, services=(), aliases={})


def test_only_the_form_s_issues_are_forms() -> None:
    assert form.is_form(FORM)
    assert not form.is_form("### Summary\n\nx\n### Severity\n\nSEV-1\n### Service\n\nx")
    assert not form.is_form("please help, checkout is down")


def _comment(**overrides: object) -> dict[str, object]:
    event: dict[str, object] = {
        "action": "created",
        "issue": {"number": 7},
        "comment": {"id": 99, "body": "/ack", "user": {"login": "bob", "type": "User"}},
        "sender": {"login": "bob", "type": "User"},
    }
    event.update(overrides)
    return event


def test_events_are_classified_and_bots_edits_and_chatter_ignored() -> None:
    assert events.classify("issue_comment", _comment()) == events.CommandComment(7, 99, "bob", "/ack")
    bot = {"id": 99, "body": "/ack", "user": {"login": "incident-kit[bot]", "type": "User"}}
    for event in (
        _comment(action="edited"),
        _comment(action="deleted"),
        _comment(comment=bot),
        _comment(comment={"id": 99, "body": "/ack", "user": {"login": "ci", "type": "Bot"}}),
        _comment(issue={"number": 7, "pull_request": {"url": "x"}}),
        _comment(comment={"id": 99, "body": "thanks!", "user": {"login": "bob", "type": "User"}}),
    ):
        assert isinstance(events.classify("issue_comment", event), events.Ignore), event
    issue = {"number": 3, "title": "Incident: x", "body": FORM, "user": {"login": "alice", "type": "User"}}
    opened = {"action": "opened", "issue": issue, "sender": issue["user"]}
    assert events.classify("issues", opened) == events.DeclareFromForm(3, "alice", "Incident: x", FORM)
    assert isinstance(events.classify("issues", {**opened, "action": "edited"}), events.Ignore)
    assert isinstance(events.classify("issues", {**opened, "issue": {**issue, "body": "hi"}}), events.Ignore)


@pytest.mark.parametrize(
    "event",
    [
        {"action": "created"},
        {
            "action": "created",
            "issue": {"number": "7"},
            "comment": {"id": 1, "body": "/ack", "user": {"login": "b"}},
            "sender": {"login": "b"},
        },
        {
            "action": "created",
            "issue": {"number": 7},
            "comment": {"id": 1, "body": "/ack", "user": {"login": "a b"}},
            "sender": {"login": "b"},
        },
    ],
)
def test_a_malformed_event_is_a_one_line_input_error(event: dict[str, object]) -> None:
    with pytest.raises(InputError):
        events.classify("issue_comment", event)
