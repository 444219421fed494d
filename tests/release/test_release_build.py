"""The release workflow's build steps, run here: scripts/build-release.sh builds the sdist and
wheel from HEAD, `twine check`s them, installs the wheel in a fresh venv and runs `incident demo`
(and `init`, which must pin the action to the commit the wheel was built from).

Slow (two fresh venvs, ~1-2 minutes): marked `reliability`, so `scripts/check` (CI) runs it and
the fast local default leaves it out; run it with `-m reliability`.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from incident_kit import __version__

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.reliability
def test_the_release_build_makes_checked_installable_distributions(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    env = {**os.environ, "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    env.pop("RELEASE_TAG", None)

    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-release.sh"), str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=900,
    )

    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    wheel = out / f"incident_kit-{__version__}-py3-none-any.whl"
    sdist = out / f"incident_kit-{__version__}.tar.gz"
    assert sorted(p.name for p in out.iterdir()) == sorted([wheel.name, sdist.name])
    assert log.count("PASSED") == 2, log  # twine check, once per distribution
    stamp = {"version": __version__, "commit": commit}
    with zipfile.ZipFile(wheel) as archive:
        assert json.loads(archive.read("incident_kit/data/release.json")) == stamp
        names = archive.namelist()
    assert "incident_kit/data/workflows/incident-alert.yml" in names
    with tarfile.open(sdist) as archive:
        member = archive.extractfile(f"incident_kit-{__version__}/incident_kit/data/release.json")
        assert member is not None and json.loads(member.read()) == stamp
    assert "Done." in log  # the demo's last line
    assert "== ok: " in log


@pytest.mark.reliability
def test_a_tag_that_does_not_name_the_version_stops_the_release(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "RELEASE_TAG": "v99.0.0"}
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-release.sh"), str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert f"tag v99.0.0 does not name version {__version__}" in done.stderr
    assert list((tmp_path / "dist").iterdir()) == []
