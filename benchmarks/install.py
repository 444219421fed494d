"""A regular (non-editable) install of the project in a scratch venv, cached by content.

These machines set `PYTHONDONTWRITEBYTECODE=1`, so an editable install never gets `.pyc` files
and recompiles every module on every run (~75 ms per command). A wheel install is compiled by
pip at install time, like a user's `pip install incident-kit`.

The venv lives in `<cache>/venv`. It is rebuilt from scratch when `pyproject.toml` (the
dependencies) or the base interpreter changes; when only the sources change, the project alone
is reinstalled (`--no-deps --force-reinstall`). The sources are first copied to a private
snapshot, which is what gets hashed and built: the build never writes into the working tree,
and a file someone saves meanwhile cannot make the recorded key lie.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PACKAGE = "incident_kit"
TOP_FILES = ("pyproject.toml", "README.md", "LICENSE", "setup.cfg", "MANIFEST.in")


class InstallError(Exception):
    """The project could not be installed in the benchmark venv."""


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock shared with other benchmark runs on this machine."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def digest(paths: list[Path], root: Path, extra: str = "") -> str:
    """sha256 of the files' paths (relative to `root`) and contents."""
    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(os.path.relpath(path, root).encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def _snapshot(project: Path, dest: Path) -> list[Path]:
    """Copy what the wheel is built from; the copied files, in a stable order."""
    if dest.exists():
        shutil.rmtree(dest)
    files = [project / name for name in TOP_FILES if (project / name).is_file()]
    for path in sorted((project / PACKAGE).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            files.append(path)
    copies = []
    for path in files:
        target = dest / path.relative_to(project)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copies.append(target)
    return copies


def _pip(python: Path, *args: str) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InstallError(f"pip install failed:\n{result.stdout}\n{result.stderr}")


@contextmanager
def installed(project: Path, cache: Path, log: Callable[[str], None], fresh: bool = False) -> Iterator[Path]:
    """The venv's python, with the project's current sources installed, for the `with` block.

    Runs hold a shared lock on the venv while they measure; a run that must (re)install takes the
    exclusive lock, so it waits for the others instead of changing their venv under them
    (several engineers' `scripts/check` may run the smoke benchmark at the same time).
    """
    venv = cache / "venv"
    python = venv / "bin" / "python"
    marker = venv / "bench-key.json"
    snapshot = cache / f"src-{os.getpid()}"
    cache.mkdir(parents=True, exist_ok=True)
    try:
        files = _snapshot(project, snapshot)
        interpreter = f"{sys.base_prefix} {sys.version_info[:3]}"  # what the venv is made from
        wanted = {
            "deps": digest([snapshot / "pyproject.toml"], snapshot, extra=interpreter),
            "src": digest(files, snapshot),
        }

        def found() -> dict[str, str]:
            return json.loads(marker.read_text()) if marker.is_file() and python.exists() else {}

        with open(cache / "venv.lock", "a+") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_SH)
            if fresh or found() != wanted:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # waits for the runs using the venv
                if fresh or found() != wanted:
                    _install(
                        snapshot, venv, same_deps=not fresh and found().get("deps") == wanted["deps"], log=log
                    )
                    marker.write_text(json.dumps(wanted))
                fcntl.flock(lock.fileno(), fcntl.LOCK_SH)
            else:
                log(f"install: cached ({venv}, sources {wanted['src'][:12]})")
            shutil.rmtree(snapshot, ignore_errors=True)
            try:
                yield python
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)


def _install(src: Path, venv: Path, *, same_deps: bool, log: Callable[[str], None]) -> None:
    python = venv / "bin" / "python"
    if same_deps:
        log("install: sources changed; reinstalling the project (dependencies kept)")
        (venv / "bench-key.json").unlink()
        _pip(python, "--no-deps", "--force-reinstall", str(src))
    else:
        log(f"install: building {venv} (python -m venv + pip install, ~15 s)")
        if venv.exists():
            shutil.rmtree(venv)
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
        if made.returncode != 0:
            raise InstallError(f"python -m venv failed: {made.stderr.strip()}")
        _pip(python, str(src))
    _check_compiled(python)


def installed_sources(python: Path) -> str:
    """The sources digest of what is installed now."""
    marker = python.parent.parent / "bench-key.json"
    return str(json.loads(marker.read_text()).get("src", "?")) if marker.is_file() else "?"


def _check_compiled(python: Path) -> None:
    """The installed package must come from site-packages, with its bytecode written."""
    code = (
        "import importlib.util, incident_kit.cli as m; "
        "print(m.__file__); print(importlib.util.cache_from_source(m.__file__))"
    )
    # cwd: not the project, whose ./incident_kit would shadow the installed one
    result = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=False, cwd=python.parent
    )
    if result.returncode != 0:
        raise InstallError(f"the installed incident_kit does not import: {result.stderr.strip()[-2000:]}")
    module, pyc = result.stdout.split()
    if "site-packages" not in module:
        raise InstallError(f"incident_kit imported from {module}, not from the benchmark venv")
    if not Path(pyc).is_file():  # pip compiles wheels; make sure, since nothing else would
        subprocess.run([str(python), "-m", "compileall", "-q", str(Path(module).parent)], check=True)


def versions(python: Path) -> dict[str, str]:
    """Versions that matter for the numbers, and whether ruamel's C parser is in use."""
    code = (
        "import json, importlib.metadata as md\n"
        "out = {n: md.version(n) for n in ('incident-kit', 'typer', 'ruamel.yaml', 'ruamel.yaml.clib')}\n"
        "from ruamel.yaml import YAML\n"
        "out['ruamel safe parser'] = YAML(typ='safe', pure=False).Parser.__name__\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=False, cwd=python.parent
    )
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "unknown"}
    found: dict[str, str] = json.loads(result.stdout)
    return found
