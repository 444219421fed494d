"""`incident resolve-conflicts [PATH…]`: finish a merge of incident files made without the
merge driver, by the driver's rules.

Both sides come from the markers in the file (so what a person already resolved by hand
stays), the base from git while it still knows it (the index's stage 1, or the merge in
progress), else from the markers themselves. A file that merges cleanly is written and staged;
what still contradicts (two severities) stays marked around that key alone and is listed by
file, key and both values, and the command exits 1.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from incident_kit.errors import FileFormatError, InputError, RefusedError
from incident_kit.git import conflicts, merge_driver, repository
from incident_kit.merging.document import merge_texts
from incident_kit.merging.markers import sides
from incident_kit.store import INCIDENT_FILE, INCIDENTS, POSTMORTEM_FILE, Store

_MARKER_LINE = re.compile(r"^<{7}", re.M)


def run(repo: Path | None, paths: list[str]) -> int:
    root = repository.toplevel(repo or Path.cwd())
    merge_driver.ensure_registered(root)
    store = Store(root)
    unmerged = set(conflicts.unmerged_paths(root))
    targets = [_relative(store, path) for path in paths] if paths else _marked_files(store, unmerged)
    if not targets:
        print("no conflicts in incident files")
        return 0
    left: list[str] = []
    for rel in targets:
        left += _resolve(store, rel, rel in unmerged)
    if left:
        for line in left:
            print(line)
        raise RefusedError(
            f"{len(left)} conflict(s) left (listed above): keep one side between the markers, delete "
            "the markers, then `git add` the file"
        )
    return 0


def _resolve(store: Store, rel: str, unmerged: bool) -> list[str]:
    """Merge one file again; the conflicts it still has, as report lines."""
    path = store.root / rel
    current = store.read_text(path)
    found = sides(current)
    if found is None:
        print(f"{rel}: no conflict markers{'; `git add` it once it reads right' if unmerged else ''}")
        return []
    base, guessed = found.base, not found.base_known
    if guessed:  # git's default markers leave the base out: ask git for it while it knows it
        known = conflicts.base_version(store.root, rel)
        if known is not None:
            base, guessed = known, False
    merged = merge_texts(base, found.ours, found.theirs)
    if merged.text != current:
        store.write_text(path, merged.text)
    if merged.clean:
        conflicts.mark_resolved(store.root, rel)
        print(f"resolved {rel}")
        return []
    hint = " (no base was left to tell which side changed it)" if guessed else ""
    return [f"{rel}: {conflict.describe()}{hint}" for conflict in merged.conflicts]


def _marked(text: str) -> bool:
    return _MARKER_LINE.search(text) is not None


def _marked_files(store: Store, unmerged: set[str]) -> list[str]:
    """Unmerged incident files, and incident files whose text still carries markers."""
    wanted = (f"/{INCIDENT_FILE}", f"/{POSTMORTEM_FILE}")
    found = sorted(rel for rel in unmerged if rel.startswith(f"{INCIDENTS}/") and rel.endswith(wanted))
    for folder in store.folders():
        for name in (INCIDENT_FILE, POSTMORTEM_FILE):
            rel = f"{store.rel(folder)}/{name}"
            if (
                rel not in found
                and os.path.lexists(folder / name)
                and _marked(_text_or_empty(store, folder / name))
            ):
                found.append(rel)
    return found


def _text_or_empty(store: Store, path: Path) -> str:
    """Through the one safe reader; a file it refuses is `validate`'s to report, not ours."""
    try:
        return store.read_text(path)
    except FileFormatError:
        return ""


def _relative(store: Store, path: str) -> str:
    absolute = Path(os.path.abspath(path))
    if not absolute.is_file():
        raise InputError(f"{path}: no such file")
    store.check_inside(absolute)
    return store.rel(absolute)
