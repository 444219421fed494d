"""Per-folder results of `incident validate`, kept between runs so only changed files are parsed.

Checking one incident folder costs ~12 ms (YAML, the JSON schema, the post-mortem sections);
checking a 10,000-incident repository every time costs a minute. A per-clone cache
(`.git/incident-kit/validate.v1`, next to the summaries cache) keeps each folder's problems and
the facts the repository-wide rules need (id, status, merged_into), keyed like the summaries:

- the size, mtime, ctime and inode of `incident.md` and `postmortem.md` (or their absence): a
  hand edit, a checkout, a rebase or a pull rewrites the file and changes its ctime;
- the racy case (git's "racy index" rule): a file rewritten with the same size within the
  timestamp granularity of the check that cached it keeps its stat key. An entry whose files
  changed (ctime) less than `RACY_NS` before the run that wrote it started is therefore kept
  with a hash of the files' bytes, and re-verified by that hash before it is served; the next
  run that finds it no longer racy drops the hash;
- the header holds a fingerprint of everything else the results depend on: the config file's
  bytes, the tool version and the rule modules' files. Any change there drops every entry.

A missing, foreign, torn or unwritable cache only costs one cold run; nothing in it is trusted
beyond its keys. The repository-wide rules (duplicate ids, merge targets, symlinks) still run
over every folder each time, from these facts.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat as stat_module
import time
from collections.abc import Callable, Iterable
from dataclasses import astuple
from pathlib import Path

from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, new_temp_file
from incident_kit.validation import Problem

CACHE_NAME = "validate.v1"
_HEADER = "incident-kit validate 1"
RACY_NS = 2_000_000_000  # coarser than any file system's timestamp granularity (FAT: 2 s)

Facts = tuple[str | None, str | None, str | None]  # incident id, status, merged_into
Result = tuple[list[Problem], Facts]
Entry = tuple[str, str, str]  # stat key, content hash ("" when not racy), result JSON
_FILES = (INCIDENT_FILE, POSTMORTEM_FILE)


def cache_path(root: Path) -> Path:
    from incident_kit.git.repository import git_dir

    return git_dir(root) / "incident-kit" / CACHE_NAME


# the package files the per-folder rules live in: a development install changes them in place
RULE_SOURCES = (
    "validation.py",
    "validation_cache.py",
    "commands/validate.py",
    "action_items.py",
    "postmortem.py",
    "timeline.py",
    "lifecycle.py",
    "ids.py",
    "model.py",
    "repo_files.py",
    "markdown/frontmatter.py",
    "markdown/sections.py",
    "summaries/fields.py",
    "data/incident.schema.json",
)


def fingerprint(config_bytes: bytes | None, sources: Iterable[Path] | None = None) -> str:
    """What every cached result depends on besides its own folder's files (`sources`: default
    the rule modules, `RULE_SOURCES`)."""
    from incident_kit import __version__

    if sources is None:
        package = Path(__file__).parent
        sources = [package / name for name in RULE_SOURCES]

    digest = hashlib.sha256(f"{__version__}\0".encode())
    digest.update(b"-" if config_bytes is None else b"+" + config_bytes)
    for source in sources:
        try:
            stat = os.stat(source)
        except OSError:
            digest.update(f"\0{source}:missing".encode())
            continue
        digest.update(f"\0{source}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def _stat_key(folder: Path) -> tuple[str, int] | None:
    """The stat key of the folder's files and their newest ctime; None when a file cannot be
    stat'ed (the check will say why; such a result is not cached).

    The ctime decides raciness, not the mtime: any write sets it to the current tick and
    nothing can set it back (`touch -d` and `git checkout` set the mtime they like)."""
    parts = []
    newest = 0
    base = str(folder)
    for name in _FILES:
        try:
            stat = os.lstat(f"{base}/{name}")
        except FileNotFoundError:
            parts.append("-")
            continue
        except OSError:
            return None
        parts.append(f"{stat.st_mode:o}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}")
        newest = max(newest, stat.st_ctime_ns)
    return "/".join(parts), newest


_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _content_hash(folder: Path) -> str | None:
    """A hash of the folder's files' bytes; None unless each is absent or a regular file within
    the size the tool reads (a symlink to /dev/zero or a FIFO is never opened for reading: the
    check reports it, and its result is not cached)."""
    from incident_kit.repo_files import MAX_FILE_BYTES

    digest = hashlib.sha1(usedforsecurity=False)
    for name in _FILES:
        try:
            fd = os.open(f"{folder}/{name}", _OPEN_FLAGS)
        except FileNotFoundError:
            digest.update(b"-\0")
            continue
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat_module.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
                return None
            data = os.read(fd, MAX_FILE_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        digest.update(b"%d\0" % len(data))
        digest.update(data)
    return digest.hexdigest()


class ResultCache:
    """Reuses the cached result of a folder whose files are unchanged; checks the others with
    `check` and remembers them. `save()` writes what this run saw (folders gone are dropped)."""

    def __init__(self, root: Path, folder_rel: Callable[[Path], str], fingerprint: str) -> None:
        self.path = cache_path(root)
        self.rel = folder_rel
        self.fingerprint = fingerprint
        self.started_ns = time.time_ns()
        self.cached = _read(self.path, fingerprint)
        self.fresh: dict[str, Entry] = {}  # folder -> its entry
        self.dirty = False
        self.reused = 0

    def result(self, folder: Path, check: Callable[[Path], Result]) -> Result:
        """The folder's result: the cached one, or `check`'s (then remembered)."""
        reused = self.reuse(folder)
        if reused is not None:
            return reused
        result, entry = checked(folder, check, self.started_ns)
        self.remember(folder, entry)
        return result

    def reuse(self, folder: Path) -> Result | None:
        """The cached result when the folder's files are the ones it was made from."""
        stat = _stat_key(folder)
        return None if stat is None else self._reuse(self.rel(folder), folder, *stat)

    def remember(self, folder: Path, entry: Entry | None) -> None:
        """Keep a result `checked` made (None: it could not be keyed; checked again next time)."""
        self.dirty = True
        rel = self.rel(folder)
        if entry is not None and "\t" not in rel and "\n" not in rel:
            self.fresh[rel] = entry

    def _reuse(self, rel: str, folder: Path, key: str, newest: int) -> Result | None:
        """The cached result when the folder's files are the ones it was made from."""
        hit = self.cached.get(rel)
        if hit is None or hit[0] != key:
            return None
        stored_key, content, data = hit
        if content and content != _content_hash(folder):  # racy, and rewritten since
            return None
        decoded = _decode(data)
        if decoded is None:
            return None
        self.reused += 1
        racy = bool(content) and newest >= self.started_ns - RACY_NS
        self.fresh[rel] = (stored_key, content if racy else "", data)
        self.dirty = self.dirty or (bool(content) and not racy)  # no longer racy: drop the hash
        return decoded

    def save(self) -> None:
        """Best effort: a cache that cannot be written only makes the next run slower."""
        if not self.dirty and self.fresh.keys() == self.cached.keys():
            return
        lines = [f"{_HEADER} {self.fingerprint}"]
        lines += [f"{rel}\t{key}\t{content}\t{data}" for rel, (key, content, data) in self.fresh.items()]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = new_temp_file(self.path.parent, ".validate-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write("\n".join(lines) + "\n")
            os.replace(temp, self.path)
        except OSError:
            return


def checked(folder: Path, check: Callable[[Path], Result], started_ns: int) -> tuple[Result, Entry | None]:
    """`check`'s result for the folder and the cache entry for it, None when the files changed
    while they were checked. A racy entry (files changed within `RACY_NS` of `started_ns`, the
    start of the run) carries the hash of the bytes read before the check, and is kept only
    when they are still the same after it. Safe to call in a worker process."""
    stat = _stat_key(folder)
    if stat is None:
        return check(folder), None
    key, newest = stat
    racy = newest >= started_ns - RACY_NS
    before = _content_hash(folder) if racy else ""
    result = check(folder)
    if before is None or _stat_key(folder) != stat:
        return result, None
    if racy and _content_hash(folder) != before:
        return result, None
    return result, (key, before, _encode(result))


def _encode(result: Result) -> str:
    problems, facts = result
    return json.dumps([list(facts), [astuple(p) for p in problems]], ensure_ascii=False)


def _decode(data: str) -> Result | None:
    try:
        facts, problems = json.loads(data)
        return [Problem(*p) for p in problems], (facts[0], facts[1], facts[2])
    except (ValueError, TypeError, IndexError):
        return None


def _read(path: Path, fingerprint: str) -> dict[str, Entry]:
    """folder -> (stat key, content hash or "", result JSON); empty when missing, foreign,
    made for another config or tool, or damaged."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            lines = handle.read().split("\n")
    except (OSError, ValueError):
        return {}
    if lines[0] != f"{_HEADER} {fingerprint}" or lines[-1] != "":  # a torn write has no final newline
        return {}
    cached = {}
    for line in lines[1:-1]:
        columns = line.split("\t")
        if len(columns) != 4:
            return {}
        cached[columns[0]] = (columns[1], columns[2], columns[3])
    return cached
