"""An incident's summary: the few fields list, stats, the index and dedup need (pure).

Built from full frontmatter data (`flat_fields`) or from a line scan (`field_scan.scan`), which
return the same flat mapping; `list_item` is the one JSON shape of an incident that `list` and
`show --format json` print.
"""

from __future__ import annotations

import re
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from incident_kit.ids import id_from_folder
from incident_kit.markdown.frontmatter import as_datetime, format_timestamp
from incident_kit.model import SUMMARY_KEYS, IncidentSummary

if TYPE_CHECKING:
    from incident_kit.store import IncidentFile

__all__ = [
    "LIST_KEYS",
    "as_datetime",
    "flat_fields",
    "list_item",
    "salvage",
    "summary_from",
    "summary_json",
    "summary_of",
]

# the keys `list --format json` prints for each incident, in order
LIST_KEYS = (
    "id", "title", "status", "severity", "kind", "commander", "service", "source", "declared_at",
    "acknowledged_at", "mitigated_at", "resolved_at", "closed_at", "last_update_at", "dedup_key", "path",
)  # fmt: skip


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def flat_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The summary fields of full frontmatter data, flattened like `fastscan.scan` returns them."""
    alert = data.get("alert") if isinstance(data.get("alert"), dict) else {}
    slack = data.get("slack") if isinstance(data.get("slack"), dict) else {}
    fields = {key: data.get(key) for key in SUMMARY_KEYS}
    fields["alert.dedup_key"] = (alert or {}).get("dedup_key")
    fields["slack.channel_name"] = (slack or {}).get("channel_name")
    return fields


_LINE = re.compile(r"^([a-z_]+)[ \t]*:[ \t]*(.*?)[ \t]*(?:[ \t]#.*)?$")


def salvage(frontmatter: str, folder_name: str) -> dict[str, Any] | None:
    """The summary fields a frontmatter that does not parse still shows, line by line (`list`
    shows such an incident rather than hide it); None unless a plain `status:` line is there.
    The id is the folder's."""
    fields: dict[str, Any] = {}
    for line in frontmatter.split("\n"):
        match = _LINE.match(line)
        if match is None or match.group(1) not in SUMMARY_KEYS or match.group(1) in fields:
            continue
        value = match.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif value[:1] in ("[", "{", "|", ">", "&", "*", "!"):
            continue  # a structure or a YAML feature: nothing to read line by line
        fields[match.group(1)] = None if value in ("", "~", "null", "Null", "NULL") else value
    if not isinstance(fields.get("status"), str) or not fields["status"].isidentifier():
        return None
    fields["id"] = id_from_folder(folder_name) or folder_name
    return fields


def summary_from(rel: str, fields: dict[str, Any]) -> IncidentSummary:
    """An incident's summary from its flat fields (full frontmatter or a fast scan)."""
    folder_name = rel.rsplit("/", 1)[-1]
    return IncidentSummary(
        id=str(fields.get("id") or id_from_folder(folder_name) or folder_name),
        title=str(fields.get("title") or ""),
        status=str(fields.get("status") or ""),
        severity=str(fields.get("severity") or ""),
        kind=str(fields.get("kind") or "incident"),
        service=_text(fields.get("service")),
        commander=_text(fields.get("commander")),
        source=_text(fields.get("source")),
        path=rel,
        impact_started_at=as_datetime(fields.get("impact_started_at")),
        detected_at=as_datetime(fields.get("detected_at")),
        declared_at=as_datetime(fields.get("declared_at")),
        acknowledged_at=as_datetime(fields.get("acknowledged_at")),
        mitigated_at=as_datetime(fields.get("mitigated_at")),
        resolved_at=as_datetime(fields.get("resolved_at")),
        postmortem_at=as_datetime(fields.get("postmortem_at")),
        closed_at=as_datetime(fields.get("closed_at")),
        dedup_key=_text(fields.get("alert.dedup_key")),
        merged_into=_text(fields.get("merged_into")),
        slack_channel=_text(fields.get("slack.channel_name")),
        last_update_at=as_datetime(fields.get("last_update_at")),
    )


def summary_of(incident: IncidentFile) -> IncidentSummary:
    return summary_from(incident.rel, flat_fields(incident.data))


def list_item(rel: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The object `list --format json` prints for an incident."""
    item = {key: fields.get(key) for key in LIST_KEYS[:-2]}
    item["id"] = item["id"] or id_from_folder(rel.rsplit("/", 1)[-1]) or rel.rsplit("/", 1)[-1]
    item["kind"] = item["kind"] or "incident"
    item["dedup_key"] = fields.get("alert.dedup_key")
    item["path"] = rel
    return item


def summary_json(summary: IncidentSummary) -> dict[str, Any]:
    """`list_item` for a summary already parsed (as `show --format json` has it)."""
    flat: dict[str, Any] = {}
    for field in dataclass_fields(summary):
        value = getattr(summary, field.name)
        flat[field.name] = format_timestamp(value) if isinstance(value, datetime) else value
    flat["alert.dedup_key"] = summary.dedup_key
    return list_item(summary.path, flat)
