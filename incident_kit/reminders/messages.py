"""The wording of a reminder: for Slack (Block Kit + fallback, the console's plain text) and for
the incident's tracking issue (Markdown). Pure.

Untrusted text (titles, action items, names) goes into `plain_text` objects only, made inert
(`sanitize.safe_text`) and with `&`, `<`, `>` escaped; the only `mrkdwn` is our own mentions of
configured Slack user ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incident_kit.github.logins import is_login
from incident_kit.markdown.frontmatter import format_timestamp
from incident_kit.notify.messages import HEADER_MAX, SECTION_MAX, TEXT_MAX, SlackMessage
from incident_kit.reminders.plan import Reminder
from incident_kit.sanitize import ELLIPSIS, md_inline, safe_text

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")  # only a real user id becomes a ping
_MAX_ITEMS = 20
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_STEP_WORDS = {
    "commander": "the commander",
    "next_on_call": "the rotation's next person",
    "stakeholders": "the stakeholders",
}


@dataclass(frozen=True)
class Wording:
    """What a reminder says, before it is written out for one sink."""

    headline: str
    lines: tuple[str, ...]
    people: tuple[str, ...]


def wording(reminder: Reminder, now: datetime) -> Wording:
    since = _ago(reminder.due_since, now)
    if reminder.kind == "action_items":
        shown = reminder.items[:_MAX_ITEMS]
        digest = [
            f"{incident} {item.item_id}: {item.text} (due {item.due.isoformat() if item.due else '?'})"
            for incident, item in shown
        ]
        if len(reminder.items) > len(shown):
            digest.append(f"… and {len(reminder.items) - len(shown)} more")
        head = f"⏰ {reminder.owner}: {len(reminder.items)} overdue action item(s)"
        return Wording(head, tuple(digest), reminder.recipients)
    summary = reminder.subjects[0].summary
    about = f"{summary.id} · {summary.severity} · {summary.title}"
    if reminder.kind == "unacknowledged":
        who = _STEP_WORDS.get(reminder.notify, reminder.notify)
        nobody = "" if reminder.recipients else f" (nobody to ping: no {who.removeprefix('the ')} configured)"
        lines: tuple[str, ...] = (
            f"Declared {_ago(summary.declared_at, now) if summary.declared_at else 'earlier'} and not "
            f"acknowledged; escalation step {reminder.step} pings {who}{nobody}.",
            f"`incident ack {summary.id}` acknowledges it.",
        )
        return Wording(f"🚨 Unacknowledged: {about}", tuple(lines), reminder.recipients)
    started = reminder.kind == "postmortem_close"
    what = "closed" if started else "started"
    command = f"incident close {summary.id}" if started else f"incident postmortem {summary.id}"
    lines = (f"The post-mortem was due to be {what} {since}.", f"`{command}` when it is.")
    return Wording(f"📝 Post-mortem overdue: {about}", tuple(lines), reminder.recipients)


def render_slack(reminder: Reminder, now: datetime, users: Mapping[str, str]) -> SlackMessage:
    said = wording(reminder, now)
    headline = safe_text(said.headline, 140)
    body = "\n".join(safe_text(line, 400) for line in said.lines)
    named = [safe_text(person, 64) for person in said.people]
    ids = [str(users.get(person, person)) for person in said.people]
    mentions = [f"<@{uid}>" for uid in ids if _USER_ID.match(uid)]
    others = [name for name, uid in zip(named, ids, strict=True) if not _USER_ID.match(uid)]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(_fit(headline, HEADER_MAX))},
        {"type": "section", "text": _plain(_fit(body or headline, SECTION_MAX))},
    ]
    context: list[dict[str, Any]] = []
    if mentions:
        context.append({"type": "mrkdwn", "text": " ".join(mentions)})
    if others:
        context.append(_plain(_fit(f"for {', '.join(others)}", SECTION_MAX)))
    if context:
        blocks.append({"type": "context", "elements": context})
    fallback = _fit(f"{headline}\n{body}", TEXT_MAX)
    plain_lines = [safe_text(said.headline, 140), *(f"  | {safe_text(line, 400)}" for line in said.lines)]
    if named:
        plain_lines.append(f"  for {', '.join(named)}")
    return SlackMessage(text=fallback, blocks=tuple(blocks), plain="\n".join(plain_lines))


def render_comment(reminder: Reminder, now: datetime, logins: Mapping[str, str]) -> str:
    """The tracking issue's comment (Markdown; `marker` is added by the GitHub client)."""
    said = wording(reminder, now)
    pings = [f"@{login}" for person in said.people if is_login(login := logins.get(person, person))]
    lines = [f"**{md_inline(said.headline, 300)}**", ""]
    lines += [f"- {md_inline(line, 500)}" for line in said.lines]
    if pings:
        lines += ["", " ".join(pings)]
    return "\n".join(lines) + "\n"


def marker(reminder: Reminder) -> str:
    """The hidden line that finds this reminder's comment again, so a retry never posts twice."""
    return f"<!-- incident-kit:reminder {reminder.key} {reminder.window} -->"


def slack_key(reminder: Reminder) -> str:
    """The Slack message key (found again in the channel before it is posted twice)."""
    owner = reminder.subjects[0].summary.id if reminder.kind != "action_items" else "digest"
    return f"{owner}/reminder/{reminder.key}/{reminder.window}"


def _ago(at: datetime, now: datetime) -> str:
    minutes = max(0, int((now - at).total_seconds() // 60))
    if minutes < 120:
        span = f"{minutes} min"
    elif minutes < 48 * 60:
        span = f"{minutes // 60} h"
    else:
        span = f"{minutes // (24 * 60)} days"
    return f"{span} ago ({format_timestamp(at)})"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _fit(text: str, limit: int) -> str:
    """`text` with `&`, `<`, `>` escaped (Slack parses them in every text object), cut to at
    most `limit` characters after escaping, never inside an entity."""
    out: list[str] = []
    used = 0
    for char in text:
        escaped = _ESCAPES.get(char, char)
        if used + len(escaped) > limit - 1:
            out.append(ELLIPSIS)
            break
        out.append(escaped)
        used += len(escaped)
    return "".join(out)
