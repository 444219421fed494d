"""The project's one root error and its few kinds.

Every expected failure is an `IncidentKitError`; `error_handler` turns it into one line on
stderr and its exit code. Anything else that escapes is a bug (exit 3).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class IncidentKitError(Exception):
    """Root of every error the tool expects and explains."""

    exit_code = EXIT_REFUSED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class RefusedError(IncidentKitError):
    """The request is understood but not allowed now (illegal transition, failed check)."""

    exit_code = EXIT_REFUSED


class NotFoundError(IncidentKitError):
    """An incident id or prefix matches nothing, or more than one incident."""

    exit_code = EXIT_REFUSED


class InputError(IncidentKitError):
    """Bad usage or bad input: unparsable or hostile payload, bad flag value."""

    exit_code = EXIT_BAD_INPUT


class ConfigError(IncidentKitError):
    """`incidents/config.yaml` is invalid; the message names file, line and key."""

    exit_code = EXIT_BAD_INPUT


class FileFormatError(IncidentKitError):
    """An incident file cannot be read as an incident (names the file and line)."""

    exit_code = EXIT_REFUSED


class GitError(IncidentKitError):
    """A git command failed; the message says which and why."""

    exit_code = EXIT_REFUSED


class DeliveryError(IncidentKitError):
    """Slack or GitHub could not be reached or refused; the work stays pending."""

    exit_code = EXIT_REFUSED
