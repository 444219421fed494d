"""The audit trail: the commits that touched an incident, with their trailers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from incident_kit.git import log_index
from incident_kit.git.process import run, run_bytes
from incident_kit.git.repository import git_dir, has_commits

FIELD = "\x1f"

RECORD = "\x1e"


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    date: str  # ISO 8601 (author date)
    subject: str
    trailers: Mapping[str, str]


def refresh_commit_graph(root: Path, head: str | None = None) -> None:
    """Keep a commit-graph with changed-path Bloom filters up to date for `log`.

    With it, `git log -- <folder>` skips almost every commit without diffing trees: ~50 ms
    instead of seconds in a 50,000-commit history (docs/architecture.md, "Measurements behind
    the design"). Written incrementally (`--split`) and only when HEAD moved since the last
    write; best effort.
    """
    marker = git_dir(root) / "incident-kit" / "commit-graph-head"
    head_sha = head or run(root, "rev-parse", "HEAD", check=False).stdout.strip()
    try:
        if marker.read_text().strip() == head_sha:
            return
    except OSError:
        pass
    result = run(
        root,
        "commit-graph",
        "write",
        "--reachable",
        "--changed-paths",
        "--split",
        "--no-progress",
        check=False,
    )
    if result.returncode == 0:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(head_sha + "\n")
        except OSError:
            pass


def log(root: Path, folder: str) -> list[Commit]:
    """Commits touching an incident folder, newest first."""
    if not has_commits(root):
        return []
    head = run(root, "rev-parse", "HEAD").stdout.strip()
    fmt = FIELD.join(["%H", "%an", "%aI", "%s", "%(trailers:only,unfold)"]) + RECORD
    indexed = log_index.lookup(root, folder, head, folder.partition("/")[0])
    if indexed is not None:
        if not indexed:
            return []
        result = run(root, "log", "--no-walk=unsorted", f"--format={fmt}", *indexed, "--")
    else:
        refresh_commit_graph(root, head)
        result = run(root, "log", f"--format={fmt}", "--", folder)
    return _commits(result.stdout)


def _commits(out: str) -> list[Commit]:
    """`log`'s records, parsed."""
    commits = []
    for record in out.split(RECORD):
        record = record.strip("\n")
        if not record:
            continue
        sha, author, date, subject, trailer_text = record.split(FIELD)
        trailers = {}
        for line in trailer_text.splitlines():
            key, _, value = line.partition(":")
            if value:
                trailers[key.strip()] = value.strip()
        commits.append(Commit(sha, author, date, subject, trailers))
    return commits


def changed_since(root: Path, ref: str, folder: str) -> list[str] | None:
    """Paths under `folder` that changed between `ref`'s merge base and HEAD; None for an unknown ref.

    `ref` comes from a workflow or a person: it is checked to be a commit first and passed after
    `--end-of-options`, so a value like `--output=FILE` is never read as an option.
    """
    verified = run(root, "rev-parse", "-q", "--verify", "--end-of-options", f"{ref}^{{commit}}", check=False)
    if verified.returncode != 0:
        return None
    out = run_bytes(
        root, ["diff", "--name-only", "-z", f"{verified.stdout.strip()}...HEAD", "--", folder], b""
    )
    return [name for name in out.decode("utf-8", "surrogateescape").split("\0") if name]


def versions_since(root: Path, since: str, path: str) -> tuple[str | None, list[tuple[Commit, str | None]]]:
    """A file as it was at commit `since`, and each commit after it up to HEAD that changed it
    (oldest first) with the file as that commit left it (None: deleted, or not UTF-8 text)."""
    fmt = FIELD.join(["%H", "%an", "%aI", "%s"]) + RECORD
    result = run(root, "log", "--reverse", f"--format={fmt}", f"{since}..HEAD", "--", path)
    commits = []
    for record in result.stdout.split(RECORD):
        record = record.strip("\n")
        if record:
            sha, author, date, subject = record.split(FIELD)
            commits.append(Commit(sha, author, date, subject, {}))
    texts = _blobs(root, [f"{rev}:{path}" for rev in (since, *(c.sha for c in commits))])
    return texts[0], list(zip(commits, texts[1:], strict=True))


def _blobs(root: Path, specs: list[str]) -> list[str | None]:
    """The text of each `rev:path` blob, through one `cat-file --batch`."""
    out = run_bytes(root, ["cat-file", "--batch"], "".join(f"{spec}\n" for spec in specs).encode())
    texts: list[str | None] = []
    position = 0
    for _ in specs:
        end = out.index(b"\n", position)
        header = out[position:end].split(b" ")
        position = end + 1
        if len(header) != 3:  # "<spec> missing"
            texts.append(None)
            continue
        size = int(header[2])
        try:
            texts.append(out[position : position + size].decode("utf-8") if header[1] == b"blob" else None)
        except UnicodeDecodeError:
            texts.append(None)
        position += size + 1
    return texts


def commit_with_trailer(root: Path, key: str, value: str, refs: tuple[str, ...] = ("HEAD",)) -> str | None:
    """The newest commit reachable from `refs` whose trailer `key` is exactly `value`, if any.

    `--grep` narrows the walk; the parsed trailer decides, so a line that merely looks alike
    in a subject or a body paragraph never counts."""
    if not has_commits(root):
        return None
    fmt = f"%H{FIELD}%(trailers:key={key},valueonly,unfold)"
    grep = f"--grep={key}: {value}"
    found = run(root, "log", "-F", grep, f"--format={fmt}{RECORD}", *refs, "--", check=False)
    for record in found.stdout.split(RECORD):
        sha, _, values = record.strip("\n").partition(FIELD)
        if sha and value in (line.strip() for line in values.splitlines()):
            return sha
    return None
