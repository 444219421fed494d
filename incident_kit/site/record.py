"""What the aggregate pages (overview, listings, charts, status page) need of one incident.

A `Record` is a tuple of text and whole numbers, so that the cache (`site.cache`) can keep
10,000 of them and hand them back without a YAML or JSON parse; times are UTC epoch seconds,
`NONE` when unknown. Durations follow `incident stats` (reports/stats/durations.py): drills,
cancelled and merged incidents have none, and a negative one (a data error) counts as none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from incident_kit.model import OPEN_STATUSES, IncidentSummary
from incident_kit.site.publicity import PUBLIC_TITLE_KEY, PublicUpdate, flag_of

NONE = -1


class Record(NamedTuple):
    rel: str  # the folder, relative to the repository root
    id: str
    title: str
    status: str
    severity: str
    kind: str
    service: str  # "" when none
    commander: str  # "" when none
    declared: int  # when the incident is dated (declared, else detected, else impact start)
    started: int  # when the impact started (impact start, else detected, else declared)
    mitigated: int
    resolved: int
    ack_s: int  # time to acknowledge, mitigate, resolve (seconds)
    mitigate_s: int
    resolve_s: int
    last_update: int  # the last stakeholder update (`last_update_at`, `incident update`)
    public_flag: str  # the frontmatter `public:`: "true", "false" or "" (see publicity)
    public_title: str
    updates_json: str  # public updates, oldest first: [[epoch, text], ...]
    row: str = ""  # the incident's row in the listing tables (HTML), filled in by the reader

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def updates(self) -> list[PublicUpdate]:
        if self.updates_json == "[]":  # most incidents: no JSON to parse
            return []
        return [PublicUpdate(moment(at), text) for at, text in json.loads(self.updates_json)]


def epoch(value: datetime | None) -> int:
    return NONE if value is None else int(value.timestamp())


def moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


_DAYS: dict[int, str] = {}


def day_of(seconds: int) -> str:
    """`YYYY-MM-DD` (UTC) of an epoch time; memoised, as 10,000 records share a few days."""
    number = seconds // 86400
    day = _DAYS.get(number)
    if day is None:
        day = _DAYS[number] = moment(number * 86400).strftime("%Y-%m-%d")
    return day


def month_of(seconds: int) -> str:
    return day_of(seconds)[:7]


def _duration(metric: str, summary: IncidentSummary) -> int:
    from incident_kit.reports.stats.durations import duration_seconds
    from incident_kit.reports.stats.record import exclusion

    if exclusion(summary) is not None:
        return NONE
    seconds = duration_seconds(metric, summary)
    return NONE if seconds is None or seconds < 0 else seconds


def record_of(summary: IncidentSummary, data: dict[str, Any], updates: Sequence[PublicUpdate]) -> Record:
    """The record of an incident from its summary, its frontmatter's public keys, and the
    public updates of its timeline."""
    # imported here: a rebuild reads a few incidents, and the status page needs no statistics
    from incident_kit.reports.stats.durations import reference_time

    dated = reference_time(summary)
    started = summary.impact_started_at or summary.detected_at or summary.declared_at
    public_title = data.get(PUBLIC_TITLE_KEY)
    return Record(
        rel=summary.path,
        id=summary.id,
        title=summary.title,
        status=summary.status,
        severity=summary.severity,
        kind=summary.kind,
        service=summary.service or "",
        commander=summary.commander or "",
        declared=epoch(dated),
        started=epoch(started),
        mitigated=epoch(summary.mitigated_at),
        resolved=epoch(summary.resolved_at),
        ack_s=_duration("time_to_acknowledge", summary),
        mitigate_s=_duration("time_to_mitigate", summary),
        resolve_s=_duration("time_to_resolve", summary),
        last_update=epoch(summary.last_update_at),
        public_flag=flag_of(data.get("public")),
        public_title=str(public_title) if isinstance(public_title, str) and public_title.strip() else "",
        updates_json=json.dumps([[epoch(u.at), u.text] for u in updates], ensure_ascii=False),
    )
