"""Which commits touched each incident folder, kept per clone so `log` need not walk all history.

`git log -- <folder>` visits every commit from HEAD to the root (an early incident's commits lie
at the far end); at 200,000 commits that walk alone is ~2 × the `log` target even with
changed-path Bloom filters (docs/benchmarks.md). This index (`.git/incident-kit/log-index.v1`,
SQLite) holds, for every directory under `incidents/`, the commits whose diff touched it, and is
extended with only the commits since the HEAD it last saw (one `git log --name-only OLD..HEAD`).

It answers only where its answer equals `git log -- <folder>`'s: a folder whose commits are all
on HEAD's first-parent chain, no merge among them changing it against its first parent (diffs
are taken against first parents, `--diff-merges=first-parent`). There git's history
simplification follows first parents through every merge (each is TREESAME to its first parent
for the folder), so the commits are the chain's commits that changed the folder, newest first.
A folder changed by a merge or by a commit off the chain (a merged side branch) is answered by
git (`None`); so are the few folders such history touches, never the others.
When HEAD is not a first-parent descendant of the indexed HEAD (a rebase, a reset, a
fast-forward onto a merge whose first parent is not the old HEAD), more than `INLINE_LIMIT`
commits arrived, or the index is missing, corrupt or from another format, it is rebuilt: in the
caller up to `INLINE_LIMIT` commits, else detached (≈ 110 µs a commit: 22 s at 200,000) while
the caller answers the old way. Shallow clones are never indexed (deepening changes
history without moving HEAD).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path

from incident_kit.errors import GitError
from incident_kit.git.process import run_bytes, start_detached
from incident_kit.git.repository import git_dir

NAME = "log-index.v1"

FORMAT = "incident-kit log index 1"

# A rebuild of at most this many commits runs in the caller (≈ 110 µs a commit); beyond it, detached.
INLINE_LIMIT = 1_000

LOCK_STALE_S = 1800.0

# `INCIDENT_KIT_LOG_INDEX`: "inline" builds in the caller whatever the size (tests), "off" never
# uses the index.
MODE_ENV = "INCIDENT_KIT_LOG_INDEX"


def lookup(root: Path, folder: str, head: str, prefix: str) -> list[str] | None:
    """The commits (newest first) `git log -- folder` lists at `head`, or None: ask git."""
    mode = os.environ.get(MODE_ENV, "")
    dot_git = git_dir(root)
    if mode == "off" or not folder.startswith(prefix + "/") or (dot_git / "shallow").exists():
        return None
    path = dot_git / "incident-kit" / NAME
    try:
        if not path.is_file():
            raise FileNotFoundError(path)
        with _connect(path) as db:
            indexed = _meta(db, prefix)
            if indexed is None:
                raise sqlite3.DatabaseError("not an index")
            if indexed[0] != head:
                if mode != "inline" and not _count_at_most(root, f"{indexed[0]}..{head}", INLINE_LIMIT):
                    raise sqlite3.DatabaseError("too many new commits to index here")
                if not _extend(root, db, indexed, head, prefix):
                    raise sqlite3.DatabaseError("history rewritten")
            rows = db.execute(
                "SELECT t.position, t.sha FROM dirs d JOIN touched t ON t.dir = d.id"
                " WHERE d.name = ? OR (d.name >= ? AND d.name < ?)",
                (folder, folder + "/", folder + "0"),
            ).fetchall()
    except (sqlite3.Error, OSError, ValueError, KeyError, GitError):
        _rebuild(root, path, head, prefix, inline=mode == "inline")
        return None
    if any(position is None for position, _ in rows):
        return None
    ordered = sorted({bytes(sha): position for position, sha in rows}.items(), key=lambda item: -item[1])
    return [sha.hex() for sha, _ in ordered]


def build(root: Path, path: Path, head: str, prefix: str) -> bool:
    """A new index of all history up to `head`, written beside `path` and renamed into place."""
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        with _connect(tmp) as db:
            db.executescript(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "CREATE TABLE dirs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
                "CREATE TABLE touched (dir INTEGER NOT NULL, sha BLOB NOT NULL, position INTEGER,"
                " PRIMARY KEY (dir, sha)) WITHOUT ROWID;"
            )
            if not _append(root, db, head, None, 0, prefix):
                return False
            db.execute("INSERT INTO meta VALUES ('format', ?), ('prefix', ?)", (FORMAT, prefix))
        db.close()
        os.replace(tmp, path)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level="DEFERRED")
    db.execute("PRAGMA journal_mode = DELETE")
    return db


def _meta(db: sqlite3.Connection, prefix: str) -> tuple[str, int] | None:
    values = dict(db.execute("SELECT key, value FROM meta").fetchall())
    if values.get("format") != FORMAT or values.get("prefix") != prefix or "head" not in values:
        return None
    return values["head"], int(values["positions"])


def _extend(root: Path, db: sqlite3.Connection, indexed: tuple[str, int], head: str, prefix: str) -> bool:
    """Add the commits since the indexed HEAD; False when HEAD does not descend from it along
    first parents (the index must be rebuilt)."""
    return _append(root, db, head, indexed[0], indexed[1], prefix)


def _append(root: Path, db: sqlite3.Connection, head: str, old: str | None, base: int, prefix: str) -> bool:
    """One `git log --name-only` over `old..head` (all history when `old` is None) into `db`."""
    revs = [head] if old is None else [head, f"^{old}"]
    try:
        out = run_bytes(
            root,
            [
                "log",
                "--root",
                "--no-renames",
                "--diff-merges=first-parent",
                "--name-only",
                "-z",
                "--format=%x1e%H%x1f%P",
                *revs,
                "--",
            ],
            b"",
        ).decode("utf-8", "surrogateescape")
    except GitError:  # an unknown old HEAD (gc'd after a rewrite): rebuild
        return False
    first_parent: dict[str, str] = {}
    merges: set[str] = set()
    touched: set[tuple[str, str]] = set()
    wanted = prefix + "/"
    for record in out.split("\x1e"):
        if not record:
            continue
        header, _, names = record.partition("\0")
        sha, _, parents = header.partition("\x1f")
        parent_list = parents.split()
        first_parent.setdefault(sha, parent_list[0] if parent_list else "")
        if len(parent_list) > 1:
            merges.add(sha)
        for name in names.lstrip("\n").split("\0"):
            if name.startswith(wanted):
                touched.add((name.rpartition("/")[0], sha))
    chain: list[str] = []
    sha = head
    while sha in first_parent:
        chain.append(sha)
        sha = first_parent[sha]
    if sha != (old or ""):
        return False
    position = {commit: base + n for n, commit in enumerate(reversed(chain))}
    folders = sorted({directory for directory, _ in touched})
    db.executemany("INSERT OR IGNORE INTO dirs (name) VALUES (?)", ((name,) for name in folders))
    ids: dict[str, int] = {}
    for start in range(0, len(folders), 500):
        part = folders[start : start + 500]
        marks = ",".join("?" * len(part))
        ids.update(
            (name, id_)
            for id_, name in db.execute(f"SELECT id, name FROM dirs WHERE name IN ({marks})", part)
        )
    db.executemany(
        "INSERT OR IGNORE INTO touched VALUES (?, ?, ?)",
        (
            (ids[directory], bytes.fromhex(commit), None if commit in merges else position.get(commit))
            for directory, commit in touched
        ),
    )
    db.execute("INSERT OR REPLACE INTO meta VALUES ('head', ?)", (head,))
    db.execute("INSERT OR REPLACE INTO meta VALUES ('positions', ?)", (str(base + len(chain)),))
    return True


def _rebuild(root: Path, path: Path, head: str, prefix: str, *, inline: bool) -> None:
    """Rebuild now when history is small (or `inline`), else once, detached, under a lock."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if inline or _count_at_most(root, head, INLINE_LIMIT):
            build(root, path, head, prefix)
            return
        lock = path.with_name(path.name + ".building")
        try:
            if time.time() - lock.stat().st_mtime < LOCK_STALE_S:
                return
            lock.unlink()
        except FileNotFoundError:
            pass
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.close(fd)
        try:
            start_detached(
                root, [sys.executable, "-m", "incident_kit.git.log_index", str(root), str(path), head, prefix]
            )
        except OSError:
            lock.unlink(missing_ok=True)
            raise
    except (OSError, sqlite3.Error, GitError):
        return  # best effort: `log` answers the old way


def _count_at_most(root: Path, revs: str, limit: int) -> bool:
    """Whether `revs` (a commit or a range) holds at most `limit` commits."""
    out = run_bytes(root, ["rev-list", f"--max-count={limit + 1}", revs, "--"], b"")
    return out.count(b"\n") <= limit


def _main(argv: list[str]) -> int:
    root, path, head, prefix = Path(argv[0]), Path(argv[1]), argv[2], argv[3]
    try:
        build(root, path, head, prefix)
    finally:
        path.with_name(path.name + ".building").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
