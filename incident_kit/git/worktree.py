"""A person's work in progress: tracked files whose content differs from HEAD.

Asked only when it matters (a change's files turned out edited, a pull refused to overwrite
files): `git status` reads the whole index, which a transition cannot afford on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from incident_kit.git.process import run_bytes


def uncommitted(root: Path, paths: Sequence[str]) -> list[str]:
    """Those of `paths` with changes not committed yet (staged or not), in git's own judgement
    (line-ending conversion and filters applied), repository-relative."""
    if not paths:
        return []
    out = run_bytes(
        root,
        ["status", "--porcelain=v1", "-z", "--untracked-files=no", "--no-renames", "--", *paths],
        b"",
        {"GIT_OPTIONAL_LOCKS": "0", "GIT_LITERAL_PATHSPECS": "1"},
    )
    changed: list[str] = []
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        if len(record) > 3 and record[:2] != "??":
            changed.append(record[3:])
    return changed
