"""A commit of some files onto HEAD, built from HEAD's trees rather than from the whole index.

`git commit` lstat()s every tracked file to refresh the index first (~20 ms at 10,000
incidents) and takes whatever else is staged; the tool wants neither. Here, as `git commit`
does, the index is locked (`index.lock`) for the whole commit. The files are staged into a copy
of the index (`update-index`, so git applies its filters, attributes, CRLF rules and file modes
exactly as `git add` would), their blob ids and modes are read back from it (`ls-files`),
the few trees on their paths are read (from the loose objects the clone's last commit left,
else by `cat-file --batch`), the edited ones are written, and
`commit-tree` + `update-ref` (with the old value, so a commit that raced in is never lost) make
the commit; the copy replaces the index just before `update-ref`, still under the lock, so HEAD
never points at a commit the index lacks. Someone's other staged work stays staged and out of
the commit, and a `git commit` of theirs that races in fails on the lock instead of swallowing
the change.

The edited trees are written here, as loose objects (`_TreeWriter`): a tree is its entries in
git's order (`_tree_order`) and a loose object is its zlib-compressed bytes under their SHA-1,
so this spares a `git mktree` per commit (~3 ms) and gives the very ids `git commit` gives. Every
entry names an object that exists (HEAD's, or a blob `update-index` just wrote). Anything
unusual (a hook's index, an entry marked assume-unchanged or skip-worktree, a SHA-256
repository, another object directory, a shared repository's permissions, a symlink or folder on
the way) is `Unsupported`, and `git commit` does it instead.

Why this module is long: the commit is one sequence under one lock (stage into a copy of the
index, read the trees, write the edited ones, commit, swap the index, move the ref), and the
two object formats it reads and writes in-process (loose trees and commits) belong with the
checks that decide when reading or writing them is safe.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from incident_kit.errors import GitError
from incident_kit.git.process import run_bytes, stale_lock_message

TREE_MODE = b"40000"


class Entry(NamedTuple):
    mode: bytes  # as git writes it in a tree: b"100644", b"100755", b"120000", b"40000", b"160000"
    name: bytes
    sha: bytes  # 40 hex digits


def parse_tree(raw: bytes) -> dict[bytes, Entry]:
    """A tree object's entries, by name, with the modes git would write today."""
    entries: dict[bytes, Entry] = {}
    position = 0
    while position < len(raw):
        space = raw.index(b" ", position)
        nul = raw.index(b"\0", space)
        mode = canonical_mode(raw[position:space])
        entry = Entry(mode, raw[space + 1 : nul], raw[nul + 1 : nul + 21].hex().encode())
        entries[entry.name] = entry
        position = nul + 21
    return entries


def canonical_mode(mode: bytes) -> bytes:
    """Old trees may hold `100664` or `040000`; git's index (and so `git commit`) writes
    `100644` and `40000` (git's canon_mode)."""
    if mode in _CANONICAL:
        return mode
    value = int(mode, 8)
    kind = value & 0o170000
    if kind == 0o040000:
        return TREE_MODE
    if kind == 0o100000:
        return b"100755" if value & 0o100 else b"100644"
    return mode  # a symlink or gitlink keeps its mode; mktree checks it


_CANONICAL = frozenset((b"100644", b"100755", b"120000", b"40000", b"160000"))


class _TreeWriter:
    """Writes trees as git does (`git mktree`, `git write-tree`): loose objects, zlib-compressed
    at `core.loosecompression`'s default level, read-only, renamed into place complete."""

    def __init__(self, objects: Path) -> None:
        self.objects = objects

    def write(self, entries: Iterable[Entry]) -> bytes:
        import zlib

        ordered = sorted(entries, key=_tree_order)
        body = b"".join(b"%s %s\0%s" % (e.mode, e.name, bytes.fromhex(e.sha.decode())) for e in ordered)
        data = b"tree %d\0%s" % (len(body), body)
        sha = _sha1(data)
        folder = self.objects / sha[:2]
        final = folder / sha[2:]
        if not final.exists():
            folder.mkdir(exist_ok=True)
            fd, temp = _new_object_file(folder)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(zlib.compress(data, 1))
                os.chmod(temp, 0o444)
                os.replace(temp, final)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        return sha.encode()


def _tree_order(entry: Entry) -> bytes:
    """git's order of tree entries: by name, a folder's name as if it ended in `/`."""
    return entry.name + b"/" if entry.mode == TREE_MODE else entry.name


def _sha1(data: bytes) -> str:
    try:
        from _sha1 import sha1  # type: ignore[import-not-found]  # CPython's own: ~0.4 ms to import, hashlib ~4 ms
    except ImportError:  # pragma: no cover - another Python
        from hashlib import sha1
    digest: str = sha1(data).hexdigest()
    return digest


def _new_object_file(folder: Path) -> tuple[int, str]:
    from incident_kit.store import new_temp_file

    return new_temp_file(folder, "tmp_obj_")


class Unsupported(Exception):
    """Something this path does not handle (a first commit, a file where a folder should be):
    `git commit` does it instead."""


Listings = dict[str, tuple[bytes, dict[bytes, Entry]] | None]


def _read_trees(root: Path, base: str, folders: Sequence[str], objects: Path) -> Listings:
    """HEAD's tree id and listing of each folder ("" is the root); None where it has none.

    Read from the loose objects when HEAD's commit and the trees on the way are all loose, as
    the previous write of this clone left them (`_read_loose_trees`); else `git cat-file`."""
    loose = _read_loose_trees(base, folders, objects)
    return loose if loose is not None else _cat_trees(root, base, folders)


def _cat_trees(root: Path, base: str, folders: Sequence[str]) -> Listings:
    """`_read_trees` through `git cat-file --batch`."""
    specs = [f"{base}^{{tree}}" if not folder else f"{base}:{folder}" for folder in folders]
    out = run_bytes(root, ["cat-file", "--batch"], "".join(f"{spec}\n" for spec in specs).encode())
    listings: Listings = {}
    position = 0
    for folder in folders:
        end = out.index(b"\n", position)
        header = out[position:end].split(b" ")
        position = end + 1
        if header[-1] == b"missing":
            listings[folder] = None
            continue
        if len(header) != 3 or header[1] != b"tree":
            raise Unsupported(f"{folder or 'the root'} is not a folder in HEAD")
        size = int(header[2])
        listings[folder] = (header[0], parse_tree(out[position : position + size]))
        position += size + 1
    return listings


def _read_loose_trees(base: str, folders: Sequence[str], objects: Path) -> Listings | None:
    """What `_read_trees` asks `git cat-file` for, read from loose objects (zlib-compressed
    `<type> <size>\\0<body>` under their SHA-1); None (ask git) as soon as one is not loose (a
    packed or borrowed object) or is not what the walk expects, and whenever replace refs could
    make git read another object (`refs/replace/`, a reftable, GIT_REPLACE_REF_BASE)."""
    if _replacements_possible(objects.parent):
        return None
    commit = _loose_object(objects, base, b"commit")
    if commit is None or not commit.startswith(b"tree ") or commit[45:46] != b"\n":
        return None
    root_sha = commit[5:45]
    root_tree = _loose_object(objects, root_sha.decode(), b"tree")
    if root_tree is None:
        return None
    listings: Listings = {"": (root_sha, parse_tree(root_tree))}
    for folder in sorted(folders, key=lambda folder: folder.count("/") + bool(folder)):  # parents first
        if not folder:
            continue
        parent, _, name = folder.rpartition("/")
        listing = listings.get(parent)
        entry = listing[1].get(name.encode("utf-8", "surrogateescape")) if listing else None
        if entry is None:
            listings[folder] = None
            continue
        if entry.mode != TREE_MODE:
            return None  # git says what it is (`Unsupported`)
        body = _loose_object(objects, entry.sha.decode(), b"tree")
        if body is None:
            return None
        listings[folder] = (entry.sha, parse_tree(body))
    return listings


def _loose_object(objects: Path, sha: str, kind: bytes) -> bytes | None:
    """The body of a loose object of that kind, or None."""
    import zlib

    try:
        raw = zlib.decompress((objects / sha[:2] / sha[2:]).read_bytes())
    except (OSError, zlib.error):
        return None
    header, nul, body = raw.partition(b"\0")
    return body if nul and header == b"%s %d" % (kind, len(body)) else None


def _replacements_possible(common: Path) -> bool:
    if "GIT_REPLACE_REF_BASE" in os.environ or (common / "reftable").exists():
        return True
    try:
        if any(os.scandir(common / "refs" / "replace")):
            return True
    except OSError:
        pass
    try:
        with open(common / "packed-refs", "rb") as handle:
            return b" refs/replace/" in handle.read()
    except OSError:
        return False


def blob_id(data: bytes) -> str:
    """The id git gives a file's content (`git hash-object`, no filters applied)."""
    return _sha1(b"blob %d\0" % len(data) + data)


class Diverged(GitError):
    """Paths whose version in HEAD is not the one the change was computed from: someone edited
    them and did not commit it. `paths` lists them; nothing was committed."""

    def __init__(self, paths: Sequence[str]) -> None:
        super().__init__(f"uncommitted changes to {', '.join(paths)}")
        self.paths = tuple(paths)


def commit_onto_head(
    root: Path,
    git_dir: Path,
    base: str,
    paths: Sequence[str],
    message: str,
    env: Mapping[str, str],
    expected: Mapping[str, str | None] | None = None,
    objects: Path | None = None,
) -> str:
    """Commit `paths` (as they are in the work tree) onto `base`, which HEAD must still be.

    `expected` maps paths to the blob id HEAD should hold for them (None: no such file): the
    files' contents before the change was written. A path whose HEAD version differs is
    `Diverged`: the change was computed on someone's uncommitted edits, which must not ride
    along in it. Checked against the trees this commit reads anyway, so it costs nothing.
    """
    if len(base) != 40:
        raise Unsupported("not a SHA-1 repository")
    if "GIT_INDEX_FILE" in os.environ:
        raise Unsupported("a caller's own index (a hook?)")
    if not paths or any(
        "\n" in path or "\r" in path or path.startswith(("/", '"')) or "\\" in path for path in paths
    ):
        raise Unsupported("a path git's batch input cannot carry")
    if not (git_dir / "index").is_file():
        raise Unsupported("no index")
    if "GIT_OBJECT_DIRECTORY" in os.environ:
        raise Unsupported("another object directory")
    objects = objects or git_dir / "objects"
    with IndexLock(git_dir) as staging:
        staged = staging.env
        run_bytes(root, ["update-index", "--add", "--", *paths], b"", staged)
        blobs = _staged_blobs(root, paths, staged)
        tree = _write_tree_onto(root, base, blobs, expected or {}, objects)
        sha = run_bytes(root, ["commit-tree", tree, "-p", base, "-F", "-"], message.encode("utf-8"), env)
        # the index first, still under the lock: HEAD never points at a commit the index lacks
        staging.install()
        subject = message.split("\n", 1)[0]
        run_bytes(root, ["update-ref", "-m", f"commit: {subject}", "HEAD", sha.decode().strip(), base], b"")
    return sha.decode().strip()


LOCK_MARK = b"incident-kit commit in progress\n"


class IndexLock:
    """git's `index.lock`, held for a whole commit as `git commit` holds it, around a copy of
    the index (`GIT_INDEX_FILE`) that replaces the index just before HEAD moves.

    The lock file holds `LOCK_MARK`, so the next command can tell a lock left by a killed
    incident-kit process (`release_stale`) from a running git's.
    """

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self.lock = git_dir / "index.lock"
        self.index = git_dir / "index"
        self.copy = git_dir / COPY
        self.env = {"GIT_INDEX_FILE": str(self.copy)}

    def __enter__(self) -> IndexLock:

        try:
            fd = os.open(self.lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            raise GitError(stale_lock_message(str(self.lock))) from None
        try:
            os.write(fd, LOCK_MARK)
        finally:
            os.close(fd)
        try:
            _remove_copy(self.git_dir)  # a killed run's: nobody else uses it while we hold the lock
            try:
                os.link(self.index, self.copy)  # git replaces, never rewrites, an index file
            except OSError:
                self.copy.write_bytes(self.index.read_bytes())
        except BaseException:
            self.lock.unlink(missing_ok=True)
            raise
        return self

    def install(self) -> None:
        os.replace(self.copy, self.index)

    def __exit__(self, *_: object) -> None:
        _remove_copy(self.git_dir)
        self.lock.unlink(missing_ok=True)

    @staticmethod
    def release_stale(git_dir: Path) -> None:
        """Remove the lock (and index copy) of an incident-kit commit that was killed; only
        called under the tool's own lock, so no live incident-kit commit can own them."""
        lock = git_dir / "index.lock"
        try:
            with open(lock, "rb") as handle:
                ours = handle.read(len(LOCK_MARK) + 1) == LOCK_MARK
        except OSError:
            return
        if ours:
            _remove_copy(git_dir)
            lock.unlink(missing_ok=True)


COPY = "index.incident-kit"


def _remove_copy(git_dir: Path) -> None:
    """The index copy, and the lock `update-index` takes on it (left if it was killed)."""
    (git_dir / COPY).unlink(missing_ok=True)
    (git_dir / f"{COPY}.lock").unlink(missing_ok=True)


def _check_expected(
    listings: Mapping[str, tuple[bytes, dict[bytes, Entry]] | None], expected: Mapping[str, str | None]
) -> None:
    diverged = []
    for path, wanted in expected.items():
        folder, _, name = path.rpartition("/")
        listing = listings.get(folder)
        entry = listing[1].get(name.encode("utf-8", "surrogateescape")) if listing else None
        in_head = entry.sha.decode() if entry is not None and entry.mode != TREE_MODE else None
        if in_head != wanted:
            diverged.append(path)
    if diverged:
        raise Diverged(diverged)


def _staged_blobs(root: Path, paths: Sequence[str], env: Mapping[str, str]) -> dict[str, Entry]:
    """Each path's mode and blob id as `update-index` staged them (git's own conversion rules)."""
    out = run_bytes(
        root, ["ls-files", "-s", "-t", "-v", "-z", "--", *paths], b"", {**env, "GIT_LITERAL_PATHSPECS": "1"}
    )
    blobs: dict[str, Entry] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        info, _, name = record.partition(b"\t")
        tag, mode, sha, stage = info.split(b" ")
        if tag != b"H" or stage != b"0":  # assume-unchanged (h), skip-worktree (S): git decides
            raise Unsupported(f"{name.decode('utf-8', 'replace')} is not a plain index entry")
        if mode not in (b"100644", b"100755"):
            raise Unsupported(f"{name.decode('utf-8', 'replace')} is not a regular file")
        blobs[name.decode("utf-8", "surrogateescape")] = Entry(mode, b"", sha)
    if set(blobs) != set(paths):
        raise Unsupported("update-index did not stage every path")
    return blobs


def _write_tree_onto(
    root: Path, base: str, blobs: Mapping[str, Entry], expected: Mapping[str, str | None], objects: Path
) -> str:
    """HEAD's tree with `blobs` put in place; its id. `Diverged` when a path's HEAD version is
    not the one `expected` names."""
    folders = {""}
    children: dict[str, set[str]] = {}
    for path in blobs:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            folders.add("/".join(parts[:depth]))
        for depth in range(len(parts)):
            parent = "/".join(parts[:depth])
            children.setdefault(parent, set()).add(parts[depth])
    ordered = sorted(folders, key=lambda folder: (-folder.count("/") - bool(folder), folder))  # deepest first
    listings = _read_trees(root, base, ordered, objects)
    _check_expected(listings, expected)

    new_ids: dict[str, bytes] = {}
    writer = _TreeWriter(objects)
    for folder in ordered:  # deepest first: a folder's new id is known before its parent's
        listing = listings[folder]
        entries = dict(listing[1]) if listing else {}
        for name in children.get(folder, ()):
            path = f"{folder}/{name}" if folder else name
            key = name.encode("utf-8", "surrogateescape")
            old = entries.get(key)
            if path in new_ids:
                if old is not None and old.mode != TREE_MODE:
                    raise Unsupported(f"{path} is a file in HEAD")
                entries[key] = Entry(TREE_MODE, key, new_ids[path])
            else:
                if old is not None and old.mode not in (b"100644", b"100755"):
                    raise Unsupported(f"{path} is not a regular file in HEAD")
                entries[key] = Entry(blobs[path].mode, key, blobs[path].sha)
        new_ids[folder] = writer.write(entries.values())
    tree = new_ids[""].decode()
    if listings[""] is not None and listings[""][0].decode() == tree:
        raise Unsupported("nothing changed")  # `git commit` says so in its own words
    return tree
