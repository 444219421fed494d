"""Load: many incidents walked through their lifecycle by concurrent processes on one remote.

Eight lanes (four clones of one bare remote, two lanes per clone, so both the per-clone lock
and the push race are exercised) each declare their share of the incidents and walk every one
declare → ack → mitigate → resolve → close (SEV-3/4, no post-mortem required by the example
config) or → postmortem (SEV-1/2), every command with `--push`. Then, on the remote:

- exactly one folder per incident, unique ids, each title once;
- every expected timeline entry present exactly once, each incident in its final state;
- commits = 1 (init) + 5 per incident, one per (incident, action), none lost, none doubled;
- `git fsck` clean, and `incident validate` passes on a fresh clone.

CI runs a reduced size; `RELIABILITY_LOAD_INCIDENTS=200` is the issue's full size
(`RELIABILITY_LOAD_LANES` changes the number of concurrent processes).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.processes import bare_remote, clone, env_int, fsck_problems, incident, show, tree_files
from support.repos import git

pytestmark = pytest.mark.reliability

INCIDENTS = env_int("RELIABILITY_LOAD_INCIDENTS", 24)
LANES = env_int("RELIABILITY_LOAD_LANES", 8)
CLONES = max(1, LANES // 2)
SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")
STEPS = {
    "SEV-1": ("ack", "mitigate", "resolve", "postmortem"),
    "SEV-2": ("ack", "mitigate", "resolve", "postmortem"),
    "SEV-3": ("ack", "mitigate", "resolve", "close"),
    "SEV-4": ("ack", "mitigate", "resolve", "close"),
}
FINAL = {"postmortem": "postmortem", "close": "closed"}
ENTRIES = {
    "declare": "Declared by hand",
    "ack": "Acknowledged",
    "mitigate": "Mitigated",
    "resolve": "Resolved",
    "postmortem": "Post-mortem started",
    "close": "Closed",
}


@dataclass
class Lane:
    number: int
    root: Path
    ids: dict[int, str] = field(default_factory=dict)  # incident number -> id
    failures: list[str] = field(default_factory=list)
    timings: list[float] = field(default_factory=list)

    def run(self, *args: str) -> str | None:
        began = time.monotonic()
        result = incident(self.root, *args, "--push", timeout=600)
        self.timings.append(time.monotonic() - began)
        if result.returncode == 0:
            return result.stdout
        self.failures.append(
            f"lane {self.number}: incident {' '.join(args)} -> exit {result.returncode} after "
            f"{self.timings[-1]:.1f}s: {result.stderr.strip()}"
        )
        # "committed locally": the change is kept and the next --push carries it over
        kept = re.search(r"committed locally as ([0-9a-f]+)", result.stderr)
        if not kept:
            return None
        if args[0] != "declare":
            return result.stdout
        # a failed declare prints no JSON, and its message does not name the incident: the
        # id is in the kept commit's trailer
        trailer = git(self.root, "log", "-1", "--format=%(trailers:key=Incident,valueonly)", kept.group(1))
        return json.dumps({"id": trailer.strip()})

    def walk(self, numbers: list[int]) -> None:
        for n in numbers:
            severity = SEVERITIES[n % 4]
            title = f"Load {n:04d}"
            out = self.run(
                "declare", "--manual-incident", "--title", title, "--severity", severity, "--format", "json"
            )
            if not out:
                continue
            incident_id = json.loads(out)["id"]
            self.ids[n] = incident_id
            for step in STEPS[severity]:
                if self.run(step, incident_id) is None:
                    break


def test_concurrent_lanes_walk_every_incident_and_lose_nothing(tmp_path: Path) -> None:
    remote = bare_remote(tmp_path)
    clones = [clone(remote, tmp_path / f"clone{c}", f"user{c}") for c in range(CLONES)]
    lanes = [Lane(n, clones[n % CLONES]) for n in range(LANES)]
    shares = {lane.number: list(range(lane.number, INCIDENTS, LANES)) for lane in lanes}
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=LANES) as pool:
        list(pool.map(lambda lane: lane.walk(shares[lane.number]), lanes))
    elapsed = time.monotonic() - began
    timings = sorted(t for lane in lanes for t in lane.timings)
    failures = [f for lane in lanes for f in lane.failures]
    figures = (
        f"{INCIDENTS} incidents, {LANES} lanes on {CLONES} clones: "
        f"{len(timings)} commands in {elapsed:.1f}s; "
        f"per command median {statistics.median(timings):.2f}s, "
        f"p90 {timings[int(len(timings) * 0.9)]:.2f}s, max {timings[-1]:.2f}s; {len(failures)} failed"
    )
    print(figures)
    # what the failure message tells the person to do, once the burst is over
    for root in {lane.root for lane in lanes}:
        if git(root, "rev-list", "--count", "origin/main..HEAD").strip() != "0":
            git(root, "pull", "-q", "--rebase", "origin", "main")
            git(root, "push", "-q", "origin", "HEAD:main")

    # nothing lost, nothing doubled
    ids = {n: i for lane in lanes for n, i in lane.ids.items()}
    problems = _remote_problems(remote, ids)
    fresh = clone(remote, tmp_path / "fresh", "checker")
    validate = incident(fresh, "validate")
    if validate.returncode != 0:
        problems.append(f"validate on a fresh clone: {validate.stdout[-2000:]}")
    problems += [f"git fsck (remote): {p}" for p in fsck_problems(remote)]
    assert not problems, figures + "\n" + "\n".join([*problems[:40], *failures[:10]])
    # and every command landed on its own (its push retries outlasted the other writers)
    assert not failures, figures + "\n" + "\n".join(failures[:20])


def _remote_problems(remote: Path, ids: dict[int, str]) -> list[str]:
    problems = []
    files = tree_files(remote, "main")
    if len(files) != INCIDENTS:
        problems.append(f"{len(files)} incident files on the remote, expected {INCIDENTS}")
    folder_ids = [f.split("/")[2][:17] for f in files]
    duplicates = [i for i, count in Counter(folder_ids).items() if count > 1]
    if duplicates:
        problems.append(f"ids used by several folders: {duplicates}")
    if len(set(ids.values())) != len(ids):
        problems.append("two declares reported the same id")
    by_id = {f.split("/")[2][:17]: f for f in files}
    for n, incident_id in sorted(ids.items()):
        path = by_id.get(incident_id)
        if path is None:
            problems.append(f"incident {n} ({incident_id}) is not on the remote")
            continue
        text = show(remote, "main", path)
        severity = SEVERITIES[n % 4]
        last = STEPS[severity][-1]
        status = re.search(r"^status: (\S+)", text, re.M)
        if not status or status.group(1) != FINAL[last]:
            problems.append(
                f"{incident_id}: status {status.group(1) if status else None}, expected {FINAL[last]}"
            )
        if f"title: Load {n:04d}\n" not in text:
            problems.append(f"{incident_id}: not titled Load {n:04d}")
        for action in ("declare", *STEPS[severity]):
            count = sum(
                1 for line in text.splitlines() if line.startswith("- ") and f" — {ENTRIES[action]}" in line
            )
            if count != 1:
                problems.append(f"{incident_id}: timeline entry {ENTRIES[action]!r} appears {count} times")
    commits = int(git(remote, "rev-list", "--count", "main"))
    expected = 1 + INCIDENTS * 5
    if commits != expected:
        problems.append(f"{commits} commits on the remote, expected {expected}")
    log = git(remote, "log", "--format=%x1e%(trailers:only,unfold)", "main")
    pairs: Counter[tuple[str, str]] = Counter()
    for record in log.split("\x1e"):
        trailers = dict(line.split(": ", 1) for line in record.strip().splitlines() if ": " in line)
        if trailers.get("Incident"):
            pairs[(trailers["Incident"], trailers.get("Action", ""))] += 1
    doubled = [pair for pair, count in pairs.items() if count > 1]
    if doubled:
        problems.append(f"(incident, action) committed more than once: {doubled[:10]}")
    if len(pairs) != INCIDENTS * 5:
        problems.append(f"{len(pairs)} distinct (incident, action) commits, expected {INCIDENTS * 5}")
    return problems
