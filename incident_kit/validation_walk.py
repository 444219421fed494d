"""One pass over `incidents/` for a whole-repository `incident validate`.

A warm run (every result cached) used to walk the repository three times: listing the incident
folders, looking for symlinks under every one, and two `lstat`s a folder for the cache keys.
Here one `os.scandir` of each month folder and of each incident folder gives all of it: the
incident folders in `Store.folders` order, the (month, name) pairs `Store.names` lists (for the
duplicate-id rule), every symlink (not followed), and each folder's stat key as
`validation_cache` makes it — the symlink check and the key come from the same directory
entries, and an absent post-mortem costs nothing.

Only for an `incidents/` that is a real folder; the caller falls back to the separate walks
otherwise (a symlinked `incidents/` is reported, and read the way the other commands read it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from incident_kit.ids import id_from_folder
from incident_kit.store import _MONTH, INCIDENT_FILE, POSTMORTEM_FILE
from incident_kit.validation_cache import FileKey, StatKey, file_key


@dataclass
class Folder:
    rel: str  # incidents/<month>/<name>
    path: str  # absolute
    name: str
    incident_id: str  # from the name
    key: tuple[StatKey, int] | None  # stat key and newest ctime; None: a file could not be stat'ed


@dataclass
class Walk:
    folders: list[Folder] = field(default_factory=list)
    names: list[tuple[str, str]] = field(default_factory=list)  # as `Store.names()` lists them
    links: list[str] = field(default_factory=list)  # absolute paths of symlinks


def _by_name(entry: os.DirEntry[str]) -> str:
    return entry.name


def walk(incidents: str, rel_base: str, names_of: Callable[[str], list[tuple[str, str]]]) -> Walk:
    """`incidents`: the absolute path of a real `incidents/` folder; `rel_base`: its path
    relative to the repository root ("incidents"). `names_of`: the (month, name) pairs of a
    month folder that is a symlink, as `Store.names` lists them (it follows such a link)."""
    found = Walk()
    by_month: dict[str, list[Folder]] = {}
    # names in directory order, as `Store.names` lists them (a duplicate id's message names its
    # folders in that order); folders in name order, as `Store.folders` yields them
    for top in os.scandir(incidents):
        if top.is_symlink():
            found.links.append(top.path)
            if _MONTH.match(top.name):
                found.names += names_of(top.name)
            continue
        if not top.is_dir(follow_symlinks=False):
            continue
        if not _MONTH.match(top.name):
            found.links += links_under(top.path)
            continue
        month = top.name
        month_rel = f"{rel_base}/{month}/"
        folders = by_month[month] = []
        entries = list(os.scandir(top.path))
        found.names += [(month, entry.name) for entry in entries if entry.name.startswith("inc-")]
        for entry in sorted(entries, key=_by_name):
            name = entry.name
            if entry.is_symlink():
                found.links.append(entry.path)
            elif entry.is_dir(follow_symlinks=False):
                incident_id = id_from_folder(name)
                if incident_id:
                    key = _folder(entry.path, found.links)
                    folders.append(Folder(month_rel + name, entry.path, name, incident_id, key))
                else:
                    found.links += links_under(entry.path)
    for month in sorted(by_month):
        found.folders += by_month[month]
    return found


def _folder(path: str, links: list[str]) -> tuple[StatKey, int] | None:
    """The folder's stat key (as `validation_cache` makes it) from one listing of it; the
    symlinks in it are added to `links`."""
    incident: FileKey = None
    postmortem: FileKey = None
    newest = 0
    failed = False
    try:
        entries = list(os.scandir(path))
    except OSError:  # gone or unreadable: the check says what
        return None
    for entry in entries:
        name = entry.name
        if entry.is_symlink():
            links.append(entry.path)
        elif entry.is_dir(follow_symlinks=False):
            links.extend(links_under(entry.path))
        if name in (INCIDENT_FILE, POSTMORTEM_FILE):
            try:
                stat = entry.stat(follow_symlinks=False)
            except OSError:
                failed = True
                continue
            key = file_key(stat)
            newest = max(newest, stat.st_ctime_ns)
            if name == INCIDENT_FILE:
                incident = key
            else:
                postmortem = key
    return None if failed else ((incident, postmortem), newest)


def links_under(top: str) -> list[str]:
    """Every symlink below `top` (not followed): one `scandir` per folder."""
    try:
        entries = list(os.scandir(top))
    except OSError:  # as os.walk: gone or unreadable, nothing to report below it
        return []
    found = []
    for entry in entries:
        if entry.is_symlink():
            found.append(entry.path)
        elif entry.is_dir(follow_symlinks=False):
            found += links_under(entry.path)
    return found
