"""Running the `incident` CLI in-process, as the console script does, and reading its output."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from incident_kit.cli import app
from incident_kit.error_handler import handle

# the clock every test runs at (conftest sets INCIDENT_KIT_NOW to it)
PINNED_NOW = "2026-11-26T15:00:00Z"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


class _Capture(io.StringIO):
    """A text stream that, like a pipe, is not a terminal (so JSON prints compact)."""

    def isatty(self) -> bool:
        return False


def run_cli(args: list[str], stdin: str | None = None) -> Result:
    """Run the CLI in-process (the same handler as the console script); its exit code and output."""
    out, err = _Capture(), _Capture()
    source = io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")))
    old_stdin = sys.stdin
    sys.stdin = source if stdin is not None else old_stdin
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = handle(app, args)
    finally:
        sys.stdin = old_stdin
    return Result(code, out.getvalue(), err.getvalue())


def declare(
    repo: Path, title: str = "Checkout is down", *extra: str, severity: str = "SEV-2"
) -> dict[str, object]:
    """`incident declare --manual-incident` in-process; its JSON result."""
    result = run_cli(
        [
            "declare",
            "--manual-incident",
            "--title",
            title,
            "--severity",
            severity,
            "--format",
            "json",
            "--repo",
            str(repo),
            *extra,
        ]
    )
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document
