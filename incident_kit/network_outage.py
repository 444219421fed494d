"""When to stop calling an API that does not answer, for the rest of one run.

A Slack or GitHub that hangs costs every call its full timeout (15 s, and PyGithub repeats an
idempotent request), so one `sync` over a few incidents could spend many minutes learning the
same thing while the next scheduled run waits in its concurrency group. After
`GIVE_UP_AFTER` network failures in a row — no answer at all: a timeout, a refused or dropped
connection; an HTTP error is an answer and does not count — the adapter makes no further calls
in this run and says so. What was not tried stays pending, exactly as a failed call leaves it,
and the next run tries again. One failure alone (a blip) never stops the run: the next call
goes out, and any answer resets the count.
"""

from __future__ import annotations

GIVE_UP_AFTER = 2


class Outage:
    """Counts one API's network failures in a row within one run."""

    __slots__ = ("_failures", "_reason", "_service")

    def __init__(self, service: str) -> None:
        self._service = service
        self._failures = 0
        self._reason = ""

    def answered(self) -> None:
        """The API answered (with anything, even an HTTP error)."""
        self._failures = 0

    def failed(self, reason: str) -> None:
        """A call got no answer: `reason` says how (`timed out`, `cannot reach …`)."""
        self._failures += 1
        self._reason = reason

    def refusal(self) -> str | None:
        """Why the next call should not go out, or None when it should."""
        if self._failures < GIVE_UP_AFTER:
            return None
        return (
            f"not tried: {self._service} got no answer {self._failures} times in a row in this "
            f"run ({self._reason}); left for the next run"
        )
