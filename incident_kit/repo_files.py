"""The one door through which the tool reads a file of the repository.

Incident files, post-mortems, `incidents/config.yaml` and the index are edited in pull requests
by people the tool must not trust, then read by workflows that hold Slack and GitHub tokens.
Every such read goes through `read_text`, and `incident validate` uses exactly it, so a file
that passes the pull-request check cannot hurt a later command. It refuses:

- a path outside the repository, or through a symlink anywhere on the way (`config.yaml` ->
  `/etc/passwd`, `README.md` -> `/dev/zero`): opened with `O_NOFOLLOW`, each folder checked;
- anything but a regular file (a folder, a FIFO, a device): `O_NONBLOCK`, so opening a FIFO
  never waits for a writer;
- more than `MAX_FILE_BYTES` — counted while reading, not trusted from `stat`;
- bytes that are not UTF-8 (the error names the line).

What is inside is bounded by the parsers: YAML by `safe_yaml`, Markdown by linear-time
scanners (tests/hostile_pr/test_linear_parsers.py holds each to it).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from incident_kit.errors import FileFormatError

MAX_FILE_BYTES = 2 * 1024 * 1024  # incident files, post-mortems, the config
# the index is the tool's own output: ~250 bytes an open incident, so 10,000 of them fit
MAX_INDEX_BYTES = 16 * 1024 * 1024
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def read_text(root: Path, path: Path, *, limit: int = MAX_FILE_BYTES, walked: bool = False) -> str:
    """The file's text; `FileFormatError` naming the file (and line) for anything refused.
    `walked`: the caller found the folders on the way by a walk that follows no symlink (the
    per-path `check_inside` is most of the cost of reading 10,000 small files); the file itself
    is still opened without following a symlink."""
    raw = read_bytes(root, path, limit=limit, walked=walked)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileFormatError(f"{relative(root, path)}:{line}: not UTF-8 text (binary content?)") from None


def read_walked(root: Path, rel: str) -> tuple[str, os.stat_result]:
    """`read_text(walked=True)` of `root/rel`, and the opened file's own stat: a lean path for
    reads of every file of the repository (no `Path` objects, one `fstat` for both the checks
    and the caller's cache key). Anything unusual is handed to `read_text`, so errors are the
    same; `FileNotFoundError` (or `NotADirectoryError`) when nothing is there."""
    try:
        fd = os.open(f"{root}/{rel}", _OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        raise
    except OSError:
        return _read_walked_slowly(root, rel)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size >= MAX_FILE_BYTES:
            raw = None
        else:
            raw = os.read(fd, info.st_size + 1)  # a regular file reads short only at its end
            if len(raw) != info.st_size:
                raw = None  # it changed while being read
    finally:
        os.close(fd)
    if raw is None:
        return _read_walked_slowly(root, rel)
    try:
        return raw.decode("utf-8"), info
    except UnicodeDecodeError:
        return _read_walked_slowly(root, rel)


def _read_walked_slowly(root: Path, rel: str) -> tuple[str, os.stat_result]:
    path = root / rel
    text = read_text(root, path, walked=True)
    return text, os.lstat(path)


def read_if_present(root: Path, path: Path, *, limit: int = MAX_FILE_BYTES) -> str | None:
    """`read_text`, or None when nothing is there (a dangling symlink *is* something: refused)."""
    if not os.path.lexists(path):
        return None
    return read_text(root, path, limit=limit)


def read_bytes(root: Path, path: Path, *, limit: int = MAX_FILE_BYTES, walked: bool = False) -> bytes:
    if not walked:
        check_inside(root, path)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise FileFormatError(f"{relative(root, path)}: file is missing") from None
    except OSError as exc:  # ELOOP: the file itself turned into a symlink since the check
        raise FileFormatError(f"{relative(root, path)}: cannot read it ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileFormatError(f"{relative(root, path)}: is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileFormatError(f"{relative(root, path)}: is not a regular file; refusing to read it")
        if info.st_size > limit:
            raise _too_big(relative(root, path), info.st_size, limit)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:  # it grew while being read
        raise _too_big(relative(root, path), size, limit)
    return b"".join(chunks)


def check_inside(root: Path, path: Path) -> None:
    """Refuse a path that leaves the repository, through `..` or through a symlink on the way
    (the last part included)."""
    normal = Path(os.path.normpath(path))
    if normal != root and root not in normal.parents:
        raise FileFormatError(f"{path}: outside the repository; refusing to touch it")
    current = normal
    while current != root:
        if current.is_symlink():
            raise FileFormatError(f"{relative(root, current)}: is a symlink; refusing to follow it")
        current = current.parent
    real = Path(os.path.realpath(normal))  # no symlink below the root, so only a race gets here
    real_root = Path(os.path.realpath(root))
    if real != real_root and real_root not in real.parents:
        raise FileFormatError(
            f"{relative(root, normal)}: points outside the repository; refusing to touch it"
        )


def relative(root: Path, path: Path) -> str:
    """`path` as the repository-relative name errors use."""
    normal = Path(os.path.normpath(path))
    try:
        return normal.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _too_big(source: str, size: int, limit: int) -> FileFormatError:
    return FileFormatError(
        f"{source}: file is {size // 1024} KB; files the tool reads are limited to "
        f"{limit // (1024 * 1024)} MB"
    )
