"""An incident folder read for the site: the page's input (`IncidentDoc`) and its `Record`.

The id used for page names and links is the one in the folder name (validated by its
pattern), never the frontmatter's, so a hand-edited `id: ../../x` cannot steer a write.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incident_kit import action_items, timeline
from incident_kit.errors import FileFormatError
from incident_kit.ids import id_from_folder
from incident_kit.markdown import field_scan, frontmatter
from incident_kit.model import ActionItem
from incident_kit.site.publicity import public_updates
from incident_kit.site.record import Record, record_of
from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, Store

if TYPE_CHECKING:
    from incident_kit.site.incident_page import IncidentDoc
from incident_kit.summaries.fields import flat_fields, summary_from


def read(store: Store, folder: Path) -> tuple[IncidentDoc, Record]:
    from incident_kit.site.incident_page import IncidentDoc

    """The incident in `folder`; FileFormatError when its file cannot be read as one."""
    incident_id = id_from_folder(folder.name)
    if incident_id is None:
        raise FileFormatError(f"{store.rel(folder)}: not an incident folder name")
    path = folder / INCIDENT_FILE
    source = store.rel(path)
    document = frontmatter.split(store.read_text(path), source)
    fields, data = _page_data(document.frontmatter, source)
    summary = replace(summary_from(store.rel(folder), fields), id=incident_id)
    try:
        entries = timeline.entries(document.body, source)
    except FileFormatError:  # a duplicated Timeline: validate says so; the page still shows it
        entries = []
    postmortem, items = _postmortem(store, folder, incident_id)
    doc = IncidentDoc(incident_id, summary, data, document.body, postmortem, tuple(items))
    record = record_of(summary, data, public_updates((e.at, e.what) for e in entries))
    return doc, record


# what a page shows beyond the summary: parsed alone, these few blocks cost a third of the file
_PAGE_KEYS = ("roles", "links", "alert", "public", "public_title")
_TOP = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?=[ \t]|$)")


def _page_data(text: str, source: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(summary fields, the frontmatter's page keys), with the YAML parser reading only the
    page keys' blocks when the line scanner understands the rest; else the whole file."""
    fields = field_scan.scan(text)
    if fields is not None:
        blocks: list[str] = []
        keep = False
        for line in text.split("\n"):
            top = _TOP.match(line)
            if top:
                keep = top.group(1) in _PAGE_KEYS
            if keep:
                blocks.append(line)
        try:
            return fields, frontmatter.load("\n".join(blocks) + "\n", source) if blocks else {}
        except FileFormatError:
            pass  # the whole file, so that the error names the right line
    data = frontmatter.load(text, source)
    return flat_fields(data), data


def read_record(store: Store, folder: Path) -> Record:
    """The incident's record alone (no page to render): read without a YAML parser when the
    line scanners understand the frontmatter (the public status page of a fresh clone reads
    every incident this way)."""
    incident_id = id_from_folder(folder.name)
    if incident_id is None:
        raise FileFormatError(f"{store.rel(folder)}: not an incident folder name")
    path = folder / INCIDENT_FILE
    source = store.rel(path)
    document = frontmatter.split(store.read_text(path), source)
    fields = field_scan.scan(document.frontmatter)
    extra: dict[str, Any] | None = public_keys(document.frontmatter)
    if fields is None or extra is None:
        extra = frontmatter.load(document.frontmatter, source)
        fields = flat_fields(extra)
    summary = replace(summary_from(store.rel(folder), fields), id=incident_id)
    try:
        entries = timeline.entries(document.body, source)
    except FileFormatError:
        entries = []
    return record_of(summary, extra, public_updates((e.at, e.what) for e in entries))


_PUBLIC_LINE = re.compile(r"^(public|public_title)[ \t]*:(.*)$", re.M)
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _./()+,-]*$")
_BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


def _simply_quoted(raw: str) -> bool:
    """'text' or "text" with nothing inside that YAML would read differently."""
    if len(raw) < 2 or raw[0] != raw[-1] or raw[0] not in "'\"":
        return False
    return not set(raw[1:-1]) & {raw[0], "\\"}


def public_keys(text: str) -> dict[str, Any] | None:
    """The top-level `public:` and `public_title:` as YAML reads them, None when unsure."""
    first = next(
        (line for line in text.split("\n") if line.strip() and not line.lstrip().startswith("#")), ""
    )
    if first[:1] in (" ", "\t"):
        return None  # an indented top level: only the parser knows
    found: dict[str, Any] = {}
    for match in _PUBLIC_LINE.finditer(text):
        key, raw = match.group(1), match.group(2).strip()
        if key in found:
            return None  # a duplicate: the YAML parser reports it
        if not raw.startswith(("'", '"')):
            raw = re.sub(r"(^|[ \t])#.*$", "", raw).strip()
        if key == "public":
            if raw in _BOOLEANS:
                found[key] = _BOOLEANS[raw]
            elif raw in ("", "null", "~"):
                found[key] = None
            else:
                return None
        elif _simply_quoted(raw):
            found[key] = raw[1:-1]
        elif _PLAIN.match(raw) and raw not in ("null", "true", "false"):
            found[key] = raw
        else:
            return None
    return found


def _postmortem(store: Store, folder: Path, incident_id: str) -> tuple[str | None, list[ActionItem]]:
    path = folder / POSTMORTEM_FILE
    if not path.is_file():
        return None, []
    source = store.rel(path)
    text = store.read_text(path)
    try:
        body = frontmatter.split(text, source).body
    except FileFormatError:
        body = text  # a post-mortem written without frontmatter is still a post-mortem
    try:
        items, _ = action_items.parse(incident_id, text, source)
    except FileFormatError:
        items = []
    return body, list(items)
