"""Read a whole frontmatter without a YAML parser when it has the shape the tool writes — or
say "can't" (None), and the caller parses it with YAML.

A whole-repository `incident validate` reads every frontmatter in full (the schema checks every
key); ruamel's safe loader takes ≈ 5 ms for one, this scanner ≈ 0.1 ms. It models exactly:
top-level `key: value` lines; one level of `key:` followed by indented `child: value` lines
(the `alert:` block) or by a list of such mappings (`links:`); values that are plain scalars
on one line, `'single'` or `"double"` quoted (without escapes), `{}` or `[]`; comments. A
plain scalar is read as YAML 1.2's core schema reads it (ruamel's default): null, booleans,
decimal integers and fractions, timestamps in the tool's own form and dates; any other text
that YAML would take for a number, a timestamp or a special value is refused. Anything else
(block scalars, flow collections with content, other lists, deeper nesting, anchors, tags,
escapes, tabs, duplicate keys, characters YAML refuses or reads as line breaks) is refused as
a whole. Property tests hold the answer to ruamel's (`tests/unit/test_frontmatter_scan.py`).

What `frontmatter.load` refuses as unsafe YAML (anchors, aliases, tags, deep nesting) is never
read here: values starting with `&`, `*` or `!` and anything nested deeper than a list of
mappings are declined, so such a file still reaches `load` and its refusal.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?")
# plain words and forms that YAML 1.2 (ruamel's resolver) reads as something else than a string:
# null, booleans, numbers, the merge key, timestamps, `=`
_SPECIAL = re.compile(
    r"""(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|<<|=
    |[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN)
    |[-+]?0b[0-1_]+
    |[-+]?0o?[0-7_]+
    |[-+]?[0-9_]+
    |[-+]?0x[0-9a-fA-F_]+
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]
     (?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?
    )""",
    re.X,
)
_SPECIAL_START = frozenset("~nNtTfF<=-+.0123456789")  # the first characters of `_SPECIAL`'s forms
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FRACTION = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+")
_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_Z = timezone(timedelta(0), "Z")  # as ruamel makes it for a `Z` suffix
_BAD_START = frozenset("[]{}&*!|>%@`'\"#,?:-")
_WORDS: dict[str, bool | None] = {"null": None, "Null": None, "NULL": None, "~": None}
_WORDS.update({word: True for word in ("true", "True", "TRUE")})
_WORDS.update({word: False for word in ("false", "False", "FALSE")})


class _Unsure(Exception):
    """Something the scanner does not model."""


def load(frontmatter: str) -> dict[str, Any] | None:
    """The frontmatter's data as ruamel's safe loader reads it, or None when unsure."""
    if not frontmatter.replace("\n", "").isprintable():
        # control characters, tabs, carriage returns, the BOM, NEL, LS and PS (YAML refuses
        # some and reads others as line breaks), and, to be safe, every other character
        # Python does not print (U+00A0 and other spaces than ' ', private use): not modelled
        return None
    try:
        return _load(frontmatter)
    except _Unsure:
        return None


def _load(frontmatter: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    open_key: str | None = None  # the last top-level key, when it had no value on its line
    block: dict[str, Any] | None = None  # the mapping being filled below it (or its list's item)
    items: list[dict[str, Any]] | None = None  # the list below it, when it holds one
    indent = 0  # the indentation of the block's keys
    dash = 0  # the indentation of the list's `- `
    for line in frontmatter.split("\n"):
        text = line.lstrip(" ")
        if not text or text[0] == "#":
            continue
        depth = len(line) - len(text)
        if depth:
            if open_key is None:
                raise _Unsure  # a continuation line, or a structure under a value
            if text[0] == "-" and (items is not None or block is None):
                # a list of flat mappings (`links:` then `  - title: …` / `    url: …`)
                if text[1:2] != " " or text[2:3] == " " or (items is not None and depth != dash):
                    raise _Unsure  # `-` alone, `-  x`, or another indentation
                if items is None:
                    items, dash = [], depth
                    out[open_key] = items
                block, indent = {}, depth + 2
                items.append(block)
                text = text[2:]
            elif block is None:
                block, indent = {}, depth
                out[open_key] = block
            elif depth != indent:
                raise _Unsure  # a deeper structure, or a dedent YAML refuses
            key, value = _entry(text)
            if key in block or value is _OPEN:
                raise _Unsure  # a duplicate, or a child whose value may be a structure
            block[key] = value
            continue
        key, value = _entry(text)
        if key in out:
            raise _Unsure  # a duplicate key: YAML's error
        block, items = None, None
        if value is _OPEN:
            open_key = key
            out[key] = None  # unless indented children follow
        else:
            open_key = None
            out[key] = value
    return out


_OPEN = object()  # a key with nothing after it on its line


_SEEN: dict[str, tuple[str, Any]] = {}  # line -> (key, value) read before, when the value is immutable
_SEEN_MAX = 20_000  # lines: a whole repository repeats `kind: incident`, `merged_into: null`…


def _entry(text: str) -> tuple[str, Any]:
    seen = _SEEN.get(text)
    if seen is not None:
        return seen
    entry = _read_entry(text)
    if not isinstance(entry[1], (dict, list)):  # a `{}` or `[]` is made anew for every file
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[text] = entry
    return entry


def _read_entry(text: str) -> tuple[str, Any]:
    match = _KEY.fullmatch(text)
    if match is None:
        raise _Unsure  # a list item, a quoted or complex key, `key:value`…
    key, rest = match.group(1), match.group(2)
    if key in _WORDS:
        raise _Unsure  # `null:`, `true:`: not a string key (no other special form is a key's)
    if rest is None or not rest:
        return key, _OPEN
    return key, _value(rest)


def _value(rest: str) -> Any:
    head = rest[0]
    if head == "#":
        return _OPEN
    if head == "'":
        end = 1
        while True:
            end = rest.find("'", end)
            if end < 0:
                raise _Unsure  # runs on to the next line
            if rest.startswith("''", end):
                end += 2
                continue
            break
        _comment_only(rest, end + 1)
        return rest[1:end].replace("''", "'")
    if head == '"':
        end = rest.find('"', 1)
        if end < 0 or "\\" in rest[:end]:
            raise _Unsure  # escapes, or running on to the next line
        _comment_only(rest, end + 1)
        return rest[1:end]
    cut = rest.find(" #")
    plain = (rest if cut < 0 else rest[:cut]).rstrip(" ")
    if not plain:
        return _OPEN
    if plain in ("{}", "[]"):
        return {} if plain == "{}" else []
    if (
        (head in _BAD_START and not (head == "-" and plain[1:2].isdigit()))
        or ": " in plain
        or plain[-1] == ":"
        or plain[-1].isspace()
        or head.isspace()
    ):
        raise _Unsure
    if not plain.isascii():
        return plain  # every special form YAML resolves is ASCII
    if plain[0] not in _SPECIAL_START or _SPECIAL.fullmatch(plain) is None:
        return plain
    return _resolved(plain)


def _resolved(plain: str) -> Any:
    if plain in _WORDS:
        return _WORDS[plain]
    try:
        if _STAMP.fullmatch(plain):
            return datetime.fromisoformat(plain[:19]).replace(tzinfo=_Z)
        if _DATE.fullmatch(plain):
            return date.fromisoformat(plain)
    except ValueError:
        raise _Unsure from None  # 2026-11-31: YAML reports it
    if _INT.fullmatch(plain):
        return int(plain)
    if _FRACTION.fullmatch(plain):
        return float(plain)
    raise _Unsure  # octal, hexadecimal, exponents, other timestamp forms: not modelled


def _comment_only(rest: str, start: int) -> None:
    after = rest[start:]
    tail = after.lstrip(" ")
    if tail and (tail[0] != "#" or len(tail) == len(after)):
        raise _Unsure  # text after the quotes, or `#` without a space before it
