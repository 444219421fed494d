"""HEAD's trees on a commit's paths, read from loose objects or through `git cat-file`.

A write reads the few trees on its files' paths. When the clone's last commit left them loose
(the usual case: the previous write wrote them), they are read from `.git/objects` without a
git process; otherwise, and whenever replace refs could make git see other objects, git reads
them. Both ways must give the very same listings.
"""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import run_cli
from support.repos import git, status_clean

from incident_kit.git import tree_commit


def _declare(repo: Path) -> str:
    args = ["declare", "--manual-incident", "--title", "Down", "--format", "json", "--repo", str(repo)]
    result = run_cli(args)
    assert result.code == 0, result.stderr
    return str(json.loads(result.stdout)["path"])


def _folders(path: str) -> list[str]:
    parts = path.split("/")
    nested = ["/".join(parts[:depth]) for depth in range(len(parts), 0, -1)]
    return [*nested, "incidents/1999-01", "incidents/1999-01/inc-x", ""]  # deepest first, as commits ask


def test_loose_trees_read_as_git_reads_them(repo: Path) -> None:
    folder = _declare(repo)
    base = git(repo, "rev-parse", "HEAD").strip()
    objects = repo / ".git" / "objects"

    loose = tree_commit._read_loose_trees(base, _folders(folder), objects)

    assert loose is not None  # the declare's commit and trees are loose
    assert loose == tree_commit._cat_trees(repo, base, _folders(folder))
    assert loose["incidents/1999-01"] is None and loose["incidents/1999-01/inc-x"] is None
    listing = loose[folder]
    assert listing is not None and b"incident.md" in listing[1]


def test_packed_objects_are_read_by_git_and_the_next_write_still_commits(repo: Path) -> None:
    folder = _declare(repo)
    git(repo, "gc", "-q")
    base = git(repo, "rev-parse", "HEAD").strip()

    assert tree_commit._read_loose_trees(base, _folders(folder), repo / ".git" / "objects") is None

    incident_id = folder.rsplit("/", 1)[1][:17]
    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0
    assert git(repo, "rev-parse", "HEAD^").strip() == base
    assert git(repo, "diff", "--name-only", "HEAD^", "HEAD").split() == [f"{folder}/incident.md"]
    assert status_clean(repo)
    assert git(repo, "fsck", "--no-progress").strip() == ""


def test_with_replace_refs_git_reads_the_trees(repo: Path) -> None:
    folder = _declare(repo)
    base = git(repo, "rev-parse", "HEAD").strip()
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    other = git(repo, "rev-parse", "HEAD^^{tree}").strip()
    git(repo, "replace", tree, other)

    assert tree_commit._read_loose_trees(base, _folders(folder), repo / ".git" / "objects") is None
