"""The `incident` console script: nothing imported here but the standard library, so a Ctrl-C
while the CLI is still importing (~40 ms) ends like any other interruption, not in a traceback.
`incident --version` is answered here, before Typer is imported (cli.py declares the option
for `--help` and for in-process runs)."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from incident_kit import __version__

        sys.stdout.write(f"incident-kit {__version__}\n")
        return
    try:
        from incident_kit.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("incident: interrupted\n")
        raise SystemExit(130) from None
    run()
