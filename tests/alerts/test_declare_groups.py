"""Groups end to end: titled from what fires, each alert's line told apart and kept current.

The Grafana deliveries are one real group (`{}/{test="true"}:{}`, from zulip's captures) at three
moments: three alerts firing, then two resolved while one fires, then the group resolved.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.alerts import CAPTURES
from support.cli import run_cli

THREE_FIRING = CAPTURES / "grafana/unified-firing-three-v9-zulip.json"
MIXED = CAPTURES / "grafana/unified-mixed-one-firing-two-resolved-v9-zulip.json"
GROUP_RESOLVED = CAPTURES / "grafana/resolved-v9-zulip.json"


def declare(repo: Path, payload: Path | dict[str, Any]) -> dict[str, Any]:
    spec = f"@{payload}" if isinstance(payload, Path) else json.dumps(payload)
    result = run_cli(["declare", "--alert-payload", spec, "--format", "json", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def incident_text(repo: Path, incident_id: str) -> str:
    return next((repo / "incidents").glob(f"*/{incident_id}*/incident.md")).read_text("utf-8")


def summary_of(text: str) -> list[str]:
    body = text.split("## Summary", 1)[1].split("## Timeline", 1)[0]
    return [line for line in body.splitlines() if line.startswith("- ")]


def show(repo: Path, incident_id: str) -> dict[str, Any]:
    result = run_cli(["show", incident_id, "--format", "json", "--repo", str(repo)])
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_a_later_delivery_updates_each_alerts_line_and_the_last_resolution_mitigates(repo: Path) -> None:
    first = declare(repo, THREE_FIRING)
    text = incident_text(repo, first["id"])
    assert 'title: "This is a summary field, failure on badhost.example.com (3 firing)"' in text
    assert summary_of(text) == [
        # titles of their own, and the description; the host is in the title already
        "- **firing**: This is a summary field, failure on badhost.example.com · job=rabbitmq"
        " — This is a description",
        "- **firing**: This is a summary field, failure on otherhost.example.com · job=rabbitmq"
        " — This is a description",
        r"- **firing**: Testing \*\*another\*\* failing alert · Description \*\*here\*\*",
    ]

    mixed = declare(repo, MIXED)
    assert mixed["id"] == first["id"] and mixed["status"] == "triage"  # one alert still fires
    text = incident_text(repo, first["id"])
    assert "Alerts in this incident: 3 (1 firing, 2 resolved)." in text
    assert summary_of(text) == [
        r"- **firing**: Testing \*\*another\*\* failing alert · Description \*\*here\*\* (×2)",
        "- resolved: This is a summary field, failure on badhost.example.com · job=rabbitmq"
        " — This is a description",
        "- resolved: This is a summary field, failure on otherhost.example.com · job=rabbitmq"
        " — This is a description",
    ]
    shown = show(repo, first["id"])
    assert shown["frontmatter"]["alert"]["status"] == "firing"
    assert [a["state"] for a in shown["frontmatter"]["alerts"]] == ["resolved", "resolved", "firing"]
    assert shown["timeline"][-1]["what"].endswith("(2 resolved; 1 of 3 still firing)")

    done = declare(repo, GROUP_RESOLVED)  # the group resolved: every alert it brought is
    assert done["id"] == first["id"] and done["status"] == "mitigated"
    text = incident_text(repo, first["id"])
    assert "Alerts in this incident: 4 (0 firing, 4 resolved)." in text
    assert "**firing**" not in text  # no summary that still says firing after the group resolved
    shown = show(repo, first["id"])
    assert shown["frontmatter"]["alert"]["status"] == "resolved"
    assert shown["frontmatter"]["alert"]["alerts"] == 4
    assert run_cli(["validate", "--repo", str(repo)]).code == 0


def test_a_mixed_group_is_titled_and_summarised_from_its_firing_alert(repo: Path) -> None:
    declared = declare(repo, MIXED)
    text = incident_text(repo, declared["id"])
    assert 'title: "Testing **another** failing alert"' in text  # not a recovered host's summary
    assert "(+2 more)" not in text
    lines = summary_of(text)
    assert lines[0].startswith("- **firing**: Testing")
    assert [line.split(":")[0] for line in lines] == ["- **firing**", "- resolved", "- resolved"]


def test_alerts_sharing_one_summary_are_told_apart_by_the_label_that_differs(repo: Path) -> None:
    group = {
        "version": "4",
        "groupKey": '{}/{}:{alertname="HostDown"}',
        "status": "firing",
        "receiver": "incident-kit",
        "commonLabels": {"alertname": "HostDown", "job": "node", "severity": "critical"},
        "commonAnnotations": {"summary": "Host is down"},
        "alerts": [
            {
                "status": "resolved" if n == 3 else "firing",
                "labels": {
                    "alertname": "HostDown",
                    "job": "node",
                    "severity": "critical",
                    "instance": f"web-{n}",
                },
                "annotations": {"summary": "Host is down"},
                "startsAt": "2026-11-26T14:50:00Z",
                "endsAt": "2026-11-26T14:58:00Z" if n == 3 else "0001-01-01T00:00:00Z",
                "fingerprint": f"f{n}",
            }
            for n in (1, 2, 3)
        ],
    }
    declared = declare(repo, group)
    text = incident_text(repo, declared["id"])
    assert "title: Host is down (2 firing)\n" in text  # two fire; the recovered third is not counted
    assert summary_of(text) == [
        "- **firing**: Host is down · instance=web-1",
        "- **firing**: Host is down · instance=web-2",
        "- resolved: Host is down · instance=web-3",
    ]
