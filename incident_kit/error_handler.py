"""The one place outcomes become messages and exit codes.

0 success; 1 refused or failed check; 2 bad usage or bad input; 3 unexpected internal
error; 130 interrupted. Expected errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from incident_kit.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, IncidentKitError

REPORT_URL = "https://github.com/incident-kit/incident-kit/issues"


SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "GITHUB_TOKEN", "GH_TOKEN")


def _one_line(text: str) -> str:
    return redact(" ".join(str(text).split()))


def redact(text: str) -> str:
    """Blank out any configured token that found its way into a message."""
    for name in SECRET_VARIABLES:
        secret = os.environ.get(name, "")
        if len(secret) >= 8:
            text = text.replace(secret, "***")
    return text


def _no_such_option(error: Any) -> str:
    """A misspelt flag: the closest ones, else every flag the command takes."""
    message = f"no such option: {error.option_name}"
    close = list(error.possibilities or ())
    if close:
        return f"{message}; did you mean {' or '.join(close[:3])}?"
    ctx = error.ctx
    if ctx is None:
        return message
    flags = [
        name
        for param in ctx.command.params
        for name in getattr(param, "opts", ())[:1]
        if name.startswith("--") and not getattr(param, "hidden", False)
    ]
    return f"{message}; `{ctx.command_path}` takes {', '.join(flags)} (see `{ctx.command_path} --help`)"


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"incident: {_one_line(message)}\n")
    return code


def run_app(app: Any, args: list[str] | None = None) -> None:
    sys.exit(handle(app, args))


def handle(app: Any, args: list[str] | None = None) -> int:
    from typer import exceptions as typer_exceptions
    from typer import main as typer_main
    from typer._click import exceptions as click_exceptions

    try:
        command = typer_main.get_command(app)
        result = command.main(args=args, prog_name="incident", standalone_mode=False)
    except IncidentKitError as error:
        if error.exit_code == 0:
            sys.stderr.write(f"incident: {_one_line(error.message)}\n")
            return 0
        return _fail(error.message, error.exit_code)
    except click_exceptions.NoArgsIsHelpError as error:
        sys.stdout.write(error.ctx.get_help() + "\n" if error.ctx is not None else "")
        return 0
    except click_exceptions.NoSuchOption as error:
        return _fail(_no_such_option(error), EXIT_BAD_INPUT)
    except click_exceptions.UsageError as error:
        hint = ""
        if error.ctx is not None and error.ctx.command_path:
            hint = f" (see `{error.ctx.command_path} --help`)"
        return _fail(f"{error.format_message()}{hint}", EXIT_BAD_INPUT)
    except click_exceptions.ClickException as error:
        return _fail(error.format_message(), EXIT_BAD_INPUT)
    except (typer_exceptions.Abort, KeyboardInterrupt):
        sys.stderr.write("incident: interrupted\n")
        return 130
    except typer_exceptions.Exit as exit_:
        return int(exit_.exit_code)
    except BrokenPipeError:
        return 0
    except Exception as error:
        if os.environ.get("INCIDENT_KIT_DEBUG"):
            raise
        kind = type(error).__name__
        return _fail(
            f"internal error ({kind}: {_one_line(str(error))[:200]}); this is a bug — please "
            f"report it at {REPORT_URL} (set INCIDENT_KIT_DEBUG=1 for the traceback)",
            EXIT_INTERNAL,
        )
    return int(result or 0)
