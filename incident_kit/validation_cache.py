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
import marshal
import os
import stat as stat_module
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, new_temp_file
from incident_kit.validation import Problem

CACHE_NAME = "validate.v2"
_HEADER = f"incident-kit validate 2 python {sys.version_info[0]}.{sys.version_info[1]}"
RACY_NS = 2_000_000_000  # coarser than any file system's timestamp granularity (FAT: 2 s)

Facts = tuple[str | None, str | None, str | None]  # incident id, status, merged_into
Result = tuple[list[Problem], Facts]
FileKey = tuple[int, int, int, int, int] | None  # mode, size, mtime, ctime, inode; None: absent
StatKey = tuple[FileKey, FileKey]  # incident.md, postmortem.md
ProblemRow = tuple[str, int, str, str, str]  # a `Problem`'s fields
# stat key, content hash ("" when not racy), facts, problems (plain columns: marshal loads them
# with no decoding, and a folder without problems costs one tuple)
Entry = tuple[StatKey, str, Facts, tuple[ProblemRow, ...]]
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
    # the config's own problems are kept too (`ResultCache.config_problems`)
    "config/reader.py",
    "config/references.py",
    "config/settings.py",
    "config/degraded.py",
    "config/alert_rules.py",
    "config/communication.py",
    "config/reminders_reader.py",
    "config/site_reader.py",
    "config/tracking_issues.py",
    "config/severities.py",
    "severity.py",
    "safe_yaml.py",
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


def file_key(stat: os.stat_result) -> FileKey:
    return (stat.st_mode, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def _stat_key(folder: Path) -> tuple[StatKey, int] | None:
    """The stat key of the folder's files and their newest ctime; None when a file cannot be
    stat'ed (the check will say why; such a result is not cached). `validation_walk` makes the
    same key from the directory entries of its one pass over the repository.

    The ctime decides raciness, not the mtime: any write sets it to the current tick and
    nothing can set it back (`touch -d` and `git checkout` set the mtime they like)."""
    keys: list[FileKey] = []
    newest = 0
    base = str(folder)
    for name in _FILES:
        try:
            stat = os.lstat(f"{base}/{name}")
        except FileNotFoundError:
            keys.append(None)
            continue
        except OSError:
            return None
        keys.append(file_key(stat))
        newest = max(newest, stat.st_ctime_ns)
    return (keys[0], keys[1]), newest


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
    `check` and remembers them. `save()` writes what this run saw (folders gone are dropped).

    `config_problems`: the config file's own problems as the run that wrote the cache found
    them (they depend on its bytes and the tool alone, both in the fingerprint); None when not
    cached. Set it to have them kept."""

    def __init__(self, root: Path, folder_rel: Callable[[Path], str], fingerprint: str) -> None:
        self.path = cache_path(root)
        self.rel = folder_rel
        self.fingerprint = fingerprint
        self.started_ns = time.time_ns()
        stored_config, self.cached = _read(self.path, fingerprint)
        self.config_problems: list[Problem] | None = _problems(stored_config)
        self._stored_config = stored_config
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
        return None if stat is None else self.reuse_keyed(self.rel(folder), folder, *stat)

    def remember(self, folder: Path, entry: Entry | None, rel: str | None = None) -> None:
        """Keep a result `checked` made (None: it could not be keyed; checked again next time)."""
        self.dirty = True
        rel = self.rel(folder) if rel is None else rel
        if entry is not None:
            self.fresh[rel] = entry

    def reuse_keyed(self, rel: str, folder: Path | str, key: StatKey, newest: int) -> Result | None:
        """The cached result when the folder's files, whose stat key the caller read, are the
        ones it was made from."""
        hit = self.cached.get(rel)
        if hit is None:
            return None
        try:
            stored_key, content, facts, rows = hit
            if stored_key != key:
                return None
            if content and content != _content_hash(Path(folder)):  # racy, and rewritten since
                return None
            result = [Problem(*row) for row in rows] if rows else [], (facts[0], facts[1], facts[2])
        except (ValueError, TypeError, IndexError, KeyError):
            return None
        self.reused += 1
        racy = bool(content) and newest >= self.started_ns - RACY_NS
        self.fresh[rel] = hit if not content or racy else (stored_key, "", facts, rows)
        self.dirty = self.dirty or (bool(content) and not racy)  # no longer racy: drop the hash
        return result

    def save(self) -> None:
        """Best effort: a cache that cannot be written only makes the next run slower."""
        config = None if self.config_problems is None else _rows(self.config_problems)
        if not self.dirty and self.fresh.keys() == self.cached.keys() and config == self._stored_config:
            return
        try:
            body = marshal.dumps((config, self.fresh))
        except ValueError:  # not plain data (a test's odd Problem): nothing kept
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = new_temp_file(self.path.parent, ".validate-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(f"{_HEADER} {self.fingerprint}\n".encode())
                handle.write(body)
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
    problems, facts = result
    return result, (key, before, facts, _rows(problems))


def _rows(problems: Iterable[Problem]) -> tuple[ProblemRow, ...]:
    return tuple((p.path, p.line, p.message, p.level, p.rule) for p in problems)


def _problems(rows: object) -> list[Problem] | None:
    if not isinstance(rows, tuple):
        return None
    try:
        return [Problem(*row) for row in rows]
    except TypeError:
        return None


def _read(path: Path, fingerprint: str) -> tuple[object, dict[str, Entry]]:
    """(the config's problems as stored, folder -> entry); (None, {}) when missing, foreign,
    made for another config, tool or Python, or damaged (a torn write does not load)."""
    try:
        with open(path, "rb") as handle:
            if handle.readline() != f"{_HEADER} {fingerprint}\n".encode():
                return None, {}
            loaded = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None, {}
    if not isinstance(loaded, tuple) or len(loaded) != 2 or not isinstance(loaded[1], dict):
        return None, {}
    return loaded[0], loaded[1]


def stored_entries(root: Path) -> dict[str, Entry]:
    """The entries the cache file holds, whatever its fingerprint (for tests and debugging)."""
    try:
        with open(cache_path(root), "rb") as handle:
            handle.readline()
            loaded = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return loaded[1] if isinstance(loaded, tuple) and len(loaded) == 2 and isinstance(loaded[1], dict) else {}
