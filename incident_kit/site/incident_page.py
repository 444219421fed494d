"""One incident's page: the facts from its frontmatter, its phases, the incident file's body and
its post-mortem rendered from Markdown, and the action items with their issue links (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incident_kit.ids import ID_PATTERN
from incident_kit.model import TIMESTAMP_KEYS, ActionItem, IncidentSummary
from incident_kit.reports.stats.render import format_duration
from incident_kit.site import svg
from incident_kit.site.layout import NO_VALUE, TABLE_WRAP, esc, page, when
from incident_kit.site.listing_pages import severity_badge
from incident_kit.site.markdown_html import allowed_url
from incident_kit.site.timeline_html import to_html_with_timeline
from incident_kit.summaries.fields import as_datetime

NAV = [
    ("Overview", "index.html"),
    ("All incidents", "incidents/index.html"),
    ("Status page", "status/index.html"),
]
_LOCAL_ISSUE = re.compile(r"^#(\d{1,9})$")
_REMOTE_ISSUE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]{0,38})/([A-Za-z0-9._-]{1,100})#(\d{1,9})$")
ALERT_KEYS = ("format", "source", "metric", "value", "threshold", "occurrences", "dedup_key")


@dataclass(frozen=True)
class IncidentDoc:
    """An incident as read from its folder (see `site.reading`)."""

    id: str
    summary: IncidentSummary
    data: Mapping[str, Any]  # the whole frontmatter
    body: str  # incident.md after the frontmatter
    postmortem: str | None  # postmortem.md after its frontmatter
    action_items: tuple[ActionItem, ...]


def issue_link(ref: str, repository_url: str | None, server: str) -> str:
    """`#123` (in this repository) or `owner/repo#123` as a link when it can be one."""
    local = _LOCAL_ISSUE.match(ref)
    if local and repository_url:
        return f'<a href="{esc(repository_url)}/issues/{local.group(1)}">{esc(ref)}</a>'
    remote = _REMOTE_ISSUE.match(ref)
    if remote:
        owner, name, number = remote.groups()
        return f'<a href="{esc(server)}/{esc(owner)}/{esc(name)}/issues/{number}">{esc(ref)}</a>'
    return esc(ref)


def _value(value: Any) -> str:
    if value is None or value == "" or value == {} or value == []:
        return NO_VALUE
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, Mapping):
        return esc(", ".join(f"{k}: {v}" for k, v in value.items()))
    if isinstance(value, list):
        return esc(", ".join(str(v) for v in value))
    return esc(value)


def _facts(doc: IncidentDoc, is_public: bool) -> str:
    data, s = doc.data, doc.summary
    merged = s.merged_into
    merged_html = (
        f'<a href="{esc(merged)}.html">{esc(merged)}</a>'
        if merged and ID_PATTERN.match(merged)
        else _value(merged)
    )
    rows: list[tuple[str, str]] = [
        ("Id", esc(doc.id)),
        ("Status", esc(s.status or NO_VALUE)),
        ("Severity", severity_badge(s.severity)),
        ("Kind", esc(s.kind)),
        ("Service", _value(s.service)),
        ("Incident Commander", _value(s.commander)),
        ("Roles", _value(data.get("roles"))),
        ("Source", _value(s.source)),
        ("On the status page", "yes" if is_public else "no (private)"),
        ("Merged into", merged_html),
        ("Slack channel", _value(s.slack_channel and "#" + s.slack_channel)),
    ]
    rows += [
        (key.removesuffix("_at").replace("_", " ").capitalize(), when(getattr(s, key)))
        for key in TIMESTAMP_KEYS
    ]
    alert = data.get("alert")
    if isinstance(alert, Mapping):
        rows += [
            (f"Alert {key.replace('_', ' ')}", _value(alert.get(key))) for key in ALERT_KEYS if key in alert
        ]
        rows += [
            (f"Alert {key.replace('_', ' ')}", when(as_datetime(alert.get(key))))
            for key in ("first_seen", "last_seen")
        ]
    items = "".join(f"<dt>{esc(name)}</dt><dd>{value}</dd>" for name, value in rows)
    return f'<dl class="facts">{items}</dl>'


def _links(data: Mapping[str, Any]) -> str:
    links = data.get("links")
    if not isinstance(links, list) or not links:
        return ""
    items = []
    for link in links:
        if not isinstance(link, Mapping):
            continue
        url = allowed_url(str(link.get("url") or ""))
        label = esc(link.get("title") or link.get("url") or "link")
        items.append(
            f'<li><a href="{esc(url)}" rel="noopener noreferrer">{label}</a></li>'
            if url
            else f"<li>{label}</li>"
        )
    return f"<section><h2>Links</h2><ul>{''.join(items)}</ul></section>" if items else ""


def _phases(s: IncidentSummary) -> str:
    start = s.impact_started_at or s.detected_at or s.declared_at
    if start is None:
        return ""
    marks = [("Triage", s.acknowledged_at), ("Investigating", s.mitigated_at), ("Mitigated", s.resolved_at)]
    spans, previous = [], start
    for name, end in marks:
        if end is None or end < previous:
            continue
        seconds = (end - previous).total_seconds()
        spans.append(
            (
                name,
                (previous - start).total_seconds(),
                (end - start).total_seconds(),
                format_duration(int(seconds)),
            )
        )
        previous = end
    if not spans:
        return ""
    title = "Phases from the start of the impact to the resolution"
    return f"<section><h2>Phases</h2>{svg.phases(spans, title=title, total=spans[-1][2])}</section>"


def _action_items(items: Sequence[ActionItem], repository_url: str | None, server: str) -> str:
    if not items:
        return ""
    rows = "".join(
        f"<tr><td>{esc(i.item_id)}</td><td>{esc(i.text)}</td><td>{esc(i.owner or NO_VALUE)}</td>"
        f"<td>{esc(i.due.isoformat() if i.due else NO_VALUE)}</td><td>{esc(i.type or NO_VALUE)}</td>"
        f"<td>{'done' if i.done else 'open'}</td>"
        f"<td>{issue_link(i.issue, repository_url, server) if i.issue else NO_VALUE}</td></tr>"
        for i in items
    )
    head = "".join(
        f'<th scope="col">{h}</th>' for h in ("Item", "What", "Owner", "Due", "Type", "State", "Issue")
    )
    return (
        f"<section><h2>Action items</h2>{TABLE_WRAP}<table>"
        "<caption>Action items of the post-mortem</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></section>"
    )


def render(
    doc: IncidentDoc,
    *,
    site_name: str,
    is_public: bool,
    repository_url: str | None = None,
    server: str = "https://github.com",
) -> str:
    """The page `incidents/<id>.html`."""
    s = doc.summary
    title = s.title or doc.id
    drill = ' <span class="badge">drill</span>' if s.kind == "drill" else ""
    body = [
        f'<p class="crumbs"><a href="index.html">All incidents</a> › {esc(doc.id)}</p>',
        f"<h1>{esc(title)}{drill}</h1>",
        f'<p class="lead">{severity_badge(s.severity)} <span class="status">{esc(s.status)}</span> · '
        f"declared {when(s.declared_at)}</p>",
        f"<section><h2>Facts</h2>{_facts(doc, is_public)}</section>",
        _phases(s),
        '<section class="markdown"><h2>Incident file</h2>',
        to_html_with_timeline(doc.body, s.path) + "</section>",
        _links(doc.data),
    ]
    if doc.postmortem is not None:
        postmortem = to_html_with_timeline(doc.postmortem, s.path + "/postmortem.md")
        body.append(f'<section class="markdown postmortem"><h2>Post-mortem</h2>{postmortem}</section>')
    body.append(_action_items(doc.action_items, repository_url, server))
    return page(
        title=f"{doc.id}: {title}",
        body="\n".join(part for part in body if part),
        root="../",
        site_name=site_name,
        nav=NAV,
        footer=f"<p>From <code>{esc(s.path)}</code>. Built by incident-kit from the incident files.</p>",
    )
