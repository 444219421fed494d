"""Reading back the conflict markers a merge left in a file (pure).

A merge made without the incident merge driver (GitHub's web editor, a clone that never ran the
tool) leaves git's markers. `sides` splits such a text into the versions it came from, so the
same rules can merge them again. With git's `diff3`/`zdiff3` style the base is in the markers
(`||||||| base`); without it, the base of each conflicting hunk is taken to be the lines both
sides kept, so a line only one side has counts as added there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_START = re.compile(r"^(<{7,}) ?")
_BASE = re.compile(r"^(\|{7,}) ?")
_MIDDLE = re.compile(r"^(={7,})[ \t]*$")
_END = re.compile(r"^(>{7,}) ?")


@dataclass(frozen=True)
class Sides:
    base: str
    ours: str
    theirs: str
    base_known: bool  # every hunk carried its base (diff3 style)


def has_markers(text: str) -> bool:
    return sides(text) is not None


def sides(text: str) -> Sides | None:
    """The base, ours and theirs a marked text came from; None without complete markers."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.replace("\r\n", "\n").split("\n")
    base: list[str] = []
    ours: list[str] = []
    theirs: list[str] = []
    base_known = True
    found = False
    index = 0
    while index < len(lines):
        start = _START.match(lines[index])
        if start is None:
            for side in (base, ours, theirs):
                side.append(lines[index])
            index += 1
            continue
        hunk = _hunk(lines, index, len(start.group(1)))
        if hunk is None:
            return None
        hunk_ours, hunk_base, hunk_theirs, index = hunk
        found = True
        if hunk_base is None:
            base_known = False
            hunk_base = _kept_by_both(hunk_ours, hunk_theirs)
        base += hunk_base
        ours += hunk_ours
        theirs += hunk_theirs
    if not found:
        return None
    return Sides(newline.join(base), newline.join(ours), newline.join(theirs), base_known)


def _hunk(
    lines: list[str], start: int, size: int
) -> tuple[list[str], list[str] | None, list[str], int] | None:
    """(ours, base or None, theirs, index after the hunk) of the hunk opening at `start`."""
    parts: list[list[str]] = [[]]
    kinds = ["ours"]
    for index in range(start + 1, len(lines)):
        line = lines[index]
        for kind, pattern in (("base", _BASE), ("theirs", _MIDDLE)):
            match = pattern.match(line)
            if match and len(match.group(1)) == size and kind not in kinds:
                parts.append([])
                kinds.append(kind)
                break
        else:
            end = _END.match(line)
            if end and len(end.group(1)) == size and "theirs" in kinds:
                found = dict(zip(kinds, parts, strict=True))
                return found["ours"], found.get("base"), found["theirs"], index + 1
            nested = _START.match(line)
            if nested and len(nested.group(1)) == size:
                return None  # a hunk inside a hunk: not markers git wrote
            parts[-1].append(line)
    return None


def _kept_by_both(ours: list[str], theirs: list[str]) -> list[str]:
    matcher = SequenceMatcher(None, ours, theirs, autojunk=False)
    return [line for block in matcher.get_matching_blocks() for line in ours[block.a : block.a + block.size]]
