"""One slash command, read from one comment on a tracking issue (`/ack`, `/note TEXT`, …).

The comment is untrusted text from the web: it is read strictly, into a typed command whose
arguments become the argv of the same CLI a person runs, each value passed as `--opt=VALUE` or
after `--`, so nothing in a comment can become an option (`/note --by mallory` is a note). One
comment is one command: a second `/command` line is refused, and so is anything longer than a
comment needs. Every refusal is one line, said back in the reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from incident_kit.errors import InputError
from incident_kit.github.logins import LOGIN

MAX_COMMENT = 4000  # characters: a note or update is a paragraph, not a document
MAX_TEXT = 1000  # what the timeline keeps of a note (sanitize.human_text's default)

COMMANDS = (
    "ack", "note", "update", "severity", "assign", "role",
    "mitigate", "resolve", "cancel", "postmortem", "help",
)  # fmt: skip

HELP = (
    "`/ack` · `/note TEXT` · `/update TEXT` (stakeholders) · `/severity SEV-1 [reason]` · "
    "`/assign @login` (commander) · `/role scribe=@login` · `/mitigate [--rollback ID | --hotfix]` · "
    "`/resolve` · `/cancel REASON` · `/postmortem` · `/help` — one command per comment, by someone "
    "with write access to the repository"
)

_HEAD = re.compile(r"^/([a-z][a-z-]{0,20})(?=\s|$)", re.I)
_LOGIN = re.compile(rf"^@?({LOGIN})$")
_ROLE = re.compile(rf"^([a-z][a-z0-9_-]{{0,31}})=@?({LOGIN})$", re.I)
_LEVEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
_DEPLOYMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,99}$")


@dataclass(frozen=True)
class SlashCommand:
    name: str  # as typed, lower-cased: "ack", "role", …
    verb: str  # the CLI verb it runs ("" for /help)
    options: tuple[str, ...] = ()  # `--opt=VALUE` / `--flag`, put before the id
    text: str | None = None  # a free-text positional, passed after `--`

    def argv(self, incident_id: str, *options: str) -> list[str]:
        """The CLI's arguments for this command on `incident_id`; `options` (--by=…, --push)
        go with the command's own, before the `--` that ends options."""
        args = [self.verb, *self.options, *options, "--", incident_id]
        return args if self.text is None else [*args, self.text]


def is_command(body: str) -> bool:
    """Does this comment try to be a slash command (its first non-blank text starts with `/`)?
    Anything else is conversation and is left alone, without a reaction."""
    return bool(_HEAD.match(body.lstrip()[:24]))


def parse(body: str) -> SlashCommand:
    """The one command `body` holds; InputError (one line) for anything else."""
    if len(body) > MAX_COMMENT:
        raise InputError(f"comment is {len(body)} characters; a command fits in {MAX_COMMENT}")
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    head = _HEAD.match(text)
    if not head:
        raise InputError("not a command: start the comment with one, e.g. /ack (see /help)")
    name = head.group(1).lower()
    if name not in COMMANDS:
        raise InputError(f"unknown command /{head.group(1)[:20]} (see /help)")
    first, _, more = text[head.end() :].partition("\n")
    rest = first.strip()
    extra = more.strip()
    for line in extra.splitlines():
        found = _HEAD.match(line.strip())
        if found and found.group(1).lower() in COMMANDS:
            raise InputError("one command per comment: post each command as its own comment")
    if name in ("note", "update"):
        words = " ".join(f"{rest}\n{extra}".split())
        if not words:
            raise InputError(f"/{name} needs text, e.g. /{name} cache flushed, errors dropping")
        if len(words) > MAX_TEXT:
            raise InputError(f"/{name} text is {len(words)} characters; keep it under {MAX_TEXT}")
        return SlashCommand(name, name, text=words)
    if extra and name not in ("severity", "cancel"):
        raise InputError(f"/{name} takes one line; put anything else in a separate /note")
    return _structured(name, " ".join(f"{rest} {extra}".split()))


def _structured(name: str, rest: str) -> SlashCommand:
    if name == "help":
        return SlashCommand("help", "")
    if name in ("ack", "resolve", "postmortem"):
        if rest:
            raise InputError(f"/{name} takes nothing after it (add context with /note)")
        return SlashCommand(name, name)
    if name == "severity":
        level, _, reason = rest.partition(" ")
        if not _LEVEL.match(level):
            raise InputError("/severity needs a level, e.g. /severity SEV-1 checkout is down")
        options = (f"--reason={_text(reason)}",) if reason.strip() else ()
        return SlashCommand(name, "severity", options=options, text=level)
    if name == "assign":
        login = _LOGIN.match(rest)
        if not login:
            raise InputError("/assign needs one GitHub login, e.g. /assign @alice")
        return SlashCommand(name, "assign", options=(f"--commander={login.group(1)}",))
    if name == "role":
        role = _ROLE.match(rest)
        if not role:
            raise InputError("/role needs ROLE=@login, e.g. /role scribe=@bob")
        return SlashCommand(name, "assign", options=(f"--role={role.group(1).lower()}={role.group(2)}",))
    if name == "mitigate":
        return SlashCommand(name, "mitigate", options=_mitigation(rest))
    # cancel
    if not rest:
        raise InputError("/cancel needs a reason, e.g. /cancel false alarm: a test alert")
    return SlashCommand(name, "cancel", options=(f"--reason={_text(rest)}",))


def _mitigation(rest: str) -> tuple[str, ...]:
    parts = rest.split()
    if not parts:
        return ()
    if parts == ["--hotfix"]:
        return ("--hotfix",)
    if len(parts) == 2 and parts[0] == "--rollback" and _DEPLOYMENT.match(parts[1]):
        return (f"--rollback={parts[1]}",)
    if len(parts) == 1 and parts[0].startswith("--rollback=") and _DEPLOYMENT.match(parts[0][11:]):
        return (f"--rollback={parts[0][11:]}",)
    raise InputError("/mitigate takes nothing, --rollback DEPLOYMENT_ID or --hotfix")


def _text(value: str) -> str:
    words = " ".join(value.split())
    if len(words) > MAX_TEXT:
        raise InputError(f"text is {len(words)} characters; keep it under {MAX_TEXT}")
    return words
