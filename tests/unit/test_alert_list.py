"""The alerts an incident lists: merging deliveries, what tells alerts apart, the written forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_kit import alert_list
from incident_kit.alerts.model import Alert, AlertStatus, Delivery
from incident_kit.markdown import field_scan, frontmatter

AT = datetime(2026, 11, 26, 15, tzinfo=UTC)
LATER = datetime(2026, 11, 26, 15, 5, tzinfo=UTC)
GROUP = 'alertmanager:{}/{}:{alertname="HostDown"}'


def host(n: int, status: AlertStatus = "firing", title: str = "Host down") -> Alert:
    return Alert(
        title=title,
        status=status,
        dedup_key=f"alertmanager:fingerprint:{n}",
        labels={"alertname": "HostDown", "instance": f"web-{n}", "job": "node"},
    )


def group(*alerts: Alert, status: AlertStatus | None = None) -> Delivery:
    fires = any(a.status == "firing" for a in alerts)
    return Delivery(
        format="alertmanager",
        source="alertmanager",
        dedup_key=GROUP,
        status=status or ("firing" if fires else "resolved"),
        title="Host down",
        alerts=alerts,
    )


def test_a_group_is_listed_alert_by_alert_and_a_single_alert_is_not() -> None:
    assert group(host(1)).lists_alerts  # its alert's key is not the group's
    alone = Alert(title="x", status="firing", dedup_key="native:a")
    single = Delivery("native", "native", "native:a", "firing", "x", (alone,))
    assert not single.lists_alerts


def test_a_later_delivery_updates_each_alerts_state_and_counts_occurrences() -> None:
    listed = alert_list.merge(None, group(host(1), host(2), host(3)), AT)
    assert (listed.firing, listed.total, listed.added) == (3, 3, 3)
    later = alert_list.merge(listed, group(host(1), host(2, "resolved"), host(3, "resolved")), LATER)
    assert [e.state for e in later.entries] == ["firing", "resolved", "resolved"]
    assert [e.occurrences for e in later.entries] == [2, 1, 1]
    assert (later.resolved_now, later.added, later.resolves) == (2, 0, False)
    assert later.change == "2 resolved; 1 of 3 still firing"
    assert later.entries[0].last_seen == LATER


def test_the_last_firing_alert_resolving_resolves_the_incident() -> None:
    listed = alert_list.merge(None, group(host(1), host(2, "resolved")), AT)
    done = alert_list.merge(listed, group(host(1, "resolved")), LATER)
    assert done.resolves and done.all_resolved
    assert done.change == "1 resolved; all 2 resolved"


def test_a_resolved_group_resolves_every_alert_it_brought_even_those_it_no_longer_lists() -> None:
    listed = alert_list.merge(None, group(host(1), host(2)), AT)
    done = alert_list.merge(listed, group(host(9, "resolved"), status="resolved"), LATER)
    assert [e.state for e in done.entries] == ["resolved", "resolved", "resolved"]
    assert done.resolves


def test_a_resolved_alert_firing_again_is_counted_as_such() -> None:
    listed = alert_list.merge(None, group(host(1, "resolved"), host(2)), AT)
    again = alert_list.merge(listed, group(host(1), host(2)), LATER)
    assert again.refired == 1 and again.change == "1 firing again; 2 of 2 still firing"


def test_alerts_over_the_cap_are_counted_not_listed() -> None:
    many = group(*(host(n) for n in range(alert_list.MAX_LISTED + 5)))
    listed = alert_list.merge(None, many, AT)
    assert len(listed.entries) == alert_list.MAX_LISTED and listed.total == alert_list.MAX_LISTED + 5


@pytest.mark.parametrize(
    ("alerts", "expected"),
    [
        # one summary for three hosts: the label that differs tells them apart
        ([host(1), host(2)], ["instance=web-1", "instance=web-2"]),
        # titles of their own: only identity labels that differ, and none already in the title
        (
            [host(1, title="web-1 is down"), host(2, title="web-2 is down")],
            [None, None],
        ),
        # a lone alert: where it fires
        ([host(7)], ["instance=web-7, job=node"]),
    ],
)
def test_each_line_says_what_tells_its_alert_apart(alerts: list[Alert], expected: list[str | None]) -> None:
    assert alert_list.details(alerts) == expected


def test_the_description_follows_the_labels() -> None:
    a = Alert("Disk full", "firing", "k1", labels={"instance": "db-1"}, description="95% of /var used")
    b = Alert("Disk full", "firing", "k2", labels={"instance": "db-2"}, description="Disk full")
    assert alert_list.details([a, b]) == ["instance=db-1 — 95% of /var used", "instance=db-2"]


def test_a_lone_alert_without_labels_names_its_service() -> None:
    a = Alert("p99 latency 350 above SLO 200", "firing", "native:x", service="checkout")
    assert alert_list.details([a]) == ["service=checkout"]


def test_the_summary_block_lists_firing_alerts_first_with_their_state() -> None:
    listed = alert_list.merge(None, group(host(1, "resolved"), host(2), host(3)), AT)
    listed = alert_list.merge(listed, group(host(2), host(3)), LATER)
    assert alert_list.summary_block(listed) == [
        alert_list.BLOCK_START,
        "Alerts in this incident: 3 (2 firing, 1 resolved).",
        "",
        "- **firing**: Host down · instance=web-2 (×2)",
        "- **firing**: Host down · instance=web-3 (×2)",
        "- resolved: Host down · instance=web-1",
        alert_list.BLOCK_END,
    ]


def test_the_summary_block_is_rewritten_in_place_and_a_removed_block_is_left_alone() -> None:
    listed = alert_list.merge(None, group(host(1)), AT)
    body = "\n## Summary\n\nMy words.\n\n" + "\n".join(alert_list.summary_block(listed)) + "\n\nMore words.\n"
    done = alert_list.merge(listed, group(host(1, "resolved")), LATER)
    rewritten = alert_list.with_summary_block(body, done)
    assert "My words." in rewritten and "More words." in rewritten
    assert "- resolved: Host down" in rewritten and "**firing**" not in rewritten
    no_block = "\n## Summary\n\nA person rewrote this.\n"
    assert alert_list.with_summary_block(no_block, done) == no_block


def test_the_frontmatter_list_reads_back_with_every_parser_and_the_scanner_skips_it() -> None:
    hostile = Alert('say "hi", {x}: [y] # z', "firing", 'k: "1", {2}', labels={"instance": "a: b, c"})
    listed = alert_list.merge(None, group(hostile, host(2)), AT)
    text = "id: inc-20261126-abcd\nstatus: triage\nalert:\n  dedup_key: k\n  alerts: 2\n"
    text += "\n".join(alert_list.frontmatter_block(listed)) + "\nlinks: []\n"
    data = frontmatter.load(text, "incident.md")  # the C loader
    again = alert_list.read(data)
    assert again is not None and again.entries == listed.entries
    from ruamel.yaml import YAML

    assert YAML(typ="rt").load(text)["alerts"][0]["key"] == 'k: "1", {2}'
    scanned = field_scan.scan(text)
    assert scanned is not None and scanned["alert.dedup_key"] == "k"  # the list costs no YAML parse


def test_hand_edited_entries_that_make_no_sense_are_skipped_not_fatal() -> None:
    data = {
        "alert": {"alerts": 5},
        "alerts": [
            {"key": "a", "state": "firing", "title": "A", "last_seen": "2026-11-26T15:00:00Z"},
            {"key": "b", "state": "sleeping", "last_seen": "2026-11-26T15:00:00Z"},
            "junk",
            {"key": 3, "state": "firing", "last_seen": "2026-11-26T15:00:00Z"},
            {"key": "c", "state": "resolved", "occurrences": True, "last_seen": "yesterday"},
        ],
    }
    listed = alert_list.read(data)
    assert listed is not None and [e.key for e in listed.entries] == ["a"]
    assert listed.total == 5  # the count stays what the file said
    assert alert_list.read({"alert": {"alerts": 1}}) is None


_TEXT = st.text(
    alphabet=st.sampled_from(list("ab :,{}[]\"'#&*!|>%@`\\-\n\t\u2028é認🔥")), min_size=1, max_size=20
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.sampled_from(["firing", "resolved"]), _TEXT, _TEXT),
        min_size=1,
        max_size=12,
    )
)
def test_any_sequence_of_deliveries_keeps_one_entry_per_key_and_reads_back_as_written(
    steps: list[tuple[int, str, str, str]],
) -> None:
    """Deliveries in any order, with any text: keys stay unique, `resolves` happens exactly when
    the last firing alert resolves, and the frontmatter block parses back to the same entries."""
    from incident_kit.alerts.fields import text

    listed: alert_list.Listed | None = None
    for n, (which, status, title, instance) in enumerate(steps):
        alert = Alert(
            title=text(title) or "t",
            status="firing" if status == "firing" else "resolved",
            dedup_key=f"k:{which}",
            labels={"instance": text(instance) or "i"},
        )
        before = listed.firing if listed else 0
        listed = alert_list.merge(listed, group(alert), AT + timedelta(seconds=n))
        keys = [entry.key for entry in listed.entries]
        assert len(keys) == len(set(keys))
        assert listed.resolves == (before > 0 and listed.firing == 0 and listed.resolved_now > 0)
    assert listed is not None
    block = "\n".join(
        ["alert:", "  dedup_key: g", f"  alerts: {listed.total}", *alert_list.frontmatter_block(listed)]
    )
    again = alert_list.read(frontmatter.load(block + "\n", "incident.md"))
    assert again is not None and again.entries == listed.entries
