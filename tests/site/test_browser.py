"""The built site in a real browser (Debian's chromium through Playwright), served from
loopback: screenshots at phone and desktop widths, no console message, no request to another
origin, no serious accessibility violation (axe-core), and a hostile incident that runs
nothing. Also the index's Mermaid chart, drawn by the real Mermaid in the same browser.

Screenshots go to $INCIDENT_KIT_ARTIFACTS, else `.artifacts/browser/` in the project
(gitignored), and the folder is printed; `UPDATE_SCREENSHOTS=1` also writes the desktop ones
of the README's pages to docs/screenshots/.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.browser import (
    AXE,
    CHROMIUM,
    DESKTOP,
    MERMAID,
    PHONE,
    ROOT,
    axe_violations,
    require,
    serve,
    watch,
)
from support.site_repo import SiteRepo, cli, new_site_repo, sealed
from support.stats_data import NOW, sample_action_items, sample_incidents

from incident_kit.reports.chart_data import SEVERITY_COLOURS
from incident_kit.reports.index_page import render_index

pytestmark = pytest.mark.browser

PAGES = {
    "overview": "index.html",
    "incidents": "incidents/index.html",
    "incident": "incidents/{hostile}.html",
    "postmortem": "incidents/{payments}.html",
    "status": "status/index.html",
}


README_SHOTS = ("overview", "incidents", "postmortem", "status")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(AXE, MERMAID)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[tuple[SiteRepo, str]]:
    base = tmp_path_factory.mktemp("browser-site")
    with pytest.MonkeyPatch.context() as monkeypatch:
        sealed(monkeypatch, base / "home")
        repo = new_site_repo(base / "repo")
        cli(repo.root, "site", "--out", str(base / "out"))
    with serve(base / "out") as url:
        yield repo, url


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("INCIDENT_KIT_ARTIFACTS") or ROOT / ".artifacts" / "browser")
    folder.mkdir(parents=True, exist_ok=True)
    sys.stderr.write(f"\nbrowser screenshots: {folder}\n")
    return folder


def url_of(repo: SiteRepo, base: str, name: str) -> str:
    return base + PAGES[name].format(**repo.ids)


@pytest.mark.parametrize("width", ["phone", "desktop"])
@pytest.mark.parametrize("name", list(PAGES))
def test_a_page_loads_cleanly_and_passes_axe(
    browser: Any, served: tuple[SiteRepo, str], artifacts: Path, name: str, width: str
) -> None:
    repo, base = served
    page = browser.new_page(viewport=PHONE if width == "phone" else DESKTOP)
    visit = watch(page, base)
    response = page.goto(url_of(repo, base, name), wait_until="load")
    assert response is not None and response.ok
    page.wait_for_timeout(100)  # a late script error or dialog would land here
    shot = artifacts / f"{name}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000
    if width == "desktop" and name in README_SHOTS and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"{name}.png"))
    assert visit.console == []
    assert visit.page_errors == []
    assert visit.dialogs == []
    assert visit.foreign_requests == []
    serious = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    page.close()


def test_the_hostile_incident_runs_nothing(browser: Any, served: tuple[SiteRepo, str]) -> None:
    repo, base = served
    page = browser.new_page(viewport=DESKTOP)
    visit = watch(page, base)
    page.goto(url_of(repo, base, "incident"), wait_until="load")
    page.hover("text=hover me")  # the post-mortem's onmouseover
    for link in page.locator("main a").all():
        assert not (link.get_attribute("href") or "").lower().startswith(("javascript:", "data:"))
    page.wait_for_timeout(200)
    assert (visit.dialogs, visit.console, visit.page_errors) == ([], [], [])
    assert page.locator("h1").inner_text().startswith("<script>alert('title')</script>")
    assert page.evaluate("() => document.querySelectorAll('main script, main iframe, main img').length") == 0
    page.close()


def test_the_filter_form_narrows_a_listing_and_the_page_works_without_it(
    browser: Any, served: tuple[SiteRepo, str]
) -> None:
    repo, base = served
    page = browser.new_page(viewport=DESKTOP)
    visit = watch(page, base)
    page.goto(url_of(repo, base, "incidents"), wait_until="load")
    rows = page.locator("table.incidents tbody tr")
    assert rows.count() == len(repo.ids)
    page.get_by_label("Severity").select_option("SEV-1")
    assert page.locator("table.incidents tbody tr:not([hidden])").count() == 3
    page.get_by_label("Text").fill("payments")
    assert page.locator("table.incidents tbody tr:not([hidden])").count() == 1
    assert visit.console == []
    page.close()
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(url_of(repo, base, "incidents"))
    assert plain.locator("form.filter").count() == 0
    assert plain.locator("table.incidents tbody tr").count() == len(repo.ids)
    plain.goto(url_of(repo, base, "status"))
    assert plain.locator("li.component").count() == 3
    context.close()


def _visible_heights(page: Any) -> dict[tuple[int, str], float]:
    """(bar position, fill colour) -> how tall the part of that bar left visible is."""
    bars = page.evaluate(
        """() => [...document.querySelectorAll('svg g[class^="bar-plot"] rect')].map(r => ({
            x: Math.round(parseFloat(r.getAttribute('x'))), y: parseFloat(r.getAttribute('y')),
            h: parseFloat(r.getAttribute('height')), fill: r.getAttribute('fill')}))"""
    )
    positions = sorted({b["x"] for b in bars})
    visible: dict[tuple[int, str], float] = {}
    for index, x in enumerate(positions):
        column = [b for b in bars if b["x"] == x]  # in drawing order: later ones are in front
        for i, bar in enumerate(column):
            covered_from = min((later["y"] for later in column[i + 1 :]), default=bar["y"] + bar["h"])
            visible[(index, bar["fill"].lower())] = max(
                0.0, min(covered_from, bar["y"] + bar["h"]) - bar["y"]
            )
    return visible


def test_the_index_chart_as_mermaid_draws_it(browser: Any) -> None:
    """No sliver for a zero count, whole-number ticks, and a legend on the chart itself."""
    readme = render_index(sample_incidents(), sample_action_items(), now=NOW)
    chart = readme.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    page = browser.new_page(viewport=DESKTOP)
    page.set_content('<pre class="mermaid" id="chart"></pre>')
    page.add_script_tag(path=str(MERMAID))
    page.evaluate("(text) => { document.getElementById('chart').textContent = text; }", chart)
    page.evaluate(
        "async () => { mermaid.initialize({startOnLoad: false});"
        " await mermaid.run({querySelector: '#chart'}); }"
    )
    visible = _visible_heights(page)
    # 2025-12 .. 2026-03 (tests/stats/golden/index.md), per severity
    expected = {
        "#b71c1c": [1, 1, 0, 1],
        "#e65100": [0, 2, 3, 0],
        "#f9a825": [0, 1, 0, 3],
        "#607d8b": [0, 0, 0, 1],
    }
    for colour, counts in expected.items():
        for month, count in enumerate(counts):
            assert (visible[(month, colour)] > 0) == (count > 0), (colour, month, visible[(month, colour)])
    texts = page.evaluate("() => [...document.querySelectorAll('svg text')].map(t => t.textContent)")
    ticks = [t for t in texts if t.replace(".", "", 1).isdigit()]
    assert ticks and all(t.isdigit() for t in ticks), ticks
    legend = ", ".join(
        f"{sev} {name}"
        for sev, (_, name) in zip(("SEV-1", "SEV-2", "SEV-3", "SEV-4"), SEVERITY_COLOURS, strict=False)
    )
    assert any(legend in t for t in texts), texts
    page.close()
