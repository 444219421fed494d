"""The `incident` console script: nothing imported here but the standard library, so a Ctrl-C
while the CLI is still importing (~40 ms) ends like any other interruption, not in a traceback.
`incident --version` is answered here, before Typer is imported (cli.py declares the option
for `--help` and for in-process runs).

When the command is done, the process ends without tearing the interpreter down (`_end`): the
output flushed and the `atexit` functions run as at any exit, but no module teardown and final
garbage collection, which cost ~15-35 ms of CPU once Typer and the package are loaded (more
than many a command's own work).
"""

from __future__ import annotations

import os
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
    try:
        run()
    except SystemExit as done:
        _end(done.code)
        raise


def _end(code: object) -> None:
    """`os._exit(code)` after what an exit must do; returns (the caller exits as usual) when a
    plain exit is needed: a message instead of a code, another thread still running, or
    output that cannot be flushed (Python reports a broken pipe its own way)."""
    if code is not None and not isinstance(code, int):
        return
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    if not _flushed():
        return
    import atexit

    atexit._run_exitfuncs()
    _flushed()  # what they printed
    os._exit(code or 0)


def _flushed() -> bool:
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return False
    return True
