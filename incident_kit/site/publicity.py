"""What may reach the public status page: which incidents, and which of their words.

An incident is **private** unless its frontmatter says `public: true`, or it has no `public:`
key and the configuration makes its severity or service public (`site.public`). Drills,
cancelled (false alarms) and merged (duplicates) incidents are never public, whatever they say.

Customers read only **public updates**: timeline entries written as
`- 2026-11-26T15:30:00Z — Public update: We are investigating slow logins. — alice`
(`incident note ID --public TEXT` writes one; people may add or edit them in a pull request).
Every other entry is an internal note. The public title is `public_title:` when the frontmatter
has one, else the title.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incident_kit.config.settings import SiteSettings

PUBLIC_KEY = "public"
PUBLIC_TITLE_KEY = "public_title"
UPDATE_PREFIX = "Public update:"
NEVER_PUBLIC_STATUSES = ("cancelled", "merged")


@dataclass(frozen=True)
class PublicUpdate:
    at: datetime
    text: str  # as written in the file (Markdown inline text)


def flag_of(value: Any) -> str:
    """The frontmatter `public:` value as the cache keeps it: "true", "false" or "" (not said).

    Only a YAML boolean counts; `public: "yes"` or `public: 1` is not a decision (validate-able
    typos must not publish an incident).
    """
    if value is True:
        return "true"
    if value is False:
        return "false"
    return ""


def is_public(
    *, flag: str, kind: str, status: str, severity: str, service: str | None, settings: SiteSettings
) -> bool:
    if kind == "drill" or status in NEVER_PUBLIC_STATUSES:
        return False
    if flag:
        return flag == "true"
    return severity in settings.public_severities or (
        service is not None and service in settings.public_services
    )


def update_text(what: str) -> str | None:
    """The customer-facing text of a timeline entry's `what`, None for an internal note."""
    text = what.strip()
    if text.startswith("**"):  # `**Public update:** …`, as people bold it by hand
        text = text[2:].replace("**", "", 1)
    if not text.lower().startswith(UPDATE_PREFIX.lower()):
        return None
    return text[len(UPDATE_PREFIX) :].strip() or None


def public_updates(entries: Iterable[tuple[datetime | None, str]]) -> list[PublicUpdate]:
    """The public updates among timeline entries (time, what), oldest first."""
    found = []
    for at, what in entries:
        text = update_text(what)
        if at is not None and text:
            found.append(PublicUpdate(at, text))
    return sorted(found, key=lambda update: update.at)


def entry_text(text: str) -> str:
    """The timeline `what` of a public update."""
    return f"{UPDATE_PREFIX} {text}"
