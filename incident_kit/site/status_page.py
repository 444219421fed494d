"""The public status page (pure): overall status, each service with its 90-day history, the
open public incidents and the past ones, with their public updates only.

Its input is a `status.StatusPage`, built from public incidents alone; nothing else can
appear. It links the same folder's `status.json` and `history.atom`, loads only its own
stylesheet, and has no script at all.
"""

from __future__ import annotations

from incident_kit.site import svg
from incident_kit.site.layout import esc, page, when
from incident_kit.site.markdown_html import inline_html
from incident_kit.site.status import INCIDENT_STATUS_LABELS, STATUS_LABELS, PublicIncident, StatusPage

FEED = "history.atom"
JSON = "status.json"
IMPACT_LABELS = {"none": "No impact", "minor": "Minor", "major": "Major", "critical": "Critical"}


def _incident(incident: PublicIncident, heading: str) -> str:
    updates = "".join(
        f'<li><p class="when">{when(u.at)}</p><p>{inline_html(u.text)}</p></li>' for u in incident.updates
    )
    if not updates:
        updates = (
            f'<li><p class="when">{when(incident.started_at)}</p><p>We are investigating this issue.</p></li>'
        )
    resolved = f" · resolved {when(incident.resolved_at)}" if incident.resolved_at else ""
    service = f" · affects {esc(incident.component)}" if incident.component else ""
    return (
        f'<article class="incident impact-{incident.impact}" id="{esc(incident.id)}">'
        f"<{heading}>{esc(incident.name)}</{heading}>"
        f'<p class="meta"><span class="state">{INCIDENT_STATUS_LABELS[incident.status]}</span> · '
        f"{IMPACT_LABELS[incident.impact]} impact{service} · began {when(incident.started_at)}{resolved}</p>"
        f'<ol class="updates" reversed>{updates}</ol></article>'
    )


def render(status: StatusPage) -> str:
    components = []
    for c in status.components:
        days = [
            (
                day.isoformat(),
                state,
                f"{STATUS_LABELS[state]}" + (f", {n} incident{'s' if n != 1 else ''}" if n else ""),
            )
            for day, state, n in c.days
        ]
        history = svg.history(days, title=f"{c.name}: status per day, last {len(days)} days")
        components.append(
            f'<li class="component status-{c.status}"><div class="component-head"><h3>{esc(c.name)}</h3>'
            f'<span class="state">{STATUS_LABELS[c.status]}</span></div>{history}'
            f'<p class="span"><span>{len(days)} days ago</span><span>Today</span></p></li>'
        )
    current = "".join(_incident(i, "h3") for i in status.current) or "<p>No incidents right now.</p>"
    past = "".join(_incident(i, "h3") for i in status.past) or "<p>No incidents in this period.</p>"
    window = len(status.components[0].days) if status.components else 0
    body = [
        f"<h1>{esc(status.title)}</h1>",
        f'<p class="overall indicator-{status.indicator}" role="status">{esc(status.description)}</p>',
        "<section><h2>Services</h2>"
        + (
            f'<ul class="components">{"".join(components)}</ul>'
            if components
            else "<p>No services listed.</p>"
        )
        + "</section>",
        f"<section><h2>Current incidents</h2>{current}</section>",
        f"<section><h2>Past incidents{f' (last {window} days)' if window else ''}</h2>{past}</section>",
    ]
    footer = (
        f'<p>Updated {when(status.generated_at)}. Also as <a href="{JSON}">status.json</a> '
        f'(Statuspage format) and an <a href="{FEED}">Atom feed</a>.</p>'
    )
    feed = f'<link rel="alternate" type="application/atom+xml" title="Status updates" href="{FEED}">\n'
    return page(
        title="Status",
        body="\n".join(body),
        root="",
        site_name=status.title,
        nav=[("Status", "index.html"), ("Feed", FEED)],
        head_extra=feed,
        footer=footer,
    )
