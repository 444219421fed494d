"""The alerts an incident lists, each with its own key, state and occurrences.

An incident declared from a group (Alertmanager, Grafana), or that related alerts join under a
grouping rule or a storm, holds several alerts that fire and resolve one by one. Their state is
kept in the frontmatter (`alerts:`, one flow mapping per alert, so the line scanner and people
can skip it) and shown in the Summary between two markers, rewritten from the frontmatter on
every delivery; the incident is resolved at the source when its last firing alert resolves.
Each line says what tells the alert apart from the others: the labels whose values differ,
and the sender's description. Pure: data in, text out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from incident_kit.alerts.fields import text
from incident_kit.alerts.model import Alert, AlertStatus, Delivery
from incident_kit.markdown.frontmatter import Document, format_timestamp, render_scalar, replace_block
from incident_kit.sanitize import md_inline
from incident_kit.summaries.fields import as_datetime

KEY = "alerts"  # the frontmatter key
MAX_LISTED = 200  # entries kept; later alerts are counted, not listed
MAX_SHOWN = 100  # Summary lines
BLOCK_START = "<!-- incident-kit: alerts (rewritten on every delivery; write above or below) -->"
BLOCK_END = "<!-- /incident-kit: alerts -->"
# labels that name *where* an alert fires, shown first when they tell alerts apart
_IDENTITY = (
    "instance", "host", "hostname", "pod", "node", "container", "service", "job", "namespace",
    "cluster", "region", "zone", "device", "InstanceId", "ServiceName", "FunctionName",
)  # fmt: skip
_SHOWN_LABELS = 3


@dataclass(frozen=True)
class Entry:
    key: str
    state: AlertStatus
    title: str
    detail: str | None
    occurrences: int
    last_seen: datetime
    via: str | None = None  # the delivery (group) key it arrived in, when not its own


@dataclass(frozen=True)
class Listed:
    """The list after a delivery, and what the delivery changed in it."""

    entries: tuple[Entry, ...]
    unlisted: int = 0  # alerts over MAX_LISTED: counted only
    added: int = 0
    resolved_now: int = 0
    refired: int = 0

    @property
    def firing(self) -> int:
        return sum(1 for entry in self.entries if entry.state == "firing")

    @property
    def total(self) -> int:
        return len(self.entries) + self.unlisted

    @property
    def all_resolved(self) -> bool:
        return self.firing == 0

    @property
    def resolves(self) -> bool:
        """This delivery resolved the last firing alert: the incident is resolved at the source."""
        return self.resolved_now > 0 and self.all_resolved

    @property
    def change(self) -> str:
        """What the delivery changed, for the timeline: `2 resolved; 1 of 3 still firing`."""
        parts = [
            f"{count} {word}"
            for count, word in (
                (self.added, "new"),
                (self.resolved_now, "resolved"),
                (self.refired, "firing again"),
            )
            if count
        ]
        state = f"{self.firing} of {self.total} still firing" if self.firing else f"all {self.total} resolved"
        return "; ".join([", ".join(parts), state] if parts else [state])

    def frontmatter_block(self) -> list[str]:
        return frontmatter_block(self)

    def summary_block(self) -> list[str]:
        return summary_block(self)


def read(data: Mapping[str, object]) -> Listed | None:
    """The incident's list from its frontmatter; None when it keeps none (a single alert)."""
    raw = data.get(KEY)
    if not isinstance(raw, list):
        return None
    entries = [entry for item in raw if (entry := _entry(item)) is not None]
    alert = data.get("alert")
    counted = alert.get("alerts") if isinstance(alert, Mapping) else None
    total = counted if isinstance(counted, int) and not isinstance(counted, bool) else len(entries)
    return Listed(tuple(entries), unlisted=max(total - len(entries), 0))


def merge(listed: Listed | None, delivery: Delivery, at: datetime) -> Listed:
    """`listed` after `delivery`: known alerts change state, new ones join, and a resolved group
    resolves every alert it brought (the sender says none of them fires any more)."""
    entries = list(listed.entries if listed else ())
    unlisted = listed.unlisted if listed else 0
    index = {entry.key: n for n, entry in enumerate(entries)}
    added = resolved_now = refired = 0
    via = delivery.dedup_key
    for alert, detail in zip(delivery.alerts, details(delivery.alerts), strict=True):
        where = index.get(alert.dedup_key)
        if where is None:
            if len(entries) >= MAX_LISTED:
                unlisted += 1
                continue
            index[alert.dedup_key] = len(entries)
            entry_via = via if via != alert.dedup_key else None
            entries.append(Entry(alert.dedup_key, alert.status, alert.title, detail, 1, at, entry_via))
            added += 1
            continue
        old = entries[where]
        fires = alert.status == "firing"
        resolved_now += old.state == "firing" and not fires
        refired += old.state == "resolved" and fires
        occurrences = old.occurrences + 1 if fires else old.occurrences
        entries[where] = replace(old, state=alert.status, occurrences=occurrences, last_seen=at)
    if delivery.status == "resolved":
        for n, entry in enumerate(entries):
            if entry.state == "firing" and via in (entry.via, entry.key):
                entries[n] = replace(entry, state="resolved", last_seen=at)
                resolved_now += 1
    return Listed(tuple(entries), unlisted, added, resolved_now, refired)


def details(alerts: Sequence[Alert]) -> list[str | None]:
    """What tells each alert apart, then its description: the labels that differ between the
    alerts sharing its title (three hosts, one summary); for an alert whose title is its own,
    the identity labels that differ across the group; for a lone alert, its identity labels."""
    out: list[str | None] = []
    for alert in alerts:
        twins = [other for other in alerts if other.title == alert.title]
        if len(twins) > 1:
            names = _differing_labels(twins)
        elif len(alerts) > 1:
            names = [n for n in _differing_labels(alerts) if n in _IDENTITY]
        else:
            names = [n for n in _IDENTITY if n in alert.labels]
        if len(alerts) == 1 and alert.service and not any(alert.labels.get(n) for n in names):
            pairs = [f"service={alert.service}"] if alert.service not in alert.title else []
        else:
            pairs = [
                f"{name}={alert.labels[name]}"
                for name in names
                if name in alert.labels and alert.labels[name] not in alert.title
            ][:_SHOWN_LABELS]
        parts = [", ".join(pairs)] if pairs else []
        if alert.description and alert.description != alert.title:
            parts.append(alert.description[:120])
        out.append(text(" — ".join(parts)) if parts else None)
    return out


def _differing_labels(alerts: Sequence[Alert]) -> list[str]:
    names = {name for alert in alerts for name in alert.labels}
    varying = [n for n in names if len({alert.labels.get(n) for alert in alerts}) > 1]
    return sorted(varying, key=lambda n: (_IDENTITY.index(n) if n in _IDENTITY else len(_IDENTITY), n))


def frontmatter_block(listed: Listed) -> list[str]:
    """`alerts:` and one flow mapping per alert (strings double-quoted: safe in flow context)."""
    lines = [f"{KEY}:"]  # no comment on this line: the line scanner would give up on the file
    for entry in listed.entries:
        fields = [
            f"key: {render_scalar(entry.key, 'double')}",
            f"state: {entry.state}",
            f"title: {render_scalar(entry.title, 'double')}",
        ]
        if entry.detail:
            fields.append(f"detail: {render_scalar(entry.detail, 'double')}")
        # quoted: libyaml refuses a plain `15:00:00Z` inside a flow mapping
        seen = render_scalar(format_timestamp(entry.last_seen), "double")
        fields += [f"occurrences: {entry.occurrences}", f"last_seen: {seen}"]
        if entry.via:
            fields.append(f"via: {render_scalar(entry.via, 'double')}")
        lines.append("  - {" + ", ".join(fields) + "}")
    return lines


def summary_block(listed: Listed) -> list[str]:
    """The Summary's list of alerts, between markers, firing ones first."""
    counts = f"{listed.firing} firing, {listed.total - listed.firing} resolved"
    lines = [BLOCK_START, f"Alerts in this incident: {listed.total} ({counts}).", ""]
    ordered = sorted(listed.entries, key=lambda e: e.state != "firing")
    for entry in ordered[:MAX_SHOWN]:
        state = "**firing**" if entry.state == "firing" else "resolved"
        line = f"- {state}: {md_inline(entry.title, 200)}"
        if entry.detail:
            line += f" · {md_inline(entry.detail, 200)}"
        if entry.occurrences > 1:
            line += f" (×{entry.occurrences})"
        lines.append(line)
    hidden = listed.total - min(len(ordered), MAX_SHOWN)
    if hidden:
        lines.append(f"- … and {hidden} more (the frontmatter's `{KEY}:` lists up to {MAX_LISTED})")
    lines.append(BLOCK_END)
    return lines


def written(document: Document, listed: Listed) -> Document:
    """The incident file with its list, its count and its Summary block brought up to date."""
    document = document.with_frontmatter(replace_block(document.frontmatter, KEY, frontmatter_block(listed)))
    document = document.with_value(["alert", "alerts"], listed.total)
    return document.with_body(with_summary_block(document.body, listed))


def with_summary_block(body: str, listed: Listed) -> str:
    """The body with the block between the markers rewritten; untouched when a person removed
    the markers (their Summary wins)."""
    lines = body.split("\n")
    try:
        start = lines.index(BLOCK_START)
        end = lines.index(BLOCK_END, start)
    except ValueError:
        return body
    lines[start : end + 1] = summary_block(listed)
    return "\n".join(lines)


def _entry(item: object) -> Entry | None:
    """One frontmatter entry, or None when a hand edit left it unusable."""
    if not isinstance(item, Mapping):
        return None
    key, state, title = item.get("key"), item.get("state"), item.get("title")
    seen = as_datetime(item.get("last_seen"))
    if not isinstance(key, str) or state not in ("firing", "resolved") or seen is None:
        return None
    occurrences = item.get("occurrences")
    detail, via = item.get("detail"), item.get("via")
    return Entry(
        key=key,
        state="firing" if state == "firing" else "resolved",
        title=title if isinstance(title, str) else key,
        detail=detail if isinstance(detail, str) else None,
        occurrences=occurrences if isinstance(occurrences, int) and not isinstance(occurrences, bool) else 1,
        last_seen=seen,
        via=via if isinstance(via, str) else None,
    )
