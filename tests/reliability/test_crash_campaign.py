"""Crash safety, at random: SIGKILL the real CLI at random moments and check what it leaves.

Each campaign walks incidents through declare → ack → mitigate → resolve → postmortem → close
(plus notes) on one repository, starting every command as its own process (in a new session,
so its git children die with it) and killing the whole group after a random delay drawn from
a seeded RNG over the command's measured duration. After every kill:

- `git fsck` is clean (locally, and on the remote for the `--push` campaign);
- no incident or post-mortem file is half written (writes are atomic);
- whatever git lock files the kill left are reported with the message the next command gives;
- if the change did not land in a commit, the person runs the same command again, and that
  run must complete the work: exactly one commit carrying the change, the timeline entry
  exactly once, a clean work tree (and, with `--push`, the remote up to date).

At the end the repository validates and its history accounts for every change exactly once.

`RELIABILITY_TRIALS` (default 40 per campaign, two campaigns) and `RELIABILITY_SEED` (default:
a fresh seed, printed) replay or enlarge a run: `RELIABILITY_SEED=123 pytest -s -k campaign`.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.processes import (
    TEMP_GLOB,
    bare_remote,
    clone,
    env_int,
    fsck_problems,
    half_written,
    head,
    incident,
    kill_group,
    new_repo,
    one_line_error,
    porcelain,
    serve_pushes_detached,
    show,
    stale_git_locks,
    start,
    temp_leftovers,
    tree_files,
    wait_for_detached,
)
from support.repos import git

pytestmark = pytest.mark.reliability

TRIALS = env_int("RELIABILITY_TRIALS", 40)
NEXT_STEP = {
    "triage": "ack",
    "investigating": "mitigate",
    "mitigated": "resolve",
    "resolved": "postmortem",
    "postmortem": "close",
}
# the timeline entry each step adds (between " — " separators)
ENTRY = {
    "ack": "Acknowledged",
    "mitigate": "Mitigated",
    "resolve": "Resolved",
    "postmortem": "Post-mortem started: postmortem.md",
    "close": "Closed",
}
MAX_OPEN = 6


@dataclass
class Trial:
    number: int
    action: str
    args: list[str]
    delay: float
    outcome: str = ""  # finished | landed | torn | none
    locks: list[str] = field(default_factory=list)
    temps: list[str] = field(default_factory=list)
    lock_message: str = ""

    def describe(self) -> str:
        extra = f" locks={self.locks}" if self.locks else ""
        extra += f" temps={self.temps}" if self.temps else ""
        return f"trial={self.number} {self.action} delay={self.delay:.3f}s outcome={self.outcome}{extra}"


@dataclass
class Campaign:
    root: Path
    remote: Path | None
    seed: int
    rng: random.Random
    push: list[str]
    server: Path | None = None  # pid notes of the detached remote side (see helpers)
    duration: float = 0.0
    trials: list[Trial] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    duplicates: set[str] = field(default_factory=set)  # already reported
    kinds: Counter[str] = field(default_factory=Counter)

    def violate(self, kind: str, message: str) -> None:
        self.kinds[kind] += 1
        self.violations.append(message)

    # -- the repository as git has it (the model is re-read from HEAD, never guessed) -------------

    def walks(self) -> dict[str, str]:
        """incident id -> status, from the committed files."""
        found = {}
        for path in tree_files(self.root, "HEAD"):
            text = show(self.root, "HEAD", path)
            incident_id = re.search(r"^id: (\S+)", text, re.M)
            status = re.search(r"^status: (\S+)", text, re.M)
            if incident_id and status:
                found[incident_id.group(1)] = status.group(1)
        return found

    def new_commits(self, before: str) -> list[dict[str, str]]:
        out = git(self.root, "log", "--format=%H%x1f%(trailers:only,unfold)%x1e", f"{before}..HEAD")
        commits = []
        for record in out.split("\x1e"):
            record = record.strip("\n")
            if not record:
                continue
            sha, _, trailer_text = record.partition("\x1f")
            trailers = dict(
                (k.strip(), v.strip())
                for k, _, v in (line.partition(":") for line in trailer_text.splitlines())
            )
            trailers["sha"] = sha
            commits.append(trailers)
        return commits

    # -- one trial -----------------------------------------------------------------------------------

    def choose(self, number: int) -> tuple[str, list[str], str | None]:
        walks = self.walks()
        open_walks = sorted(i for i, status in walks.items() if status in NEXT_STEP)
        roll = self.rng.random()
        if not open_walks or (roll < 0.22 and len(open_walks) < MAX_OPEN):
            title = f"Crash trial {number}"
            return "declare", ["declare", "--manual-incident", "--title", title, "--severity", "SEV-3"], None
        target = self.rng.choice(open_walks)
        if roll < 0.40:
            return "note", ["note", target, f"trial {number} note"], target
        step = NEXT_STEP[walks[target]]
        return step, [step, target], target

    def draw_delay(self) -> float:
        if self.rng.random() < 0.5:
            return self.rng.uniform(0.0, 1.2 * self.duration)
        # the write, the commit and the push happen in the last third of a run
        return self.rng.uniform(0.6 * self.duration, 1.05 * self.duration)

    def run_trial(self, number: int) -> None:
        action, args, target = self.choose(number)
        trial = Trial(number, action, args, self.draw_delay())
        self.trials.append(trial)
        before = head(self.root)
        before_status = self.walks().get(target or "", "")
        proc = start(self.root, *args, *self.push)
        time.sleep(trial.delay)
        finished = proc.poll() is not None
        _, err = kill_group(proc)
        if self.server is not None:
            wait_for_detached(self.server)  # the "server" finishes what it received, or drops it
        where = trial.describe()

        for problem in fsck_problems(self.root):
            self.violate("fsck", f"{where}: git fsck: {problem}")
        if self.remote is not None:
            for problem in fsck_problems(self.remote):
                self.violate("fsck", f"{where}: git fsck (remote): {problem}")
        for problem in half_written(self.root):
            self.violate("half-written", f"{where}: half-written file: {problem}")
        trial.temps = [p.relative_to(self.root).as_posix() for p in temp_leftovers(self.root)]
        locks = self.locks()
        trial.locks = [p.relative_to(self.root.parent).as_posix() for p in locks]

        landed = self.landed(action, target, before, number)
        dirty = self.dirty()
        if finished:
            trial.outcome = "finished"
            if proc.returncode != 0:
                self.violate("failed-unkilled", f"{where}: exited {proc.returncode} unkilled: {err.strip()}")
        else:
            trial.outcome = "landed" if landed else ("torn" if dirty else "none")
        # keep the kill window on the command's real duration (it drifts with the machine's load)
        self.duration = max(0.05, self.duration * (0.92 if finished else 1.02))
        where = trial.describe()
        if landed and dirty:
            self.violate(
                "landed-but-dirty", f"{where}: the commit landed but the work tree still differs: {dirty}"
            )

        if locks:
            self.probe_locks(trial, target, number)
            # a probe that committed (even "committed locally", exit 1) moves the base
            before = before if landed else head(self.root)
        if not landed:
            self.run_again(trial, action, args, target, before, before_status, number)
        self.clean_up(trial)

    def dirty(self) -> list[str]:
        return [line for line in porcelain(self.root) if not re.search(r"/\.incident-[^/]*\.tmp$", line)]

    def landed(self, action: str, target: str | None, before: str, number: int) -> bool:
        """Whether HEAD carries the change, in exactly one new commit of its own."""
        commits = self.new_commits(before)
        if not commits:
            return False
        ok = len(commits) == 1 and commits[0].get("Action") == action
        if action == "declare":
            titled = [
                p
                for p in tree_files(self.root, "HEAD")
                if f"title: Crash trial {number}\n" in show(self.root, "HEAD", p)
            ]
            ok = ok and len(titled) == 1
        else:
            ok = ok and commits[0].get("Incident") == target
        return ok

    def probe_locks(self, trial: Trial, target: str | None, number: int) -> None:
        """What the next command says about the lock files a killed git left behind.

        The probe is a note on another incident, so what blocks it is the lock and not a
        half-done change of the killed command.
        """
        others = sorted(i for i in self.walks() if i != target) or [target or self.any_open()]
        probe = incident(self.root, "note", others[0], f"lock probe {number}", *self.push)
        if probe.returncode == 0:
            return  # the leftover did not block anything
        trial.lock_message = probe.stderr.strip()
        if not one_line_error(probe.stderr) or ".lock" not in probe.stderr:
            self.violate(
                "lock-message",
                f"{trial.describe()}: a stale lock blocks the next command without a clear one-line message: "
                f"{probe.stderr!r}",
            )
        # the recovery the message (and docs/reliability.md) describe: remove git's stale locks
        self.remove_locks()

    def any_open(self) -> str:
        walks = self.walks()
        return sorted(walks)[0]

    def run_again(
        self,
        trial: Trial,
        action: str,
        args: list[str],
        target: str | None,
        before: str,
        before_status: str,
        number: int,
    ) -> None:
        """The person saw no result, so they run the same command again: it must finish the job."""
        again = incident(self.root, *args, *self.push)
        where = trial.describe()
        problems = []
        landed = self.landed(action, target, before, number)
        # a fix may finish the interrupted change first and then refuse the repeat as done
        done_already = again.returncode == 1 and one_line_error(again.stderr) and landed
        if again.returncode != 0 and not done_already:
            problems.append(f"exit {again.returncode}: {again.stderr.strip()}")
        if not landed:
            commits = self.new_commits(before)
            problems.append(f"HEAD does not carry the change exactly once (new commits: {commits})")
        dirty = self.dirty()
        if dirty:
            problems.append(f"work tree left dirty: {dirty}")
        problems += self.new_duplicates()
        if self.remote is not None and again.returncode == 0 and head(self.remote, "main") != head(self.root):
            problems.append("the remote was not brought up to date")
        if problems:
            self.violate(
                "next-run-incomplete",
                f"{where}: the next run did not complete the work "
                f"(status before: {before_status or '-'}, outcome: {trial.outcome}): " + "; ".join(problems),
            )
            self.force_clean()
            if not self.landed(action, target, before, number):
                final = incident(self.root, *args, *self.push)
                assert final.returncode == 0, f"{where}: even on a clean tree: {final.stderr}"

    def duplicate_entries(self) -> list[str]:
        found = []
        for path in tree_files(self.root, "HEAD"):
            text = show(self.root, "HEAD", path)
            timeline = text.split("## Timeline", 1)[-1].split("## Links", 1)[0]
            lines = [line.split(" — ", 1)[-1] for line in timeline.splitlines() if line.startswith("- ")]
            for line, count in Counter(lines).items():
                if count > 1:
                    found.append(f"{path}: timeline entry {line!r} appears {count} times")
        return found

    def locks(self) -> list[Path]:
        return stale_git_locks(self.root) + (stale_git_locks(self.remote) if self.remote else [])

    def remove_locks(self) -> None:
        for path in self.locks():
            path.unlink(missing_ok=True)

    def new_duplicates(self) -> list[str]:
        fresh = [d for d in self.duplicate_entries() if d not in self.duplicates]
        self.duplicates.update(fresh)
        return fresh

    def force_clean(self) -> None:
        """Back to a clean tree on HEAD, so the campaign goes on after a recorded violation."""
        self.remove_locks()
        git(self.root, "reset", "-q", "--hard", "HEAD")
        git(self.root, "clean", "-fdq", "--", "incidents")

    def clean_up(self, trial: Trial) -> None:
        if trial.temps:
            # reported, not a violation: a temp file is never an incident file (see the module doc)
            for rel in trial.temps:
                (self.root / rel).unlink(missing_ok=True)
        if self.dirty() or self.locks():
            self.violate("unclean", f"{trial.describe()}: left unclean after recovery: {self.dirty()}")
            self.force_clean()

    # -- the end ---------------------------------------------------------------------------------------

    def finish(self) -> None:
        if self.remote is not None:
            # one more, unkilled command brings the remote level with what landed locally
            last = incident(self.root, "note", self.any_open(), "campaign finished", *self.push)
            assert last.returncode == 0, last.stderr
            assert head(self.remote, "main") == head(self.root)
        validate = incident(self.root, "validate")
        if validate.returncode != 0:
            self.violate("end-validate", f"end: incident validate failed: {validate.stdout.strip()}")
        for problem in fsck_problems(self.root):
            self.violate("fsck", f"end: {problem}")
        for problem in self.history_problems():
            self.violate("end-history", f"end: {problem}")

    def history_problems(self) -> list[str]:
        """Every commit after init is one change; each step and note landed once."""
        first = git(self.root, "rev-list", "--max-parents=0", "HEAD").strip()
        problems = []
        seen: Counter[tuple[str, str]] = Counter()
        for commit in self.new_commits(first):
            incident_id, action = commit.get("Incident", "?"), commit.get("Action", "?")
            if action == "note":
                continue
            seen[(incident_id, action)] += 1
            added = git(
                self.root, "show", "--format=", "--unified=0", commit["sha"], "--", "*/incident.md"
            ).splitlines()
            entries = [line for line in added if re.match(r"^\+- \d{4}-", line)]
            if len(entries) != 1:
                problems.append(
                    f"commit {commit['sha'][:10]} ({action} {incident_id}) adds {len(entries)} entries"
                )
        problems += [f"{key} committed {count} times" for key, count in seen.items() if count > 1]
        return problems + self.duplicate_entries()

    def summary(self) -> str:
        outcomes = Counter(t.outcome for t in self.trials)
        actions = Counter(t.action for t in self.trials)
        locks = Counter(lock.rsplit("/", 1)[-1] for t in self.trials for lock in t.locks)
        temps = sum(len(t.temps) for t in self.trials)
        messages = sorted({t.lock_message for t in self.trials if t.lock_message})
        lines = [
            f"seed={self.seed} trials={len(self.trials)} kill window≈{self.duration:.3f}s "
            f"push={bool(self.push)}",
            f"outcomes: {dict(outcomes)}",
            f"actions: {dict(actions)}",
            f"stale git locks left by kills: {dict(locks)}; temp files left: {temps}",
            *[f"next command said: {m}" for m in messages],
            f"violations: {len(self.violations)} {dict(self.kinds)}",
        ]
        return "\n".join(lines)


def _calibrate(campaign: Campaign) -> None:
    """Declare the first incident and time two ordinary commands: the kill window."""
    declared = incident(
        campaign.root,
        "declare",
        "--manual-incident",
        "--title",
        "Crash trial 0",
        "--severity",
        "SEV-3",
        "--format",
        "json",
        *campaign.push,
    )
    assert declared.returncode == 0, declared.stderr
    incident_id = json.loads(declared.stdout)["id"]
    timings = []
    for n in range(3):
        began = time.monotonic()
        result = incident(campaign.root, "note", incident_id, f"calibration {n}", *campaign.push)
        timings.append(time.monotonic() - began)
        assert result.returncode == 0, result.stderr
    campaign.duration = sorted(timings)[1]


@pytest.mark.parametrize("mode", ["local", "push"])
def test_random_kills_leave_a_repository_the_next_run_completes(tmp_path: Path, mode: str) -> None:
    seed = env_int("RELIABILITY_SEED", random.SystemRandom().randrange(1, 2**31))
    seed = seed if mode == "local" else seed + 1
    print(f"seed={seed} mode={mode} trials={TRIALS}")
    remote = bare_remote(tmp_path) if mode == "push" else None
    root = clone(remote, tmp_path / "work", "alice") if remote else new_repo(tmp_path / "work")
    campaign = Campaign(root, remote, seed, random.Random(seed), ["--push"] if remote else [])
    if remote is not None:
        campaign.server = serve_pushes_detached(root, tmp_path / "server")
    _calibrate(campaign)
    for number in range(1, TRIALS + 1):
        campaign.run_trial(number)
        print(campaign.trials[-1].describe())
    campaign.finish()
    summary = campaign.summary()
    print(summary)
    leftovers = [t for t in campaign.trials if t.temps]
    if leftovers:
        print(f"temp files ({TEMP_GLOB}) left by a kill between mkstemp and os.replace:")
        for t in leftovers:
            print(f"  {t.describe()}")
    assert not campaign.violations, summary + "\n" + "\n".join(campaign.violations[:40])
