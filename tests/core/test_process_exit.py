"""How the `incident` process ends: its output and exit code as always, without the teardown.

The console script ends with `os._exit` once the output is flushed and the `atexit` functions
have run (`incident_kit/entry.py`): tearing down Typer and the package's modules cost each
command ~15-35 ms of CPU for nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.cli import run_cli

# the console script's own entry, run the way the `incident` script runs it
SCRIPT = """
import atexit, sys

class Teardown:
    def __del__(self):
        sys.stderr.write("torn down\\n")

kept = Teardown()  # freed only when the interpreter tears its modules down
atexit.register(lambda: sys.stderr.write("atexit ran\\n"))
sys.argv = ["incident", *sys.argv[1:]]
from incident_kit.entry import main
main()
"""


def _incident(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, check=False, timeout=60
    )


def test_a_command_prints_everything_runs_atexit_and_skips_the_teardown(repo: Path) -> None:
    for title in ("Checkout is down", "Search is slow"):
        assert run_cli(["declare", "--manual-incident", "--title", title, "--repo", str(repo)]).code == 0

    done = _incident("list", "--format", "json", "--repo", str(repo))

    assert done.returncode == 0, done.stderr
    assert sorted(item["title"] for item in json.loads(done.stdout)) == ["Checkout is down", "Search is slow"]
    assert "atexit ran" in done.stderr
    assert "torn down" not in done.stderr


def test_exit_codes_and_error_lines_are_kept(repo: Path) -> None:
    unknown = ["ack", "inc-20990101-zzzz", "--repo", str(repo)]
    in_process = run_cli(unknown)

    refused = _incident(*unknown)
    bad = _incident("declare", "--bogus-flag")

    assert in_process.code != 0
    assert refused.returncode == in_process.code
    assert refused.stderr.splitlines()[0] == in_process.stderr.strip()
    assert bad.returncode == 2 and "--bogus-flag" in bad.stderr
    assert "atexit ran" in refused.stderr and "atexit ran" in bad.stderr
