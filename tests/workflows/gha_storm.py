"""An alert storm, simulated with the workflow harness: how many alerts land, how fast, at what cost.

One bare repository plays GitHub (seeded by `incident init`, its workflows pinned to a snapshot of
this work tree); N runner threads play GitHub's hosted runners. Distinct alerts arrive in bursts
as `repository_dispatch` events; each is one run of the `incident-alert.yml` the remote holds, in a
fresh clone, through incident-kit's own action (its environment restored from the shared cache, as
on GitHub after the first run). Each run's hand-over (`repository_dispatch incidents-changed`)
reaches the GitHub stand-in on 127.0.0.1; incident-sync's concurrency group (one running, one
pending, a newer request replacing the pending one) is modelled by one sync runner that starts a
run whenever hand-overs arrived since its last start.

Push attempts are counted by the remote itself: a `pre-receive` hook logs every push that reaches
it, `post-receive` every push that landed; the difference is the pushes that lost a race and were
retried. What landed is read back from the remote's default branch: every alert's incident must be
there exactly once (alerts are told apart by their `service`).

Used by `benchmarks/storm.py` (the figures in docs/storms.md) and `test_storm.py`.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fakes.api_server import FakeApiServer
from gha_actions import ActionsCache, ActionUnderTest
from gha_events import repository_dispatch_event, schedule_event
from harness import DEFAULT_TOOL_BIN, FAKE_TOKEN, JobResult, git_env, make_remote, run_job

ACTION = "incident-kit/incident-kit"
# the steps of incident-alert.yml up to the pushed commit (the rest hands over and summarises)
TO_PUSHED = ("Check out", "install", "payload", "declare")
HOOK = '#!/bin/sh\ncat >> "$GIT_DIR/{log}"\n'


def storm_alert(number: int) -> dict[str, Any]:
    """A native alert no other alert of the storm deduplicates with (its own service)."""
    return {
        "source": "production_monitor",
        "spec_id": f"spec-storm-{number:04d}",
        "metric": "p99_latency",
        "value": 350 + number,
        "slo": 200,
        "severity": "SEV-3",
    }


@dataclass
class AlertRun:
    service: str
    delivered_at: float  # when GitHub accepted the dispatch (the storm's clock)
    started_at: float = 0.0  # when a runner picked it up
    pushed_at: float = 0.0  # when its declare step (the push) finished
    status: str = ""
    steps: dict[str, float] = field(default_factory=dict)  # step name → seconds


@dataclass
class StormFigures:
    alerts: int
    runners: int
    runs: list[AlertRun]
    landed: Counter[str]  # service → incidents on the remote
    push_attempts: int
    pushes_landed: int
    handovers: int
    sync_runs: int
    failed_sync_runs: int
    drain_seconds: float  # first delivery → the last alert's incident pushed
    sync_done_seconds: float  # first delivery → the last sync run finished
    load: str = ""

    @property
    def lost(self) -> list[str]:
        return sorted(run.service for run in self.runs if self.landed[run.service] == 0)

    @property
    def duplicated(self) -> list[str]:
        return sorted(service for service, count in self.landed.items() if count > 1)

    @property
    def failed_runs(self) -> list[str]:
        return sorted(run.service for run in self.runs if run.status != "success")

    @property
    def retries(self) -> int:
        return self.push_attempts - self.pushes_landed

    def event_to_pushed(self) -> list[float]:
        return sorted(run.pushed_at - run.delivered_at for run in self.runs if run.pushed_at)

    def step_medians(self) -> dict[str, float]:
        names = {name for run in self.runs for name in run.steps}
        return {name: _median([run.steps[name] for run in self.runs if name in run.steps]) for name in names}


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=git_env(), capture_output=True, text=True, check=True)
    return done.stdout


class Storm:
    """One remote, its GitHub stand-in and the runners; `run` fires one storm at it."""

    def __init__(self, workdir: Path, action: ActionUnderTest, cache: ActionsCache) -> None:
        self.workdir = workdir
        self.action = action
        self.cache = cache
        self.github = FakeApiServer().start()
        self.github.github.token = FAKE_TOKEN  # the token the harness hands every job
        self.remote = make_remote(workdir / "remote.git", self._init)
        hooks = self.remote / "hooks"
        for hook, log in (("pre-receive", "storm-attempts.log"), ("post-receive", "storm-landed.log")):
            (hooks / hook).write_text(HOOK.format(log=log))
            (hooks / hook).chmod(0o755)
        self.alert_workflow = _git("show", "main:.github/workflows/incident-alert.yml", cwd=self.remote)
        self.sync_workflow = _git("show", "main:.github/workflows/incident-sync.yml", cwd=self.remote)
        self._runs = 0
        self._lock = threading.Lock()

    def _init(self, seed: Path) -> None:
        subprocess.run(
            [str(DEFAULT_TOOL_BIN / "incident"), "init", "--action-ref", self.action.sha],
            cwd=seed, env=git_env(), capture_output=True, check=True,
        )  # fmt: skip

    def close(self) -> None:
        self.github.close()

    def _job(self, workflow: str, event_name: str, event: dict[str, Any]) -> JobResult:
        with self._lock:
            self._runs += 1
            workdir = self.workdir / f"run-{self._runs:05d}"
        return run_job(
            workflow, event_name=event_name, event=event, workdir=workdir, remote=self.remote,
            actions={ACTION: self.action.git_dir}, cache=self.cache, api_url=self.github.github_url,
        )  # fmt: skip

    def warm_up(self) -> JobResult:
        """One scheduled sync before the storm: the action's environment lands in the cache,
        as it is on GitHub once any run of the day saved it."""
        return self._job(self.sync_workflow, "schedule", schedule_event("17,47 * * * *"))

    def run(
        self, alerts: int, runners: int, *, burst: int, gap: float, start_latency: float = 0.0
    ) -> StormFigures:
        """Deliver `alerts` distinct alerts, `burst` at a time every `gap` seconds, to `runners`
        runners (each start delayed by `start_latency`); wait until every run and the sync runs
        they asked for are done; read back what landed."""
        for log in ("storm-attempts.log", "storm-landed.log"):  # the warm-up's pushes do not count
            (self.remote / log).unlink(missing_ok=True)
        inbox: queue.Queue[AlertRun | None] = queue.Queue()
        runs: list[AlertRun] = []
        alerts_done = threading.Event()
        sync = {"runs": 0, "failed": 0, "last": 0.0}
        t0 = time.monotonic()

        def runner() -> None:
            while (item := inbox.get()) is not None:
                time.sleep(start_latency)
                item.started_at = time.monotonic() - t0
                number = int(item.service.rsplit("-", 1)[1])
                event = repository_dispatch_event({"alert": storm_alert(number)})
                result = self._job(self.alert_workflow, "repository_dispatch", event)
                item.status = result.status
                item.steps = {step.id or step.name: step.seconds for step in result.steps}
                if result.status == "success" or result.step("declare").outcome == "success":
                    item.pushed_at = item.started_at + sum(item.steps.get(name, 0.0) for name in TO_PUSHED)

        def sync_runner() -> None:
            consumed = 0
            while True:
                finished = alerts_done.is_set()
                asked = len(self.github.github.repository_dispatches)
                if asked > consumed:
                    consumed = asked
                    time.sleep(start_latency)
                    event = repository_dispatch_event({}, event_type="incidents-changed")
                    result = self._job(self.sync_workflow, "repository_dispatch", event)
                    sync["runs"] += 1
                    sync["failed"] += result.status != "success"
                    sync["last"] = time.monotonic() - t0
                elif finished:
                    return
                else:
                    time.sleep(0.2)

        threads = [threading.Thread(target=runner, daemon=True) for _ in range(runners)]
        syncer = threading.Thread(target=sync_runner, daemon=True)
        for thread in [*threads, syncer]:
            thread.start()
        for number in range(1, alerts + 1):
            item = AlertRun(f"spec-storm-{number:04d}", time.monotonic() - t0)
            runs.append(item)
            inbox.put(item)
            if number % burst == 0 and number < alerts:
                time.sleep(gap)
        for _ in threads:
            inbox.put(None)
        for thread in threads:
            thread.join()
        alerts_done.set()
        syncer.join()
        return StormFigures(
            alerts=alerts,
            runners=runners,
            runs=runs,
            landed=self.landed(),
            push_attempts=self._log_lines("storm-attempts.log"),
            pushes_landed=self._log_lines("storm-landed.log"),
            handovers=len(self.github.github.repository_dispatches),
            sync_runs=sync["runs"],
            failed_sync_runs=sync["failed"],
            drain_seconds=max((run.pushed_at for run in runs), default=0.0),
            sync_done_seconds=sync["last"],
        )

    def landed(self) -> Counter[str]:
        """service → how many incidents on the remote's default branch carry it."""
        found = subprocess.run(
            ["git", "grep", "-h", "^service: ", "main", "--", "incidents/*/*/incident.md"],
            cwd=self.remote, env=git_env(), capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        return Counter(line.split(":", 1)[1].strip() for line in found.splitlines())

    def remote_file(self, path: str) -> str:
        return _git("show", f"main:{path}", cwd=self.remote)

    def _log_lines(self, name: str) -> int:
        path = self.remote / name
        return len(path.read_text().splitlines()) if path.exists() else 0
