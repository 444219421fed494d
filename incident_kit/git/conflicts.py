"""What a merge left unfinished: the paths git marks unmerged, and the base they came from.

The markers in a file give both sides of each conflict; the base, which git's default marker
style leaves out, `incident resolve-conflicts` asks of git while it still has it.
"""

from __future__ import annotations

from pathlib import Path

from incident_kit.errors import GitError
from incident_kit.git.process import run, run_bytes
from incident_kit.git.repository import git_dir


def unmerged_paths(root: Path) -> list[str]:
    """Paths with conflict stages in the index, repository-relative."""
    out = run_bytes(root, ["ls-files", "-u", "-z"], b"")
    paths: list[str] = []
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        _, tab, path = record.partition("\t")
        if tab and path not in paths:
            paths.append(path)
    return paths


def base_version(root: Path, path: str) -> str | None:
    """The version both sides of an unfinished merge started from: the index's stage 1, else
    the merge base of a merge in progress; None when git no longer knows it."""
    staged = _blob_text(root, f":1:{path}")
    if staged is not None or not (git_dir(root) / "MERGE_HEAD").is_file():
        return staged
    base = run(root, "merge-base", "HEAD", "MERGE_HEAD", check=False).stdout.strip()
    return _blob_text(root, f"{base}:{path}") if base else None


def _blob_text(root: Path, spec: str) -> str | None:
    """A blob's text; None when there is no such blob or it is not UTF-8."""
    try:
        return run_bytes(root, ["cat-file", "blob", spec], b"").decode("utf-8")
    except (GitError, UnicodeDecodeError):
        return None


def mark_resolved(root: Path, path: str) -> None:
    """Stage the resolved file, as `git add` after resolving by hand would."""
    run(root, "add", "--", path)
