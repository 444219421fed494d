"""`incident merge-file BASE CURRENT OTHER`: git's merge driver for incident files.

A thin adapter around the pure merge (`merging.document`): git hands over three temporary
files, the merged text replaces CURRENT, and the exit code says whether conflicts are left
(git then reports the file as conflicted, with markers around the contradicting keys only).
A file the rules cannot read (not UTF-8) is merged line by line by `git merge-file`, as git
would have without the driver; so is any file if the merge itself fails, so the driver never
makes a merge worse than git's own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from incident_kit.git.merge_driver import merge_lines_as_git_does
from incident_kit.merging.document import merge_texts
from incident_kit.merging.result import Markers


def run(base: Path, current: Path, other: Path, *, marker_size: int, path: str | None) -> int:
    name = path or str(current)
    try:
        texts = [file.read_bytes().decode("utf-8") for file in (base, current, other)]
    except UnicodeDecodeError:
        return merge_lines_as_git_does(current, base, other, marker_size)
    try:
        merged = merge_texts(texts[0], texts[1], texts[2], Markers(size=max(marker_size, 7)))
    except Exception:  # a bug here must not break someone's merge: fall back to git's
        if os.environ.get("INCIDENT_KIT_DEBUG"):
            raise
        sys.stderr.write(
            f"incident: {name}: merged line by line (the incident merge failed; please report it)\n"
        )
        return merge_lines_as_git_does(current, base, other, marker_size)
    _write(current, merged.text)
    for conflict in merged.conflicts:
        sys.stderr.write(f"incident: {name}: conflict on {conflict.describe()}\n")
    return 1 if merged.conflicts else 0


def _write(path: Path, text: str) -> None:
    """Into git's temporary file, as bytes (line endings as merged)."""
    with open(path, "wb") as handle:
        handle.write(text.encode("utf-8"))
