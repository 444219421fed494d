"""The incident listings: every incident, and one page per service, severity, status and month.

They are the filter that works without JavaScript (follow a link per service, severity,
status or month); `assets/site.js` adds a form that combines them on any listing. All listing
pages live in `incidents/`, beside the incident pages, so a row (`row`) is rendered once per
incident, kept in the cache, and reused on every page that lists it.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from incident_kit.model import SEVERITIES, STATUSES
from incident_kit.reports.stats.render import format_duration
from incident_kit.sanitize import slugify
from incident_kit.site.layout import NO_VALUE, TABLE_WRAP, esc, when
from incident_kit.site.record import NONE, Record, day_of, moment, month_of

FOLDER = "incidents"
HEADERS = ("Incident", "Title", "Severity", "Status", "Service", "Commander", "Declared", "Time to resolve")


def severity_badge(severity: str) -> str:
    known = f"sev-{SEVERITIES.index(severity) + 1}" if severity in SEVERITIES else "sev-other"
    return f'<span class="sev {known}">{esc(severity or NO_VALUE)}</span>'


def row(record: Record, prefix: str = "") -> str:
    """The incident's table row; `prefix` leads from the page to `incidents/`."""
    day = day_of(record.declared) if record.declared != NONE else ""
    drill = ' <span class="badge">drill</span>' if record.kind == "drill" else ""
    resolve = format_duration(record.resolve_s) if record.resolve_s != NONE else NO_VALUE
    declared = when(moment(record.declared)) if record.declared != NONE else NO_VALUE
    return (
        f'<tr data-severity="{esc(record.severity)}" data-status="{esc(record.status)}" '
        f'data-service="{esc(record.service)}" data-date="{day}">'
        f'<td><a href="{prefix}{record.id}.html">{record.id}</a></td>'
        f"<td>{esc(record.title)}{drill}</td><td>{severity_badge(record.severity)}</td>"
        f"<td>{esc(record.status)}</td><td>{esc(record.service or NO_VALUE)}</td>"
        f"<td>{esc(record.commander or NO_VALUE)}</td><td>{declared}</td>"
        f'<td class="num">{resolve}</td></tr>'
    )


def table(rows: Sequence[str], caption: str, *, filterable: bool = False) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in HEADERS)
    attr = " data-filterable" if filterable else ""
    return (
        f'{TABLE_WRAP}<table class="incidents"{attr}><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


@dataclass(frozen=True)
class Facet:
    kind: str  # service, severity, status, month
    value: str
    file: str  # the page's file name in incidents/
    title: str


@cache
def facet_file(kind: str, value: str) -> str:
    """A page name from any value: readable when it can be, unique by a short hash."""
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:6]
    return f"by-{kind}-{slugify(value, 40) or 'x'}-{digest}.html"


_TITLES = {
    "severity": "Severity {}",
    "status": "Status {}",
    "service": "Service {}",
    "month": "Declared in {}",
}


@cache
def facet(kind: str, value: str) -> Facet:
    title = "No service" if kind == "service" and not value else _TITLES[kind].format(value)
    return Facet(kind, value, facet_file(kind, value), title)


def facets_of(record: Record) -> list[Facet]:
    """The listing pages that show the incident."""
    return [facet(kind, value) for kind, value in _keys(record)]


def _newest_key(record: Record) -> tuple[bool, int, str]:
    return (record.declared == NONE, -record.declared, record.id)


def newest_first(records: Sequence[Record]) -> list[Record]:
    return sorted(records, key=_newest_key)


def newest(records: Sequence[Record], count: int) -> list[Record]:
    """The first `count` of `newest_first(records)`, without sorting them all."""
    return heapq.nsmallest(count, records, key=_newest_key)


def _keys(record: Record) -> list[tuple[str, str]]:
    keys = [("severity", record.severity), ("status", record.status), ("service", record.service)]
    if record.declared != NONE:
        keys.append(("month", month_of(record.declared)))
    return keys


def index(
    ordered: Sequence[Record], only: set[tuple[str, str]] | None = None
) -> tuple[dict[Facet, int], dict[Facet, list[Record]]]:
    """In one pass: how many incidents every facet page lists, and the incidents of the pages
    to render (all, or those keyed in `only`), in `ordered`'s order."""
    tally: Counter[tuple[str, str]] = Counter()
    groups: dict[tuple[str, str], list[Record]] = {}
    for record in ordered:
        for key in _keys(record):
            tally[key] += 1
            if only is None or key in only:
                groups.setdefault(key, []).append(record)
    return (
        {facet(kind, value): n for (kind, value), n in tally.items()},
        {facet(kind, value): members for (kind, value), members in groups.items()},
    )


def _order(facet: Facet) -> tuple[int, str]:
    if facet.kind == "severity":
        return (SEVERITIES.index(facet.value) if facet.value in SEVERITIES else 99, facet.value)
    if facet.kind == "status":
        return (STATUSES.index(facet.value) if facet.value in STATUSES else 99, facet.value)
    if facet.kind == "month":
        return (0, "".join(chr(0x10FFFF - ord(c)) for c in facet.value))  # newest month first
    return (facet.value == "", facet.value)


def browse_links(groups: dict[Facet, int]) -> str:
    """Links to every facet page with its count: the no-script filter."""
    sections = []
    for kind, heading in (("severity", "By severity"), ("status", "By status"), ("service", "By service")):
        sections.append(_links(heading, [f for f in groups if f.kind == kind], groups))
    sections.append(_links("By month", [f for f in groups if f.kind == "month"], groups))
    return '<nav class="browse" aria-label="Browse incidents">' + "".join(sections) + "</nav>"


def _links(heading: str, facets: list[Facet], groups: dict[Facet, int]) -> str:
    items = "".join(
        f'<li><a href="{f.file}">{esc(f.value or "(no service)")}</a> <span class="count">'
        f"{groups[f]}</span></li>"
        for f in sorted(facets, key=_order)
    )
    return f"<section><h2>{heading}</h2><ul>{items}</ul></section>"
