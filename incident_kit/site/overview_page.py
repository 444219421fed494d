"""The internal site's front page: open incidents first, then the charts, then the latest.

Open incidents show their age and when their next stakeholder update is due, or how overdue
it is (`updates.every`, as `list` and `show` say it: `incident_kit.updates`). The charts are
drawn from the same data as `incident stats` and the index (`site.overview_charts`); the build
passes the section in, kept from the last build when nothing they show changed
(`site.chart_cache`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from incident_kit.config.settings import UpdateSettings
from incident_kit.model import SEVERITIES
from incident_kit.reports.stats.render import format_duration
from incident_kit.site.layout import NO_VALUE, TABLE_WRAP, esc, page, when
from incident_kit.site.listing_pages import newest_first, row, severity_badge, table
from incident_kit.site.record import NONE, Record, moment
from incident_kit.updates import cadence

NAV = [
    ("Overview", "index.html"),
    ("All incidents", "incidents/index.html"),
    ("Status page", "status/index.html"),
]
RECENT = 20


def _open_table(
    records: Sequence[Record], now: datetime, updates: UpdateSettings, scale: Sequence[str]
) -> str:
    if not records:
        return "<p>No open incidents.</p>"
    rank = {s: i for i, s in enumerate(scale)}
    ordered = sorted(records, key=lambda r: (rank.get(r.severity, 99), r.declared == NONE, r.declared, r.id))
    now_s = int(now.timestamp())
    rows = []
    for r in ordered:
        age = format_duration(max(0, now_s - r.declared)) if r.declared != NONE else NO_VALUE
        due = cadence(
            r.status,
            moment(r.declared) if r.declared != NONE else None,
            moment(r.last_update) if r.last_update != NONE else None,
            updates.every_minutes(r.severity),
        )
        if due is None:
            update = NO_VALUE
        elif due.overdue(now):
            update = f'<span class="badge overdue">{esc(due.state(now))}</span>'
        else:
            update = esc(due.state(now))
        rows.append(
            f'<tr><td><a href="incidents/{r.id}.html">{r.id}</a></td><td>{esc(r.title)}</td>'
            f"<td>{severity_badge(r.severity)}</td><td>{esc(r.status)}</td>"
            f"<td>{esc(r.service or NO_VALUE)}</td>"
            f'<td>{esc(r.commander or NO_VALUE)}</td><td class="num">{age}</td><td>{update}</td></tr>'
        )
    head = "".join(
        f'<th scope="col">{h}</th>'
        for h in (
            "Incident",
            "Title",
            "Severity",
            "Status",
            "Service",
            "Commander",
            "Age",
            "Stakeholder update",
        )
    )
    return (
        f'{TABLE_WRAP}<table class="open"><caption>Open incidents, worst severity first</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def render(
    records: Sequence[Record],
    *,
    now: datetime,
    updates: UpdateSettings,
    site_name: str,
    scale: Sequence[str] = SEVERITIES,
    newest: Sequence[Record] | None = None,
    charts: str | None = None,
) -> str:
    """The front page; `newest`: the records newest first, when the caller has them sorted;
    `charts`: the charts section, when the caller has it (else it is drawn here)."""
    if charts is None:
        from incident_kit.site.overview_charts import charts as draw

        charts = draw(records, now, scale)
    open_ones = [r for r in records if r.is_open]
    recent = list(newest if newest is not None else newest_first(records))[:RECENT]
    body = [
        "<h1>Incidents</h1>",
        f'<p class="lead">{len(open_ones)} open · {len(records)} in all · as of {when(now)}</p>',
        f"<section><h2>Open incidents ({len(open_ones)})</h2>",
        _open_table(open_ones, now, updates, scale) + "</section>",
        charts,
        "<section><h2>Latest incidents</h2>"
        + table([row(r, "incidents/") for r in recent], f"The {len(recent)} most recently declared")
        + '<p><a href="incidents/index.html">Every incident, with filters</a></p></section>',
    ]
    return page(title="Overview", body="\n".join(body), root="", site_name=site_name, nav=NAV, script=False)
