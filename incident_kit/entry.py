"""The `incident` console script: nothing imported here but the standard library, so a Ctrl-C
while the CLI is still importing (~40 ms) ends like any other interruption, not in a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from incident_kit.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("incident: interrupted\n")
        raise SystemExit(130) from None
    run()
