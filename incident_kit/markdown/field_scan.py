"""Read the few frontmatter fields a list needs without a YAML parser — or say "can't".

Parsing 10,000 frontmatters with a YAML library takes seconds (docs/architecture.md,
"Measurements behind the design"); scanning their lines takes tens of milliseconds. The scanner
understands exactly the simple forms the tool writes and people usually type — `key: plain`,
`'single'`, `"double"` without escapes, trailing comments, the `alert:` and `slack:` blocks
(their children's own structures — `slack.announced`, `slack.told` — are skipped) — and returns
None for anything else (block scalars, flow collections, anchors, tags, tabs, escapes,
duplicate keys), so the caller falls back to the real parser. A property test holds it to
ruamel's answers.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from incident_kit.vocabulary import SUMMARY_KEYS

WANTED = frozenset(SUMMARY_KEYS)
NESTED = {"alert": frozenset({"dedup_key"}), "slack": frozenset({"channel_name"})}

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*):(?:[ ]+(.*))?$")
_CHILD = re.compile(r"^([ ]+)([A-Za-z_][A-Za-z0-9_-]*):(?:[ ]+(.*))?$")
_PLAIN_BAD_START = set("[]{}&*!|>%@`'\"#,?:-")
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
# a timestamp as the tool writes it, alone or before a comment (`[0-9]`: not other digits)
_CANONICAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z(?:$|[ ]+#)")
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(\.\d*)?"
    r"(?:[ \t]*(Z|[-+]\d{1,2}(?::?\d{2})?))?)?$"
)


class Unsure(Exception):
    """Something the scanner does not model: use the real parser."""


def scan(frontmatter: str) -> dict[str, Any] | None:
    """The wanted fields as YAML would read them, or None when unsure."""
    try:
        return _scan(frontmatter)
    except Unsure:
        return None


def _scan(frontmatter: str) -> dict[str, Any]:
    if "\t" in frontmatter or "\r" in frontmatter:
        raise Unsure
    out: dict[str, Any] = {}
    seen: set[str] = set()
    block: str | None = None  # the top-level key whose value is the indented block below it
    inline = False  # the last top-level key had its value on its own line
    block_seen: set[str] = set()
    child_indent: str | None = None
    child_open = False  # the block's last child had no value on its line: a structure may follow
    inner_indent = 0  # the indentation of that structure (set by its first line)
    for line in frontmatter.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith(" ") or (line.startswith("- ") or line == "-"):
            if block is None and not inline:
                raise Unsure  # a list (or indented text) before any key: not a mapping at all
            if inline or block in WANTED:
                raise Unsure  # a continuation line, or a wanted key holding a structure
            if block not in NESTED:
                continue  # inside a value we do not read (links, roles, a custom list)
            indent = len(line) - len(line.lstrip(" "))
            if child_indent is not None and indent > len(child_indent):
                if not child_open or indent < (inner_indent or indent):
                    raise Unsure  # a continuation line, a structure under a value we read, or
                    # a line indented between the child's and its structure's (YAML refuses it)
                inner_indent = inner_indent or indent
                continue  # inside a child's own structure (slack.announced, slack.told…)
            if child_indent is not None and indent == len(child_indent) and line[indent] == "-":
                if not child_open or not (line[indent:] == "-" or line[indent + 1] == " "):
                    raise Unsure
                continue  # a list written at its key's indent (`told:` then `- a1b2`)
            child = _CHILD.match(line)
            if child is None:
                raise Unsure  # a list under alert:, a continuation line…
            if child_indent is None:
                child_indent = child.group(1)
            elif child.group(1) != child_indent:
                raise Unsure  # a deeper structure inside the block
            key = child.group(2)
            if key in block_seen:
                raise Unsure
            block_seen.add(key)
            child_value = _strip_comment(child.group(3) or "")
            child_open = not child_value and key not in NESTED[block]
            inner_indent = 0
            if key in NESTED[block]:
                out[f"{block}.{key}"] = _scalar(child.group(3) or "")
            else:
                _one_line(child_value)
            continue
        if line.startswith(("---", "...", "? ")):
            raise Unsure
        match = _KEY.match(line)
        if match is None:
            raise Unsure
        key, rest = match.group(1), match.group(2) or ""
        if key in seen:
            raise Unsure  # a duplicate key is an error the real parser must report
        seen.add(key)
        block_seen, child_indent, child_open = set(), None, False
        value_text = _strip_comment(rest)
        if not value_text:
            block, inline = key, False
            if key in WANTED:
                out[key] = None  # stays None unless an indented block follows (then unsure)
            continue
        block, inline = None, True
        if key in NESTED:
            if value_text not in ("null", "~", "{}"):
                raise Unsure
            continue
        if key in WANTED:
            out[key] = _scalar(rest)
    return out


def _one_line(value: str) -> None:
    """A value the scan skips must still end on its line: a quoted or flow value running on
    could hold lines that look like keys."""
    if not value:
        return
    head = value[0]
    if head == "'":
        _only_comment_after(value[_single_end(value) + 1 :])
    elif head == '"':
        end = value.find('"', 1)
        if end < 0 or "\\" in value[:end]:
            raise Unsure
        _only_comment_after(value[end + 1 :])
    elif head in "[{":
        if value[-1] != {"[": "]", "{": "}"}[head] or value.count(head) != 1:
            raise Unsure  # nested or multi-line flow collections: not modelled
    elif head in "|>":
        raise Unsure  # a block scalar: its lines are indented like a structure


def _strip_comment(text: str) -> str:
    index = text.find(" #")
    return (text[:index] if index >= 0 else text).strip(" ")  # YAML trims spaces, not U+00A0


def _scalar(text: str) -> Any:
    text = text.strip(" ")
    if not text or text.startswith("#"):
        return None
    if text[0].isspace() or text[-1].isspace():
        raise Unsure  # other Unicode spaces: YAML keeps them, str.strip() would not
    head = text[0]
    if head == "'":
        end = _single_end(text)
        _only_comment_after(text[end + 1 :])
        return text[1:end].replace("''", "'")
    if head == '"':
        end = text.find('"', 1)
        if end < 0 or "\\" in text[:end]:
            raise Unsure  # escapes: let YAML decode them
        _only_comment_after(text[end + 1 :])
        return text[1:end]
    if head in _PLAIN_BAD_START:
        raise Unsure
    if _CANONICAL.match(text):  # what the tool writes for every timestamp: the common case
        try:
            return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)
        except ValueError:
            raise Unsure from None  # 2026-11-31: the YAML parser reports it properly
    value = _strip_comment(text)
    if ": " in value or value.endswith(":") or ("#" in value and " #" not in text):
        raise Unsure
    return _resolve(value)


def _single_end(text: str) -> int:
    index = 1
    while index < len(text):
        if text[index] == "'":
            if index + 1 < len(text) and text[index + 1] == "'":
                index += 2
                continue
            return index
        index += 1
    raise Unsure  # a quoted value continuing on the next line


def _only_comment_after(rest: str) -> None:
    rest = rest.strip()
    if rest and not rest.startswith("#"):
        raise Unsure


def resolve_plain(value: str) -> Any:
    """A plain scalar as YAML 1.2 reads it; `Unsure` for numbers and forms not modelled."""
    return _resolve(value)


def _resolve(value: str) -> Any:
    """YAML 1.2 core-schema resolution of a plain scalar (what ruamel's safe loader does)."""
    lowered = value.lower()
    if value in ("~", "null", "Null", "NULL"):
        return None
    if lowered in ("true", "false") and value in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return lowered == "true"
    if _INT.match(value) or _FLOAT.match(value) or lowered.lstrip("+-") in (".inf", ".nan"):
        raise Unsure  # numbers never matter to a list; don't guess their exact type
    if value.startswith(("0x", "0o")) or ("_" in value and value.replace("_", "").isdigit()):
        raise Unsure
    stamp = _TIMESTAMP.match(value)
    if stamp:
        return _timestamp(stamp)
    return value


def _timestamp(match: re.Match[str]) -> date | datetime:
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if match.group(4) is None:
        try:
            return date(year, month, day)
        except ValueError:
            raise Unsure from None
    hour, minute, second = int(match.group(4)), int(match.group(5)), int(match.group(6))
    fraction = match.group(7) or ""
    micro = int((fraction[1:] + "000000")[:6]) if len(fraction) > 1 else 0
    zone = match.group(8)
    try:
        if zone is None:
            return datetime(year, month, day, hour, minute, second, micro)
        if zone == "Z":
            return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError:
        raise Unsure from None  # 2026-11-31: the YAML parser reports it properly
    raise Unsure  # numeric offsets: rare in our files, and subtle to mirror exactly
