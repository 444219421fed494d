"""A commit of some files onto HEAD, built from HEAD's trees rather than from the index.

`git commit` lstat()s every tracked file to refresh the index first (~20 ms at 10,000
incidents) and takes whatever else is staged; the tool wants neither. Here the commit is HEAD's
tree with just the given files replaced: git hashes the files (with the repository's filters
and attributes, as `git add` would), `cat-file --batch` reads the few trees on their paths,
`mktree` writes the edited ones, and `commit-tree` + `update-ref` (with the old value, so a
commit that raced in is never lost) make the commit. The index is updated for those files
alone, before HEAD moves, so someone's other staged work stays staged and out of the commit.

git writes every tree (`mktree` sorts the entries and checks that each object exists); this
module only edits listings.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from incident_kit.errors import GitError

TREE_MODE = b"40000"
_TYPES = {TREE_MODE: b"tree", b"160000": b"commit"}


@dataclass(frozen=True)
class Entry:
    mode: bytes  # as git writes it in a tree: b"100644", b"100755", b"120000", b"40000", b"160000"
    name: bytes
    sha: bytes  # 40 hex digits


def parse_tree(raw: bytes) -> dict[bytes, Entry]:
    """A tree object's entries, by name."""
    entries: dict[bytes, Entry] = {}
    position = 0
    while position < len(raw):
        space = raw.index(b" ", position)
        nul = raw.index(b"\0", space)
        entry = Entry(raw[position:space], raw[space + 1 : nul], raw[nul + 1 : nul + 21].hex().encode())
        entries[entry.name] = entry
        position = nul + 21
    return entries


class _Mktree:
    """One `git mktree --batch` for all the trees of a commit; it answers each with its id."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            ["git", "mktree", "-z", "--batch"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(None),
        )

    def write(self, entries: Iterable[Entry]) -> bytes:
        assert self.process.stdin is not None and self.process.stdout is not None
        records = [b"%s %s %s\t%s\0" % (e.mode, _TYPES.get(e.mode, b"blob"), e.sha, e.name) for e in entries]
        try:
            self.process.stdin.write(b"".join(records) + b"\0")  # an empty record ends a tree
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # git stopped; its message is read below
        answer = self.process.stdout.readline().strip()
        if len(answer) != 40:
            self.process.kill()
            _, errors = self.process.communicate()
            lines = errors.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"git mktree failed: {lines[0] if lines else 'no tree id'}")
        return answer

    def __enter__(self) -> _Mktree:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            self.process.communicate()


class Unsupported(Exception):
    """Something this path does not handle (a first commit, a file where a folder should be):
    `git commit` does it instead."""


def _environment(env: Mapping[str, str] | None) -> dict[str, str]:
    full_env = dict(os.environ)
    full_env.setdefault("LC_ALL", "C")
    full_env["GIT_TERMINAL_PROMPT"] = "0"
    full_env.update(env or {})
    return full_env


def _git(root: Path, args: Sequence[str], data: bytes, env: Mapping[str, str] | None = None) -> bytes:
    result = subprocess.run(
        ["git", *args], cwd=root, input=data, capture_output=True, env=_environment(env), check=False
    )
    if result.returncode != 0:
        from incident_kit.git import _STALE_LOCK, stale_lock_message

        text = result.stderr.decode("utf-8", "replace")
        stale = _STALE_LOCK.search(text)
        if stale:
            raise GitError(stale_lock_message(stale.group(1) or stale.group(2)))
        lines = text.strip().splitlines()
        raise GitError(f"git {args[0]} failed: {lines[0] if lines else f'exit {result.returncode}'}")
    return result.stdout


def _read_trees(
    root: Path, base: str, folders: Sequence[str]
) -> dict[str, tuple[bytes, dict[bytes, Entry]] | None]:
    """HEAD's tree id and listing of each folder ("" is the root); None where it has none."""
    specs = [f"{base}^{{tree}}" if not folder else f"{base}:{folder}" for folder in folders]
    out = _git(root, ["cat-file", "--batch"], "".join(f"{spec}\n" for spec in specs).encode())
    listings: dict[str, tuple[bytes, dict[bytes, Entry]] | None] = {}
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


def commit_onto_head(
    root: Path,
    base: str,
    paths: Sequence[str],
    message: str,
    env: Mapping[str, str],
    *,
    file_mode: bool = True,
) -> str:
    """Commit `paths` (as they are in the work tree) onto `base`, which HEAD must still be."""
    if not paths or any("\n" in path or path.startswith(("/", '"')) or "\\" in path for path in paths):
        raise Unsupported("a path git's batch input cannot carry")
    blob_ids = _git(root, ["hash-object", "-w", "--stdin-paths"], "".join(f"{p}\n" for p in paths).encode())
    blobs = dict(zip(paths, blob_ids.decode().split(), strict=True))

    folders = {""}
    children: dict[str, set[str]] = {}
    for path in paths:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            folders.add("/".join(parts[:depth]))
        for depth in range(len(parts)):
            parent = "/".join(parts[:depth])
            children.setdefault(parent, set()).add(parts[depth])
    ordered = sorted(folders, key=lambda folder: (-folder.count("/") - bool(folder), folder))  # deepest first
    listings = _read_trees(root, base, ordered)

    new_ids: dict[str, bytes] = {}
    with _Mktree(root) as mktree:
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
                    entries[key] = Entry(_blob_mode(root / path, old, file_mode), key, blobs[path].encode())
            new_ids[folder] = mktree.write(entries.values())
    tree = new_ids[""].decode()
    if listings[""] is not None and listings[""][0].decode() == tree:
        raise Unsupported("nothing changed")  # `git commit` says so in its own words

    text = message.encode("utf-8")
    sha = _git(root, ["commit-tree", tree, "-p", base, "-F", "-"], text, env).decode().strip()
    _git(root, ["update-index", "--add", "--", *paths], b"")
    subject = message.split("\n", 1)[0]
    _git(root, ["update-ref", "-m", f"commit: {subject}", "HEAD", sha, base], b"")
    return sha


def _blob_mode(path: Path, old: Entry | None, file_mode: bool) -> bytes:
    """The mode `git add` would record: the executable bit from the file, unless git ignores it."""
    if not file_mode:
        return old.mode if old is not None else b"100644"
    try:
        executable = os.stat(path).st_mode & 0o100
    except OSError:
        executable = 0
    return b"100755" if executable else b"100644"
