"""YAML that anyone with a pull request can write: refuse what makes parsing a weapon (pure).

Frontmatter and `incidents/config.yaml` are plain data. Three YAML features are never needed
there and each is an attack on whoever reads the file after the merge:

- **anchors and aliases** (`&a`, `*a`): ten lines of them expand to billions of nodes (the
  "billion laughs"); parsing is quick, but whatever walks the result (a JSON dump, the schema
  check) runs for hours;
- **tags** (`!!python/…`, `!foo`): the safe loader refuses unknown ones, but none is needed,
  and `!!binary`/`!!set`/`!!omap` make values of types nobody expects;
- **deep nesting** (`[[[[…`, `- - - - …`): the C parser's composer recurses once per level and
  crashes the process (a segmentation fault at ~40,000 levels), and the Python that walks the
  result hits its recursion limit at ~1,000.

`problem` finds them with the parser's *event* stream (linear, no tree built, nothing
expanded) and only when a cheap scan of the text says one could be there, so an ordinary file
costs a regular-expression search and two `str.count`s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 64  # mappings and lists inside each other; our files use 3
# Below these, the text cannot nest deeper than MAX_DEPTH (every level needs a bracket, a
# deeper indentation or a `- `/`? ` entry), so the event scan is skipped.
_FLOW_OPENERS_WITHOUT_SCAN = 24
_SCAN_ABOVE_CHARACTERS = 16 * 1024
# `&`, `*` or `!` where a node could start (after a space, a flow indicator or at a line's
# start: `title: R&D` is plain text, `title: &a` an anchor), 24+ columns of indentation, or a
# run of block entries on one line (`- - - …`): anything that might be an anchor, alias, tag
# or a deep structure. Each alternative is one fixed-width step or a single greedy run that
# ends the search when it matches, so the search is linear.
_SUSPECT = re.compile(r"(?:^|[ \t\[{,])[&*!]|^[ \t]{24}|(?:[-?:][ \t]+){6}", re.M)


@dataclass(frozen=True)
class Problem:
    line: int  # 0-based line within the text
    message: str


def problem(text: str) -> Problem | None:
    """What makes `text` unsafe to load, or None. A syntax error is left to the loader, which
    reports it with its line (the scan stops at it, before any deep nesting behind it)."""
    if not _worth_scanning(text):
        return None
    return _scan_events(text)


def _worth_scanning(text: str) -> bool:
    return (
        len(text) > _SCAN_ABOVE_CHARACTERS
        or text.count("[") + text.count("{") > _FLOW_OPENERS_WITHOUT_SCAN
        or _SUSPECT.search(text) is not None
    )


def _scan_events(text: str) -> Problem | None:
    from ruamel.yaml.error import YAMLError

    depth = 0
    try:
        for event in _events(text):
            kind = type(event).__name__
            line = event.start_mark.line if event.start_mark is not None else 0
            if kind == "AliasEvent":
                return Problem(line, f"YAML alias *{event.anchor} is not allowed here (write the value out)")
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                return Problem(line, f"YAML anchor &{anchor} is not allowed here (write the value out)")
            tag = getattr(event, "tag", None)
            if tag is not None:
                return Problem(line, f"YAML tag {_short_tag(tag)} is not allowed here (plain values only)")
            if kind in ("MappingStartEvent", "SequenceStartEvent"):
                depth += 1
                if depth > MAX_DEPTH:
                    return Problem(line, f"nested more than {MAX_DEPTH} levels deep")
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                depth -= 1
    except (YAMLError, ValueError, TypeError):
        return None  # invalid YAML: the loader says where
    return None


def _events(text: str) -> Any:
    from ruamel.yaml import YAML

    # the C parser when ruamel.yaml.clib is installed; events come one at a time, unbuilt
    return YAML(typ="safe", pure=False).parse(text)


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
