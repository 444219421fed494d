"""Read commands: list, show, log. They never write and never parse Markdown in bulk."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from incident_kit import ids, timeline
from incident_kit.context import Context, emit_json
from incident_kit.errors import FileFormatError, InputError
from incident_kit.git import history
from incident_kit.markdown.frontmatter import format_timestamp
from incident_kit.model import OPEN_STATUSES, STATUSES
from incident_kit.sanitize import plain
from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, Store
from incident_kit.summaries.fields import as_datetime

if TYPE_CHECKING:
    from incident_kit.config.settings import UpdateSettings
    from incident_kit.summaries.cache import Entry
    from incident_kit.updates import Cadence


def _ts(value: datetime | None) -> str | None:
    return format_timestamp(value) if value else None


@dataclass(frozen=True)
class ListFilters:
    status: str | None = None  # open, all, or one status
    show_all: bool = False
    service: str | None = None
    severity: str | None = None
    mine: bool = False
    since: str | None = None  # declared at or after; what people type for a time


_STATUS_SPELLINGS = {"canceled": "cancelled", "closed-out": "closed", "post-mortem": "postmortem"}
TITLE_WIDTH = 60  # a 200-character title must not break the table


def list_incidents(ctx: Context, filters: ListFilters, *, fmt: str) -> int:
    """Straight from the cached summaries: no YAML, no datetime parsing, at 10,000 no JSON
    decoding either (each incident's JSON object is cached as text). Text and JSON list the
    same incidents: open ones unless --all or --status says otherwise."""
    status = _status(filters.status)
    from incident_kit.summaries.cache import iter_entries

    if status == "open" or (status is None and not filters.show_all):
        wanted: Callable[[str], bool] = _counts_as_open
    elif status and status != "all":
        wanted = status.__eq__
    else:
        wanted = _any_status
    lean = fmt == "json" and not (filters.service or filters.mine)  # the fields are not needed
    entries: list[Entry] = []
    for entry in iter_entries(ctx.root, salvage=True):  # only the listed ones are kept
        _warn_unknown_statuses([entry])
        if wanted(entry.status):
            entries.append(entry.lean() if lean else entry)
    entries = _filtered(ctx, entries, filters)
    entries.sort(key=lambda e: e.declared_at, reverse=True)  # newest first within each group
    rank = _severity_rank(ctx, entries)
    entries.sort(key=lambda e: _list_order(e, rank))
    if fmt == "json":
        if sys.stdout.isatty():
            emit_json([json.loads(e.item_json) for e in entries])  # indented for a person
        else:  # what emit_json prints for these objects, without decoding and re-encoding them
            _write_items(entries)
        return 0
    if not entries:
        narrowed = filters.service or filters.severity or filters.mine or filters.since or status
        print(
            "no incidents match"
            if narrowed
            else "no open incidents (incident list --all shows every incident)"
            if not filters.show_all
            else "no incidents"
        )
        return 0
    table = [["ID", "STATUS", "SEV", "COMMANDER", "SERVICE", "DECLARED", "TITLE"]]
    settings = _update_settings(ctx) if any(e.status in OPEN_STATUSES for e in entries) else None
    for entry in entries:
        f = entry.fields
        drill = "[drill] " if f.get("kind") == "drill" else ""
        if settings is not None and entry.status in OPEN_STATUSES:
            due = _cadence(settings, entry.status, entry.severity, f)
            if due is not None and due.overdue(ctx.now):
                drill += f"[{due.state(ctx.now)}] "
        table.append(
            [
                str(f.get("id") or ids.id_part(entry.rel.rsplit("/", 1)[-1])),
                str(f.get("status") or "-"),
                str(f.get("severity") or "-"),
                _cell(f.get("commander")),
                _cell(f.get("service")),
                str(f.get("declared_at") or "-"),
                _shorten(drill + str(f.get("title") or ""), TITLE_WIDTH),
            ]
        )
    widths = [max(len(row[col]) for row in table) for col in range(6)]
    out = ["  ".join(row[col].ljust(widths[col]) for col in range(6)) + "  " + row[6] for row in table]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def _any_status(_: str) -> bool:
    return True


def _write_items(entries: list[Entry]) -> None:
    """`[item, item]`, written piece by piece: at 50,000 incidents the joined text would be
    two more copies of the whole output in memory."""
    out = sys.stdout
    out.write("[")
    separator = ""
    for entry in entries:
        out.write(separator)
        out.write(entry.item_json)
        separator = ", "
    out.write("]\n")


def _status(text: str | None) -> str | None:
    if text is None:
        return None
    folded = text.strip().lower()
    folded = _STATUS_SPELLINGS.get(folded, folded)
    if folded in (*STATUSES, "open", "all"):
        return folded
    from difflib import get_close_matches

    close = get_close_matches(folded, [*STATUSES, "open", "all"], n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise InputError(f"--status {text!r}: choose open, all or one of {', '.join(STATUSES)}{hint}")


def _filtered(ctx: Context, entries: list[Entry], filters: ListFilters) -> list[Entry]:
    """--service, --severity, --mine, --since; the config is read only when a filter needs it."""
    if filters.service or filters.severity:
        from incident_kit.config import degraded
        from incident_kit.git.repository import git_dir

        config = degraded.load(ctx.root, git_dir(ctx.root) / "incident-kit").config
        if filters.service:
            wanted = (config.canonical_service(filters.service.strip()) or "").lower()
            entries = [e for e in entries if str(e.fields.get("service") or "").lower() == wanted]
        if filters.severity:
            level = config.severity_scale.normalise(filters.severity)
            entries = [e for e in entries if e.severity == level]
    if filters.mine:
        me = ctx.actor.name.lower()
        entries = [e for e in entries if str(e.fields.get("commander") or "").lstrip("@").lower() == me]
    if filters.since:
        since = _since(ctx, filters.since)
        entries = [e for e in entries if (at := as_datetime(e.declared_at)) is not None and at >= since]
    return entries


def _since(ctx: Context, text: str) -> datetime:
    """`--since 2026-11-01` and `--since yesterday` mean from the start of that day."""
    from incident_kit.clock import parse

    typed = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}|today|yesterday", typed, re.I):
        typed += " 00:00"
    return parse(typed, ctx.now, ctx.zone, flag="--since").at


def _cell(value: object) -> str:
    return _shorten(str(value), 24) if value else "-"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


_STATUS_ORDER = {name: index for index, name in enumerate(STATUSES)}


def _counts_as_open(status: str) -> bool:
    """A status nobody can read (`trage`, none at all) might be open: shown, never hidden."""
    return status in OPEN_STATUSES or status not in _STATUS_ORDER


def _warn_unknown_statuses(entries: list[Entry]) -> None:
    for entry in entries:
        if entry.status not in _STATUS_ORDER and not entry.salvaged:
            what = f"status {entry.status!r} is not a status" if entry.status else "it has no status"
            sys.stderr.write(
                f"incident: warning: {entry.rel}/{INCIDENT_FILE}: {what} ({', '.join(STATUSES)}); "
                "listed with the open incidents (see `incident validate`)\n"
            )


def _list_order(entry: Entry, rank: Callable[[str], int] | None = None) -> tuple[bool, int, int]:
    """Open incidents first and most severe first (a mitigated SEV-1 above a triage SEV-3);
    the others by status, then severity. Numbered levels (SEV-0, P2) sort by their number
    without reading the config; `rank` is the scale's order for named ones (critical, major)."""
    status = _STATUS_ORDER.get(entry.status, 99)
    if rank is not None:
        severity = rank(entry.severity)
    else:
        severity = int(entry.severity[-1]) if entry.severity[-1:].isdigit() else 99
    if _counts_as_open(entry.status):
        return (False, severity, status)
    return (True, status, severity)


def _severity_rank(ctx: Context, entries: list[Entry]) -> Callable[[str], int] | None:
    if all(e.severity[-1:].isdigit() for e in entries):
        return None
    from incident_kit.config import degraded
    from incident_kit.git.repository import git_dir

    return degraded.load(ctx.root, git_dir(ctx.root) / "incident-kit").config.severity_scale.rank


def show(ctx: Context, ref: str, *, fmt: str) -> int:
    store = Store(ctx.root)
    folder = store.resolve(ref)
    try:
        incident = store.read(folder)
    except FileFormatError as error:
        if fmt == "json":
            raise
        # at 3 a.m. the file is still worth reading: show it as it is, and say what is wrong
        text = store.read_text(folder / INCIDENT_FILE)
        print(text.removeprefix("\ufeff"), end="" if text.endswith("\n") else "\n")
        sys.stderr.write(f"incident: warning: {error.message} (shown as it is; incident validate explains)\n")
        return 1
    from incident_kit.summaries.fields import summary_json, summary_of

    summary = summary_of(incident)
    due = _cadence(
        _update_settings(ctx),
        summary.status,
        summary.severity,
        {"declared_at": summary.declared_at, "last_update_at": summary.last_update_at},
    )
    if fmt == "json":
        document = summary_json(summary)
        document["frontmatter"] = incident.data
        document["timeline"] = [
            {"at": _ts(e.at), "what": plain(e.what), "who": e.who, "line": e.line}
            for e in timeline.entries(incident.document.body, incident.source)
        ]
        document["postmortem"] = (
            f"{incident.rel}/{POSTMORTEM_FILE}" if (incident.folder / POSTMORTEM_FILE).exists() else None
        )
        document["update"] = (
            {
                "every_minutes": int(due.every.total_seconds() // 60),
                "last_at": _ts(due.last),
                "due_at": _ts(due.due),
                "overdue": due.overdue(ctx.now),
            }
            if due is not None
            else None
        )
        emit_json(document)
        return 0
    print(incident.document.text().removeprefix("\ufeff"), end="")
    if due is not None and due.overdue(ctx.now):
        sys.stderr.write(
            f"incident: {summary.severity}: {due.describe(ctx.now)}; "
            f"`incident update {summary.id} TEXT` posts one\n"
        )
    return 0


def _update_settings(ctx: Context) -> UpdateSettings:
    """The update cadence; a read command still works when the configuration is broken."""
    from incident_kit.config.loading import load
    from incident_kit.config.settings import UpdateSettings
    from incident_kit.errors import ConfigError
    from incident_kit.git.repository import git_dir

    try:
        return load(ctx.root, git_dir(ctx.root) / "incident-kit").updates
    except ConfigError:
        return UpdateSettings()


def _cadence(
    settings: UpdateSettings, status: str, severity: str, fields: dict[str, object]
) -> Cadence | None:
    """From summary fields (cached text or datetimes): no file is read."""
    from incident_kit.summaries.fields import as_datetime
    from incident_kit.updates import cadence

    every = settings.every_minutes(severity)
    if every is None:
        return None
    declared = as_datetime(fields.get("declared_at"))
    return cadence(status, declared, as_datetime(fields.get("last_update_at")), every)


def log(ctx: Context, ref: str, *, fmt: str) -> int:
    store = Store(ctx.root)
    folder = store.resolve(ref)
    commits = history.log(ctx.root, store.rel(folder))
    if fmt == "json":
        emit_json(
            [
                {
                    "commit": c.sha,
                    "author": c.author,
                    "date": c.date,
                    "subject": c.subject,
                    "trailers": dict(c.trailers),
                }
                for c in commits
            ]
        )
        return 0
    if not commits:
        print(f"no commits yet for {store.rel(folder)}/{INCIDENT_FILE}")
    for c in commits:
        print(f"{c.sha[:10]}  {c.date}  {c.author:<16}  {c.subject}")
    return 0
