"""`incident site`: read the incidents (through the records cache), render, write the output.

Two kinds of output:
- **internal** (the default): `index.html` (overview), `incidents/` (every incident's page,
  the listings), and the public status page under `status/`, exactly as `--public-only`
  would publish it;
- **public** (`--public-only`): the status page alone at the top of the folder, with
  `status.json` and `history.atom`: what the Pages workflow deploys.

A rebuild reads only the incidents whose files changed (`site.cache`), renders only their
pages, and rewrites only the listings and pages whose bytes changed (`site.output`).

Why this module is long: it is the one orchestration of a build, and each step needs the others'
state: the lock, the records pass over the cache (which folders changed, which pages they touch),
the aggregates every listing and the status page share (open, public, newest, the charts' key),
and writing the outputs and the cache back in one place. Rendering lives in `incident_page`,
`listing_pages`, `overview_page` and `status_page`; this module only decides what to render and
where it goes.
"""

from __future__ import annotations

import fcntl
import hashlib
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path

from incident_kit import cycles
from incident_kit.config.settings import CONFIG_PATH, Config
from incident_kit.ids import id_from_folder
from incident_kit.site import (
    atom,
    cache,
    chart_cache,
    listing_pages,
    output,
    render_pass,
    status_json,
    status_page,
)
from incident_kit.site.layout import esc, page
from incident_kit.site.record import Record
from incident_kit.site.status import derive, stable_id
from incident_kit.store import INCIDENTS, Store

LISTING_NAV = [
    ("Overview", "../index.html"),
    ("All incidents", "index.html"),
    ("Status page", "../status/index.html"),
]


@dataclass
class Result:
    out: Path
    kind: str
    full: bool
    incidents: int = 0
    public: int = 0
    read: int = 0  # incidents read from their files (the rest came from the cache)
    written: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)  # unreadable incidents, with why


def code_key() -> str:
    """A digest of the site's sources and assets: a new renderer invalidates old output."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.glob("*.py")) + sorted((package.parent / "data" / "site").glob("*")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _render_key(root: Path, config: Config, env: Mapping[str, str], code: str) -> str:
    digest = hashlib.sha256(code.encode())
    with suppress(OSError):
        digest.update((root / CONFIG_PATH).read_bytes())
    digest.update(repr(config.site).encode())
    digest.update(
        env.get("GITHUB_REPOSITORY", "").encode() + b"\0" + env.get("GITHUB_SERVER_URL", "").encode()
    )
    return digest.hexdigest()[:16]


def _asset(name: str) -> bytes:
    return (Path(__file__).parent.parent / "data" / "site" / name).read_bytes()


def _cache_dir(root: Path) -> Path:
    from incident_kit.git.repository import git_dir

    return git_dir(root) / "incident-kit"


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    path = _cache_dir(root) / "site.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def build(
    root: Path,
    config: Config,
    *,
    out: Path,
    now: datetime,
    public_only: bool = False,
    full: bool = False,
    env: Mapping[str, str] | None = None,
) -> Result:
    env = env or {}
    target = output.check_target(out, root)
    kind = "public" if public_only else "internal"
    with _locked(root), cycles.paused():
        code = code_key()
        render_key = _render_key(root, config, env, code)
        previous = None if full else output.read_marker(target)
        incremental = previous is not None and previous.kind == kind and previous.render_key == render_key
        writer: output.Writer = output.InPlaceWriter(target) if incremental else output.FullWriter(target)
        result = Result(out=target, kind=kind, full=not incremental)
        try:
            marker = output.Marker(kind, render_key)
            old_pages = previous.incident_pages if incremental and previous else None
            records, touched = _records(
                root, config, env, code, writer, old_pages, marker, result, internal=not public_only
            )
            kept = set(previous.pages) if incremental and previous else set()
            _aggregates(
                records,
                config,
                now,
                writer,
                marker,
                result,
                public_only=public_only,
                keep=(kept, touched),
                charts=(_cache_dir(root) / chart_cache.NAME, code, not full),
            )
            if incremental and previous is not None:
                for rel in set(previous.pages) - set(marker.pages):
                    writer.remove(rel)
                    result.removed += 1
                for incident_id in set(previous.incident_pages) - set(marker.incident_pages):
                    writer.remove(f"{listing_pages.FOLDER}/{incident_id}.html")
                    result.removed += 1
            writer.finish(marker)
        except BaseException:
            writer.abandon()
            raise
    return result


def _records(
    root: Path,
    config: Config,
    env: Mapping[str, str],
    code: str,
    writer: output.Writer,
    old_pages: dict[str, str] | None,
    marker: output.Marker,
    result: Result,
    *,
    internal: bool,
) -> tuple[list[Record], set[tuple[str, str]] | None]:
    """Every readable incident's record, and the (kind, value) listings that show an incident
    whose record changed since the folder was built (None: every listing, for a new folder or
    when what the folder shows is not known); the pages of the incidents that changed, written.
    `old_pages`: the folder's incident pages and the keys they were rendered from (None: a new
    folder)."""
    store = Store(root)
    cache_file = _cache_dir(root) / cache.NAME
    loaded = cache.read(cache_file, code)
    cached = loaded.entries
    fresh: dict[str, cache.Entry] = {}
    tasks: list[render_pass.Task] = []
    shown = old_pages or {}
    pages = marker.incident_pages
    base = str(store.root)
    # the records in the walk's order, as a build that read them all has them (the charts'
    # cache key sees the order); None where a record being read goes
    ordered: list[Record | None] = []
    slots: dict[str, int] = {}
    for month, name in store.names():
        rel = f"{INCIDENTS}/{month}/{name}"
        folder = f"{base}/{rel}"
        hit = cached.get(rel)
        if internal:
            key = cache.file_key(folder)
            if key is None:
                continue
            if hit is not None and hit[0] == key and shown.get(hit[1].id) == key:
                fresh[rel] = hit
                ordered.append(hit[1])
                pages[hit[1].id] = key
                continue
        else:  # no incident page: the record depends on incident.md alone
            main = cache.incident_key(folder)
            if main is None:
                continue
            if hit is not None and cache.same_incident_file(hit[0], main):
                fresh[rel] = hit
                ordered.append(hit[1])
                continue
            key = cache.file_key(folder)
            if key is None:
                continue
        incident_id = id_from_folder(name)
        if incident_id is None:
            continue
        tasks.append(render_pass.Task(rel, key, incident_id, internal and shown.get(incident_id) != key))
        slots[rel] = len(ordered)
        ordered.append(None)
    repository = env.get("GITHUB_REPOSITORY", "")
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/") or "https://github.com"
    job = render_pass.Job(
        root=store.root,
        folder=writer.folder,
        atomic=writer.atomic,
        settings=config.site,
        repository_url=f"{server}/{repository}" if "/" in repository else None,
        server=server,
    )
    for done in render_pass.run(job, tasks) if tasks else []:
        if done.record is None:
            result.skipped.append(done.error or done.task.rel)
            continue
        result.read += 1
        result.written += done.written
        fresh[done.task.rel] = (done.task.key, done.record, False)
        ordered[slots[done.task.rel]] = done.record
        if internal:
            pages[done.task.incident_id] = done.task.key
    _save_cache(cache_file, code, loaded, fresh, tasks)
    result.incidents = len(fresh)
    for message in result.skipped:
        sys.stderr.write(f"incident: skipped {message} (see `incident validate`)\n")
    touched = None if old_pages is None else _touched(loaded, fresh, tasks, old_pages, pages)
    return [record for record in ordered if record is not None], touched


def _save_cache(
    path: Path, code: str, loaded: cache.Cached, fresh: dict[str, cache.Entry], tasks: list[render_pass.Task]
) -> None:
    """The entries that changed go to the cache's delta, with the versions they supersede;
    once there are many, the whole file is written again (10,000 entries are not worth
    rewriting for a few)."""
    cached = loaded.entries
    changes: cache.Delta = {rel: None for rel in cached.keys() - fresh.keys()}
    for task in tasks:
        entry, old = fresh.get(task.rel), cached.get(task.rel)
        if entry is not None and (old is None or old[:2] != entry[:2]):
            changes[task.rel] = entry
    if not changes:
        return
    earlier = dict(loaded.earlier)
    for rel in changes:
        old = cached.get(rel)
        if old is not None:
            earlier.pop(old[0], None)
            earlier[old[0]] = old[1]  # the newest last
    delta = loaded.delta | changes
    if len(delta) > max(32, len(fresh) // 200):
        cache.write(path, code, fresh, earlier)
    else:
        cache.write_delta(path, code, delta, earlier)


def _facet_keys(record: Record) -> set[tuple[str, str]]:
    return {(f.kind, f.value) for f in listing_pages.facets_of(record)}


def _shown(loaded: cache.Cached, rel: str | None, key: str) -> Record | None:
    """The record of the files whose `key` an output folder's page has (None: not known)."""
    entry = loaded.entries.get(rel) if rel is not None else None
    if entry is not None and entry[0] == key:
        return entry[1]
    return loaded.earlier.get(key)


def _touched(
    loaded: cache.Cached,
    fresh: dict[str, cache.Entry],
    tasks: list[render_pass.Task],
    old_pages: dict[str, str],
    new_pages: dict[str, str],
) -> set[tuple[str, str]] | None:
    """The listings that show an incident whose record differs from the one the folder was
    built with (known when the cache holds the record of the key the folder's page has, as
    the current entry or a recently superseded one); None when one of those is not known."""
    touched: set[tuple[str, str]] = set()
    for task in tasks:
        old_key = old_pages.get(task.incident_id)
        if old_key == task.key:
            continue  # the folder already shows these very files
        entry = fresh.get(task.rel)
        new_record = entry[1] if entry is not None else None
        old_record = None  # new to the folder
        if old_key is not None and (old_record := _shown(loaded, task.rel, old_key)) is None:
            return None
        if old_record != new_record:
            for record in (old_record, new_record):
                if record is not None:
                    touched |= _facet_keys(record)
    gone = old_pages.keys() - new_pages.keys()
    if gone:
        rels = {entry[1].id: rel for rel, entry in loaded.entries.items() if entry[1].id in gone}
        for incident_id in gone:
            gone_record = _shown(loaded, rels.get(incident_id), old_pages[incident_id])
            if gone_record is None:
                return None
            touched |= _facet_keys(gone_record)
    return touched


def _put(writer: output.Writer, marker: output.Marker, result: Result, rel: str, data: str | bytes) -> None:
    marker.pages.append(rel)
    if not writer.unchanged(rel, data):
        writer.write(rel, data)
        result.written += 1


def _aggregates(
    records: list[Record],
    config: Config,
    now: datetime,
    writer: output.Writer,
    marker: output.Marker,
    result: Result,
    *,
    public_only: bool,
    keep: tuple[set[str], set[tuple[str, str]] | None] = (set(), None),
    charts: tuple[Path, str, bool] | None = None,
) -> None:
    """Every page made of many incidents. `keep`: the pages the folder already has, and the
    (kind, value) listings that an incident which changed is or was in (None: all); the other
    listings already have their bytes. `charts`: the charts cache, the code key, and whether a
    kept section may be used."""
    public = _public(records, config)
    result.public = len(public)
    status = derive(
        public, config.site, now=now, page_id=stable_id("page", config.site.url or config.site.title)
    )
    prefix = "" if public_only else "status/"
    _put(writer, marker, result, prefix + "index.html", status_page.render(status))
    _put(writer, marker, result, prefix + status_page.JSON, status_json.render(status))
    _put(writer, marker, result, prefix + status_page.FEED, atom.render(status))
    _put_assets(writer, marker, result, prefix, script=False)
    if public_only:
        return
    _put_assets(writer, marker, result, "", script=True)
    from incident_kit.site import overview_page  # the statistics and charts: internal only

    name = config.site.title
    scale = config.severity_scale.levels
    kept, touched = keep
    listings = [rel for rel in kept if rel.startswith(f"{listing_pages.FOLDER}/")]
    same_listings = touched is not None and not touched and f"{listing_pages.FOLDER}/index.html" in kept
    every = [] if same_listings else listing_pages.newest_first(records)
    _put(
        writer,
        marker,
        result,
        "index.html",
        overview_page.render(
            records,
            now=now,
            updates=config.updates,
            site_name=name,
            scale=scale,
            newest=listing_pages.newest(records, overview_page.RECENT) if same_listings else every,
            charts=None
            if charts is None
            else chart_cache.section(charts[0], records, now, scale, charts[1], reuse=charts[2]),
        ),
    )
    if same_listings:  # no record changed what a listing shows: every listing keeps its bytes
        marker.pages.extend(listings)
        return
    if kept and touched is not None:  # a rebuild: the listings of changed incidents, and any the folder lacks
        counts, groups = listing_pages.index(every, touched)
        missing = {(f.kind, f.value) for f in counts if f"incidents/{f.file}" not in kept and f not in groups}
        if missing:
            counts, groups = listing_pages.index(every, touched | missing)
    else:
        counts, groups = listing_pages.index(every)
    for facet in counts.keys() - groups.keys():  # listings that keep their bytes
        marker.pages.append(f"incidents/{facet.file}")
    body = (
        f"<h1>All incidents ({len(every)})</h1>"
        + listing_pages.browse_links(counts)
        + listing_pages.table([r.row for r in every], "Every incident, newest first", filterable=True)
    )
    _put(writer, marker, result, "incidents/index.html", _listing(body, "All incidents", name))
    for facet, members in groups.items():
        body = (
            f'<p class="crumbs"><a href="index.html">All incidents</a> › {esc(facet.title)}</p>'
            f"<h1>{esc(facet.title)} ({len(members)})</h1>"
            + listing_pages.table([r.row for r in members], f"{facet.title}, newest first", filterable=True)
        )
        _put(writer, marker, result, f"incidents/{facet.file}", _listing(body, facet.title, name))


_PUBLIC_FIELDS = itemgetter(
    *(Record._fields.index(n) for n in ("public_flag", "kind", "status", "severity", "service"))
)


def _public(records: list[Record], config: Config) -> list[Record]:
    """The public records; whether one is public depends on five of its fields, which 10,000
    records share in a few combinations: each is decided once."""
    fields = _PUBLIC_FIELDS
    decided: dict[tuple[str, ...], bool] = {}
    public = []
    for record in records:
        values = fields(record)
        verdict = decided.get(values)
        if verdict is None:
            verdict = decided[values] = render_pass.public(record, config.site)
        if verdict:
            public.append(record)
    return public


def _put_assets(
    writer: output.Writer, marker: output.Marker, result: Result, prefix: str, *, script: bool
) -> None:
    _put(writer, marker, result, f"{prefix}assets/site.css", _asset("site.css"))
    _put(writer, marker, result, f"{prefix}favicon.svg", _asset("favicon.svg"))
    if script:
        _put(writer, marker, result, f"{prefix}assets/site.js", _asset("site.js"))


def _listing(body: str, title: str, site_name: str) -> str:
    return page(
        title=title,
        body=body,
        root="../",
        site_name=site_name,
        nav=[(label, href) for label, href in LISTING_NAV],
        script=True,
    )
