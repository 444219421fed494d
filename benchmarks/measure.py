"""An interleaved timing harness for whole processes.

A `Group` is a list of `Step`s: the commands under test and their baselines. After `warmup`
unrecorded rounds, every round runs each step once, in order, so a command and its baseline
always see the same machine state; on a noisy VM the machine's speed drifts between rounds,
not between the two sides of a ratio. Each step may do untimed work before and after its timed
process (resetting a commit, cloning a repository). Ratios are taken between medians of the
same group.

Each process is timed with `time.perf_counter` around `Popen` + `os.wait4`. Peak memory is
measured separately (`peak_rss_kb`): a child's `ru_maxrss` as seen by this (large) process is
useless, because Linux carries the pre-exec address space's high-water mark into it, and
Python starts children with vfork: every child would report at least this process's own RSS.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class CommandFailed(Exception):
    """A measured command exited with an unexpected status."""


@dataclass(frozen=True)
class Command:
    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str] | None = None
    expect: int = 0
    capture: bool = False  # keep stdout (otherwise it goes to /dev/null)


@dataclass(frozen=True)
class Sample:
    seconds: float
    stdout: str = ""


def run_timed(command: Command) -> Sample:
    """Run one process; its wall time and (when asked) its stdout."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        stdout = out if command.capture else subprocess.DEVNULL
        start = time.perf_counter()
        process = subprocess.Popen(
            list(command.argv),
            cwd=command.cwd,
            env=dict(command.env) if command.env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=err,
        )
        _, status, _ = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != command.expect:
            err.seek(0)
            detail = err.read().decode("utf-8", "replace").strip()
            raise CommandFailed(
                f"`{' '.join(command.argv)}` in {command.cwd} exited {process.returncode} "
                f"(expected {command.expect}): {detail[-2000:]}"
            )
        text = ""
        if command.capture:
            out.seek(0)
            text = out.read().decode("utf-8", "replace")
    return Sample(seconds, text)


# runs the command from a small process, and reports the command's own peak RSS
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "sys.stderr.write('\\n%d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def peak_rss_kb(command: Command) -> int:
    """The command's peak resident set size, in KiB, via GNU time (else a small Python wrapper)."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    prefix = [gnu_time, "-f", "%M"] if gnu_time else [sys.executable, "-S", "-c", _WRAPPER]
    with tempfile.TemporaryFile() as err:
        result = subprocess.run(
            [*prefix, *command.argv],
            cwd=command.cwd,
            env=dict(command.env) if command.env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            check=False,
        )
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    if result.returncode != command.expect or not lines or not lines[-1].strip().isdigit():
        raise CommandFailed(
            f"`{' '.join(command.argv)}` (memory run) exited {result.returncode}: {lines[-5:]}"
        )
    return int(lines[-1])


@dataclass
class Step:
    """One timed process per round, with optional untimed work around it."""

    name: str
    command: Callable[[], Command]
    before: Callable[[], None] | None = None
    after: Callable[[Sample], None] | None = None


@dataclass
class Group:
    name: str
    steps: list[Step]
    warmup: int = 1
    min_rounds: int = 5
    max_rounds: int = 15
    budget_s: float = 30.0  # stop adding rounds once this much wall time (after warm-up) is used
    setup_round: Callable[[int], None] | None = None
    teardown_round: Callable[[int], None] | None = None


@dataclass
class Stats:
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def p90(self) -> float:
        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=10, method="inclusive")[-1]


@dataclass
class GroupResult:
    name: str
    rounds: int
    seconds: float
    stats: dict[str, Stats]

    def median(self, step: str) -> float:
        return self.stats[step].median


def run_group(group: Group, log: Callable[[str], None]) -> GroupResult:
    """Warm up, then run interleaved rounds until the budget (or `max_rounds`) is used."""
    recorded: dict[str, Stats] = {step.name: Stats([]) for step in group.steps}

    def one_round(number: int, record: bool) -> None:
        if group.setup_round:
            group.setup_round(number)
        try:
            for step in group.steps:
                if step.before:
                    step.before()
                sample = run_timed(step.command())
                if step.after:
                    step.after(sample)
                if record:
                    recorded[step.name].samples.append(sample.seconds)
        finally:
            if group.teardown_round:
                group.teardown_round(number)

    for number in range(group.warmup):
        one_round(-1 - number, record=False)
    started = time.perf_counter()
    rounds = 0
    while rounds < group.max_rounds:
        elapsed = time.perf_counter() - started
        if rounds >= group.min_rounds and elapsed + elapsed / rounds > group.budget_s:
            break
        one_round(rounds, record=True)
        rounds += 1
    seconds = time.perf_counter() - started
    log(f"  {group.name}: {rounds} rounds in {seconds:.1f} s")
    return GroupResult(group.name, rounds, seconds, recorded)
