"""Benchmark the `incident` CLI against baselines measured in the same run.

    python benchmarks/run.py           # full: 10,000 and 1,000 incidents, a 50,000-commit history
    python benchmarks/run.py --smoke   # CI: 300 incidents, 2,000 commits, targets x 3

It installs the project as a wheel in `.bench/venv`, generates (or reuses) repositories under
`.bench/repos/`, runs every command interleaved with its baselines on throwaway clones, prints
one table of medians, targets, ratios and PASS/FAIL, writes `.bench/results.json` (smoke:
`.bench/results-smoke.json`) and exits 1 when a target is missed (2 when the benchmark itself
failed). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from install import InstallError, digest, file_lock, installed, installed_sources, versions
from measure import (
    Command,
    CommandFailed,
    Group,
    GroupResult,
    Sample,
    Step,
    peak_rss_kb,
    run_group,
    run_timed,
)

HERE = Path(__file__).resolve().parent
# incident_kit modules whose output the generated repositories contain: a change regenerates them
FORMAT_SOURCES = (
    "new_incident.py",
    "postmortem.py",
    "markdown/frontmatter.py",
    "markdown/sections.py",
    "timeline.py",
    "lifecycle.py",
    "ids.py",
    "sanitize.py",
    "change.py",
    "config.py",
    "data/config.yaml",
    "reports/index_page.py",
    "commands/init.py",
    "commands/index.py",
)
# never let the caller's environment point git elsewhere, pin the clock or reach Slack/GitHub
ENV_DROP = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "INCIDENT_KIT_NOW",
    "INCIDENT_KIT_DEBUG",
    "SLACK_BOT_TOKEN",
    "SLACK_API_URL",
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
)
CLEAN_ENV = {key: value for key, value in os.environ.items() if key not in ENV_DROP}
TRANSITIONS = ("ack", "mitigate", "resolve", "postmortem", "close")

# Targets the code is known to miss at the smoke size, each with the extra factor the *smoke* run
# allows it (on top of the slack), so that CI still catches a collapse without failing on a known,
# tracked gap; e.g. {"list_json": (3.0, "list parses every frontmatter; a cache is planned")}.
# The full run never applies these. The smoke run says when an entry is no longer needed.
_COLD_FIXED_COST = (
    2.5,
    "at 300 incidents 10 × B_grep (~0.2 s) is less than starting Python and importing the CLI (≈ B_typer); "
    "the target is set for 10,000",
)
SMOKE_INTERIM: dict[str, tuple[float, str]] = {
    **{
        key: _COLD_FIXED_COST
        for key in (
            "list_cold",
            "stats_cold",
            "index_cold",
            "list_cold_synced",
            "stats_cold_synced",
            "index_cold_synced",
        )
    },
}


@dataclass(frozen=True)
class Rounds:
    warmup: int
    min_rounds: int
    max_rounds: int
    budget_s: float  # no new round once this much wall time (after the warm-up) is spent


@dataclass(frozen=True)
class Profile:
    name: str
    main: int  # incidents in the repository the targets apply to
    extra: tuple[int, ...]  # other sizes, reported for information
    history: int  # incidents in the history repository (x 5 commits)
    slack: float  # a target passes when measured <= slack x target
    rounds: dict[str, Rounds]
    interim: bool = False  # apply SMOKE_INTERIM
    extra_budget: float = 0.4  # share of the time budgets the extra sizes get
    cli_made: int = 0  # incidents in the repository made by `incident` commands (write and alert)
    memory_size: int | None = None  # incidents in the repository peak memory is measured at (else main)
    long_history: int = 0  # incidents in a second, longer history repository (x 5 commits), for `log`


FULL = Profile(
    "full",
    main=10_000,
    extra=(1_000,),
    history=10_000,
    slack=1.0,
    rounds={
        "read": Rounds(1, 5, 15, 60),
        "cold": Rounds(0, 3, 7, 45),
        "pr": Rounds(1, 5, 15, 20),
        "write": Rounds(1, 5, 15, 60),
        "alert": Rounds(1, 3, 9, 40),
        "log": Rounds(2, 5, 21, 30),
        "site": Rounds(1, 5, 15, 40),
        "site_full": Rounds(0, 2, 3, 120),
        "validate_cold": Rounds(0, 2, 3, 90),
        "validate_warm": Rounds(1, 5, 15, 30),
        "reports": Rounds(1, 5, 15, 60),
        "cold_reports": Rounds(0, 3, 5, 90),
    },
    cli_made=1_000,
    memory_size=50_000,
    long_history=40_000,
)
SMOKE = Profile(
    "smoke",
    main=300,
    extra=(),
    history=400,
    slack=3.0,
    interim=True,
    rounds={
        "read": Rounds(1, 3, 9, 6),
        "cold": Rounds(0, 3, 5, 5),
        "pr": Rounds(1, 3, 9, 4),
        "write": Rounds(1, 3, 7, 12),
        "alert": Rounds(1, 3, 7, 4),
        "log": Rounds(1, 3, 9, 4),
        "site": Rounds(1, 3, 7, 6),
        "site_full": Rounds(0, 2, 3, 10),
        "validate_cold": Rounds(0, 3, 5, 8),
        "validate_warm": Rounds(1, 3, 9, 6),
        "reports": Rounds(1, 3, 9, 6),
        "cold_reports": Rounds(0, 3, 5, 8),
    },
    cli_made=60,
    long_history=1_600,
)


GROUPS = frozenset({"read", "cold", "pr", "write", "alert", "log", "site", "validate"})


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=CLEAN_ENV, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise CommandFailed(f"git {' '.join(args)} in {cwd}: {result.stderr.strip()}")
    return result.stdout


def clone(source: Path, dest: Path) -> None:
    """A fresh local clone (objects hard-linked, files checked out, no tool state)."""
    if dest.exists():
        shutil.rmtree(dest)
    git(dest.parent, "clone", "-q", str(source), str(dest))
    git(dest, "config", "user.name", "alice")
    git(dest, "config", "user.email", "alice@example.com")


def loose_objects(root: Path) -> dict[str, int]:
    """Every loose object under .git/objects, with its file (zlib-compressed) size."""
    found: dict[str, int] = {}
    with os.scandir(root / ".git" / "objects") as fanout:
        for directory in fanout:
            if len(directory.name) != 2 or not directory.is_dir():
                continue
            with os.scandir(directory.path) as entries:
                for entry in entries:
                    found[directory.name + entry.name] = entry.stat().st_size
    return found


@dataclass
class Row:
    key: str  # stable name, e.g. list_json
    measure: str
    repo: str
    unit: str  # ms, KB or MB
    value: float  # the median, for times
    minimum: float | None
    baseline: str  # the target as an expression of the baselines
    target: float
    gated: bool  # False: for information (targets are set for the main size)
    rounds: int = 0
    allowance: float = 1.0  # SMOKE_INTERIM factor

    def ratio(self) -> float:
        return self.value / self.target if self.target else float("inf")

    def verdict(self, slack: float) -> str:
        if not self.gated:
            return "info"
        if self.ratio() <= slack:
            return "PASS"
        if self.ratio() <= slack * self.allowance:
            return f"pass (interim × {self.allowance:g})"
        return "FAIL"


@dataclass
class Bench:
    project: Path
    cache: Path
    profile: Profile
    fresh: bool
    python: Path = Path()
    incident: Path = Path()
    env: dict[str, str] = field(default_factory=dict)
    work: Path = Path()
    rows: list[Row] = field(default_factory=list)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    repositories: dict[str, Any] = field(default_factory=dict)
    growth: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    memory: dict[str, dict[str, float]] = field(default_factory=dict)  # MB, by repository and command
    memory_kb: dict[str, int] = field(default_factory=dict)  # the current repository's
    only: frozenset[str] = GROUPS  # the groups to measure (`--only`)

    # -- setup -----------------------------------------------------------------------------------

    def use(self, python: Path) -> None:
        self.python = python
        self.incident = python.parent / "incident"
        self.env = CLEAN_ENV

    def repo(self, kind: str, incidents: int) -> tuple[Path, dict[str, Any]]:
        """A generated repository, cached by parameters, generator and file-format sources."""
        month = datetime.now(UTC).strftime("%Y-%m")  # data ends now, so `declare` lands in a full month
        sources = [HERE / "generate.py"] + [self.project / "incident_kit" / name for name in FORMAT_SOURCES]
        key = digest([p for p in sources if p.is_file()], self.project, extra=f"{kind} {incidents} {month}")
        repos = self.cache / "repos"
        base = repos / f"{kind}-{incidents}-{key[:12]}"
        with file_lock(repos / f"{kind}-{incidents}.lock"):
            if self.fresh and base.exists():
                shutil.rmtree(base)
            if not (base / "meta.json").is_file():
                self._generate(kind, incidents, base)
                for old in repos.glob(f"{kind}-{incidents}-*"):  # superseded versions
                    if old != base and old.is_dir() and time.time() - old.stat().st_mtime > 3600:
                        shutil.rmtree(old, ignore_errors=True)
        meta: dict[str, Any] = json.loads((base / "meta.json").read_text())
        self.repositories[f"{kind}-{incidents}"] = meta | {"path": str(base / "repo")}
        return base / "repo", meta

    def _generate(self, kind: str, incidents: int, base: Path) -> None:
        commits = " x 5 commits" if kind == "history" else ""
        log(f"generate: {kind} repository, {incidents:,} incidents{commits} -> {base}")
        started = time.perf_counter()
        tmp = base.with_name(f"{base.name}.tmp{os.getpid()}")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        argv = [str(self.python), str(HERE / "generate.py"), kind, "--out", str(tmp / "repo")]
        result = subprocess.run(
            [*argv, "--incidents", str(incidents)], env=CLEAN_ENV, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise CommandFailed(f"generate.py {kind} failed: {result.stderr.strip()[-3000:]}")
        meta = json.loads(result.stdout) | {"generated_in_s": round(time.perf_counter() - started, 1)}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
        tmp.rename(base)
        log(f"generate: done in {meta['generated_in_s']} s")

    # -- building blocks -------------------------------------------------------------------------

    def command(self, cwd: Path, *args: str, capture: bool = False) -> Command:
        return Command([str(self.incident), *args], cwd=cwd, env=self.env, capture=capture)

    def b_typer(self, cwd: Path) -> Step:
        argv = [str(self.python), "-c", "import typer"]
        return Step("B_typer", lambda: Command(argv, cwd=cwd, env=self.env))

    def b_grep(self, cwd: Path) -> Step:
        # through the shell, which expands the glob, as a person would type it
        script = "grep -h '^status:' incidents/*/*/incident.md"
        return Step("B_grep", lambda: Command(["sh", "-c", script], cwd=cwd, env=self.env))

    def b_commit(
        self,
        name: str,
        cwd: Path,
        paths: Callable[[], Sequence[str]],
        before: Callable[[], None] | None = None,
    ) -> Step:
        """B_commit: a shell `git add` + `git commit` of `paths`."""
        script = 'git add -- "$@" && git commit -q -m "baseline commit"'
        return Step(
            name, lambda: Command(["sh", "-c", script, "sh", *paths()], cwd=cwd, env=self.env), before=before
        )

    def group(self, name: str, steps: list[Step], main: bool, **hooks: Any) -> Group:
        """A group with the profile's rounds for `name` (smaller budgets for the extra sizes)."""
        r = self.profile.rounds[name]
        budget = r.budget_s if main else r.budget_s * self.profile.extra_budget
        return Group(name, steps, r.warmup, r.min_rounds, r.max_rounds, budget, **hooks)

    def run(self, label: str, group: Group) -> GroupResult:
        result = run_group(group, log)
        self.groups.setdefault(label, {})[group.name] = {
            "rounds": result.rounds,
            "seconds": round(result.seconds, 1),
            "steps": {
                name: {
                    "median_ms": round(s.median * 1000, 2),
                    "min_ms": round(s.min * 1000, 2),
                    "p90_ms": round(s.p90 * 1000, 2),
                    "samples_ms": [round(x * 1000, 2) for x in s.samples],
                }
                for name, s in result.stats.items()
            },
        }
        return result

    def add(self, row: Row) -> None:
        if self.profile.interim and row.key in SMOKE_INTERIM:
            row.allowance = SMOKE_INTERIM[row.key][0]
        self.rows.append(row)

    def time_row(
        self,
        key: str,
        measure: str,
        label: str,
        result: GroupResult,
        baseline: str,
        target_s: float,
        gated: bool,
        step: str | None = None,
    ) -> None:
        stats = result.stats[step or key]
        ms = 1000.0
        row = Row(
            key, measure, label, "ms", stats.median * ms, stats.min * ms, baseline, target_s * ms, gated
        )
        row.rounds = result.rounds
        self.add(row)

    # -- the incident repositories ---------------------------------------------------------------

    def bench_incidents(self, incidents: int, main: bool) -> None:
        source, meta = self.repo("bulk", incidents)
        label = f"{incidents:,} incidents"
        root = self.work / f"bulk-{incidents}"
        clone(source, root)
        log(f"{label}: measuring in a clone ({root})")
        if "read" in self.only:
            self.bench_reads(root, incidents, label, main)
        if "cold" in self.only:
            self.bench_cold(source, label, main)
        if "pr" in self.only:
            self.bench_pull_request(root, meta, label, main)
        if "validate" in self.only:
            self.bench_validate_all(source, root, incidents, label, main)
        if "write" in self.only:
            self.bench_lifecycle(root, label, main)
        if "alert" in self.only:
            self.bench_alert(root, label, main)
        if "site" in self.only:
            self.bench_site(root, incidents, label, main)
        if "read" in self.only:
            self.bench_report_reads(root, label, main)
        if "cold" in self.only:
            self.bench_cold_reports(source, incidents, label, main)

    def bench_reads(self, root: Path, incidents: int, label: str, main: bool) -> None:
        """`--help` and a warm `list --format json`, with B_typer and B_grep; peak memory of list."""
        checked: list[bool] = []

        def list_json() -> Command:  # the first run (a warm-up) keeps its output, to check it
            return self.command(root, "list", "--all", "--format", "json", capture=not checked)

        def check_list(sample: Sample) -> None:
            if not checked:
                listed = len(json.loads(sample.stdout))
                if listed != incidents:
                    raise CommandFailed(f"list --format json returned {listed} incidents, not {incidents}")
                checked.append(True)

        steps = [
            self.b_typer(root),
            self.b_grep(root),
            Step("help", lambda: self.command(root, "--help")),
            Step("list_json", list_json, after=check_list),
        ]
        read = self.run(label, self.group("read", steps, main))
        typer_s, grep_s = read.median("B_typer"), read.median("B_grep")
        self.time_row("help", "`incident --help`", label, read, "1.5 × B_typer", 1.5 * typer_s, main)
        self.time_row(
            "list_json",
            "`list --format json`, warm",
            label,
            read,
            "B_typer + 3 × B_grep",
            typer_s + 3 * grep_s,
            main,
        )
        # peak memory: warm `list --format json` (3 runs) and `list`; bench_cold adds a cold run
        warm = [peak_rss_kb(self.command(root, "list", "--all", "--format", "json")) for _ in range(3)]
        self.memory_kb = {
            "list --format json (warm)": max(warm),
            "list (warm)": peak_rss_kb(self.command(root, "list")),
        }

    def bench_cold(self, source: Path, label: str, main: bool) -> None:
        """The first `list --format json` in a fresh clone (nothing cached), with B_grep there."""
        root = self.work / "cold"
        steps = [
            Step("list_cold", lambda: self.command(root, "list", "--all", "--format", "json")),
            self.b_grep(root),
        ]
        cold = self.run(
            label,
            self.group(
                "cold",
                steps,
                main,
                setup_round=lambda _: clone(source, root),
                teardown_round=lambda _: shutil.rmtree(root, ignore_errors=True),
            ),
        )
        grep_s = cold.median("B_grep")
        self.time_row(
            "list_cold", "`list`, cold (fresh clone)", label, cold, "10 × B_grep", 10 * grep_s, main
        )
        clone(source, root)
        self.memory_kb["list --format json (cold)"] = peak_rss_kb(
            self.command(root, "list", "--all", "--format", "json")
        )
        shutil.rmtree(root, ignore_errors=True)
        self.memory[label] = {name: round(kb / 1024, 1) for name, kb in self.memory_kb.items()}
        peak_mb = max(self.memory_kb.values()) / 1024
        row = Row(
            "list_memory",
            "peak memory of `list` (warm and cold)",
            label,
            "MB",
            peak_mb,
            None,
            "80 MB",
            80.0,
            main,
        )
        self.add(row)

    def bench_report_reads(self, root: Path, label: str, main: bool) -> None:
        """Warm `stats` and `index --check` (whole-repository reads from the per-file caches)."""
        steps = [
            self.b_typer(root),
            self.b_grep(root),
            Step("stats_warm", lambda: self.command(root, "stats")),
            Step("index_warm", lambda: self.index_check(root)),
        ]
        warm = self.run(label, self.group("reports", steps, main))
        typer_s, grep_s = warm.median("B_typer"), warm.median("B_grep")
        for key, what in (("stats_warm", "`stats`, warm"), ("index_warm", "`index --check`, warm")):
            self.time_row(key, what, label, warm, "B_typer + 3 × B_grep", typer_s + 3 * grep_s, main)

    def index_check(self, root: Path) -> Command:
        """`index --check`: exits 1 when the committed index is stale (it shows ages), fine here."""
        script = '"$0" index --check >/dev/null; test $? -le 1'
        return Command(["sh", "-c", script, str(self.incident)], cwd=root, env=self.env)

    def bench_cold_reports(self, source: Path, incidents: int, label: str, main: bool) -> None:
        """`list`, `stats` and `index --check` with nothing cached, on the repository as
        generated and on one whose incidents carry sync's nested `slack:` block; then peak
        memory of `list` and `stats` (at `memory_size` in the full run, see bench_memory)."""
        synced, _ = self.repo("synced", incidents)
        for kind, repo in (("", source), ("_synced", synced)):
            root = self.work / f"cold{kind}"

            def uncached(root: Path = root) -> None:  # every step reads as in a fresh clone
                shutil.rmtree(root / ".git" / "incident-kit", ignore_errors=True)

            def run(*args: str, root: Path = root) -> Callable[[], Command]:
                return lambda: self.command(root, *args)

            def index(root: Path = root) -> Command:
                return self.index_check(root)

            def setup(_: int, repo: Path = repo, root: Path = root) -> None:
                clone(repo, root)

            def teardown(_: int, root: Path = root) -> None:
                shutil.rmtree(root, ignore_errors=True)

            steps = [
                self.b_grep(root),
                Step(f"list_cold{kind}", run("list", "--all", "--format", "json"), before=uncached),
                Step(f"stats_cold{kind}", run("stats"), before=uncached),
                Step(f"index_cold{kind}", index, before=uncached),
            ]
            hooks = {"setup_round": setup, "teardown_round": teardown}
            cold = self.run(label, self.group("cold_reports", steps, main, **hooks))
            grep_s = cold.median("B_grep")
            what = " (synced: nested `slack:` blocks)" if kind else ""
            for command in ("list", "stats", "index"):
                if command == "list" and not kind:
                    continue  # bench_cold has it
                key = f"{command}_cold{kind}"
                measure = f"`{command}`, cold (fresh clone){what}"
                self.time_row(key, measure, label, cold, "10 × B_grep", 10 * grep_s, main)
        if main and self.profile.memory_size is None:
            self.bench_memory(source, label, main)

    def bench_memory(self, source: Path, label: str, gated: bool) -> None:
        """Peak memory of `list --all --format json`, `list`, `stats` and `index --check`, cold and warm."""
        root = self.work / "memory"
        clone(source, root)
        peaks: dict[str, int] = {}
        for args in (("list", "--all", "--format", "json"), ("list",), ("stats",)):
            shutil.rmtree(root / ".git" / "incident-kit", ignore_errors=True)
            cold = peak_rss_kb(self.command(root, *args))
            warm = max(peak_rss_kb(self.command(root, *args)) for _ in range(2))
            peaks[f"{' '.join(args)} (cold)"], peaks[f"{' '.join(args)} (warm)"] = cold, warm
        # `index --check` renders the whole README (its statistics too) from the same stream
        shutil.rmtree(root / ".git" / "incident-kit", ignore_errors=True)
        peaks["index --check (cold)"] = peak_rss_kb(self.index_check(root))
        peaks["index --check (warm)"] = max(peak_rss_kb(self.index_check(root)) for _ in range(2))
        shutil.rmtree(root, ignore_errors=True)
        self.memory[f"{label} (reads)"] = {name: round(kb / 1024, 1) for name, kb in peaks.items()}
        measure = "peak memory of `list`, `stats` and `index` (cold and warm)"
        peak_mb = max(peaks.values()) / 1024
        self.add(Row("read_memory", measure, label, "MB", peak_mb, None, "100 MB", 100.0, gated))

    def bench_pull_request(self, root: Path, meta: dict[str, Any], label: str, main: bool) -> None:
        """`validate --changed-since BASE` on a branch whose commits edit three incidents."""
        base = git(root, "rev-parse", "HEAD").strip()
        git(root, "switch", "-q", "-c", "bench-pr")
        for ref in meta["pr_ids"]:
            run_timed(self.command(root, "note", ref, "Follow-up: action items reviewed with the team"))
        files = [f for f in git(root, "diff", "--name-only", "-z", base, "HEAD").split("\0") if f]
        if len(files) != 3:
            raise CommandFailed(f"the pull request should change 3 files, not {files}")
        out = run_timed(self.command(root, "validate", "--changed-since", base, capture=True)).stdout
        if "ok: 3 incident(s) checked" not in out:
            raise CommandFailed(f"validate --changed-since did not check the 3 changed incidents: {out}")
        steps = [
            self.b_typer(root),
            Step("validate", lambda: self.command(root, "validate", "--changed-since", base)),
            # back to BASE with the three edited files left in the working tree; commit them
            self.b_commit("B_commit_pr", root, lambda: files, before=lambda: _reset(root, base)),
        ]
        pr = self.run(label, self.group("pr", steps, main))
        self.time_row(
            "validate",
            "`validate --changed-since` (3 files)",
            label,
            pr,
            "2 × B_typer + B_commit",
            2 * pr.median("B_typer") + pr.median("B_commit_pr"),
            main,
        )
        git(root, "switch", "-q", "main")

    def bench_validate_all(self, source: Path, root: Path, incidents: int, label: str, main: bool) -> None:
        """`validate` of the whole repository (as pre-commit `--all-files` or a nightly check runs
        it): the first run in a fresh clone, and a run after a hand edit of one incident."""
        expected = f"ok: {incidents} incident(s) checked"

        def check(sample: Sample) -> None:
            if sample.stdout and expected not in sample.stdout:  # only the first run is captured
                raise CommandFailed(f"validate: expected {expected!r} in {sample.stdout!r}")

        checked: list[str] = []

        def validate(where: Path, name: str) -> Callable[[], Command]:
            def command() -> Command:
                first = name not in checked
                checked.append(name)
                return self.command(where, "validate", capture=first)

            return command

        fresh = self.work / "validate-cold"
        steps = [Step("validate_all_cold", validate(fresh, "cold"), after=check), self.b_grep(fresh)]
        cold = self.run(
            label,
            self.group(
                "validate_cold",
                steps,
                main,
                setup_round=lambda _: clone(source, fresh),
                teardown_round=lambda _: shutil.rmtree(fresh, ignore_errors=True),
            ),
        )
        self.time_row(
            "validate_all_cold",
            "`validate` (whole repository), cold (fresh clone)",
            label,
            cold,
            "60 × B_grep",
            60 * cold.median("B_grep"),
            main,
        )
        # one incident changes before each timed run: a hand edit adds a timeline entry
        edited = sorted((root / "incidents").glob("*/*/incident.md"))[0]
        original = edited.read_bytes()
        edits = iter(range(1_000_000))

        def edit() -> None:
            with open(edited, "a", encoding="utf-8") as handle:
                handle.write(f"- 2026-01-01T00:00:00Z — bench edit {next(edits)} — bench\n")

        steps = [
            self.b_typer(root),
            self.b_grep(root),
            Step("validate_all_warm", validate(root, "warm"), before=edit, after=check),
        ]
        warm = self.run(label, self.group("validate_warm", steps, main))
        edited.write_bytes(original)
        self.time_row(
            "validate_all_warm",
            "`validate` (whole repository) after one incident changed",
            label,
            warm,
            "B_typer + 5 × B_grep",
            warm.median("B_typer") + 5 * warm.median("B_grep"),
            main,
        )

    def committing(
        self,
        root: Path,
        name: str,
        args: Callable[[], Sequence[str]],
        state: dict[str, Any],
        growth: dict[str, list[int]],
        capture: bool = False,
    ) -> list[Step]:
        """A CLI step that commits, then B_commit of the same files in the same repository.

        After the CLI's commit (untimed) its new loose objects are summed, and a mixed
        `git reset HEAD~1` leaves its files changed in the working tree; the baseline then commits
        exactly those files. The repository ends in the state the CLI left it in.
        """
        before: dict[str, int] = {}

        def snapshot() -> None:
            before.clear()
            before.update(loose_objects(root))

        def undo(sample: Sample) -> None:
            if capture:
                state["id"] = json.loads(sample.stdout)["id"]
            after = loose_objects(root)
            growth.setdefault(name, []).append(sum(size for o, size in after.items() if o not in before))
            changed = git(root, "diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "HEAD")
            state["paths"] = [p for p in changed.split("\0") if p]
            _reset(root, "HEAD~1")

        return [
            Step(name, lambda: self.command(root, *args(), capture=capture), before=snapshot, after=undo),
            self.b_commit(f"B_commit_{name}", root, lambda: state["paths"]),
        ]

    def bench_lifecycle(self, root: Path, label: str, main: bool) -> None:
        """declare → ack → mitigate → resolve → postmortem → close, on a new SEV-3 each round."""
        state: dict[str, Any] = {"n": 0}
        growth: dict[str, list[int]] = {}

        def declare_args() -> list[str]:
            state["n"] += 1
            title = f"Checkout latency regression {state['n']}"
            fields = ["--severity", "SEV-3", "--service", "checkout"]
            return ["declare", "--manual-incident", "--title", title, *fields, "--format", "json"]

        def transition_args(action: str) -> Callable[[], list[str]]:
            return lambda: [action, state["id"]]

        steps = [self.b_typer(root), *self.committing(root, "declare", declare_args, state, growth, True)]
        for action in TRANSITIONS:
            steps += self.committing(root, action, transition_args(action), state, growth)
        write = self.run(label, self.group("write", steps, main))
        typer_s = write.median("B_typer")
        for name in ("declare", *TRANSITIONS):
            self.time_row(
                name,
                "`declare --manual-incident`" if name == "declare" else f"`{name}`",
                label,
                write,
                f"1.3 × (B_typer + B_commit[{name}])",
                1.3 * (typer_s + write.median(f"B_commit_{name}")),
                main,
            )
        self.growth[label] = growth
        largest_kb = max(max(sizes) for sizes in growth.values()) / 1024
        measure = "repository growth per commit (max of declare and transitions)"
        self.add(Row("growth", measure, label, "KB", largest_kb, None, "30 KB", 30.0, main))

    def bench_alert(self, root: Path, label: str, main: bool) -> None:
        """`declare --alert-payload`: a new alert (a new dedup key) each round."""
        state: dict[str, Any] = {"n": 0}
        growth: dict[str, list[int]] = {}

        def args() -> list[str]:
            state["n"] += 1
            payload = {
                "source": "production_monitor",
                "spec_id": "spec-core-001-authentication",
                "metric": f"bench_latency_{state['n']}",
                "value": 350,
                "slo": 200,
                "severity": "SEV-3",
            }
            return ["declare", "--alert-payload", json.dumps(payload), "--format", "json"]

        steps = [self.b_typer(root), *self.committing(root, "declare", args, state, growth, capture=True)]
        alert = self.run(label, self.group("alert", steps, main))
        self.time_row(
            "declare_alert",
            "`declare --alert-payload`",
            label,
            alert,
            "1.3 × (B_typer + B_commit[declare])",
            1.3 * (alert.median("B_typer") + alert.median("B_commit_declare")),
            main,
            step="declare",
        )
        self.growth.setdefault(label, {})["declare_alert"] = growth["declare"]

    def bench_site(self, root: Path, incidents: int, label: str, main: bool) -> None:
        """`incident site`: a full internal build from nothing, a rebuild after one incident
        changed, and the public status page alone (after one incident changed too)."""
        caches = root / ".git" / "incident-kit"
        full_out, public_out = self.work / "site-full", self.work / "site-public"

        def from_nothing(_: int) -> None:
            for cache in caches.glob("site-records.*"):
                cache.unlink()
            shutil.rmtree(full_out, ignore_errors=True)

        def check(expected: str) -> Callable[[Sample], None]:
            def after(sample: Sample) -> None:
                if sample.stdout and expected not in sample.stdout:  # only the first run is captured
                    raise CommandFailed(f"incident site: expected {expected!r} in {sample.stdout!r}")

            return after

        checked: list[str] = []

        def site(out: Path, *extra: str) -> Callable[[], Command]:
            def command() -> Command:
                first = out.name + "".join(extra) not in checked
                checked.append(out.name + "".join(extra))
                return self.command(root, "site", "--out", str(out), *extra, capture=first)

            return command

        # the write group ran before this one and declared incidents of its own: count what is there
        present = sum(1 for _ in (root / "incidents").glob("*/*/incident.md"))
        full_steps = [
            Step("site_full", site(full_out), after=check(f"{present} incident(s)")),
            self.b_grep(root),
        ]
        full = self.run(label, self.group("site_full", full_steps, main, setup_round=from_nothing))
        self.time_row(
            "site_full",
            "`site` (full internal build, from nothing)",
            label,
            full,
            "250 × B_grep",
            250 * full.median("B_grep"),
            main,
        )
        # one incident changes before each timed build: a hand edit adds a timeline entry
        edited = sorted((root / "incidents").glob("*/*/incident.md"))[-1]
        edits = iter(range(1_000_000))

        def edit() -> None:
            with open(edited, "a", encoding="utf-8") as handle:
                handle.write(f"- 2026-01-01T00:00:00Z — bench edit {next(edits)} — bench\n")

        steps = [
            self.b_typer(root),
            self.b_grep(root),
            Step("site_rebuild", site(full_out), before=edit, after=check("1 read")),
            Step("site_public", site(public_out, "--public-only"), before=edit, after=check("incident(s)")),
        ]
        warm = self.run(label, self.group("site", steps, main))
        typer_s, grep_s = warm.median("B_typer"), warm.median("B_grep")
        self.time_row(
            "site_rebuild",
            "`site` after one incident changed (internal)",
            label,
            warm,
            "2 × B_typer + 3 × B_grep",
            2 * typer_s + 3 * grep_s,
            main,
        )
        self.time_row(
            "site_public",
            "`site --public-only` after one incident changed",
            label,
            warm,
            "B_typer + 3 × B_grep",
            typer_s + 3 * grep_s,
            main,
        )

    def bench_cli_made(self, incidents: int) -> None:
        """`declare`, the transitions and an alert `declare` on a repository made the way a team
        makes one: every incident declared and moved on by `incident` commands, one commit each
        (`generate.py cli`), where the fixed cost of a command weighs the most."""
        source, _ = self.repo("cli", incidents)
        label = f"{incidents:,} CLI-made incidents"
        root = self.work / f"cli-{incidents}"
        clone(source, root)
        log(f"{label}: measuring in a clone ({root})")
        if "write" in self.only:
            self.bench_lifecycle(root, label, True)
        if "alert" in self.only:
            self.bench_alert(root, label, True)

    # -- the history repository ------------------------------------------------------------------

    def bench_history(self, incidents: int | None = None) -> None:
        source, meta = self.repo("history", incidents or self.profile.history)
        label = f"{meta['commits']:,} commits"
        root = self.work / f"history-{meta['commits']}"
        clone(source, root)
        log(f"{label}: measuring `incident log` in a clone ({root})")
        refs: dict[str, str] = meta["log_ids"]
        for ref in refs.values():
            out = run_timed(self.command(root, "log", ref, "--format", "json", capture=True)).stdout
            if len(json.loads(out)) != 5:
                raise CommandFailed(f"incident log {ref} should list 5 commits: {out[:500]}")
        # the first `log` answered the old way and started building the log index, detached
        building = root / ".git" / "incident-kit" / "log-index.v1.building"
        waited = time.perf_counter()
        while building.exists() and time.perf_counter() - waited < 900:
            time.sleep(0.5)
        log(f"{label}: waited {time.perf_counter() - waited:.1f} s for the log index")

        def log_step(when: str, ref: str) -> Step:
            return Step(f"log_{when}", lambda: self.command(root, "log", ref))

        steps = [self.b_typer(root), *(log_step(when, ref) for when, ref in refs.items())]
        result = self.run(label, self.group("log", steps, True))
        for when in refs:
            self.time_row(
                f"log_{when}",
                f"`log ID` ({when} incident)",
                label,
                result,
                "3 × B_typer",
                3 * result.median("B_typer"),
                True,
            )


def _reset(root: Path, ref: str) -> None:
    git(root, "reset", "-q", ref)


# --- reporting -----------------------------------------------------------------------------------


def machine(python: Path) -> dict[str, Any]:
    def first(path: str, prefix: str) -> str:
        with open(path) as handle:
            return next((line.split(":", 1)[1].strip() for line in handle if line.startswith(prefix)), "?")

    def output(*argv: str) -> str:
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()

    memory_kb = first("/proc/meminfo", "MemTotal").split()[0]
    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory": f"{int(memory_kb) / 1024 / 1024:.1f} GiB" if memory_kb.isdigit() else "?",
        "kernel": platform.release(),
        "python": output(str(python), "--version"),
        "git": output("git", "--version"),
        "packages": versions(python),
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
    }


def project_state(project: Path) -> str:
    """The commit measured, and whether the installed sources had uncommitted changes."""
    try:
        head = git(project, "rev-parse", "--short", "HEAD").strip()
        dirty = git(project, "status", "--porcelain", "--", "incident_kit", "pyproject.toml").strip()
    except CommandFailed:
        return "not a git checkout"
    return f"{head} + uncommitted changes" if dirty else head


def _fmt(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"
    return f"{value:.1f} {unit}"


def table(rows: Sequence[Row], slack: float) -> str:
    ratio = f"ratio (pass ≤ {slack:g})" if slack != 1 else "ratio"
    head = ["measure", "repository", "n", "median", "min", "target", "target value", ratio, "result"]
    align = ["---", "---", "---:", "---:", "---:", "---", "---:", "---:", "---"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    for r in rows:
        cells = [
            r.measure,
            r.repo,
            str(r.rounds) if r.rounds else "",
            _fmt(r.value, r.unit),
            _fmt(r.minimum, r.unit) if r.minimum is not None else "",
            r.baseline,
            _fmt(r.target, r.unit),
            f"{r.ratio():.2f}",
            r.verdict(slack),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def baselines_table(groups: dict[str, dict[str, Any]]) -> str:
    lines = ["| repository | group (rounds) | baseline | median | min |", "|---|---|---|---:|---:|"]
    for label, by_group in groups.items():
        for name, group in by_group.items():
            for step, s in group["steps"].items():
                if step.startswith("B_"):
                    where = f"{name} ({group['rounds']})"
                    cells = [label, where, step, f"{s['median_ms']:.1f} ms", f"{s['min_ms']:.1f} ms"]
                    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@contextmanager
def workspace(cache: Path) -> Iterator[Path]:
    """`.bench/work/<pid>`: this run's clones, removed at the end (and when found orphaned)."""
    root = cache / "work"
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.iterdir():
        try:
            os.kill(int(stale.name), 0)
        except (ValueError, ProcessLookupError):
            shutil.rmtree(stale, ignore_errors=True)
        except PermissionError:
            pass
    work = root / str(os.getpid())
    work.mkdir()
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(bench: Bench, info: dict[str, Any], duration: float, output: Path) -> bool:
    profile = bench.profile
    failed = [r for r in bench.rows if r.verdict(profile.slack) == "FAIL"]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    load = info["load average (start, end)"]
    print(
        f"\n## incident-kit benchmarks: {profile.name} run, {when}, {duration:.0f} s\n\n"
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']}, Linux {info['kernel']}; "
        f"{info['python']}; {info['git']}; {packages}. Project {info['project']} "
        f"(installed sources {info['sources']}); "
        f"PYTHONDONTWRITEBYTECODE={info['PYTHONDONTWRITEBYTECODE'] or '(unset)'}; "
        f"load average {load[0]} → {load[1]}.\n"
    )
    print(table(bench.rows, profile.slack))
    print("\nBaselines (medians of the same interleaved groups):\n")
    print(baselines_table(bench.groups))
    if profile.interim:
        for key, (factor, reason) in SMOKE_INTERIM.items():
            rows = [r for r in bench.rows if r.key == key and r.gated]
            if rows and all(r.ratio() <= profile.slack for r in rows):
                print(
                    f"\nnote: SMOKE_INTERIM[{key!r}] is no longer needed (remove it from benchmarks/run.py)"
                )
            elif rows:
                print(f"\ninterim: {key} is allowed × {factor:g} in the smoke run: {reason}")
    verdict = f"{len(failed)} target(s) missed" if failed else "all targets met"
    slack = f" (targets × {profile.slack:g})" if profile.slack != 1 else ""
    print(f"\n{verdict}{slack}; details in {output}")
    document = {
        "profile": profile.name,
        "slack": profile.slack,
        "date": when,
        "duration_s": round(duration, 1),
        "machine": info,
        "passed": not failed,
        "rows": [
            asdict(r) | {"ratio": round(r.ratio(), 3), "result": r.verdict(profile.slack)} for r in bench.rows
        ],
        "groups": bench.groups,
        "growth_bytes": bench.growth,
        "peak_memory_mb": bench.memory,
        "repositories": bench.repositories,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return not failed


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small and fast, for CI (targets x 3)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the venv, regenerate repositories")
    parser.add_argument("--incidents", type=int, help="incidents in the main repository")
    parser.add_argument("--history", type=int, help="incidents in the history repository (x 5 commits)")
    parser.add_argument("--slack", type=float, help="a target passes at <= slack x target")
    parser.add_argument("--no-extra", action="store_true", help="skip the 1,000-incident repository")
    parser.add_argument("--cache-dir", type=Path, help="default: .bench in the project")
    parser.add_argument("--json", type=Path, help="default: .bench/results.json (smoke: results-smoke.json)")
    parser.add_argument(
        "--only",
        help=f"measure only these groups (comma-separated: {', '.join(sorted(GROUPS))}); "
        "for working on one target, the full run is what counts",
    )
    parser.add_argument("--project", type=Path, default=HERE.parent, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    only = frozenset(name.strip() for name in args.only.split(",")) if args.only else GROUPS
    if not only <= GROUPS:
        parser.error(f"--only: unknown group(s) {', '.join(sorted(only - GROUPS))}")

    profile = SMOKE if args.smoke else FULL
    overrides: dict[str, Any] = {}
    if args.incidents:
        overrides["main"] = args.incidents
    if args.history:
        overrides["history"] = args.history
    if args.slack:
        overrides["slack"] = args.slack
    if args.no_extra:
        overrides["extra"] = ()
    profile = replace(profile, **overrides)
    project = args.project.resolve()
    cache = (args.cache_dir or project / ".bench").resolve()
    output = args.json or cache / ("results-smoke.json" if args.smoke else "results.json")

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    bench = Bench(project, cache, profile, args.fresh, only=only)
    try:
        with installed(project, cache, log, fresh=args.fresh) as python, workspace(cache) as work:
            bench.use(python)
            bench.work = work
            if only - {"log"}:
                bench.bench_incidents(profile.main, main=True)
                for size in profile.extra:
                    bench.bench_incidents(size, main=False)
            if profile.cli_made and only & {"write", "alert"}:
                bench.bench_cli_made(profile.cli_made)
            if "cold" in only and profile.memory_size:
                memory_source, _ = bench.repo("bulk", profile.memory_size)
                bench.bench_memory(memory_source, f"{profile.memory_size:,} incidents", True)
            if "log" in only:
                bench.bench_history()
                if profile.long_history:
                    bench.bench_history(profile.long_history)
            info = machine(python)
            info["sources"] = installed_sources(python)[:12]
            info["project"] = project_state(project)
    except (CommandFailed, InstallError) as error:
        log(f"benchmarks: error: {error}")
        return 2
    info["load average (start, end)"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    passed = report(bench, info, time.perf_counter() - started, output)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
