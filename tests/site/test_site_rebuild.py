"""A rebuild in place gives, byte for byte, what a fresh build of the same files gives: after a
lifecycle change, a hand edit that leaves the record as it was, an edit of the same size in the
same second, a post-mortem edited in place, a deleted and a new incident, and after the public
page alone was built from the same records cache (so the cache moved on without the folder).
The overview's kept charts (`site-charts.v1`) are served only while what they show is the same:
the same chart fields of every record and the same day."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import run_cli
from support.repos import git
from support.site_repo import SiteRepo, cli, new_site_repo

CACHE = Path(".git") / "incident-kit"


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(repo: Path, out: Path, *extra: str) -> str:
    result = run_cli(["site", "--out", str(out), "--repo", str(repo), *extra])
    assert result.code == 0, result.stderr
    return result.stdout


def fresh(repo: Path, out: Path, *extra: str) -> dict[str, bytes]:
    """What a build from nothing gives (`--full` reads every file, with no cache at all: no
    kept records, no kept charts); the caches are put back as they were, so that the fresh
    build does not help the next rebuild."""
    saved = out.with_name(out.name + "-cache")
    shutil.copytree(repo / CACHE, saved)
    try:
        shutil.rmtree(repo / CACHE)
        shutil.rmtree(out, ignore_errors=True)
        build(repo, out, "--full", *extra)
        return files(out)
    finally:
        shutil.rmtree(repo / CACHE)
        shutil.copytree(saved, repo / CACHE)
        shutil.rmtree(saved)


def assert_same_as_fresh(repo: Path, tmp: Path, out: Path, *extra: str) -> str:
    said = build(repo, out, *extra)
    rebuilt = files(out)
    expected = fresh(repo, tmp / f"fresh-{out.name}", *extra)
    assert rebuilt.keys() == expected.keys()
    assert [name for name in rebuilt if rebuilt[name] != expected[name]] == []
    return said


def append_line(folder: Path) -> None:
    with open(folder / "incident.md", "a", encoding="utf-8") as handle:
        handle.write("- 2026-11-26T14:59:00Z — Looked at the dashboards again — dave\n")


def same_size_same_second(folder: Path) -> None:
    """A one-letter change of the title, the file's size and mtime kept (only its ctime moves)."""
    path = folder / "incident.md"
    before = path.stat()
    text = path.read_text("utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    changed = title[:-1] + ("X" if title[-1] != "X" else "Y")
    with open(path, "r+", encoding="utf-8") as handle:  # in place: the inode stays
        handle.write(text.replace(title, changed, 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def postmortem_in_place(folder: Path) -> None:
    path = folder / "postmortem.md"
    text = path.read_text("utf-8")
    with open(path, "r+", encoding="utf-8") as handle:
        handle.write(text.replace("Rate-limit", "Rate-LIMIT", 1))


@pytest.fixture
def site_repo(tmp_path: Path) -> SiteRepo:
    return new_site_repo(tmp_path / "repo")


def test_a_rebuild_after_each_kind_of_change_is_a_fresh_build(site_repo: SiteRepo, tmp_path: Path) -> None:
    root = site_repo.root
    out, public = tmp_path / "out", tmp_path / "public"
    build(root, out)
    build(root, public, "--public-only")
    steps: list[tuple[str, Callable[[], None]]] = [
        ("a lifecycle change", lambda: cli(root, "resolve", site_repo.ids["checkout"])),
        ("a line appended by hand", lambda: append_line(site_repo.folder("private"))),
        ("the same size in the same second", lambda: same_size_same_second(site_repo.folder("hostile"))),
        ("a post-mortem edited in place", lambda: postmortem_in_place(site_repo.folder("hostile"))),
        ("a deleted incident", lambda: git(root, "rm", "-rq", str(site_repo.folder("drill")))),
        ("a new incident", lambda: cli(root, "declare", "--manual-incident", "--title", "Queue backlog")),
    ]
    for what, change in steps:
        change()
        said = assert_same_as_fresh(root, tmp_path, out)
        assert "updated the incident site" in said, what
        assert "updated the public status page" in assert_same_as_fresh(
            root, tmp_path, public, "--public-only"
        ), what


def test_a_line_that_changes_no_record_rewrites_only_its_page(site_repo: SiteRepo, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(site_repo.root, out)
    listing = out / "incidents" / "index.html"
    before = listing.stat().st_mtime_ns
    append_line(site_repo.folder("private"))
    said = assert_same_as_fresh(site_repo.root, tmp_path, out)
    assert "1 read" in said
    assert listing.stat().st_mtime_ns == before, "the listings keep their bytes and their file"
    # the status page alone, built in between, moves the records cache on: the folder still
    # knows from the cache's earlier versions that nothing a listing shows has changed
    append_line(site_repo.folder("private"))
    build(site_repo.root, tmp_path / "public", "--public-only")
    append_line(site_repo.folder("private"))
    assert "1 read" in assert_same_as_fresh(site_repo.root, tmp_path, out)
    assert listing.stat().st_mtime_ns == before


def test_the_folder_catches_up_after_the_public_page_moved_the_cache_on(
    site_repo: SiteRepo, tmp_path: Path
) -> None:
    root = site_repo.root
    out, public = tmp_path / "out", tmp_path / "public"
    build(root, out)
    cli(root, "mitigate", site_repo.ids["private"])
    cli(root, "resolve", site_repo.ids["private"])
    build(root, public, "--public-only")  # the records cache now holds the resolved incident
    assert_same_as_fresh(root, tmp_path, out)
    status = json.loads((out / "status" / "status.json").read_text("utf-8"))
    assert status["page"]["name"] == "Acme status"


def test_a_damaged_cache_delta_costs_a_read_not_a_wrong_page(site_repo: SiteRepo, tmp_path: Path) -> None:
    root = site_repo.root
    out = tmp_path / "out"
    build(root, out)
    append_line(site_repo.folder("private"))
    build(root, out)
    deltas = list((root / CACHE).glob("site-records.*.recent"))
    assert deltas, "a build that read one incident writes its entry beside the cache"
    deltas[0].write_bytes(deltas[0].read_bytes()[:-7])
    append_line(site_repo.folder("checkout"))
    assert_same_as_fresh(root, tmp_path, out)


CHARTS = CACHE / "site-charts.v1"


def charts_of(out: Path) -> str:
    page = (out / "index.html").read_text("utf-8")
    return page[page.index('<section class="charts">') :].split("</section>", 1)[0]


def set_severity(folder: Path, severity: str) -> None:
    path = folder / "incident.md"
    text = path.read_text("utf-8")
    path.write_text(re.sub(r"^severity: .*$", f"severity: {severity}", text, count=1, flags=re.M), "utf-8")


def test_the_charts_are_drawn_again_when_what_they_show_changes(site_repo: SiteRepo, tmp_path: Path) -> None:
    root = site_repo.root
    out = tmp_path / "out"
    build(root, out)
    assert (root / CHARTS).is_file(), "the build keeps the charts it drew"
    before = charts_of(out)
    set_severity(site_repo.folder("checkout"), "SEV-4")  # a hand edit: the charts count it elsewhere
    assert_same_as_fresh(root, tmp_path, out)
    after = charts_of(out)
    assert after != before
    set_severity(site_repo.folder("checkout"), "SEV-1")
    cli(root, "resolve", site_repo.ids["private"])  # a time to resolve: the trend's median moves
    assert_same_as_fresh(root, tmp_path, out)
    assert charts_of(out) not in (before, after)
    git(root, "rm", "-rq", str(site_repo.folder("drill")))  # one incident fewer in its month
    cli(root, "declare", "--manual-incident", "--title", "Queue backlog", "--severity", "SEV-2")
    assert_same_as_fresh(root, tmp_path, out)


def test_a_kept_chart_is_served_only_under_its_key(site_repo: SiteRepo, tmp_path: Path) -> None:
    root = site_repo.root
    out = tmp_path / "out"
    build(root, out)
    header, key, _ = (root / CHARTS).read_bytes().split(b"\n", 2)
    (root / CHARTS).write_bytes(header + b"\n" + key + b"\n" + b'<section class="charts">KEPT</section>')
    append_line(site_repo.folder("private"))  # no chart field changed: the kept section is used
    build(root, out)
    assert charts_of(out) == '<section class="charts">KEPT'
    set_severity(site_repo.folder("private"), "SEV-4")  # a chart field changed: drawn again
    assert_same_as_fresh(root, tmp_path, out)
    assert "KEPT" not in (out / "index.html").read_text("utf-8")
    (root / CHARTS).write_bytes(b"damaged")
    append_line(site_repo.folder("private"))
    assert_same_as_fresh(root, tmp_path, out)


@pytest.mark.parametrize(
    "later",
    [
        ["2026-11-29T23:59:00Z", "2026-11-30T00:01:00Z"],  # Sunday, then a new week
        ["2026-12-01T00:00:30Z", "2027-01-04T12:00:00Z"],  # a new month, then a new year's week
    ],
)
def test_a_rebuild_on_another_day_is_a_fresh_build(
    site_repo: SiteRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, later: list[str]
) -> None:
    """The weeks and months the charts show end today: a kept chart of yesterday is not today's."""
    root = site_repo.root
    out = tmp_path / "out"
    build(root, out)
    for now in later:
        monkeypatch.setenv("INCIDENT_KIT_NOW", now)
        append_line(site_repo.folder("private"))
        assert "1 read" in assert_same_as_fresh(root, tmp_path, out)
