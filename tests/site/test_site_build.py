"""`incident site` end to end on a repository with public, private, drill and hostile incidents:
the pages are parsed and checked by structure, status.json against Statuspage's schema, the feed
by a real feed parser, and the public output for any trace of a private incident."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import feedparser
import jsonschema
import pytest
from support.cli import run_cli
from support.dom import Element, active_content, parse
from support.repos import git
from support.site_repo import HOSTILE_TITLE, SiteRepo, cli, new_site_repo, sealed

SCHEMA = Path(__file__).parent / "schemas" / "statuspage-summary.schema.json"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SiteRepo, Path]]:
    """The repository, and the internal site built from it (read-only for the tests)."""
    base = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as monkeypatch:
        sealed(monkeypatch, base / "home")
        repo = new_site_repo(base / "repo")
        cli(repo.root, "site", "--out", str(base / "out"))
        yield repo, base / "out"


def page(out: Path, rel: str) -> Element:
    return parse((out / rel).read_text(encoding="utf-8"))


def components(document: Element) -> dict[str, str]:
    """Service name -> the status it shows, from the status page."""
    found = {}
    for item in document.find_all("li", class_="component"):
        found[item.find("h3").text()] = item.find("span", class_="state").text()
    return found


def public_files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text("utf-8") for p in folder.rglob("*") if p.is_file()}


def test_each_public_service_shows_the_status_of_its_open_public_incidents(
    site: tuple[SiteRepo, Path],
) -> None:
    _, out = site
    document = page(out, "status/index.html")
    assert components(document) == {
        "checkout": "Partial outage",  # SEV-2, investigating
        "payments": "Operational",  # SEV-1, resolved
        "search": "Degraded performance",  # SEV-3, mitigated
    }
    assert document.find("p", class_="overall").text() == "Partial System Outage"


def test_the_history_marks_the_days_a_public_incident_was_open(site: tuple[SiteRepo, Path]) -> None:
    _, out = site
    document = page(out, "status/index.html")
    payments = next(
        i for i in document.find_all("li", class_="component") if i.find("h3").text() == "payments"
    )
    days = [rect.find("title").text() for rect in payments.find_all("rect")]
    assert len(days) == 90
    assert days[-1].startswith("2026-11-26")  # today, last
    assert days[-3] == "2026-11-24: Major outage, 1 incident"
    assert all(day.endswith("Operational") for i, day in enumerate(days) if i != 87)


def test_incidents_show_their_public_updates_and_nothing_else(site: tuple[SiteRepo, Path]) -> None:
    repo, out = site
    document = page(out, "status/index.html")
    articles = {a.attrs["id"]: a for a in document.find_all("article")}
    assert set(articles) == {repo.ids["checkout"], repo.ids["payments"], repo.ids["hostile"]}
    checkout = articles[repo.ids["checkout"]]
    assert checkout.find("h3").text() == "Checkout is failing for some customers"  # public_title
    assert [li.find_all("p")[1].text() for li in checkout.find_all("li")] == [
        "We are investigating failed checkouts."
    ]
    payments = articles[repo.ids["payments"]]
    assert [li.find_all("p")[1].text() for li in payments.find_all("li")] == [
        "Payments work again.",
        "Payments are failing; we are on it.",
    ]
    assert "Resolved" in payments.find("p", class_="meta").text()


def test_no_private_incident_reaches_the_public_output(site: tuple[SiteRepo, Path], tmp_path: Path) -> None:
    repo, out = site
    cli(repo.root, "site", "--public-only", "--out", str(tmp_path / "public"))
    published = public_files(tmp_path / "public") | {
        f"status/{k}": v for k, v in public_files(out / "status").items()
    }
    assert {"index.html", "status.json", "history.atom", "status/index.html"} <= set(published)
    for name, text in published.items():
        for marker in repo.private_markers():
            assert marker not in text, f"{marker!r} is in {name}"
    summary = json.loads(published["status.json"])
    assert {c["name"] for c in summary["components"]} == {"checkout", "payments", "search"}
    assert {i["id"] for i in summary["incidents"]} == {repo.ids["checkout"], repo.ids["hostile"]}


def test_status_json_is_statuspage_s_summary(site: tuple[SiteRepo, Path]) -> None:
    repo, out = site
    summary = json.loads((out / "status" / "status.json").read_text("utf-8"))
    jsonschema.validate(summary, json.loads(SCHEMA.read_text("utf-8")))
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert summary["scheduled_maintenances"] == []
    checkout = next(i for i in summary["incidents"] if i["id"] == repo.ids["checkout"])
    assert checkout["status"] == "investigating"
    assert checkout["impact"] == "major"
    assert [u["body"] for u in checkout["incident_updates"]] == ["We are investigating failed checkouts."]
    assert checkout["components"][0]["name"] == "checkout"


def test_the_schema_rejects_what_statuspage_would_not_send() -> None:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"page": {}, "components": [], "incidents": []}, schema)
    with pytest.raises(jsonschema.ValidationError):
        bad = {"id": "x", "name": "n", "status": "broken", "created_at": "2026-01-01T00:00:00Z"}
        jsonschema.validate({"components": [bad]}, {"$ref": "#/properties", **schema})


def test_the_feed_is_atom_with_one_entry_per_public_update(site: tuple[SiteRepo, Path]) -> None:
    _, out = site
    feed = feedparser.parse((out / "status" / "history.atom").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    summaries = [e.summary for e in feed.entries]
    assert "We are investigating failed checkouts." in summaries
    assert "This incident has been resolved." in summaries  # payments
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    assert all(e.updated_parsed for e in feed.entries)
    assert [e.updated for e in feed.entries] == sorted((e.updated for e in feed.entries), reverse=True)


def test_the_internal_site_lists_every_incident_and_puts_open_ones_first(site: tuple[SiteRepo, Path]) -> None:
    repo, out = site
    overview = page(out, "index.html")
    open_rows = overview.find("table", class_="open").find("tbody").find_all("tr")
    open_ids = [row.find("a").text() for row in open_rows]
    assert open_ids[:2] == [repo.ids["drill"], repo.ids["forced_private"]]  # the SEV-1s, oldest first
    assert set(open_ids) == set(repo.ids.values()) - {repo.ids["payments"]}
    listing = page(out, "incidents/index.html").find("table", class_="incidents")
    assert len(listing.find("tbody").find_all("tr")) == len(repo.ids)
    for incident_id in repo.ids.values():
        assert (out / "incidents" / f"{incident_id}.html").is_file()


def test_the_overview_flags_incidents_overdue_for_an_update(site: tuple[SiteRepo, Path]) -> None:
    repo, out = site
    rows = page(out, "index.html").find("table", class_="open").find("tbody").find_all("tr")
    overdue = {row.find("a").text() for row in rows if row.find_all("span", class_="overdue")}
    # SEV-1 every 30 min: the drill (4 h, no entry since) and the forced-private one (2 h)
    assert overdue == {repo.ids["drill"], repo.ids["forced_private"], repo.ids["checkout"]}


def test_listing_pages_filter_without_javascript(site: tuple[SiteRepo, Path]) -> None:
    _, out = site
    browse = page(out, "incidents/index.html").find("nav", class_="browse")
    links = {a.text(): a.attrs["href"] for a in browse.find_all("a")}
    sev1 = page(out, "incidents/" + links["SEV-1"]).find("tbody")
    assert {row.attrs["data-severity"] for row in sev1.find_all("tr")} == {"SEV-1"}
    assert len(sev1.find_all("tr")) == 3  # payments, forced-private, drill


def test_an_incident_page_has_its_facts_postmortem_and_action_items(site: tuple[SiteRepo, Path]) -> None:
    repo, out = site
    document = page(out, f"incidents/{repo.ids['hostile']}.html")
    assert document.find("h1").text() == HOSTILE_TITLE  # shown as text
    facts = document.find("dl", class_="facts")
    terms = [dt.text() for dt in facts.find_all("dt")]
    assert {"Severity", "Incident Commander", "On the status page", "Mitigated"} <= set(terms)
    items = document.find_all("section")[-1].find("tbody").find_all("tr")
    assert [row.find_all("td")[0].text() for row in items] == ["AI-1", "AI-2"]
    issue_links = [a.attrs["href"] for row in items for a in row.find_all("a")]
    assert issue_links == ["https://github.com/acme/search/issues/7"]  # #42 needs GITHUB_REPOSITORY
    mermaid = document.find("figure", class_="mermaid-source")
    assert "gantt" in mermaid.find("code").text()


def test_hostile_titles_notes_and_postmortems_render_inert_everywhere(site: tuple[SiteRepo, Path]) -> None:
    _, out = site
    pages = [p for p in out.rglob("*.html")]
    assert len(pages) > 10
    for path in pages:
        assert active_content(parse(path.read_text("utf-8"))) == [], path
    for path in out.rglob("*.svg"):
        assert active_content(parse(path.read_text("utf-8"))) == [], path


def test_every_page_carries_a_strict_content_security_policy(site: tuple[SiteRepo, Path]) -> None:
    _, out = site
    for path in out.rglob("*.html"):
        metas = parse(path.read_text("utf-8")).find_all("meta", **{"http-equiv": "Content-Security-Policy"})
        assert len(metas) == 1, path
        policy = metas[0].attrs["content"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "http" not in policy


def test_a_rebuild_reads_only_the_incident_that_changed(tmp_path: Path, repo: Path) -> None:
    out = tmp_path / "out"
    first = run_cli(
        ["declare", "--manual-incident", "--title", "One", "--repo", str(repo), "--format", "json"]
    )
    second = run_cli(
        ["declare", "--manual-incident", "--title", "Two", "--repo", str(repo), "--format", "json"]
    )
    one, two = json.loads(first.stdout)["id"], json.loads(second.stdout)["id"]
    built = run_cli(["site", "--out", str(out), "--repo", str(repo)])
    assert built.code == 0 and "built the incident site" in built.stdout and "2 read" in built.stdout
    untouched = (out / "incidents" / f"{two}.html").stat().st_mtime_ns
    assert run_cli(["note", one, "Cache flushed", "--repo", str(repo)]).code == 0
    rebuilt = run_cli(["site", "--out", str(out), "--repo", str(repo)])
    assert rebuilt.code == 0 and "updated the incident site" in rebuilt.stdout and "1 read" in rebuilt.stdout
    rows = parse((out / "incidents" / f"{one}.html").read_text("utf-8")).find("table", class_="timeline")
    assert "Cache flushed" in rows.text()
    assert (out / "incidents" / f"{two}.html").stat().st_mtime_ns == untouched


def test_a_removed_incident_loses_its_page_on_the_next_build(tmp_path: Path, repo: Path) -> None:
    out = tmp_path / "out"
    created = run_cli(
        ["declare", "--manual-incident", "--title", "Gone", "--repo", str(repo), "--format", "json"]
    )
    incident_id = json.loads(created.stdout)["id"]
    assert run_cli(["site", "--out", str(out), "--repo", str(repo)]).code == 0
    assert (out / "incidents" / f"{incident_id}.html").is_file()
    git(repo, "rm", "-rq", json.loads(created.stdout)["path"])
    assert run_cli(["site", "--out", str(out), "--repo", str(repo)]).code == 0
    assert not (out / "incidents" / f"{incident_id}.html").exists()


def test_an_interrupted_rebuild_is_followed_by_a_full_one(tmp_path: Path, repo: Path) -> None:
    out = tmp_path / "out"
    assert run_cli(["site", "--out", str(out), "--repo", str(repo)]).code == 0
    marker = out / ".incident-site.json"  # what a build killed half-way leaves:
    marker.write_text(marker.read_text().replace('"building":false', '"building":true'))
    again = run_cli(["site", "--out", str(out), "--repo", str(repo)])
    assert again.code == 0 and "built the incident site" in again.stdout
    assert not list(tmp_path.glob(".out.*")), "no temporary folder is left beside the output"


@pytest.mark.parametrize(
    ("target", "code", "message"),
    [
        ("somebody", 1, "not empty and was not built by `incident site`"),
        ("repo/incidents/site", 2, "inside incidents/"),
        ("repo", 2, "is the repository or contains it"),
        ("file.txt", 2, "is a file"),
    ],
)
def test_the_output_folder_is_never_somebody_else_s(
    tmp_path: Path, repo: Path, target: str, code: int, message: str
) -> None:
    (tmp_path / "somebody").mkdir()
    (tmp_path / "somebody" / "thesis.tex").write_text("precious")
    (tmp_path / "file.txt").write_text("precious")
    result = run_cli(["site", "--out", str(tmp_path / target), "--repo", str(repo)])
    assert result.code == code
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert (tmp_path / "somebody" / "thesis.tex").read_text() == "precious"
    assert (tmp_path / "file.txt").read_text() == "precious"


def test_a_bad_url_is_refused_with_one_line(tmp_path: Path, repo: Path) -> None:
    result = run_cli(
        ["site", "--out", str(tmp_path / "o"), "--url", "javascript:alert(1)", "--repo", str(repo)]
    )
    assert result.code == 2 and "--url" in result.stderr
    assert not (tmp_path / "o").exists()


def test_note_public_writes_a_public_update_entry(repo: Path) -> None:
    created = run_cli(
        ["declare", "--manual-incident", "--title", "T", "--repo", str(repo), "--format", "json"]
    )
    document = json.loads(created.stdout)
    result = run_cli(["note", document["id"], "--public", "We", "are", "on", "it", "--repo", str(repo)])
    assert result.code == 0
    text = (repo / document["path"] / "incident.md").read_text("utf-8")
    assert "— Public update: We are on it — alice" in text
    assert "Public: yes" in git(repo, "log", "-1", "--format=%B")


def test_an_unreadable_incident_is_left_out_with_a_warning(tmp_path: Path, repo: Path) -> None:
    good = json.loads(
        run_cli(
            ["declare", "--manual-incident", "--title", "Fine", "--repo", str(repo), "--format", "json"]
        ).stdout
    )
    bad = json.loads(
        run_cli(
            ["declare", "--manual-incident", "--title", "Bad", "--repo", str(repo), "--format", "json"]
        ).stdout
    )
    (repo / bad["path"] / "incident.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    linked = json.loads(
        run_cli(
            ["declare", "--manual-incident", "--title", "Link", "--repo", str(repo), "--format", "json"]
        ).stdout
    )
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: the contents of a file outside the repository\n---\n", encoding="utf-8")
    (repo / linked["path"] / "incident.md").unlink()
    (repo / linked["path"] / "incident.md").symlink_to(secret)
    result = run_cli(["site", "--out", str(tmp_path / "out"), "--repo", str(repo)])
    assert result.code == 0
    assert f"skipped {bad['path']}/incident.md" in result.stderr
    assert "symlink" in result.stderr
    assert (tmp_path / "out" / "incidents" / f"{good['id']}.html").is_file()
    assert not (tmp_path / "out" / "incidents" / f"{bad['id']}.html").exists()
    assert not (tmp_path / "out" / "incidents" / f"{linked['id']}.html").exists()
    for page in (tmp_path / "out").rglob("*.html"):
        assert "outside the repository" not in page.read_text("utf-8")


def test_a_folder_that_cannot_be_made_is_one_line(tmp_path: Path, repo: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    result = run_cli(["site", "--out", str(tmp_path / "notes.txt" / "site"), "--repo", str(repo)])
    assert result.code == 1
    assert "cannot write the site" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert (tmp_path / "notes.txt").read_text() == "a file, not a folder"


def test_validate_flags_a_public_key_that_is_not_a_boolean(repo: Path) -> None:
    created = run_cli(
        ["declare", "--manual-incident", "--title", "T", "--repo", str(repo), "--format", "json"]
    )
    path = repo / json.loads(created.stdout)["path"] / "incident.md"
    path.write_text(
        path.read_text("utf-8").replace("kind: incident", 'kind: incident\npublic: "yes"', 1), "utf-8"
    )
    result = run_cli(["validate", "--repo", str(repo)])
    assert result.code == 1
    assert "public: 'yes' is not of type 'boolean'" in result.stdout + result.stderr
