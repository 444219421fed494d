"""Writing the output folder so that nobody ever sees half a site, and nothing else is clobbered.

- A **full build** goes into a new folder beside the target (`.<name>.tmp-<random>`), which
  then replaces the target: rename the old one aside, rename the new one in, delete the old.
- A **rebuild** of a folder this tool built (its marker file says so, for the same kind of
  site and the same renderer) updates it in place: the marker is removed first, each file is
  written to a temporary file and renamed over the old one, stale pages are removed, and the
  marker is written last. The marker says "building" meanwhile, so a build killed half-way
  leaves whole files and a marker the next build does not trust: it builds in full.
- A target that exists, is not empty and has no marker is refused: it is somebody's folder.
  So are a symlink, a file, the repository itself or a folder that contains it, and anything
  inside `.git` or `incidents/`.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incident_kit.errors import InputError, RefusedError
from incident_kit.store import INCIDENTS, new_temp_file

MARKER = ".incident-site.json"
FORMAT = 2  # 2: incident_pages as one text of "id key" lines (10,000 JSON members cost 30 ms)


@dataclass
class Marker:
    kind: str  # "internal" or "public"
    render_key: str
    incident_pages: dict[str, str] = field(default_factory=dict)  # incident id -> its files' key
    pages: list[str] = field(default_factory=list)  # every other file, relative to the folder


def check_target(out: Path, repo_root: Path) -> Path:
    """The absolute target folder, or an error saying why it cannot be one."""
    absolute = Path(os.path.abspath(out))
    if absolute.is_symlink():
        raise InputError(f"--out {out}: is a symlink; give the real folder")
    if absolute.exists() and not absolute.is_dir():
        raise InputError(f"--out {out}: is a file, not a folder")
    real, root = Path(os.path.realpath(absolute)), Path(os.path.realpath(repo_root))
    if real == root or real in root.parents:
        raise InputError(f"--out {out}: is the repository or contains it; give a folder of its own")
    for protected in (root / ".git", root / INCIDENTS):
        if real == protected or protected in real.parents:
            raise InputError(f"--out {out}: is inside {protected.name}/; choose a folder outside it")
    if absolute.is_dir() and any(absolute.iterdir()) and not (absolute / MARKER).is_file():
        raise RefusedError(
            f"--out {out}: the folder is not empty and was not built by `incident site`; "
            "choose a new or empty folder (or delete this one)"
        )
    return absolute


def read_marker(out: Path) -> Marker | None:
    """What the last complete build left; None when there was none (or it did not finish)."""
    try:
        data: Any = json.loads((out / MARKER).read_text("utf-8"))
        if data.get("format") != FORMAT or data.get("building"):
            return None
        pages = data["incident_pages"]
        if not isinstance(pages, str):
            return None
        incident_pages = dict(line.split(" ", 1) for line in pages.split("\n") if line)
        return Marker(str(data["kind"]), str(data["render_key"]), incident_pages, list(data["pages"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _marker_text(marker: Marker, *, building: bool = False) -> str:
    document = {
        "format": FORMAT,
        "building": building,
        "kind": marker.kind,
        "render_key": marker.render_key,
        "incident_pages": "".join(f"{name} {key}\n" for name, key in sorted(marker.incident_pages.items())),
        "pages": sorted(marker.pages),
    }
    return json.dumps(document, separators=(",", ":")) + "\n"


def write_file(folder: Path, rel: str, data: str | bytes, *, atomic: bool) -> None:
    """One file of the output; `atomic`: through a temporary file beside it (readers of a
    folder being updated in place never see half a page)."""
    path = folder / rel
    if not atomic:
        with open(path, "wb") as handle:
            handle.write(_bytes(data))
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = new_temp_file(path.parent, ".incident-site-", ".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_bytes(data))
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class Writer:
    """Puts files into the output folder, whole (`FullWriter`) or in place (`InPlaceWriter`)."""

    folder: Path  # where files are written now
    atomic: bool = False  # whether each file goes through a temporary file

    def write(self, rel: str, data: str | bytes) -> None:
        raise NotImplementedError

    def unchanged(self, rel: str, data: str | bytes) -> bool:
        return False

    def remove(self, rel: str) -> None:
        raise NotImplementedError

    def finish(self, marker: Marker) -> None:
        raise NotImplementedError

    def abandon(self) -> None:
        raise NotImplementedError


def _bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


class FullWriter(Writer):
    def __init__(self, target: Path) -> None:
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        _clean_leftovers(target)
        self.folder = target.parent / f".{target.name}.tmp-{os.urandom(4).hex()}"
        self.folder.mkdir()
        self._made: set[str] = set()

    def write(self, rel: str, data: str | bytes) -> None:
        parent = rel.rpartition("/")[0]
        if parent and parent not in self._made:
            (self.folder / parent).mkdir(parents=True, exist_ok=True)
            self._made.add(parent)
        write_file(self.folder, rel, data, atomic=False)

    def remove(self, rel: str) -> None:
        return  # a new folder has nothing stale

    def finish(self, marker: Marker) -> None:
        self.write(MARKER, _marker_text(marker))
        os.chmod(self.folder, 0o755)
        old = None
        if self.target.exists():
            old = self.target.parent / f".{self.target.name}.old-{os.urandom(4).hex()}"
            os.rename(self.target, old)
        os.rename(self.folder, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abandon(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class InPlaceWriter(Writer):
    atomic = True

    def __init__(self, target: Path) -> None:
        self.folder = target
        _clean_leftovers(target)
        # from here on, an interrupted build is seen as one (and the folder is still ours)
        write_file(target, MARKER, _marker_text(Marker("", ""), building=True), atomic=True)

    def unchanged(self, rel: str, data: str | bytes) -> bool:
        try:
            return (self.folder / rel).read_bytes() == _bytes(data)
        except OSError:
            return False

    def write(self, rel: str, data: str | bytes) -> None:
        write_file(self.folder, rel, data, atomic=True)

    def remove(self, rel: str) -> None:
        (self.folder / rel).unlink(missing_ok=True)

    def finish(self, marker: Marker) -> None:
        self.write(MARKER, _marker_text(marker))

    def abandon(self) -> None:
        return  # whole files and a "building" marker: the next build starts over


def _clean_leftovers(target: Path) -> None:
    """Temporary folders of builds that were killed (only ours: the names are ours)."""
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return
    for path in siblings:
        if path.name.startswith((f".{target.name}.tmp-", f".{target.name}.old-")) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
