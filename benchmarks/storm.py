"""An alert storm against the shipped workflows, simulated locally: the figures of docs/storms.md.

    python benchmarks/storm.py --alerts 300 --runners 4 [--burst 30 --gap 1 --start-latency 0]

N runner threads (GitHub's hosted runners) each run `incident-alert.yml`, as `incident init`
installs it, in a fresh clone of one bare remote, through the workflow harness
(tests/workflows/gha_storm.py); distinct alerts arrive `--burst` at a time every `--gap` seconds.
Prints what was delivered, lost and duplicated, the time until every incident was on the remote,
the pushes that lost a race and were retried, how many sync runs the hand-overs coalesced into,
and the median seconds of each step of an alert run. The machine's load (`os.getloadavg`) is
printed with them: the runners share its cores, so the times are this machine's, not GitHub's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "workflows"), str(ROOT / "tests")]

from gha_actions import ActionsCache, ActionUnderTest  # noqa: E402
from gha_storm import Storm, StormFigures  # noqa: E402
from harness import snapshot_commit  # noqa: E402


def table(figures: StormFigures, wall: float) -> str:
    waits = figures.event_to_pushed()
    rows = [
        ("alerts delivered", f"{len(figures.runs)}"),
        ("runners", f"{figures.runners}"),
        ("alert runs failed", f"{len(figures.failed_runs)}"),
        ("alerts lost (no incident on the remote)", f"{len(figures.lost)}"),
        ("alerts duplicated (two incidents)", f"{len(figures.duplicated)}"),
        ("incidents on the remote", f"{sum(figures.landed.values())}"),
        ("drain: first delivery → last incident pushed", f"{figures.drain_seconds:.0f} s"),
        ("event → pushed, median / p95 / max", _spread(waits)),
        (
            "push attempts / landed / retried",
            f"{figures.push_attempts} / {figures.pushes_landed} / {figures.retries}",
        ),
        ("hand-overs (repository_dispatch)", f"{figures.handovers}"),
        ("sync runs (failed)", f"{figures.sync_runs} ({figures.failed_sync_runs})"),
        ("last sync run finished", f"{figures.sync_done_seconds:.0f} s"),
        ("wall time", f"{wall:.0f} s"),
        ("load average before → after", figures.load),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    lines.append("")
    lines.append("median seconds per step of an alert run (on this machine):")
    for name, seconds in sorted(figures.step_medians().items(), key=lambda item: -item[1]):
        lines.append(f"  {name:<{width - 2}}  {seconds:.2f}")
    return "\n".join(lines)


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"{values[len(values) // 2]:.0f} / {p95:.0f} / {values[-1]:.0f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--runners", type=int, default=4)
    parser.add_argument("--burst", type=int, default=30, help="alerts per burst")
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between bursts")
    parser.add_argument("--start-latency", type=float, default=0.0, help="seconds before a run starts")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="incident-storm-") as scratch:
        work = Path(scratch)
        git_dir = work / "action" / "incident-kit.git"
        action = ActionUnderTest(git_dir, snapshot_commit(ROOT, git_dir))
        storm = Storm(work / "storm", action, ActionsCache(work / "cache"))
        try:
            warm = storm.warm_up()
            if warm.status != "success":
                print(warm.log(), file=sys.stderr)
                return 1
            before = os.getloadavg()
            started = time.monotonic()
            figures = storm.run(
                args.alerts, args.runners, burst=args.burst, gap=args.gap, start_latency=args.start_latency
            )
            wall = time.monotonic() - started
            after = os.getloadavg()
        finally:
            storm.close()
        # before the scratch folder (gigabytes of run folders) is deleted
        figures.load = f"{before[0]:.1f} → {after[0]:.1f} (1 min), {os.cpu_count()} cores"
        print(table(figures, wall), flush=True)
        if args.json:
            summary = {
                "alerts": figures.alerts,
                "runners": figures.runners,
                "failed_runs": figures.failed_runs,
                "lost": figures.lost,
                "duplicated": figures.duplicated,
                "drain_seconds": figures.drain_seconds,
                "event_to_pushed": figures.event_to_pushed(),
                "push_attempts": figures.push_attempts,
                "pushes_landed": figures.pushes_landed,
                "retries": figures.retries,
                "handovers": figures.handovers,
                "sync_runs": figures.sync_runs,
                "failed_sync_runs": figures.failed_sync_runs,
                "sync_done_seconds": figures.sync_done_seconds,
                "step_medians": figures.step_medians(),
                "wall_seconds": wall,
                "load": figures.load,
            }
            args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if not (figures.lost or figures.duplicated or figures.failed_runs) else 1


if __name__ == "__main__":
    sys.exit(main())
