"""A line-level three-way merge (pure): what `git merge-file` does, over lists of lines.

The fallback for text the meaning-aware rules do not model (a paragraph of the Summary that
both sides edited, a frontmatter that does not split into keys). Regions where only one side
differs from the base take that side; regions both sides changed identically take it once;
regions both changed differently are conflicts, returned as such for the caller to mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass(frozen=True)
class Clash:
    """Both sides changed the same base lines differently."""

    base: tuple[str, ...]
    ours: tuple[str, ...]
    theirs: tuple[str, ...]


Piece = tuple[str, ...] | Clash  # merged lines, or a clash in their place


def merge(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]) -> list[Piece]:
    """The merged lines as pieces: runs of settled lines and the clashes between them."""
    to_ours = _matches(base, ours)
    to_theirs = _matches(base, theirs)
    pieces: list[Piece] = []
    b = o = t = 0
    while True:
        settled: list[str] = []
        while b < len(base) and to_ours.get(b) == o and to_theirs.get(b) == t:
            settled.append(base[b])
            b, o, t = b + 1, o + 1, t + 1
        if settled:
            pieces.append(tuple(settled))
        sync = next((n for n in range(b, len(base)) if n in to_ours and n in to_theirs), None)
        if sync is None:
            end_b, end_o, end_t = len(base), len(ours), len(theirs)
        else:
            end_b, end_o, end_t = sync, to_ours[sync], to_theirs[sync]
        chunk = (tuple(base[b:end_b]), tuple(ours[o:end_o]), tuple(theirs[t:end_t]))
        if any(chunk):
            pieces.append(_settle(*chunk))
        if sync is None:
            return pieces
        b, o, t = end_b, end_o, end_t


def _settle(base: tuple[str, ...], ours: tuple[str, ...], theirs: tuple[str, ...]) -> Piece:
    if ours in (base, theirs):
        return theirs
    if theirs == base:
        return ours
    return Clash(base, ours, theirs)


def _matches(base: Sequence[str], other: Sequence[str]) -> dict[int, int]:
    """Base line index -> the index of the same line in `other`, along a longest match."""
    matcher = SequenceMatcher(None, list(base), list(other), autojunk=False)
    found: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            found[block.a + offset] = block.b + offset
    return found


def clashes(pieces: Sequence[Piece]) -> list[Clash]:
    return [piece for piece in pieces if isinstance(piece, Clash)]


def merge_clean(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]) -> list[str] | None:
    """The merged lines, or None when the sides clash."""
    pieces = merge(base, ours, theirs)
    if clashes(pieces):
        return None
    return [line for piece in pieces if not isinstance(piece, Clash) for line in piece]
