"""Read commands: list, show, log. They never write and never parse Markdown in bulk."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from incident_kit import ids, timeline
from incident_kit.context import Context, emit_json
from incident_kit.errors import FileFormatError, InputError
from incident_kit.git import history
from incident_kit.markdown.frontmatter import format_timestamp
from incident_kit.model import OPEN_STATUSES, STATUSES
from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, Store

if TYPE_CHECKING:
    from incident_kit.summaries.cache import Entry


def _ts(value: datetime | None) -> str | None:
    return format_timestamp(value) if value else None


def list_incidents(ctx: Context, *, status: str | None, show_all: bool, fmt: str) -> int:
    """Straight from the cached summaries: no YAML, no datetime parsing, at 10,000 no JSON
    decoding either (each incident's JSON object is cached as text)."""
    if status and status not in (*STATUSES, "open"):
        raise InputError(f"--status {status!r}: choose open or one of {', '.join(STATUSES)}")
    from incident_kit.summaries.cache import load_entries

    entries = load_entries(ctx.root, salvage=True)
    _warn_unknown_statuses(entries)
    if status == "open" or (status is None and not show_all and fmt == "text"):
        entries = [e for e in entries if _counts_as_open(e.status)]
    elif status:
        entries = [e for e in entries if e.status == status]
    entries.sort(key=lambda e: e.declared_at, reverse=True)  # newest first within each group
    entries.sort(key=_list_order)
    if fmt == "json":
        if sys.stdout.isatty():
            emit_json([json.loads(e.item_json) for e in entries])  # indented for a person
        else:  # what emit_json prints for these objects, without decoding and re-encoding them
            sys.stdout.write("[" + ", ".join(e.item_json for e in entries) + "]\n")
        return 0
    if not entries:
        print(
            "no open incidents (incident list --all shows every incident)" if not show_all else "no incidents"
        )
        return 0
    table = [["ID", "STATUS", "SEV", "COMMANDER", "SERVICE", "DECLARED", "TITLE"]]
    for entry in entries:
        f = entry.fields
        drill = "[drill] " if f.get("kind") == "drill" else ""
        table.append(
            [
                str(f.get("id") or ids.id_part(entry.rel.rsplit("/", 1)[-1])),
                str(f.get("status") or "-"),
                str(f.get("severity") or "-"),
                str(f.get("commander") or "-"),
                str(f.get("service") or "-"),
                str(f.get("declared_at") or "-"),
                drill + str(f.get("title") or ""),
            ]
        )
    widths = [max(len(row[col]) for row in table) for col in range(6)]
    out = ["  ".join(row[col].ljust(widths[col]) for col in range(6)) + "  " + row[6] for row in table]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


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


def _list_order(entry: Entry) -> tuple[bool, int, int]:
    """Open incidents first and most severe first (a mitigated SEV-1 above a triage SEV-3);
    the others by status, then severity."""
    status = _STATUS_ORDER.get(entry.status, 99)
    severity = int(entry.severity[-1]) if entry.severity[-1:].isdigit() else 9
    if _counts_as_open(entry.status):
        return (False, severity, status)
    return (True, status, severity)


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
    if fmt == "json":
        from incident_kit.summaries.fields import summary_json, summary_of

        document = summary_json(summary_of(incident))
        document["frontmatter"] = incident.data
        document["timeline"] = [
            {"at": _ts(e.at), "what": e.what, "who": e.who, "line": e.line}
            for e in timeline.entries(incident.document.body, incident.source)
        ]
        document["postmortem"] = (
            f"{incident.rel}/{POSTMORTEM_FILE}" if (incident.folder / POSTMORTEM_FILE).exists() else None
        )
        emit_json(document)
        return 0
    print(incident.document.text().removeprefix("\ufeff"), end="")
    return 0


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
