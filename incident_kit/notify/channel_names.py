"""Slack channel names from the configured pattern (`slack.channel_pattern`).

Slack accepts lowercase letters, digits, `-` and `_`, at most 80 characters. A pattern such
as `inc-{date}-{slug}` is filled from the incident, every part is reduced to that alphabet,
and the slug (the only long, free-text part) is shortened to fit. Pure: no Slack here.

Placeholders: `{id}` (the incident id), `{date}` (UTC declaration day, `YYYYMMDD`, as in
ids), `{slug}` (the title), `{service}`, `{severity}` (`sev-2`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from incident_kit.sanitize import slugify

MAX_LENGTH = 80
PLACEHOLDERS = ("id", "date", "slug", "service", "severity")

_FIELD = re.compile(r"\{([^{}]*)\}")
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")
_DASHES = re.compile(r"-{2,}")
_EDGES = "-_"


def check_pattern(pattern: str) -> None:
    """Raise ValueError naming the problem when `pattern` cannot make channel names."""
    for name in _FIELD.findall(pattern):
        if name not in PLACEHOLDERS:
            known = " ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {{{name}}} in channel pattern (known: {known})")
    if "{" in _FIELD.sub("", pattern) or "}" in _FIELD.sub("", pattern):
        raise ValueError(f"unbalanced brace in channel pattern {pattern!r}")


def channel_name(
    pattern: str,
    *,
    incident_id: str,
    title: str,
    service: str | None,
    severity: str,
    declared_at: datetime,
) -> str:
    """A valid Slack channel name: `[a-z0-9_-]`, 1..80 characters, never only punctuation.

    A title that leaves no slug (emoji, a non-Latin script, punctuation only) gives the
    random tail of the id instead, so same-day incidents still get distinct names; a name
    with no letter or digit left at all falls back to the id.
    """
    check_pattern(pattern)
    day = declared_at if declared_at.tzinfo else declared_at.replace(tzinfo=UTC)
    values = {
        "id": slugify(incident_id, MAX_LENGTH),
        "date": day.astimezone(UTC).strftime("%Y%m%d"),
        "service": slugify(service or "", MAX_LENGTH),
        "severity": slugify(severity, MAX_LENGTH),
        "slug": "",
    }
    pieces = _pieces(pattern)
    if "slug" in (name for kind, name in pieces if kind == "field"):
        # the slug gets whatever the rest of the name leaves of the 80 characters
        budget = MAX_LENGTH - len(_join(pieces, values)) - 1
        values["slug"] = slugify(title, max(budget, 0)) or _id_tail(incident_id)
    name = _join(pieces, values)[:MAX_LENGTH].strip(_EDGES)
    if not any(ch.isalnum() for ch in name):
        name = slugify(incident_id, MAX_LENGTH) or "incident"
    return name


def with_suffix(name: str, n: int) -> str:
    """`name-n` for the n-th attempt after a name clash, still at most 80 characters."""
    suffix = f"-{n}"
    head = name[: MAX_LENGTH - len(suffix)].rstrip(_EDGES) or "incident"
    return head + suffix


def _pieces(pattern: str) -> list[tuple[str, str]]:
    """The pattern as ("text", literal) and ("field", placeholder) pieces, in order."""
    out: list[tuple[str, str]] = []
    pos = 0
    for match in _FIELD.finditer(pattern):
        out.append(("text", pattern[pos : match.start()]))
        out.append(("field", match.group(1)))
        pos = match.end()
    out.append(("text", pattern[pos:]))
    return out


def _join(pieces: list[tuple[str, str]], values: dict[str, str]) -> str:
    raw = "".join(values[name] if kind == "field" else _literal(name) for kind, name in pieces)
    return _DASHES.sub("-", raw).strip(_EDGES)


def _literal(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALLOWED.sub("-", folded.lower())


def _id_tail(incident_id: str) -> str:
    """`k3f7` for `inc-20261126-k3f7`: the part people say on a call."""
    parts = slugify(incident_id, MAX_LENGTH).rsplit("-", 1)
    return parts[-1]
