"""Post-mortem action items: one Markdown task-list line each.

    - [ ] AI-1: Add a circuit breaker to the auth client — owner: @alice — due: 2026-12-10 — type: prevent

Fields after the text are ` — key: value` pairs; `issue: #123` is added once sync has
opened the item's GitHub issue. Parsing is line-based so a person's formatting elsewhere
in the post-mortem never matters.
"""

# No `from __future__ import annotations` here: typing.NamedTuple compiles every string
# annotation into a ForwardRef when the class is made, which `close` would pay for.

import re
from datetime import date
from typing import NamedTuple

from incident_kit.markdown import sections
from incident_kit.sanitize import is_handle, safe_text
from incident_kit.vocabulary import ACTION_ITEM_TYPES

SECTION = "Action items"
_TASK = re.compile(r"^[-*+][ \t]+\[([ xX])\][ \t]+(.*)$")
_HEAD = re.compile(r"^(AI-\d+)[ \t]*:[ \t]*(.*)$")
_FIELD = re.compile(r"^([a-z_]+)[ \t]*:[ \t]*(.*)$")
# Fields are separated by a dash standing alone between blanks. Found by splitting the line
# into words and blanks (linear), not by a pattern with `[ \t]+` on both sides of the dash,
# which backtracks quadratically over a long run of spaces (40 KB of them took 20 s).
_BLANKS = re.compile(r"([ \t]+)")
_DASHES = frozenset(("—", "–", "--"))
# ` — issue: #12` at the end of an item's line (searched from the line's last em/en dash)
_ISSUE_FIELD = re.compile(r"(?:[—–]|--)[ \t]*issue:")


# NamedTuples, not dataclasses: `close` parses the items for its post-mortem gate, and a
# dataclass costs ~1 ms to create on Python 3.11 (plus importing `dataclasses`)
class ActionItem(NamedTuple):
    """One line of a post-mortem's Action items task list (re-exported by `model`).

    `- [ ] AI-1: Add a circuit breaker — owner: @alice — due: 2026-12-10 — type: prevent`
    optionally followed by ` — issue: #123` once sync opened its GitHub issue.
    """

    incident_id: str
    item_id: str  # "AI-1"
    text: str
    owner: str | None  # without the leading "@"
    due: date | None
    type: str | None
    done: bool
    issue: str | None = None  # "#123" or "owner/repo#123"
    line: int = 0  # 1-based line number in postmortem.md


class Problem(NamedTuple):
    line: int
    message: str
    code: str = ""  # NO_ID, DUPLICATE_ID: an item sync cannot name, so it opens no issue for it


NO_ID = "no-id"
DUPLICATE_ID = "duplicate-id"


def parse(incident_id: str, text: str, source: str) -> tuple[list[ActionItem], list[Problem]]:
    """Every task line of the Action items section, and what is wrong with the bad ones."""
    lines = text.split("\n")
    section = sections.find_section_in(text, lines, SECTION, source)
    items: list[ActionItem] = []
    problems: list[Problem] = []
    if section is None:
        return items, problems
    seen: dict[str, int] = {}
    for index in _visible_lines(lines, section.heading + 1, section.end):
        match = _TASK.match(lines[index])
        if not match:
            continue
        number = index + 1
        item, item_problems = _parse_line(incident_id, match.group(1), match.group(2), number)
        problems.extend(item_problems)
        if item is None:
            continue
        if item.item_id in seen:
            problems.append(
                Problem(
                    number,
                    f"action item id {item.item_id} is also used on line {seen[item.item_id]}",
                    DUPLICATE_ID,
                )
            )
        seen.setdefault(item.item_id, number)
        items.append(item)
    return items, problems


def _visible_lines(lines: list[str], start: int, end: int) -> list[int]:
    """Indexes of lines outside HTML comments and fenced code (a template's examples)."""
    visible = []
    in_comment = in_fence = False
    for index in range(start, end):
        line = lines[index]
        if not in_comment and line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if "<!--" in line and "-->" not in line.split("<!--", 1)[1]:
            in_comment = True
            continue
        visible.append(index)
    return visible


def _parse_line(
    incident_id: str, mark: str, content: str, number: int
) -> tuple[ActionItem | None, list[Problem]]:
    parts = split_fields(content)
    head = _HEAD.match(parts[0])
    if not head:
        return None, [Problem(number, "action item must start with an id like 'AI-1: '", NO_ID)]
    fields: dict[str, str] = {}
    problems: list[Problem] = []
    text_parts = [head.group(2)]
    for part in parts[1:]:
        field = _FIELD.match(part)
        if field and field.group(1) in ("owner", "due", "type", "issue"):
            fields[field.group(1)] = field.group(2).strip()
        else:
            text_parts.append(part)  # an em dash inside the text itself
    text = " — ".join(text_parts).strip()
    item_id = head.group(1)
    if not text:
        problems.append(Problem(number, f"{item_id} has no description"))
    owner = fields.get("owner", "").removeprefix("@") or None
    if owner is None:
        problems.append(Problem(number, f"{item_id} needs '— owner: @someone'"))
    elif not is_handle(owner):
        # it goes into a GitHub issue as `@owner`: `@a @b @org/team ![x](https://…)` would ping
        # a team and load a tracking image, so it counts as no owner at all
        shown = safe_text(fields["owner"], 60)
        problems.append(
            Problem(number, f"{item_id} owner {shown!r} is not one person's handle (e.g. @alice)")
        )
        owner = None
    due: date | None = None
    if "due" not in fields:
        problems.append(Problem(number, f"{item_id} needs '— due: YYYY-MM-DD'"))
    else:
        try:
            due = date.fromisoformat(fields["due"])
        except ValueError:
            problems.append(Problem(number, f"{item_id} due date {fields['due']!r} is not YYYY-MM-DD"))
    kind = fields.get("type")
    if kind not in ACTION_ITEM_TYPES:
        allowed = "/".join(ACTION_ITEM_TYPES)
        problems.append(Problem(number, f"{item_id} needs '— type: {allowed}' (got {kind!r})"))
        kind = None
    issue = _issue_ref(fields.get("issue"))
    item = ActionItem(
        incident_id=incident_id,
        item_id=item_id,
        text=text,
        owner=owner,
        due=due,
        type=kind,
        done=mark.lower() == "x",
        issue=issue,
        line=number,
    )
    return item, problems


def split_fields(content: str) -> list[str]:
    """`text — owner: @a — due: …` split at each `—`, `–` or `--` that has blanks on both
    sides (the blanks go with the separator; two separators never share one)."""
    tokens = _BLANKS.split(content.strip())  # word, blank, word, …: words at even indexes
    parts: list[str] = []
    start = 0  # the first token of the part being collected
    for index in range(2, len(tokens) - 1, 2):
        if index >= start + 2 and tokens[index] in _DASHES:
            parts.append("".join(tokens[start : index - 1]))
            start = index + 2
    parts.append("".join(tokens[start:]))
    return parts


def _issue_ref(value: str | None) -> str | None:
    if not value:
        return None
    link = re.match(r"^\[([^\]]+)\]\([^)]*\)$", value)
    return (link.group(1) if link else value).strip() or None


def set_issue(text: str, item: ActionItem, issue: str) -> str:
    """Add ` — issue: REF` to an item's line, leaving every other byte as it was."""
    lines = text.split("\n")
    index = item.line - 1
    line = lines[index]
    if "— issue:" in line or "-- issue:" in line:
        # the field runs to the end of the line, so no em/en dash may follow its start
        field = _ISSUE_FIELD.search(line, max(line.rfind("—"), line.rfind("–"), 0))
        if field is not None:
            lines[index] = line[: field.start()] + f"— issue: {issue}"
    else:
        lines[index] = line.rstrip() + f" — issue: {issue}"
    return "\n".join(lines)


def set_done(text: str, item: ActionItem, done: bool = True) -> str:
    """Tick (or untick) an item's checkbox in place."""
    lines = text.split("\n")
    index = item.line - 1
    lines[index] = re.sub(r"\[[ xX]\]", "[x]" if done else "[ ]", lines[index], count=1)
    return "\n".join(lines)
