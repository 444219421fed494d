"""An incident folder read for the site: the page's input (`IncidentDoc`) and its `Record`.

The id used for page names and links is the one in the folder name (validated by its
pattern), never the frontmatter's, so a hand-edited `id: ../../x` cannot steer a write.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from incident_kit import action_items, timeline
from incident_kit.errors import FileFormatError
from incident_kit.ids import id_from_folder
from incident_kit.markdown import frontmatter
from incident_kit.model import ActionItem
from incident_kit.site.incident_page import IncidentDoc
from incident_kit.site.publicity import public_updates
from incident_kit.site.record import Record, record_of
from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, Store
from incident_kit.summaries.fields import flat_fields, summary_from


def read(store: Store, folder: Path) -> tuple[IncidentDoc, Record]:
    """The incident in `folder`; FileFormatError when its file cannot be read as one."""
    incident_id = id_from_folder(folder.name)
    if incident_id is None:
        raise FileFormatError(f"{store.rel(folder)}: not an incident folder name")
    path = folder / INCIDENT_FILE
    source = store.rel(path)
    document = frontmatter.split(store.read_text(path), source)
    data = frontmatter.load(document.frontmatter, source)
    summary = replace(summary_from(store.rel(folder), flat_fields(data)), id=incident_id)
    try:
        entries = timeline.entries(document.body, source)
    except FileFormatError:  # a duplicated Timeline: validate says so; the page still shows it
        entries = []
    postmortem, items = _postmortem(store, folder, incident_id)
    doc = IncidentDoc(incident_id, summary, data, document.body, postmortem, tuple(items))
    record = record_of(
        summary, data, [e.at for e in entries], public_updates((e.at, e.what) for e in entries)
    )
    return doc, record


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
