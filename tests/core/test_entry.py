"""The first milliseconds and the first argument: Ctrl-C while importing, a --repo that is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import run_cli

INTERRUPT_WHILE_IMPORTING = """
import sys

class Interrupt:  # as if Ctrl-C arrived while the CLI module was being imported
    def find_spec(self, name, path=None, target=None):
        if name == "incident_kit.cli":
            raise KeyboardInterrupt

sys.meta_path.insert(0, Interrupt())
from incident_kit.entry import main
main()
"""


def test_ctrl_c_while_the_cli_is_still_importing_is_one_line_and_exit_130() -> None:
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPT_WHILE_IMPORTING], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 130
    assert result.stderr == "incident: interrupted\n"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: tmp / "nowhere", "no such folder"),
        (lambda tmp: (tmp / "a-file").write_text("x") and tmp / "a-file", "not a folder"),
    ],
)
def test_a_repo_path_that_is_not_a_folder_says_so(tmp_path: Path, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    for args in (["list"], ["note", "k3f7", "x"], ["validate"]):
        result = run_cli([*args, "--repo", str(path)])
        assert result.code == 1, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
        assert "git is not installed" not in result.stderr


VERSION_WITHOUT_TYPER = """
import sys
sys.argv = ["incident", "--version"]
from incident_kit.entry import main
main()
print("typer imported:", "typer" in sys.modules)
"""


def test_version_is_the_package_s_and_loads_nothing_heavy() -> None:
    from incident_kit import __version__

    result = subprocess.run(
        [sys.executable, "-c", VERSION_WITHOUT_TYPER], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"incident-kit {__version__}\ntyper imported: False\n"
    in_process = run_cli(["--version"])  # the option Typer declares, as `--help` lists it
    assert (in_process.code, in_process.stdout) == (0, f"incident-kit {__version__}\n")
    assert "--version" in run_cli(["--help"]).stdout
