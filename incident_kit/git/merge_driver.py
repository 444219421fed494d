"""The incident merge driver's wiring into git: `.gitattributes` names it, each clone's config
says how to run it, and `git merge-file` stands in wherever the driver cannot judge.

git runs a custom merge driver only when a clone's config defines it (`merge.incident.driver`);
that config is never cloned. So the CLI defines it the first time it runs in a clone, and
remembers having done so in `.git/incident-kit/merge-driver` (the command it set), so every
later run pays one small file read, not a `git config`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from incident_kit.git.process import run
from incident_kit.git.repository import git_dir

NAME = "incident"
ATTRIBUTES_PATH = ".gitattributes"
ATTRIBUTES = (
    "# incident-kit merges incident files by what they mean (docs/merging.md)",
    f"incidents/**/incident.md merge={NAME}",
    f"incidents/**/postmortem.md merge={NAME}",
)
_MARKER = "incident-kit/merge-driver"
_SHELL_SAFE = re.compile(r"[A-Za-z0-9_./+-]+")


def command() -> str:
    """What git runs: this very installation, so the driver works without `incident` on PATH."""
    python = sys.executable
    if not _SHELL_SAFE.fullmatch(python):
        import shlex  # rarely needed: spared on every run (~0.5 ms)

        python = shlex.quote(python)
    return f"{python} -m incident_kit merge-file %O %A %B --marker-size %L --path %P"


def ensure_registered(root: Path) -> None:
    """Define the driver in this clone's config once; best effort (a read-only clone still works)."""
    wanted = command()
    marker = git_dir(root) / _MARKER
    try:
        if marker.read_text("utf-8") == wanted:
            return
    except (OSError, UnicodeDecodeError):
        pass
    key = f"merge.{NAME}.driver"
    current = run(root, "config", "--get", key, check=False).stdout.strip()
    # a driver the person set up by hand is theirs; ours (another Python's path) is brought up to date
    if current != wanted and (not current or " -m incident_kit merge-file " in current):
        if run(root, "config", key, wanted, check=False).returncode != 0:
            return
        run(root, "config", f"merge.{NAME}.name", "incident-kit: merge incident files", check=False)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(wanted, "utf-8")
    except OSError:
        pass


def attributes_with_driver(current: str | None) -> str | None:
    """`.gitattributes` with the driver's lines added; None when it already names the driver."""
    if current is not None and f"merge={NAME}" in current:
        return None
    lines = "\n".join(ATTRIBUTES) + "\n"
    if not current:
        return lines
    return current + ("" if current.endswith("\n") else "\n") + "\n" + lines


def merge_lines_as_git_does(current: Path, base: Path, other: Path, marker_size: int) -> int:
    """`git merge-file` on the three files (the result in `current`): what git would have done
    without the driver, for files the driver cannot read. Its exit code: the conflicts left."""
    result = run(
        current.parent,
        "merge-file",
        f"--marker-size={marker_size}",
        "-L",
        "ours",
        "-L",
        "base",
        "-L",
        "theirs",
        str(current),
        str(base),
        str(other),
        check=False,
    )
    return result.returncode
