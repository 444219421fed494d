"""Per-file results kept between runs, so a whole-repository read parses only changed files.

The one primitive behind the summaries cache and the post-mortem action items cache, small
enough for other whole-repository reads to reuse:

    with FileCache(path, "incident-kit my-results 1") as cache:
        for rel in sorted(rels):                        # visit files in sorted order
            stat = os.lstat(root / rel)
            payload = cache.get(rel, stat)              # None: not cached, changed, or racy
            if payload is None:
                payload = parse(root / rel)             # one line of text (JSON is fine)
            cache.put(rel, stat, payload)               # keep it (also for hits)

A file is known by `stat_key` — size, mtime, ctime and inode (in nanoseconds): any write, a
hand edit, a checkout or a pull changes its ctime, which no tool can set back. A file rewritten
within the same clock tick (or the same second, on a coarse filesystem) as it was read could
keep its key, so — as git's "racy clean" rule — an entry is only served when the file's mtime
is in an earlier second than the run that cached it began; newer ones are parsed again (and
cached anew by the later run). Symbolic links and other non-regular files are never cached.

The file is a header line (`header`, then the run's start in ns), then one line per file,
`rel TAB key TAB payload`, in sorted order. Reading merges it with the sorted walk line by line
and the new cache is written as the walk goes, so memory does not grow with the number of
files. A missing, foreign or torn cache costs one cold read; writing is best effort.
"""

from __future__ import annotations

import contextlib
import os
import stat as stat_module
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from incident_kit.store import new_temp_file

# a filesystem clock may lag the system's by a tick; files this close to the start are racy too
_CLOCK_LAG_NS = 100_000_000
_SECOND_NS = 1_000_000_000
# the new cache is written in large pieces: 10,000 lines are ~13 MB, and each write releases
# the GIL a cold pass shares with the thread that collects its workers' answers
_BUFFER = 1 << 18


def stat_key(stat: os.stat_result) -> str:
    """What identifies a file's content without reading it (see the module doc)."""
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"


def cache_key(stat: os.stat_result) -> str | None:
    """`stat_key` of a file the cache may keep; None for anything but a regular file."""
    return stat_key(stat) if stat_module.S_ISREG(stat.st_mode) else None


def _started(line: str, header: str) -> int | None:
    """The run start a cache's first line records (ns); None when it is not `header`'s."""
    name, _, started = line.rstrip("\n").rpartition(" ")
    if name != header or not started.isdigit() or not line.endswith("\n"):
        return None
    return int(started)


def _entry(line: str) -> tuple[str, str, str] | None:
    """An entry line's (rel, key, payload); None at the end or for a torn line."""
    columns = line.split("\t", 2)
    if not line.endswith("\n") or len(columns) != 3:
        return None
    rel, key, payload = columns
    return rel, key, payload[:-1]


def trusted_before(started_ns: int) -> int:
    """Files whose mtime is at or after this (whole seconds) may change unseen: not served."""
    return (started_ns - _CLOCK_LAG_NS) // _SECOND_NS * _SECOND_NS


class FileCache:
    """A sorted merge of the previous run's entries with this run's walk (see the module doc)."""

    def __init__(self, path: Path, header: str) -> None:
        self.path = path
        self.header = header
        self.started_ns = time.time_ns()
        self.changed = False  # anything put that the old cache did not hold, or dropped
        self._old: IO[str] | None = None
        self._trusted_before = 0
        self._pending: tuple[str, str, str] | None = None  # the old cache's next line
        self._last = ""
        self._open_old()
        self._new: IO[str] | None = None
        self._temp: str | None = None
        self._open_new()

    def _open_old(self) -> None:
        try:
            handle = open(self.path, encoding="utf-8", newline="\n")  # noqa: SIM115 (closed in close())
        except OSError:
            self.changed = True
            return
        try:
            started = _started(handle.readline(), self.header)
        except (OSError, ValueError):
            started = None
        if started is None:
            handle.close()
            self.changed = True
            return
        self._old, self._trusted_before = handle, trusted_before(started)
        self._advance()

    def _advance(self) -> None:
        """Read the old cache's next line into `_pending` (None at its end or on damage)."""
        assert self._old is not None
        try:
            line = self._old.readline()
        except (OSError, ValueError):
            line = ""
        self._pending = _entry(line)
        if self._pending is None and line:  # a torn write (else the end)
            self.changed = True

    def _open_new(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, self._temp = new_temp_file(self.path.parent, f".{self.path.name}-")
            self._new = os.fdopen(fd, "w", _BUFFER, encoding="utf-8", newline="\n")
            self._new.write(f"{self.header} {self.started_ns}\n")
        except OSError:
            self._new = None

    @staticmethod
    def peek(path: Path, header: str, rel: str, key: str, mtime_ns: int) -> str | None:
        """What `get_keyed(rel, key, mtime_ns)` would serve when `rel` is the cache's first
        entry, reading only that far and writing nothing (None: not served; then open it)."""
        try:
            with open(path, encoding="utf-8", newline="\n") as handle:
                started, first = _started(handle.readline(), header), _entry(handle.readline())
        except (OSError, ValueError):
            return None
        if started is None or first is None or first[:2] != (rel, key):
            return None
        return first[2] if mtime_ns < trusted_before(started) else None

    @property
    def cold(self) -> bool:
        """No previous run's entry left to serve: callers may read files without a `stat` first."""
        return self._pending is None

    def get(self, rel: str, stat: os.stat_result) -> str | None:
        """The payload cached for `rel` if the file is unchanged (and not racy), else None.
        `rel`s must come in increasing order (the old cache is read alongside)."""
        return self.get_keyed(rel, stat_key(stat), stat.st_mtime_ns)

    def get_keyed(self, rel: str, key: str, mtime_ns: int) -> str | None:
        """`get` for an entry that stands for several files: `key` joins their `stat_key`s and
        `mtime_ns` is the newest of their mtimes (the racy rule looks at it)."""
        while self._pending is not None and self._pending[0] < rel:
            self.changed = True  # a file that is gone
            self._advance()
        pending = self._pending
        if pending is None or pending[0] != rel:
            self.changed = True
            return None
        self._advance()
        if pending[1] != key or mtime_ns >= self._trusted_before:
            self.changed = True
            return None
        return pending[2]

    def put(self, rel: str, stat: os.stat_result, payload: str) -> None:
        """Keep `payload` (one line) for `rel`, in the same sorted order as `get`."""
        self._put(rel, cache_key(stat), payload)

    def put_keyed(self, rel: str, key: str, payload: str) -> None:
        """`put` for an entry `get_keyed` served."""
        self._put(rel, key, payload)

    def put_fresh(self, rel: str, key: str | None, payload: str) -> None:
        """`put` for a file read without asking `get` (a pass that started `cold`, its files
        read elsewhere): `key` is `cache_key` of the file as it was read."""
        self.changed = True
        self._put(rel, key, payload)

    def _put(self, rel: str, key: str | None, payload: str) -> None:
        if rel <= self._last or "\n" in payload or "\t" in rel or "\n" in rel:
            raise ValueError(f"file cache: {rel!r} out of order or not one line")
        self._last = rel
        if key is None:
            self.changed = True
            return
        if self._new is not None:
            try:
                self._new.write(f"{rel}\t{key}\t{payload}\n")
            except OSError:
                self._drop_new()

    def close(self) -> None:
        """Replace the cache when anything changed (a file that is gone counts)."""
        if self._old is not None:
            if self._pending is not None:
                self.changed = True
            self._old.close()
            self._old = None
        if self._new is None or self._temp is None:
            return
        try:
            self._new.close()
            if self.changed:
                os.replace(self._temp, self.path)
            else:
                os.unlink(self._temp)
        except OSError:
            self._drop_new()
        self._new = self._temp = None

    def _drop_new(self) -> None:
        if self._new is not None:
            with contextlib.suppress(OSError):
                self._new.close()
        if self._temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temp)
        self._new = self._temp = None

    def __enter__(self) -> FileCache:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            if self._old is not None:
                self._old.close()
                self._old = None
            self._drop_new()
