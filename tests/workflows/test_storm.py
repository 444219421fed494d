"""An alert storm on the shipped workflows: every alert of a burst lands on the remote exactly once,
with runners racing on the push, and the sync they hand over to coalesces into a few runs.

The figures for a 300-alert storm come from `python benchmarks/storm.py` (docs/storms.md); this
is the same simulation, small enough for CI's reliability run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gha_actions import ActionUnderTest
from gha_storm import Storm
from harness import ActionsCache

pytestmark = pytest.mark.reliability

ALERTS = 24
RUNNERS = 4


@pytest.fixture
def storm(
    tmp_path: Path, incident_kit_action: ActionUnderTest, actions_cache: ActionsCache
) -> Iterator[Storm]:
    storm = Storm(tmp_path, incident_kit_action, actions_cache)
    try:
        assert storm.warm_up().status == "success"
        yield storm
    finally:
        storm.close()


def test_a_burst_of_distinct_alerts_lands_each_incident_once_and_sync_coalesces(storm: Storm) -> None:
    figures = storm.run(ALERTS, RUNNERS, burst=8, gap=0.5)

    assert figures.failed_runs == []
    assert figures.lost == [] and figures.duplicated == []
    assert sum(figures.landed.values()) == ALERTS
    # Four runners pushing at once lose races; each lost push was retried (and counted by the
    # remote's own hooks), and every declare landed in the end.
    assert figures.pushes_landed >= ALERTS
    assert figures.retries > 0
    # One hand-over per alert, but sync ran far fewer times than that, and always cleanly.
    assert figures.handovers == ALERTS
    assert 1 <= figures.sync_runs < ALERTS // 2
    assert figures.failed_sync_runs == 0
    # The index the last sync wrote lists every incident.
    index = storm.remote_file("incidents/README.md")
    assert [n for n in range(1, ALERTS + 1) if f"spec-storm-{n:04d}" not in index] == []
