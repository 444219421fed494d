"""Reading the incidents whose files changed and writing their pages, on every core when there
are many (a first build of 10,000 incidents), in this process when there are few (a rebuild).

Workers are forked (`workers.in_order`), so they inherit the job (settings, the output folder)
instead of having it pickled; each reads its share of folders, writes those pages itself and
sends back only the records. Pages are independent files, so the order in which they are
written does not matter.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from incident_kit import workers
from incident_kit.config.settings import SiteSettings
from incident_kit.errors import FileFormatError
from incident_kit.site import listing_pages, reading
from incident_kit.site.output import write_file
from incident_kit.site.publicity import is_public
from incident_kit.site.record import Record
from incident_kit.store import Store


@dataclass(frozen=True)
class Job:
    root: Path
    folder: Path  # where pages are written (the output folder, or its temporary twin)
    atomic: bool  # write each page through a temporary file (a rebuild in place)
    settings: SiteSettings
    repository_url: str | None
    server: str


@dataclass(frozen=True)
class Task:
    rel: str
    key: str
    incident_id: str
    needs_page: bool


@dataclass(frozen=True)
class Done:
    task: Task
    record: Record | None
    error: str | None  # why the incident could not be read
    written: bool


def public(record: Record, settings: SiteSettings) -> bool:
    return is_public(
        flag=record.public_flag,
        kind=record.kind,
        status=record.status,
        severity=record.severity,
        service=record.service or None,
        settings=settings,
    )


def _one(job: Job, store: Store, task: Task) -> Done:
    try:
        if not task.needs_page:
            record = reading.read_record(store, store.root / task.rel)
            return Done(task, record._replace(row=listing_pages.row(record)), None, False)
        doc, record = reading.read(store, store.root / task.rel)
    except FileFormatError as error:
        return Done(task, None, error.message, False)
    record = record._replace(row=listing_pages.row(record))
    from incident_kit.site import incident_page  # with mistune: only when a page is rendered

    html = incident_page.render(
        doc,
        site_name=job.settings.title,
        is_public=public(record, job.settings),
        repository_url=job.repository_url,
        server=job.server,
    )
    write_file(job.folder, f"{listing_pages.FOLDER}/{task.incident_id}.html", html, atomic=job.atomic)
    return Done(task, record, None, True)


def run(job: Job, tasks: Sequence[Task]) -> list[Done]:
    (job.folder / listing_pages.FOLDER).mkdir(parents=True, exist_ok=True)

    def chunk(part: Sequence[Task]) -> list[Done]:
        store = Store(job.root)
        return [_one(job, store, task) for task in part]

    # the build turned the cycle collector off for its own records; a worker reads thousands
    return list(workers.in_order(chunk, tasks, initializer=gc.enable))
