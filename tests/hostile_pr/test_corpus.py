"""A hostile pull request cannot wedge, slow or abuse the pipeline.

Each case of `corpus.CASES` (every finding of the security review) is committed on a branch of
a real repository, as a pull request would be. Then:

1. the pull-request check, `incident validate --changed-since main --format github`, fails it
   within `BOUND` seconds, with an annotation naming the file (and line);
2. merged anyway, every command the write workflows run — `declare` from an alert, `ack` and
   `note` on the incident the pull request edited, `sync`, `stats`, `index` (and `site`, once
   that command exists: it joins the list by itself) — finishes within `BOUND` seconds with
   success, a clear `incident: ` line or a skip: never exit 3, never a traceback, never a
   workflow command on stdout, nothing left half-written; and `sync` still opens the GitHub
   issue of the incident the pull request did not touch;
3. nothing outside the repository was read (the decoys' `SENTINEL` appears in no output and no
   commit) or written (the decoys are unchanged).

Every command runs as its own process with a hard timeout and a 2 GB address-space limit, so a
regression fails the test (reading /dev/zero ends in a MemoryError, exit 3) instead of hanging
it or eating a shared machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakes.api_server import GITHUB_TOKEN, FakeApiServer
from support.cli import PINNED_NOW
from support.repos import git

from .corpus import CASES, SENTINEL, Base, decoys

pytestmark = pytest.mark.reliability

BOUND = 20.0  # seconds a command may take: each takes about half a second; the findings took minutes
HARD_TIMEOUT = 120.0
MEMORY_LIMIT = 2 * 1024**3
NATIVE_ALERT = json.dumps(
    {"source": "production_monitor", "metric": "p99_latency", "value": 350, "slo": 200, "severity": "SEV-2"}
)
HEALTHY_ITEM = "- [ ] AI-1: Add a circuit breaker — owner: @alice — due: 2026-12-10 — type: prevent\n"
# the CLI, in a process that cannot take more than MEMORY_LIMIT of address space
_LIMITED_CLI = (
    "import resource, runpy, sys; "
    f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT})); "
    "runpy.run_module('incident_kit', run_name='__main__', alter_sys=True)"
)


@dataclass(frozen=True)
class Ran:
    args: tuple[str, ...]
    code: int | None  # None: killed at HARD_TIMEOUT
    out: str
    err: str
    seconds: float

    def __str__(self) -> str:
        return f"`incident {' '.join(a[:40] for a in self.args)}` -> exit {self.code} in {self.seconds:.1f} s"


def run(root: Path, *args: str, env: dict[str, str], stdin: str | None = None) -> Ran:
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", _LIMITED_CLI, *args],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # so a timeout kills its git children too
    )
    code: int | None
    try:
        out, err = proc.communicate(stdin.encode() if stdin else None, timeout=HARD_TIMEOUT)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = None
    seconds = time.monotonic() - started
    decode = lambda data: data.decode("utf-8", "surrogateescape")  # noqa: E731
    return Ran(args, code, decode(out), decode(err), seconds)


def sealed_env(home: Path) -> dict[str, str]:
    """What the CLI sees: no real home, git config, token or clock."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "INCIDENT_KIT_NOW": PINNED_NOW,
    }


def _must(ran: Ran) -> Ran:
    assert ran.code == 0, f"{ran}: {ran.err}"
    return ran


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Base:
    """The repository before the pull request: the example config, the index, a healthy
    incident with a post-mortem and one action item, and the victim incident."""
    root = tmp_path_factory.mktemp("template") / "repo"
    env = sealed_env(tmp_path_factory.mktemp("home"))
    root.mkdir()
    for args in (
        ["init", "-q", "-b", "main"],
        ["config", "user.name", "alice"],
        ["config", "user.email", "alice@example.com"],
        ["config", "commit.gpgsign", "false"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, env=env, capture_output=True)
    _must(run(root, "init", env=env))
    declared = _must(
        run(root, "declare", "--manual-incident", "--title", "Healthy one", "--format", "json", env=env)
    )
    healthy = json.loads(declared.out)
    _must(run(root, "resolve", healthy["id"], env=env))
    _must(run(root, "postmortem", healthy["id"], env=env))
    postmortem = root / healthy["path"] / "postmortem.md"
    text = postmortem.read_text("utf-8").replace("## Action items\n\n", "## Action items\n\n" + HEALTHY_ITEM)
    postmortem.write_text(text, "utf-8")
    subprocess.run(["git", "commit", "-qam", "an action item"], cwd=root, check=True, env=env)
    _must(run(root, "index", env=env))
    declared = _must(
        run(root, "declare", "--manual-incident", "--title", "Victim", "--format", "json", env=env)
    )
    victim = json.loads(declared.out)
    return Base(root, healthy["id"], victim["id"], victim["path"])


@pytest.fixture(scope="session")
def has_site(template: Base) -> bool:
    """`incident site` joins the commands below as soon as it exists (issue 19 names it)."""
    ran = run(template.root, "--help", env=sealed_env(template.root.parent))
    return any(line.split()[:1] == ["site"] for line in ran.out.splitlines())


def _commands(base: Base, site: Path | None) -> list[tuple[list[str], str | None]]:
    commands: list[tuple[list[str], str | None]] = [
        (["declare", "--alert-payload", "-", "--format", "json"], NATIVE_ALERT),
        (["ack", base.victim], None),
        (["note", base.victim, "looked at what the pull request changed"], None),
        (["sync"], None),
        (["stats"], None),
        (["index"], None),
    ]
    if site is not None:
        commands.append((["site", "--out", str(site)], None))
    return commands


def _misbehaviour(ran: Ran, *, annotations: bool = False) -> list[str]:
    """What no command may ever do, whatever it was given."""
    if ran.code is None:
        return [f"{ran}: killed after {HARD_TIMEOUT:.0f} s (wedged)"]
    problems = []
    if ran.seconds > BOUND:
        problems.append(f"{ran}: slower than {BOUND:.0f} s")
    if ran.code not in (0, 1, 2):
        problems.append(f"{ran}: an internal error or a crash: {ran.err[-300:]!r}")
    if "Traceback" in ran.err:
        problems.append(f"{ran}: a traceback")
    stray = [line for line in ran.err.splitlines() if line and not line.startswith("incident: ")]
    if stray:
        problems.append(f"{ran}: stderr lines that are not one-line messages: {stray[:3]!r}")
    if ran.code != 0 and not (ran.err.strip() or annotations):
        problems.append(f"{ran}: failed without saying why")
    commands = [line for line in ran.out.splitlines() if line.startswith(("::", "##["))]
    if commands and not annotations:
        problems.append(f"{ran}: a workflow command on stdout: {commands[:2]!r}")
    return problems


def _digest(folder: Path) -> dict[str, str]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _history(root: Path) -> bytes:
    return subprocess.run(
        ["git", "log", "--all", "-p", "--format=fuller%n%B"], cwd=root, capture_output=True, check=True
    ).stdout


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_pull_request_fails_the_check_and_cannot_hurt_the_pipeline_once_merged(
    name: str, template: Base, has_site: bool, tmp_path: Path
) -> None:
    case = CASES[name]
    root = tmp_path / "repo"
    shutil.copytree(template.root, root, symlinks=True)
    base = Base(root, template.healthy, template.victim, template.victim_folder)
    outside = tmp_path / "elsewhere"
    decoys(outside)
    decoys_before = _digest(outside)
    env = dict(os.environ)  # sealed by tests/conftest.py
    expected_file, expected_line = case.where(base)
    git(root, "switch", "-qc", "pull-request")
    case.apply(base, outside)
    git(root, "add", "-A")
    git(root, "commit", "-qm", f"a hostile pull request: {name}")
    problems: list[str] = []
    outputs: list[str] = []

    check = run(root, "validate", "--changed-since", "main", "--format", "github", env=env)
    print(check)  # the timings, with -s
    outputs += [check.out, check.err]
    problems += _misbehaviour(check, annotations=True)
    if check.code != 1:
        problems.append(f"{check}: the pull-request check must fail it:\n{check.out[-2000:]}")
    wanted = f"file={expected_file}," + (f"line={expected_line}," if expected_line else "")
    if not any(line.startswith("::error ") and wanted in line for line in check.out.splitlines()):
        problems.append(f"{check}: no error annotation with {wanted!r}:\n{check.out[-2000:]}")

    git(root, "switch", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "-m", "merged anyway", "pull-request")
    with FakeApiServer() as api:
        env |= {
            "GITHUB_TOKEN": GITHUB_TOKEN,
            "GITHUB_API_URL": api.github_url,
            "GITHUB_REPOSITORY": api.github.repo,
            "INCIDENT_KIT_GITHUB_WRITE_INTERVAL": "0",
            "INCIDENT_KIT_HTTP_TIMEOUT": "5",
        }
        for args, stdin in _commands(base, tmp_path / "site" if has_site else None):
            status = git(root, "status", "--porcelain")
            ran = run(root, *args, env=env, stdin=stdin)
            print(ran)
            outputs += [ran.out, ran.err]
            problems += _misbehaviour(ran)
            if git(root, "status", "--porcelain") != status:
                problems.append(f"{ran}: left the work tree changed but not committed")
        issues = list(api.github.issues.values())
    healthy_marker = f"<!-- incident-kit: {base.healthy} AI-1 -->"
    if not case.breaks_config and not any(healthy_marker in issue.body for issue in issues):
        problems.append("sync did not open the issue of the action item the pull request did not touch")
    for issue in issues:
        for planted in ("@bob", "@acme", "![", "tracker.example"):
            if planted in issue.body or planted in issue.title:
                problems.append(
                    f"issue #{issue.number} carries {planted!r} from the pull request: {issue.body!r}"
                )

    if any(SENTINEL in text for text in outputs) or SENTINEL.encode() in _history(root):
        problems.append("a file outside the repository was read (its content is in an output or a commit)")
    if _digest(outside) != decoys_before:
        problems.append("a file outside the repository was written")
    assert not problems, f"case {name} ({case.finding}):\n" + "\n".join(problems)
