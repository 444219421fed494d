"""`incident site`: read the incidents (through the records cache), render, write the output.

Two kinds of output:
- **internal** (the default): `index.html` (overview), `incidents/` (every incident's page,
  the listings), and the public status page under `status/`, exactly as `--public-only`
  would publish it;
- **public** (`--public-only`): the status page alone at the top of the folder, with
  `status.json` and `history.atom`: what the Pages workflow deploys.

A rebuild reads only the incidents whose files changed (`site.cache`), renders only their
pages, and rewrites only the listings and pages whose bytes changed (`site.output`).
"""

from __future__ import annotations

import fcntl
import hashlib
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from incident_kit.config.settings import CONFIG_PATH, Config
from incident_kit.ids import id_from_folder
from incident_kit.site import (
    atom,
    cache,
    listing_pages,
    output,
    overview_page,
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


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    from incident_kit.git.repository import git_dir

    path = git_dir(root) / "incident-kit" / "site.lock"
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
    with _locked(root):
        code = code_key()
        render_key = _render_key(root, config, env, code)
        previous = None if full else output.read_marker(target)
        incremental = previous is not None and previous.kind == kind and previous.render_key == render_key
        writer: output.Writer = output.InPlaceWriter(target) if incremental else output.FullWriter(target)
        result = Result(out=target, kind=kind, full=not incremental)
        try:
            marker = output.Marker(kind, render_key)
            old_pages = previous.incident_pages if incremental and previous else {}
            records, changed = _records(
                root, config, env, code, writer, old_pages, marker, result, internal=not public_only
            )
            kept = set(previous.pages) if incremental and previous else set()
            touched = {(f.kind, f.value) for r in changed for f in listing_pages.facets_of(r)}
            _aggregates(
                records, config, now, writer, marker, result, public_only=public_only, keep=(kept, touched)
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
    old_pages: dict[str, str],
    marker: output.Marker,
    result: Result,
    *,
    internal: bool,
) -> tuple[list[Record], list[Record]]:
    """Every readable incident's record, and the records that changed (before and after);
    the pages of the incidents that changed, written."""
    from incident_kit.git.repository import git_dir

    store = Store(root)
    cache_file = git_dir(root) / "incident-kit" / cache.NAME
    cached = cache.read(cache_file, code)
    fresh: dict[str, cache.Entry] = {}
    tasks: list[render_pass.Task] = []
    for month, name in store.names():
        incident_id = id_from_folder(name)
        if incident_id is None:
            continue
        rel = f"{INCIDENTS}/{month}/{name}"
        key = cache.file_key(f"{store.root}/{rel}")
        if key is None:
            continue
        hit = cached.get(rel)
        needs_page = internal and old_pages.get(incident_id) != key
        if hit is not None and hit[0] == key and not needs_page:
            fresh[rel] = hit
            if internal:
                marker.incident_pages[incident_id] = key
        else:
            tasks.append(render_pass.Task(rel, key, incident_id, needs_page))
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
        if internal:
            marker.incident_pages[done.task.incident_id] = done.task.key
    # A few changed incidents are not worth rewriting 10,000 lines for: their entries are
    # stale by their key, so the next build reads them again (cheaply, without a page).
    if fresh.keys() != cached.keys() or len(tasks) > max(8, len(fresh) // 500):
        cache.write(cache_file, code, fresh)
    result.incidents = len(fresh)
    for message in result.skipped:
        sys.stderr.write(f"incident: skipped {message} (see `incident validate`)\n")
    changed = [fresh[t.rel][1] for t in tasks if t.rel in fresh]
    changed += [entry[1] for rel, entry in cached.items() if rel not in fresh or not fresh[rel][2]]
    return [record for _, record, _ in fresh.values()], changed


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
    keep: tuple[set[str], set[tuple[str, str]]] = (set(), set()),
) -> None:
    """Every page made of many incidents. `keep`: the pages the folder already has, and the
    (kind, value) listings that an incident which changed is or was in; the other listings
    already have their bytes."""
    public = [r for r in records if render_pass.public(r, config.site)]
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
    name = config.site.title
    every = listing_pages.newest_first(records)
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
            scale=config.severity_scale.levels,
            newest=every,
        ),
    )
    kept, touched = keep
    if kept:  # a rebuild: the listings of changed incidents, and any the folder lacks
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
