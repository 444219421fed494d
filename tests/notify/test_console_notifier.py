"""The console channel: the same messages on stdout and in the Actions job summary."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from incident_kit.errors import DeliveryError
from incident_kit.model import IncidentSummary
from incident_kit.notify import notifier_from_env
from incident_kit.notify.console import ConsoleNotifier
from incident_kit.notify.messages import Event, render_plain, render_slack

INCIDENT = IncidentSummary(
    id="inc-20261126-k3f7",
    title="Checkout ``` 5xx",
    status="triage",
    severity="SEV-1",
    kind="incident",
    service="checkout",
    commander="alice",
    source=None,
    path="incidents/2026-11/inc-20261126-k3f7-checkout-5xx",
)
EVENT = Event("declared", INCIDENT, datetime(2026, 11, 26, 15, 0, tzinfo=UTC), actor="alice")


def test_messages_go_to_the_stream_with_made_up_ids() -> None:
    out = io.StringIO()
    console = ConsoleNotifier(out)
    channel = console.ensure_channel("inc-20261126-checkout", incident_id=INCIDENT.id, existing_id=None)
    assert channel.id == "console:inc-20261126-checkout"
    console.set_topic(channel.id, "SEV-1")
    assert console.invite(channel.id, ["alice@example.com"]).invited == ()
    posted = console.post(channel.id, render_slack(EVENT), key="inc-20261126-k3f7/declared")
    again = console.post(channel.id, render_slack(EVENT), key="inc-20261126-k3f7/declared")
    assert posted == again and posted.ts.startswith("console:")
    assert out.getvalue() == 2 * f"[#inc-20261126-checkout] {render_plain(EVENT)}\n"


def test_the_job_summary_gets_a_fenced_copy(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    out = io.StringIO()
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    console = notifier_from_env(env, stream=out)
    assert isinstance(console, ConsoleNotifier)
    console.post("#incidents", render_slack(EVENT))
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n**#incidents**\n\n````text\n")  # appended
    assert render_plain(EVENT) in text
    assert text.endswith("\n````\n\n")  # a fence longer than the title's ``` run
    assert out.getvalue().startswith("[#incidents] 🚨 Incident declared")


def test_no_summary_outside_actions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    console = notifier_from_env({})
    console.update("console:inc-x", "console:1", render_slack(EVENT))
    assert capsys.readouterr().out.startswith("[#inc-x] 🚨 Incident declared")
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_summary_is_a_delivery_error(tmp_path: Path) -> None:
    out = io.StringIO()
    console = ConsoleNotifier(out, summary_path=str(tmp_path / "missing" / "summary.md"))
    with pytest.raises(DeliveryError, match=r"cannot append to \$GITHUB_STEP_SUMMARY"):
        console.post("#incidents", render_slack(EVENT))
    assert out.getvalue() == ""  # not printed either: the retry prints it once
