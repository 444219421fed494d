"""The incident folders of a repository, found once for a whole-repository read.

Listing the folders with `scandir` without following a symlink means the files below them can
be read without checking each path again (`repo_files.check_inside` is most of the cost of
reading 10,000 small files). A folder that is itself a symlink is listed too, as `linked`; its
files go through the full check, which refuses them with a clear message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from incident_kit import repo_files
from incident_kit.errors import FileFormatError
from incident_kit.ids import id_from_folder
from incident_kit.store import INCIDENTS, MONTH, Store


@dataclass(frozen=True)
class Walk:
    rels: list[str]  # every incident folder, relative to the root, in sorted order
    linked: frozenset[str]  # those that are symlinks

    def read(self, store: Store, rel: str, name: str) -> str:
        """The text of file `name` in folder `rel` (FileFormatError when refused)."""
        path = store.root / rel / name
        return repo_files.read_text(store.root, path, walked=rel not in self.linked)

    def read_with_stat(self, store: Store, rel: str, name: str) -> tuple[str, os.stat_result]:
        """The text of file `name` in folder `rel` and its stat (the cache key): one `fstat`
        of the open file for an ordinary folder; a linked one goes through the full check."""
        if rel in self.linked:
            stat = os.lstat(f"{store.root}/{rel}/{name}")
            return self.read(store, rel, name), stat
        return repo_files.read_walked(store.root, f"{rel}/{name}")


def walk(store: Store) -> Walk:
    incidents = store.root / INCIDENTS
    try:
        repo_files.check_inside(store.root, incidents)
        with os.scandir(incidents) as found:
            months = [m.name for m in found if m.is_dir(follow_symlinks=False) and MONTH.match(m.name)]
    except (FileFormatError, OSError):
        return Walk([], frozenset())
    rels: list[str] = []
    linked: set[str] = set()
    for month in months:
        try:
            with os.scandir(f"{incidents}/{month}") as entries:
                for entry in entries:
                    if not id_from_folder(entry.name):
                        continue
                    rel = f"{INCIDENTS}/{month}/{entry.name}"
                    if entry.is_symlink():
                        linked.add(rel)
                    elif not entry.is_dir(follow_symlinks=False):
                        continue
                    rels.append(rel)
        except OSError:
            continue
    rels.sort()
    return Walk(rels, frozenset(linked))
