"""What a GitHub `issues` or `issue_comment` event asks incident-kit to do, if anything.

An event is JSON GitHub wrote; every field is checked for type before use. Ignored without
error: bots (the tool's own replies included), edited or deleted comments, comments on pull
requests, issues not opened from the declare form, comments that are not slash commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from incident_kit.errors import InputError
from incident_kit.github.logins import is_login
from incident_kit.issue_ops import form, slash


@dataclass(frozen=True)
class Ignore:
    reason: str


@dataclass(frozen=True)
class DeclareFromForm:
    issue: int
    author: str
    title: str
    body: str


@dataclass(frozen=True)
class CommandComment:
    issue: int
    comment: int  # the comment's id (reactions, the reply's marker)
    author: str
    body: str


Action = Ignore | DeclareFromForm | CommandComment


def classify(event_name: str, event: Mapping[str, Any]) -> Action:
    if event_name == "issues":
        return _issue_opened(event)
    if event_name == "issue_comment":
        return _comment(event)
    raise InputError(f"github-event handles issues and issue_comment events, not {event_name[:40]!r}")


def is_bot(user: Any) -> bool:
    if not isinstance(user, Mapping):
        return True  # no author: nobody to act as
    login = user.get("login")
    return user.get("type") == "Bot" or not isinstance(login, str) or login.endswith("[bot]")


def _issue_opened(event: Mapping[str, Any]) -> Action:
    if event.get("action") != "opened":
        return Ignore(f"issue {_word(event.get('action'))}, not opened")
    issue = _mapping(event, "issue")
    if is_bot(issue.get("user")) or is_bot(event.get("sender")):
        return Ignore("opened by a bot")
    body = issue.get("body")
    body = body if isinstance(body, str) else ""
    if not form.is_form(body):
        return Ignore("not opened from the declare-incident form")
    title = issue.get("title")
    return DeclareFromForm(
        _number(issue.get("number")),
        _login(issue["user"]),
        title if isinstance(title, str) else "",
        body,
    )


def _comment(event: Mapping[str, Any]) -> Action:
    if event.get("action") != "created":
        return Ignore(f"comment {_word(event.get('action'))}, not created")
    issue = _mapping(event, "issue")
    if issue.get("pull_request") is not None:
        return Ignore("a comment on a pull request")
    comment = _mapping(event, "comment")
    if is_bot(comment.get("user")) or is_bot(event.get("sender")):
        return Ignore("a comment by a bot")
    body = comment.get("body")
    if not isinstance(body, str) or not slash.is_command(body):
        return Ignore("not a slash command")
    return CommandComment(
        _number(issue.get("number")), _number(comment.get("id")), _login(comment["user"]), body
    )


def _mapping(event: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = event.get(key)
    if not isinstance(value, Mapping):
        raise InputError(f"the event has no {key} object")
    return value


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError("the event's issue or comment number is not a positive integer")
    return value


def _login(user: Mapping[str, Any]) -> str:
    login = user.get("login")
    if not isinstance(login, str) or not is_login(login):
        raise InputError("the event's author is not a GitHub login")
    return login


def _word(value: Any) -> str:
    return value[:20] if isinstance(value, str) and value.isalpha() else "?"
