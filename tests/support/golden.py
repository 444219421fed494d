"""Golden files: compare rendered output with a reviewed file, byte for byte.

`UPDATE_GOLDEN=1 pytest ...` rewrites the files instead; review the diff before committing.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path


def assert_golden(actual: str, path: Path) -> None:
    """Fail unless `actual` equals the content of `path` exactly (UTF-8, same newlines)."""
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    if not path.exists():
        raise AssertionError(f"{path} is missing; run with UPDATE_GOLDEN=1 to create it")
    expected = path.read_bytes().decode("utf-8")
    if actual == expected:
        return
    diff = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        fromfile=str(path),
        tofile="actual",
    )
    shown = "".join(list(diff)[:200])
    raise AssertionError(f"output differs from {path} (UPDATE_GOLDEN=1 rewrites it after review):\n{shown}")
