"""The site's pure core, table by table: what is public, service status and history, safe
Markdown, and the charts' data shared with the Markdown index."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from support.dom import active_content, parse
from support.stats_data import NOW, sample_action_items, sample_incidents

from incident_kit.config.settings import SiteSettings
from incident_kit.reports.chart_data import integer_axis_max, integer_scale
from incident_kit.reports.charts import per_month
from incident_kit.reports.stats.compute import compute_stats
from incident_kit.site import publicity
from incident_kit.site.markdown_html import inline_html, to_html
from incident_kit.site.overview_charts import months_by_severity, tally
from incident_kit.site.record import NONE, Record, record_of
from incident_kit.site.status import derive
from incident_kit.site.svg import stacked_bars

RULES = SiteSettings(public_severities=("SEV-1",), public_services=("checkout",))


@pytest.mark.parametrize(
    ("flag", "kind", "status", "severity", "service", "public"),
    [
        ("true", "incident", "investigating", "SEV-4", "x", True),  # the frontmatter decides
        ("false", "incident", "investigating", "SEV-1", "checkout", False),  # ... even against the rules
        ("", "incident", "investigating", "SEV-1", "x", True),  # the severity rule
        ("", "incident", "investigating", "SEV-3", "checkout", True),  # the service rule
        ("", "incident", "investigating", "SEV-3", "x", False),  # private by default
        ("true", "drill", "investigating", "SEV-1", "x", False),  # drills never
        ("true", "incident", "cancelled", "SEV-1", "x", False),  # false alarms never
        ("true", "incident", "merged", "SEV-1", "x", False),  # duplicates never
    ],
)
def test_what_is_public(flag: str, kind: str, status: str, severity: str, service: str, public: bool) -> None:
    got = publicity.is_public(
        flag=flag, kind=kind, status=status, severity=severity, service=service, settings=RULES
    )
    assert got is public


@pytest.mark.parametrize(
    ("value", "flag"), [(True, "true"), (False, "false"), (None, ""), ("yes", ""), (1, ""), ("true", "")]
)
def test_only_a_yaml_boolean_decides(value: object, flag: str) -> None:
    assert publicity.flag_of(value) == flag


@pytest.mark.parametrize(
    ("what", "text"),
    [
        ("Public update: We are on it", "We are on it"),
        ("public update:   lower case works", "lower case works"),
        ("**Public update:** bold by hand", "bold by hand"),
        ("Acknowledged", None),
        ("Public update:", None),
        ("Note about the public update: not one", None),
    ],
)
def test_public_updates_are_the_entries_that_say_so(what: str, text: str | None) -> None:
    assert publicity.update_text(what) == text


def record(
    id: str, *, severity: str = "SEV-2", status: str = "investigating", service: str = "api", **times: int
) -> Record:
    base = int(datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp())
    values = {"declared": base, "started": base, "mitigated": NONE, "resolved": NONE} | times
    return Record(
        rel=f"incidents/2026-11/{id}-x", id=id, title=f"title {id}", status=status, severity=severity,
        kind="incident", service=service, commander="alice", declared=values["declared"],
        started=values["started"], mitigated=values["mitigated"], resolved=values["resolved"], ack_s=NONE,
        mitigate_s=NONE, resolve_s=NONE, last_update=base, public_flag="true", public_title="",
        updates_json="[]",
    )  # fmt: skip


AT = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
DAY = 86400


def test_a_service_shows_the_worst_of_its_open_incidents() -> None:
    status = derive(
        [
            record("a", severity="SEV-3"),
            record("b", severity="SEV-2"),
            record("c", severity="SEV-1", service="db"),
        ],
        SiteSettings(),
        now=AT,
        page_id="p",
    )
    assert {c.name: c.status for c in status.components} == {"api": "partial_outage", "db": "major_outage"}
    assert (status.indicator, status.description) == ("critical", "Major System Outage")


def test_a_mitigated_incident_shows_at_most_the_mitigated_status() -> None:
    base = int(datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp())
    status = derive(
        [record("a", severity="SEV-1", status="mitigated", mitigated=base + 3600)],
        SiteSettings(),
        now=AT,
        page_id="p",
    )
    assert status.components[0].status == "degraded_performance"
    assert status.current[0].status == "monitoring"


def test_the_severity_to_status_mapping_is_configurable() -> None:
    settings = SiteSettings(service_status={"SEV-2": "major_outage"})
    assert derive([record("a")], settings, now=AT, page_id="p").components[0].status == "major_outage"


def test_history_has_one_worst_status_per_day() -> None:
    base = int(datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp())
    resolved = record("a", severity="SEV-1", status="resolved", mitigated=base + DAY, resolved=base + 2 * DAY)
    (component,) = derive([resolved], SiteSettings(history_days=10), now=AT, page_id="p").components
    days = {day.isoformat(): (state, n) for day, state, n in component.days}
    assert len(days) == 10 and list(days)[-1] == "2026-11-26"
    assert days["2026-11-19"] == ("operational", 0)
    assert days["2026-11-20"] == ("major_outage", 1)
    assert days["2026-11-21"] == ("major_outage", 1)  # mitigated that day: the worst of the day wins
    assert days["2026-11-22"] == ("degraded_performance", 1)
    assert days["2026-11-23"] == ("operational", 0)


def test_only_listed_components_show_when_the_config_lists_them() -> None:
    status = derive([record("a")], SiteSettings(components=("web", "api")), now=AT, page_id="p")
    assert [(c.name, c.status) for c in status.components] == [
        ("web", "operational"),
        ("api", "partial_outage"),
    ]


HOSTILE_MARKDOWN = """# Heading
<script>alert(1)</script>
<img src=x onerror=alert(2)>

[js](javascript:alert(3)) [JS](JaVaScRiPt:alert(3)) [entity](jav&#x61;script:alert(3))
[data](data:text/html,<script>alert(4)</script>) [vb](vbscript:msgbox(1))
<a href="javascript:alert(5)">raw link</a> <svg onload=alert(6)>
![img](javascript:alert(7)) ![remote](https://tracker.example.com/p.png)
[ok](https://example.com/path?a=1&b=2) [mail](mailto:ops@example.com) [anchor](#impact)

<style>body{display:none}</style>
<!-- a template hint -->
- [ ] AI-1: a task
"""


def test_markdown_renders_raw_html_as_text_and_drops_unsafe_links() -> None:
    html = to_html(HOSTILE_MARKDOWN)
    document = parse(html)
    assert active_content(document) == []
    assert not document.find_all("style") and not document.find_all("img") and not document.find_all("input")
    links = {a.text(): a.attrs["href"] for a in document.find_all("a")}
    assert links == {
        "ok": "https://example.com/path?a=1&b=2",
        "mail": "mailto:ops@example.com",
        "anchor": "#impact",
        "[image: remote]": "https://tracker.example.com/p.png",
    }
    assert "<script>alert(1)</script>" in document.text()  # shown, as text
    assert "a template hint" not in html
    assert document.find("h2").text() == "Heading"  # one level down: the page has the h1


def test_inline_markdown_keeps_entities_as_characters() -> None:
    assert parse(inline_html("a &lt;b&gt; p99\\_latency **bold**")).text() == "a <b> p99_latency bold"
    assert active_content(parse(inline_html("<img src=x onerror=alert(1)> [x](javascript:1)"))) == []


def test_the_site_s_monthly_chart_has_the_index_s_numbers() -> None:
    incidents = sample_incidents()
    markdown = per_month(compute_stats(incidents, sample_action_items(), now=NOW).by_month)
    site = months_by_severity(tally([record_of(i, {}, []) for i in incidents], NOW))
    assert markdown is not None and site is not None
    assert site == markdown


def test_zero_counts_draw_nothing_and_ticks_are_whole_numbers() -> None:
    from incident_kit.reports.chart_data import stack

    counts = stack(["m1", "m2"], {"m1": {"SEV-2": 1}, "m2": {"SEV-1": 2, "SEV-3": 1}})
    document = parse(stacked_bars(counts, title="t"))
    bars = [rect.find("title").text() for rect in document.find("svg", class_="chart").find_all("rect")]
    assert bars == ["m1: SEV-2, 1", "m2: SEV-1, 2", "m2: SEV-3, 1"]  # no rectangle for a zero
    ticks = [t.text() for t in document.find_all("text") if t.text().isdigit()]
    assert ticks == ["0", "1", "2", "3"]
    legend = [li.text() for li in document.find_all("li")]
    assert legend == ["SEV-1 (dark red)", "SEV-2 (orange)", "SEV-3 (yellow)", "SEV-4 (blue-grey)"]


@pytest.mark.parametrize(("top", "axis"), [(0, 10), (3, 10), (10, 10), (11, 11), (57, 57)])
def test_a_mermaid_count_axis_ends_at_ten_or_more(top: int, axis: int) -> None:
    assert integer_axis_max(top) == axis


@pytest.mark.parametrize(
    ("top", "scale"), [(0, (1, [0, 1])), (3, (3, [0, 1, 2, 3])), (11, (12, [0, 2, 4, 6, 8, 10, 12]))]
)
def test_a_site_count_axis_has_whole_steps(top: int, scale: tuple[int, list[int]]) -> None:
    assert integer_scale(top) == scale


@pytest.mark.parametrize(
    "frontmatter",
    [
        "public: true\n",
        "public: False  # not yet\n",
        "public:\n",
        "public: ~\n",
        "public: yes\n",  # a YAML 1.1 word: left to the parser
        "public_title: Checkout is slow (EU)\n",
        "public_title: 'Checkout: slow'\n",
        'public_title: "quoted # not a comment"\n',
        "public_title: it's # a comment\n",
        "public_title: 'it''s'\n",
        "id: x\npublic: true\npublic_title: T\n",
        "  public: true\n",
    ],
)
def test_the_public_keys_scanner_agrees_with_yaml_or_says_it_is_unsure(frontmatter: str) -> None:
    from incident_kit.markdown.frontmatter import load
    from incident_kit.site.reading import public_keys

    scanned = public_keys(frontmatter)
    data = load(frontmatter, "x.md")
    if scanned is not None:
        for key in ("public", "public_title"):
            assert scanned.get(key) == data.get(key), key


def test_an_incident_page_reads_the_same_data_from_its_few_blocks_as_from_the_whole_file(
    repo: object,
) -> None:
    from pathlib import Path

    from support.cli import run_cli

    from incident_kit.markdown import frontmatter
    from incident_kit.site.reading import _PAGE_KEYS, _page_data

    root = Path(str(repo))
    payload = '{"source": "production_monitor", "spec_id": "auth", "metric": "p99", "value": 350, "slo": 200}'
    assert run_cli(["declare", "--alert-payload", payload, "--repo", str(root)]).code == 0
    created = run_cli(
        ["declare", "--manual-incident", "--title", "T", "--repo", str(root), "--format", "json"]
    )
    incident_id = json.loads(created.stdout)["id"]
    assert run_cli(["link", incident_id, "https://example.com/x", "--repo", str(root)]).code == 0
    assert run_cli(["assign", incident_id, "--role", "scribe=carol", "--repo", str(root)]).code == 0
    for path in root.glob("incidents/*/*/incident.md"):
        text = path.read_text("utf-8").replace(
            "kind: incident", "kind: incident\npublic: true\npublic_title: 'Logins: slow'", 1
        )
        front = frontmatter.split(text, "x").frontmatter
        _, data = _page_data(front, "x")
        full = frontmatter.load(front, "x")
        assert data == {key: full[key] for key in _PAGE_KEYS if key in full}
