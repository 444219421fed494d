"""`history.atom`: the public updates as an Atom feed (RFC 4287), newest first (pure).

One entry per public update, and one when an incident is resolved, so a reader subscribed to
the feed hears every customer-facing word and the end of each incident. Entry ids are
`urn:uuid:` values derived from the page, the incident, the time and the text, so they stay the
same from build to build; the feed's `updated` is its newest entry, not the build time.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from html import escape as _escape

from incident_kit.site.status import PublicIncident, StatusPage

MAX_ENTRIES = 100
_NAMESPACE = uuid.UUID("6f1d9a4e-3b7c-5e2a-9c1d-0a4b8e7f2c61")


def _clean(text: str) -> str:
    """Without the characters XML 1.0 does not allow (control characters)."""
    return "".join(c for c in text if c in "\t\n\r" or (c >= " " and c not in "\ufffe\uffff"))


def _xml(text: str) -> str:
    return _escape(_clean(text), quote=False)


def quoteattr(text: str) -> str:
    return f'"{_escape(text, quote=True)}"'


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entries(status: StatusPage) -> list[tuple[datetime, PublicIncident, str]]:
    found = []
    for incident in (*status.current, *status.past):
        found += [(u.at, incident, u.text) for u in incident.updates]
        if incident.resolved_at is not None:
            found.append((incident.resolved_at, incident, "This incident has been resolved."))
    found.sort(key=lambda e: (e[0], e[1].id, e[2]), reverse=True)
    return found[:MAX_ENTRIES]


def render(status: StatusPage) -> str:
    base = status.url.rstrip("/") + "/" if status.url else ""
    entries = _entries(status)
    updated = entries[0][0] if entries else status.generated_at
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <id>urn:uuid:{uuid.uuid5(_NAMESPACE, status.page_id)}</id>",
        f"  <title>{_xml(status.title)}: status updates</title>",
        f"  <updated>{_ts(updated)}</updated>",
        f"  <author><name>{_xml(status.title)}</name></author>",
        f'  <link rel="alternate" type="text/html" href={quoteattr(base + "index.html")}/>',
    ]
    if base:
        self_link = quoteattr(_clean(base + "history.atom"))
        out.append(f'  <link rel="self" type="application/atom+xml" href={self_link}/>')
    for at, incident, text in entries:
        link = f"{base}index.html#{incident.id}"
        key = f"{status.page_id}\x00{incident.id}\x00{_ts(at)}\x00{text}"
        out += [
            "  <entry>",
            f"    <id>urn:uuid:{uuid.uuid5(_NAMESPACE, key)}</id>",
            f"    <title>{_xml(incident.name)}</title>",
            f"    <updated>{_ts(at)}</updated>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(_clean(link))}/>',
            f'    <content type="text">{_xml(text)}</content>',
            "  </entry>",
        ]
    out.append("</feed>")
    return "\n".join(out) + "\n"
