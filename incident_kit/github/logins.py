"""GitHub's rule for a login, in one place: letters, digits and hyphens, 39 at most, not
starting with a hyphen. Pure (no client): the event reader, the slash commands and the
reminders' wording check names against it."""

from __future__ import annotations

import re

LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"  # a pattern to build others from
_EXACT = re.compile(rf"^{LOGIN}$")


def is_login(text: str) -> bool:
    return bool(_EXACT.fullmatch(text))
