"""Shared by the reliability tests: the real CLI as a process, and checks of a repository's health.

The tests here start `python -m incident_kit` as separate processes (as a laptop or a workflow
run would), kill them, race them, and then look at what they left behind with plain git.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from incident_kit.markdown import frontmatter
from support.repos import git, make_repo

CLI = [sys.executable, "-m", "incident_kit"]
# lock files git creates and removes itself; a SIGKILL can leave them behind
GIT_LOCK_GLOBS = ("*.lock", "refs/heads/*.lock", "refs/remotes/*/*.lock")
TEMP_GLOB = ".incident-*.tmp"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)  # already sealed by tests/conftest.py (HOME, git config, clock)
    env.pop("INCIDENT_KIT_DEBUG", None)
    if extra:
        env.update(extra)
    return env


def incident(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI to completion in its own process."""
    return subprocess.run(
        [*CLI, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else cli_env(),
        timeout=timeout,
        check=False,
    )


def start(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start the CLI in a new session, so killing its process group kills its git children too."""
    return subprocess.Popen(
        [*CLI, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(env) if env is not None else cli_env(),
        start_new_session=True,
    )


def kill_group(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """SIGKILL the CLI and every process it started; what it had printed so far."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    return proc.communicate(timeout=30)


def wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 30) -> bool:
    """Wait until `path` exists (a hook's marker) or the process ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return True
        if proc.poll() is not None:
            return path.exists()
        time.sleep(0.005)
    return False


def one_line_error(stderr: str) -> bool:
    """The contract for failures: exactly one line on stderr, `incident: …`, no traceback."""
    return stderr.startswith("incident: ") and stderr.count("\n") == 1 and "Traceback" not in stderr


# --- repositories -------------------------------------------------------------------------------


def new_repo(path: Path, user: str = "alice") -> Path:
    root = make_repo(path, user)
    result = incident(root, "init")
    assert result.returncode == 0, result.stderr
    return root


def bare_remote(tmp_path: Path, name: str = "remote.git") -> Path:
    """A bare repository seeded with an initialised incident-kit repository (one commit)."""
    bare = tmp_path / name
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = new_repo(tmp_path / f"{name}-seed", "seed")
    git(seed, "remote", "add", "origin", str(bare))
    git(seed, "push", "-q", "-u", "origin", "main")
    return bare


def clone(remote: Path, path: Path, user: str) -> Path:
    git(remote.parent, "clone", "-q", str(remote), str(path))
    git(path, "config", "user.name", user)
    git(path, "config", "user.email", f"{user}@example.com")
    git(path, "config", "commit.gpgsign", "false")
    return path


def serve_pushes_detached(root: Path, folder: Path) -> Path:
    """Run the remote side of `root`'s pushes in a session of its own, like a real server.

    With a path remote, `git push` starts `git receive-pack` as its own child, so killing the
    CLI's process group would also kill "the server" in the middle of updating its refs, a
    thing no network remote does. The wrapper detaches it and notes its pid in `folder` (see
    `wait_for_detached`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "receive-pack"
    code = (
        "import os, sys; "
        f"open(os.path.join({str(folder)!r}, str(os.getpid())), 'w').close(); "
        "os.setsid(); os.execvp('git', ['git', 'receive-pack', *sys.argv[1:]])"
    )
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "{code}" "$@"\n')
    script.chmod(0o755)
    git(root, "config", "remote.origin.receivepack", str(script))
    return folder


def _running_receive_pack(pid: int) -> bool:
    """Whether `pid` is still a live (not zombie) receive-pack: pids are reused, and where
    PID 1 does not reap orphans (a container's init) a finished one stays a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        if not Path("/proc/self/stat").exists():  # no procfs: fall back to a signal probe
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            return True
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X") and b"receive-pack" in cmdline


def wait_for_detached(folder: Path, timeout: float = 15) -> None:
    """Wait until every detached receive-pack has finished (the server completes its work)."""
    deadline = time.monotonic() + timeout
    for marker in sorted(folder.iterdir()):
        if not marker.name.isdigit():
            continue
        while _running_receive_pack(int(marker.name)) and time.monotonic() < deadline:
            time.sleep(0.01)
        marker.unlink()


def head(root: Path, ref: str = "HEAD") -> str:
    return git(root, "rev-parse", ref).strip()


def porcelain(root: Path) -> list[str]:
    out = subprocess.run(
        ["git", "status", "--porcelain", "-uall"], cwd=root, capture_output=True, text=True, check=False
    ).stdout
    return [line for line in out.splitlines() if line.strip()]


def fsck_problems(root: Path) -> list[str]:
    """`git fsck` findings (dangling objects after a kill are normal and not reported)."""
    result = subprocess.run(
        ["git", "fsck", "--no-progress", "--no-dangling", "--strict"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    if result.returncode != 0:
        return lines or [f"git fsck exited {result.returncode}"]
    return [line for line in lines if line.startswith(("error", "missing", "broken", "bad", "fatal"))]


def git_dir(root: Path) -> Path:
    return root if (root / "HEAD").is_file() and not (root / ".git").exists() else root / ".git"


def stale_git_locks(root: Path) -> list[Path]:
    """Lock files git left behind (incident-kit's own flock file is not one: it is never removed)."""
    base = git_dir(root)
    found = [p for pattern in GIT_LOCK_GLOBS for p in base.glob(pattern)]
    return sorted(p for p in found if p.name != "incident-kit.lock")


def temp_leftovers(root: Path) -> list[Path]:
    return sorted((root / "incidents").rglob(TEMP_GLOB))


def incident_files(root: Path) -> list[Path]:
    return sorted((root / "incidents").glob("*/*/incident.md"))


def half_written(root: Path) -> list[str]:
    """Incident and post-mortem files that are not complete documents.

    An atomic write leaves the old file or the new one; a torn write would show up as a
    frontmatter that does not close or parse, a missing last section, or no final newline.
    """
    problems = []
    for path in incident_files(root):
        rel = path.relative_to(root).as_posix()
        text = path.read_text("utf-8", errors="replace")
        try:
            document = frontmatter.split(text, rel)
            frontmatter.load(document.frontmatter, rel)
        except Exception as error:  # any failure is a finding here
            problems.append(f"{rel}: {error}")
            continue
        if "## Timeline" not in document.body or "## Links" not in document.body or not text.endswith("\n"):
            problems.append(f"{rel}: incomplete body ({len(text)} bytes)")
    for path in sorted((root / "incidents").glob("*/*/postmortem.md")):
        text = path.read_text("utf-8", errors="replace")
        if "## Lessons learned" not in text or not text.endswith("\n"):
            problems.append(
                f"{path.relative_to(root).as_posix()}: incomplete post-mortem ({len(text)} bytes)"
            )
    return problems


def tree_files(root: Path, ref: str, suffix: str = "incident.md") -> list[str]:
    names = git(root, "ls-tree", "-r", "--name-only", ref, "--", "incidents").split("\n")
    return [n for n in names if n.endswith(suffix)]


def show(root: Path, ref: str, path: str) -> str:
    return git(root, "show", f"{ref}:{path}")
