"""What the harness needs to run a composite action the way the runner does: fetch it at the
pinned commit (the runner downloads the repository's tarball at that SHA), read its
`action.yml`, and the cache service behind `actions/cache/restore` and `actions/cache/save`.

The action's "GitHub" is a local git repository: `snapshot_commit` turns a work tree (this
repository, with its uncommitted edits) into a commit there without touching its own refs.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gha_expressions import HarnessError
from ruamel.yaml import YAML

ACTION_KEYS = {"name", "description", "author", "branding", "inputs", "outputs", "runs"}


@dataclass(frozen=True)
class ActionUnderTest:
    git_dir: Path  # the "GitHub" repository of the action (incident-kit/incident-kit)
    sha: str  # the commit workflows pin


def _git(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> bytes:
    done = subprocess.run(["git", *args], capture_output=True, env=env, cwd=cwd, check=False)
    if done.returncode != 0:
        raise HarnessError(f"git {' '.join(args)} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def snapshot_commit(work_tree: Path, into: Path) -> str:
    """Commit `work_tree` as it is on disk (tracked and untracked files git does not ignore)
    into the bare repository `into`, which borrows the work tree's objects; its SHA.

    The work tree's own repository gets no ref, no index change and no new object: the new
    objects are written into `into`.
    """
    source_objects = _git("rev-parse", "--path-format=absolute", "--git-path", "objects", cwd=work_tree)
    _git("init", "--quiet", "--bare", str(into))
    (into / "objects" / "info" / "alternates").write_text(source_objects.decode().strip() + "\n")
    head = _git("rev-parse", "HEAD", cwd=work_tree).decode().strip()
    env = {
        **os.environ,
        "GIT_DIR": str(into),
        "GIT_WORK_TREE": str(work_tree),
        "GIT_INDEX_FILE": str(into / "snapshot-index"),
        "GIT_AUTHOR_NAME": "harness",
        "GIT_AUTHOR_EMAIL": "harness@example.com",
        "GIT_COMMITTER_NAME": "harness",
        "GIT_COMMITTER_EMAIL": "harness@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    _git("read-tree", head, env=env)
    _git("add", "--all", env=env)
    tree = _git("write-tree", env=env).decode().strip()
    return _git("commit-tree", tree, "-p", head, "-m", "harness snapshot", env=env).decode().strip()


def fetch_action(git_dir: Path, sha: str, dest: Path) -> bool:
    """Unpack the action repository at `sha` into `dest`, like the runner's download; False
    when the repository has no such commit (the runner fails the job: unable to resolve)."""
    known = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{sha}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if known.returncode != 0:
        return False
    archive = _git("--git-dir", str(git_dir), "archive", "--format=tar", sha)
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return True


def load_action(action_dir: Path) -> dict[str, Any]:
    path = action_dir / "action.yml"
    if not path.is_file():
        path = action_dir / "action.yaml"
    if not path.is_file():
        raise HarnessError(f"{action_dir}: no action.yml")
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or set(data) - ACTION_KEYS:
        raise HarnessError(f"{path}: keys not modelled: {sorted(set(data or {}) - ACTION_KEYS)}")
    runs = data.get("runs") or {}
    if runs.get("using") != "composite":
        raise HarnessError(f"{path}: only composite actions are modelled, not {runs.get('using')!r}")
    return data


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class ActionsCache:
    """The Actions cache service: entries by exact key, immutable once saved (a second save
    of a key is a no-op with a warning, as on GitHub). Shared by every job given it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _entry(self, key: str) -> Path:
        return self.root / hashlib.sha256(key.encode()).hexdigest()[:32]

    def restore(self, path: Path, key: str) -> bool:
        entry = self._entry(key)
        if not (entry / "data").is_dir():
            return False
        if path.exists():
            shutil.rmtree(path)
        # Hard links: a restore costs milliseconds, not seconds. Files are replaced, never
        # edited in place, by what runs in the environment (pip, Python's .pyc writer), so
        # the entry stays as it was saved.
        shutil.copytree(entry / "data", path, symlinks=True, copy_function=_link_or_copy)
        return True

    def save(self, path: Path, key: str) -> str:
        entry = self._entry(key)
        if entry.exists():
            return f"Failed to save: Unable to reserve cache with key {key}, another job made it.\n"
        if not path.is_dir():
            return f"Path Validation Error: Path(s) specified in the action do(es) not exist: {path}\n"
        staging = self.root / f".staging-{uuid.uuid4().hex}"
        shutil.copytree(path, staging / "data", symlinks=True)
        try:
            staging.rename(entry)  # atomic: parallel test workers may race for one key
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
        return f"Cache saved with key: {key}\n"

    def keys(self) -> int:
        return sum(1 for entry in self.root.iterdir() if not entry.name.startswith("."))
