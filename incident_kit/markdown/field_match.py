"""Read a frontmatter's summary fields with compiled regular expressions — or say "can't".

`field_scan.scan` walks a frontmatter line by line in Python; at 10,000 incidents that loop was
half of a cold `list`. This module answers the same question at C speed for the frontmatters
the tool writes (and the usual hand edits): one regular expression checks that the whole
frontmatter is made of lines the scanner reads without doubt, then one `finditer` picks the
wanted keys. It never answers differently from the scanner: anything outside that subset
(duplicate keys, odd indentation, block scalars, unusual values…) returns None and the caller
uses the scanner (and then YAML). A property test and equivalence tests on generated and
synced repositories hold it to `field_scan.scan`.

The subset, line by line (each line ends with "\\n"):

- blank lines and comment lines (spaces, then `#`);
- a top-level `key: value` on one line; a wanted key's value is decoded as the scanner does;
- a top-level `key:` whose value is the indented block below it: anything indented (or a
  `- ` list) under a key the summary does not read; nothing under a wanted key;
- `alert:` and `slack:` blocks whose children sit two spaces in, each a one-line value or,
  for a child the summary does not read, a structure below it (indented four spaces or more,
  its first line exactly four) or a list at the child's own indent.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from incident_kit.markdown import field_scan
from incident_kit.vocabulary import SUMMARY_KEYS

_KEY = r"[A-Za-z_][A-Za-z0-9_-]*"
_WANTED = "|".join(SUMMARY_KEYS)
_NESTED = "|".join(field_scan.NESTED)
_NESTED_WANTED = "|".join(sorted({key for keys in field_scan.NESTED.values() for key in keys}))
# lines the scanner skips: spaces alone, or spaces then a comment
_SKIPPED = r"[ ]*+(?:\#[^\n]*+)?\n"
# a value that must end on its line; first characters that could run on are left out
_ONE_LINE = (
    r"(?:[^ \n'\"\[{|>\#][^\n]*+"
    r"|(?:'(?:[^'\n\#]|'')*+'|\"[^\"\\\n\#]*+\"|\[[^\[\]\n\#]*+\]|\{[^{}\n\#]*+\})"
    r"(?:[ ]*+|[ ]++\#[^\n]*+))"
)
_CHILD_LINE = rf"[ ]{{2}}{_KEY}:[ ]++{_ONE_LINE}\n(?:{_SKIPPED})*+"
_LIST_AT_CHILD = r"[ ]{2}-(?:[ ][^\n]*+)?\n"
_CHILD_BLOCK = (
    rf"[ ]{{2}}(?!(?:{_NESTED_WANTED}):){_KEY}:[ ]*+\n"
    rf"(?:{_LIST_AT_CHILD}|{_SKIPPED})*+"
    rf"(?:[ ]{{4}}[^\s\#][^\n]*+\n(?:[ ]{{4,}}+[^\s\#][^\n]*+\n|{_LIST_AT_CHILD}|{_SKIPPED})*+)?"
)
_NESTED_BLOCK = rf"(?:{_NESTED}):[ ]*+\n(?:{_SKIPPED})*+(?:{_CHILD_LINE}|{_CHILD_BLOCK})*+"
_NESTED_INLINE = rf"(?:{_NESTED}):[ ]++(?:null|~|\{{\}})(?:[ ]*+|[ ]++\#[^\n]*+)\n(?:{_SKIPPED})*+"
_READ = rf"(?:{_WANTED}|{_NESTED})"
_WANTED_LINE = rf"(?:{_WANTED}):(?:[ ]++[^ \n][^\n]*+)?[ ]*+\n(?:{_SKIPPED})*+"
_OTHER_INLINE = rf"(?!{_READ}:){_KEY}:[ ]++[^ \n][^\n]*+\n(?:{_SKIPPED})*+"
_OTHER_BLOCK = rf"(?!{_READ}:){_KEY}:[ ]*+\n(?:[ ]++[^ \n\#][^\n]*+\n|-(?:[ ][^\n]*+)?\n|{_SKIPPED})*+"
_FRONTMATTER = re.compile(
    rf"(?:{_SKIPPED})*+(?:{_WANTED_LINE}|{_NESTED_INLINE}|{_NESTED_BLOCK}|{_OTHER_INLINE}|{_OTHER_BLOCK})*+"
)
_TOP_KEYS = re.compile(rf"\n({_KEY})(?=:)")
_CHILD_KEYS = re.compile(rf"\n[ ]{{2}}({_KEY}):")
# a wanted top-level key's line: the whole value (`rest`, as the scanner's `_KEY` captures it),
# then the common forms decoded here: a canonical timestamp, null, a plain word or phrase
_DAY = r"(?:0[1-9]|[12][0-9]|3[01])"
_CANONICAL = rf"[1-9][0-9]{{3}}-(?:0[1-9]|1[0-2])-{_DAY}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z"
_COMMENT = r"(?:[ ]+\#(?:[^\n]*[^\s])?)?"  # the scanner refuses a value ending in other blanks
_PLAIN = r"[A-Za-z](?:[A-Za-z0-9 _./@+()-]*[A-Za-z0-9_./@+()-])?"
_WANTED_VALUES = re.compile(
    rf"\n({_WANTED}):[ ]*+(?=([^\n]*))"
    rf"(?:({_CANONICAL})|(null|Null|NULL|~){_COMMENT}|({_PLAIN}){_COMMENT}|[^\n]*)(?=\n)"
)
_NESTED_BODIES = re.compile(rf"\n({_NESTED}):[ ]*+((?:\n(?:[^A-Za-z_\n][^\n]*+|(?=\n|\Z)))*+)")
_NESTED_VALUE = {
    block: re.compile(rf"\n[ ]{{2}}({'|'.join(keys)}):[ ]*+([^\n]*)")
    for block, keys in field_scan.NESTED.items()
}
_WANTED_KEY_LINE = re.compile(rf"\n(?:{_WANTED}):")
_PLAIN_VALUE = re.compile(rf"({_PLAIN}){_COMMENT}")
_DOUBLE = re.compile(r"\"([^\"\\\n]*)\"")
_WORDS = frozenset(("true", "True", "TRUE", "false", "False", "FALSE"))
_STAMP_KEYS = frozenset(key for key in SUMMARY_KEYS if key.endswith("_at"))


class _Unsure(Exception):
    pass


def summary_fields(frontmatter: str) -> dict[str, Any] | None:
    """The summary fields as `_read_fields` in the summaries cache makes them from the
    scanner's answer (timestamps as canonical `…Z` text, other values JSON-able), or None
    when the frontmatter is outside the subset this module reads."""
    if "\t" in frontmatter or "\r" in frontmatter or _FRONTMATTER.fullmatch(frontmatter) is None:
        return None
    lines = "\n" + frontmatter  # every line after a "\n": the patterns below start with it
    keys = _TOP_KEYS.findall(lines)
    if len(set(keys)) != len(keys):
        return None  # a duplicate key: the real parser reports it
    try:
        return _fields(lines)
    except (_Unsure, field_scan.Unsure, ValueError):  # ValueError: 2026-11-31
        return None


def _fields(lines: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, rest, stamp, null, plain in _WANTED_VALUES.findall(lines):
        if key in _STAMP_KEYS:
            if stamp:
                if stamp[8:10] > "28":
                    datetime.fromisoformat(stamp[:19])  # 2026-11-31 raises: the slow path says why
                out[key] = stamp
            else:
                out[key] = None if null or not rest else _slow(rest, True)
        elif plain and plain not in _WORDS:
            out[key] = plain
        else:
            out[key] = None if null or not rest else _slow(rest, False)
    if "\nalert:" in lines or "\nslack:" in lines:
        for block in _NESTED_BODIES.finditer(lines):
            _nested(lines, block, out)
    return out


def _nested(lines: str, block: re.Match[str], out: dict[str, Any]) -> None:
    """The wanted child of an `alert:` or `slack:` block (the scanner adds it in line order: a
    wanted top-level key below the block is left to the scanner)."""
    name, body = block.group(1, 2)
    children = _CHILD_KEYS.findall(body)
    if len(set(children)) != len(children) or _WANTED_KEY_LINE.search(lines, block.end()):
        raise _Unsure
    for child, rest in _NESTED_VALUE[name].findall(body):
        out[f"{name}.{child}"] = _value(rest)


def _value(rest: str) -> Any:
    if not rest:
        return None
    plain = _PLAIN_VALUE.fullmatch(rest)
    if plain is not None:
        value = plain.group(1)
        if value not in _WORDS and value not in ("null", "Null", "NULL"):
            return value
    elif rest[0] == '"':
        double = _DOUBLE.fullmatch(rest)
        if double is not None:
            return double.group(1)
    return _slow(rest, False)


def _slow(rest: str, stamp: bool) -> Any:
    """The scanner's own decoding of one value, then `_read_fields`' conversion."""
    from incident_kit.markdown.frontmatter import as_datetime, format_timestamp

    value = field_scan._scalar(rest)
    if stamp:
        parsed = as_datetime(value)
        return format_timestamp(parsed) if parsed else None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
