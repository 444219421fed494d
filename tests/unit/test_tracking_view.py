"""The tracking issue's view (pure): what it shows, when it is owed, and the config that drives it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from incident_kit import timeline
from incident_kit.config.degraded import lenient
from incident_kit.config.reader import parse
from incident_kit.config.settings import TrackingIssueSettings
from incident_kit.model import IncidentSummary
from incident_kit.sync import tracking_view as view

DECLARED = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
SETTINGS = TrackingIssueSettings()
INCIDENT = IncidentSummary(
    id="inc-20261126-abcd",
    title="Checkout is down",
    status="investigating",
    severity="SEV-2",
    kind="incident",
    service="checkout",
    commander="bob",
    source=None,
    path="incidents/2026-11/inc-20261126-abcd-checkout-is-down",
    declared_at=DECLARED,
)


def rendered(incident: IncidentSummary = INCIDENT, body: str = "", **data: object) -> view.TrackingView:
    entries = timeline.entries(body, "incident.md") if body else []
    return view.render(incident, data, entries, SETTINGS, "https://example.com/f.md")


def test_title_labels_and_state_follow_the_incident() -> None:
    shown = rendered()
    assert shown.title == "[SEV-2] Checkout is down (inc-20261126-abcd)"
    assert shown.labels == ("incident", "severity: SEV-2", "status: investigating")
    assert (shown.state, shown.reason) == ("open", None)
    assert shown.marker == "<!-- incident-kit: inc-20261126-abcd tracking -->"
    assert shown.block.endswith("<!-- /incident-kit: inc-20261126-abcd tracking -->")
    drill = rendered(replace(INCIDENT, kind="drill"))
    assert drill.title.startswith("[DRILL] [SEV-2] ")


@pytest.mark.parametrize(
    ("status", "state", "reason"),
    [
        ("triage", "open", None),
        ("mitigated", "open", None),
        ("resolved", "open", None),
        ("postmortem", "open", None),
        ("closed", "closed", "completed"),
        ("cancelled", "closed", "not_planned"),
        ("merged", "closed", "not_planned"),
    ],
)
def test_open_for_every_status_until_the_incident_is_over(
    status: str, state: str, reason: str | None
) -> None:
    shown = rendered(replace(INCIDENT, status=status))
    assert (shown.state, shown.reason) == (state, reason)


def test_the_body_holds_the_facts_the_latest_update_and_the_links() -> None:
    body = (
        "## Timeline\n\n"
        "- 2026-11-26T15:05:00Z — Update: first look — bob\n"
        "- 2026-11-26T15:20:00Z — Update: rolled back — bob\n"
        "- 2026-11-26T15:30:00Z — a note — carol\n"
    )
    links = [{"title": "Dashboard", "url": "https://grafana.example.com/d/1"}, {"url": "javascript:x"}]
    block = rendered(body=body, links=links).block
    assert "- **Commander:** bob" in block and "- **Service:** checkout" in block
    assert "- **Declared:** 2026-11-26T15:00:00Z" in block
    assert "> 2026-11-26T15:20:00Z: rolled back — bob" in block and "first look" not in block
    assert "- [Dashboard](<https://grafana.example.com/d/1>)" in block and "javascript" not in block
    assert "- **Incident file:** https://example.com/f.md" in block


def test_untrusted_text_pings_nobody_and_renders_nothing() -> None:
    hostile = replace(INCIDENT, title="@alice @org/team <script>x</script> [a](http://e.vil)\n# head")
    shown = rendered(hostile)
    for text in (shown.title, shown.block):
        assert "@alice" not in text and "@org" not in text and "@\u200balice" in text
    assert "<script>" not in shown.block and "\\<script\\>" in shown.block
    assert "\\[a\\](http://e.vil)" in shown.block and "\n# head" not in shown.block
    assert len(rendered(replace(INCIDENT, title="x" * 1000)).title) <= view.MAX_TITLE


def test_the_digest_changes_with_what_the_issue_shows_only() -> None:
    base = rendered().digest()
    assert rendered().digest() == base
    assert rendered(replace(INCIDENT, severity="SEV-1")).digest() != base
    assert rendered(replace(INCIDENT, status="closed")).digest() != base
    assert rendered(replace(INCIDENT, commander="carol")).digest() != base
    assert rendered(replace(INCIDENT, slack_channel="inc-x")).digest() == base  # not shown


def test_owed_creates_for_wanted_severities_then_updates_only_on_change() -> None:
    digest = rendered().digest()
    assert view.owed(INCIDENT, {}, SETTINGS, digest) == "create"
    assert view.owed(replace(INCIDENT, severity="SEV-3"), {}, SETTINGS, None) is None
    assert view.owed(replace(INCIDENT, status="closed"), {}, SETTINGS, None) is None  # old ones stay quiet
    assert view.owed(INCIDENT, {"tracking_issue": 4}, SETTINGS, digest) == "update"  # adopted
    synced = {"tracking_issue": 4, "tracking_issue_synced": digest}
    assert view.owed(INCIDENT, synced, SETTINGS, digest) is None
    assert view.owed(replace(INCIDENT, severity="SEV-4"), synced, SETTINGS, "other") == "update"
    off = TrackingIssueSettings(enabled=False)
    assert view.owed(INCIDENT, {}, off, digest) is None and view.owed(INCIDENT, synced, off, "x") is None


@pytest.mark.parametrize(
    ("value", "number"),
    [(12, 12), ("#12", 12), ("12", 12), (None, None), (True, None), (0, None), ("x", None)],
)
def test_the_recorded_number_is_read_forgivingly(value: object, number: int | None) -> None:
    assert view.tracking_number({"tracking_issue": value}) == number


def test_an_adopted_body_keeps_its_text_and_the_block_is_replaced_in_place() -> None:
    shown = rendered()
    form = "### What is broken?\n\nCheckout"
    adopted = view.merged_body(form, shown, INCIDENT.id)
    assert adopted == f"{form}\n\n{shown.block}"
    newer = rendered(replace(INCIDENT, status="mitigated"))
    edited = adopted + "\n\nA comment someone added below."
    again = view.merged_body(edited, newer, INCIDENT.id)
    assert again == f"{form}\n\n{newer.block}\n\nA comment someone added below."
    assert view.merged_body("", shown, INCIDENT.id) == shown.block


def test_labels_people_added_are_kept_and_stale_ones_replaced() -> None:
    shown = rendered()
    current = ["incident", "severity: SEV-3", "status: triage", "customer-facing"]
    assert view.merged_labels(current, shown) == (
        "incident",
        "severity: SEV-2",
        "status: investigating",
        "customer-facing",
    )


def test_config_defaults_custom_scales_and_mistakes() -> None:
    assert parse("version: 1\n").github.tracking_issues == TrackingIssueSettings()
    custom = parse("severities:\n  P1: worst\n  P2: bad\n  P3: meh\n")
    assert custom.github.tracking_issues.severities == ("P1", "P2")
    chosen = parse("github:\n  tracking_issues: {severities: [sev1], label: tracked}\n")
    assert chosen.github.tracking_issues.severities == ("SEV-1",)
    assert chosen.github.tracking_issues.label == "tracked"
    for bad, key in (
        ("github:\n  tracking_issues: {enabled: maybe}\n", "github.tracking_issues.enabled"),
        ("github:\n  tracking_issues: {severities: [SEV-9]}\n", "github.tracking_issues.severities"),
        ("github:\n  tracking_issues: {label: 'a,b'}\n", "github.tracking_issues.label"),
    ):
        loaded = lenient(bad)  # what declare and the transitions do: a warning, the defaults
        assert loaded.problems and f"incidents/config.yaml:2: {key}:" in loaded.problems[0], loaded.problems
        assert loaded.config.github.tracking_issues == TrackingIssueSettings()
