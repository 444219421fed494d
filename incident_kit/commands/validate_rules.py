"""The repository-wide rules of `incident validate`: what no single incident folder shows.

Symlinks anywhere under incidents/, the index file read as other commands read it, one id
used by two folders, a `merged_into` naming no incident, installed workflows older than this
tool. Each takes the store and, for a pull request's check, only the folders it touched.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from incident_kit import repo_files
from incident_kit.errors import FileFormatError
from incident_kit.ids import id_from_folder
from incident_kit.sanitize import safe_text
from incident_kit.store import INCIDENT_FILE, Store
from incident_kit.validation import WARNING, Problem, problem_from_message


def shown(name: str) -> str:
    """A file name git handed over as bytes, printable whatever it holds."""
    return name.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")


def other_files(store: Store, files: Iterable[Path] | None) -> list[Problem]:
    """The files under incidents/ other commands read besides incident folders (the index),
    read as they will read them: a symlink, a huge or binary README fails here, not after."""
    if files is not None:  # a pull request that does not touch the index: skip the import
        files = [f for f in files if f.name == "README.md"]
        if not files:
            return []
    from incident_kit.reports.index_page import INDEX_PATH  # (~20 ms: the stats renderer)

    wanted = [store.root / INDEX_PATH] if files is None else [f for f in files if store.rel(f) == INDEX_PATH]
    problems = []
    for path in wanted:
        try:
            repo_files.read_if_present(store.root, path, limit=repo_files.MAX_INDEX_BYTES)
        except FileFormatError as error:
            problems.append(problem_from_message(store.rel(path), error.message))
    return problems


def symlinks(store: Store, folders: Iterable[Path] | None) -> list[Problem]:
    """Symlinks anywhere under incidents/ (the tool refuses to follow them)."""
    roots = [store.incidents] if folders is None else list(folders)
    problems = []
    for top in roots:
        if top.is_symlink():
            problems.append(
                Problem(store.rel(top), 1, "is a symlink; incident files must be real files", rule="symlink")
            )
            continue
        problems += [symlink_problem(store, link) for link in _links_under(str(top))]
    return problems


def symlink_problem(store: Store, link: str) -> Problem:
    """A symlink found below a folder (its target is shown, not followed)."""
    path = Path(link)
    target = safe_text(shown(os.readlink(path)), 120)
    return Problem(
        store.rel(path),
        1,
        f"is a symlink (to {target}); incident files must be real files",
        rule="symlink",
    )


def _links_under(top: str) -> Iterator[str]:
    """Every symlink below `top` (not followed): one `scandir` per folder, the file types
    from the directory entries (a whole-repository check walks 10,000 folders)."""
    try:
        entries = list(os.scandir(top))
    except OSError:  # as os.walk: gone or unreadable, nothing to report below it
        return
    for entry in entries:
        if entry.is_symlink():
            yield entry.path
        elif entry.is_dir(follow_symlinks=False):
            yield from _links_under(entry.path)


def duplicate_ids(
    store: Store, targets: set[Path] | None, names: Iterable[tuple[str, str]] | None = None
) -> list[Problem]:
    """Two folders with one id. An id carries its date, so a clash lives in one month folder:
    checking a pull request's incidents reads only their months. `names`: every (month, name)
    `store.names()` lists, when the caller has them already."""
    if names is None:
        names = store.names(None if targets is None else sorted({t.parent.name for t in targets}))
    by_id: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for month, name in names:
        incident_id = id_from_folder(name)
        if incident_id:
            by_id[incident_id].append((month, name))  # a Path only for a clash (10,000 names)
    problems = []
    for incident_id, names_of in by_id.items():
        if len(names_of) < 2:
            continue
        folders = [store.incidents / month / name for month, name in names_of]
        if targets is not None and not targets.intersection(folders):
            continue
        listed = ", ".join(store.rel(f) for f in folders)
        for folder in folders:
            problems.append(
                Problem(
                    f"{store.rel(folder)}/{INCIDENT_FILE}",
                    1,
                    f"incident id {incident_id} is used by several folders: {listed}",
                    rule="unique-id",
                )
            )
    return problems


def merge_targets(
    store: Store,
    statuses: dict[Path, tuple[str | None, str | None, str | None]],
    every_folder: list[Path] | None = None,
    known: set[str | None] | None = None,
) -> list[Problem]:
    """`every_folder`: the incident folders when the caller already listed them all; `known`:
    or the ids of their names."""
    wanted = {folder: facts[2] for folder, facts in statuses.items() if facts[1] == "merged" and facts[2]}
    if not wanted:
        return []
    if known is None:
        folders = store.folders() if every_folder is None else every_folder
        known = {id_from_folder(f.name) for f in folders}
    return [
        Problem(
            f"{store.rel(folder)}/{INCIDENT_FILE}",
            1,
            f"merged_into {target} is not an incident in this repository",
            rule="lifecycle",
        )
        for folder, target in wanted.items()
        if target not in known
    ]


def stale_workflows(root: Path) -> list[Problem]:
    """Installed workflows that run an older incident-kit than this one (a warning)."""
    from incident_kit import __version__
    from incident_kit.workflows.installed import stale_pins

    return [
        Problem(
            stale.rel,
            stale.line,
            f"runs incident-kit {'v' + stale.version if stale.version else '(release unknown)'}, older "
            f"than this one (v{__version__}); run `incident init --upgrade` and commit the result",
            WARNING,
            "workflows",
        )
        for stale in stale_pins(root)
    ]
