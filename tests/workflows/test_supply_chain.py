"""No workflow `incident init` writes (nor this repository's, nor the action they run) installs a
package by bare name from an index, and every `uses:` is pinned by a full commit SHA. The checks
themselves are shown to catch the mistakes they exist for."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import REPO_ROOT, load_workflow
from support.cli import run_cli
from support.repos import make_repo

from incident_kit.workflows.audit import bare_installs, unpinned_uses

SHA = "c" * 40


def installed_by_init(tmp_path: Path) -> dict[str, str]:
    root = make_repo(tmp_path / "user-repo")
    result = run_cli(["init", "--action-ref", SHA, "--repo", str(root)])
    assert result.code == 0, result.stderr
    folder = root / ".github" / "workflows"
    return {path.name: path.read_text() for path in sorted(folder.iterdir())}


def everything_we_ship(tmp_path: Path) -> dict[str, str]:
    files = {f"installed/{name}": text for name, text in installed_by_init(tmp_path).items()}
    for path in sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml")):
        files[f"ours/{path.name}"] = path.read_text()
    files["action.yml"] = (REPO_ROOT / "action.yml").read_text()
    return files


def test_nothing_we_ship_installs_by_bare_name_or_uses_an_unpinned_action(tmp_path: Path) -> None:
    files = everything_we_ship(tmp_path)
    assert len([name for name in files if name.startswith("installed/")]) == 7
    for name, text in files.items():
        assert bare_installs(text) == [], name
        assert unpinned_uses(text) == [], name


def test_jobs_holding_write_tokens_get_incident_kit_only_from_the_pinned_action(tmp_path: Path) -> None:
    for name, text in installed_by_init(tmp_path).items():
        for job in load_workflow(text)["jobs"].values():
            writes = any(level == "write" for level in job["permissions"].values())
            uses = [step["uses"] for step in job["steps"] if "uses" in step]
            if any("run" in step for step in job["steps"]):  # (incident-pages' deploy runs nothing)
                assert f"incident-kit/incident-kit@{SHA}" in uses, name
            if writes:
                assert not any("pip" in step.get("run", "") for step in job["steps"]), name


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    lock = (REPO_ROOT / "requirements" / "action.lock").read_text()
    entries = [block for block in lock.split("\n") if block and not block[0].isspace() and block[0] != "#"]
    assert entries, "requirements/action.lock is empty"
    for entry in entries:
        assert "==" in entry, entry
    blocks = lock.split("\n")
    for index, line in enumerate(blocks):
        if line and not line[0].isspace() and "==" in line:
            assert blocks[index + 1].strip().startswith("--hash=sha256:"), line
    import tomllib

    declared = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = {entry.split("==")[0].lower().replace("_", "-").replace(".", "-") for entry in entries}
    for requirement in declared:
        name = requirement.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip()
        assert name.lower().replace("_", "-").replace(".", "-") in pinned, f"{name}: run scripts/lock.sh"


BAD = {
    "a bare pip install": ("run: python -m pip install incident-kit==0.1.0", "pip install incident-kit"),
    "a variable spec": ('run: pip install "$spec"', 'pip install "$spec"'),
    "a lock without hashes": ("run: pip install -r requirements.txt", "-r requirements.txt"),
    "hashes but a name too": ("run: pip install --require-hashes attrs", "attrs"),
    "pipx run": ("run: pipx run zizmor .", "pipx run zizmor"),
    "npx": ("run: npx some-tool", "npx some-tool"),
    "uv tool": ("run: uv tool install ruff", "uv tool install ruff"),
    "continued": ("run: |\n  pip install \\\n    incident-kit", "incident-kit"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bare_install_is_caught(case: str) -> None:
    line, shown = BAD[case]
    [finding] = bare_installs(f"steps:\n  - name: x\n    {line}\n")
    assert finding.line == (4 if line.startswith("run: |") else 3)  # where the command starts
    assert shown in finding.text


def test_an_install_from_a_hashed_lock_passes() -> None:
    text = "run: |\n  python -m pip install --require-hashes --only-binary :all: \\\n    -r lock.txt\n"
    assert bare_installs(text) == []
    assert bare_installs("# pip install something (a comment)\nrun: echo pip installs nothing\n") == []


@pytest.mark.parametrize(
    ("ref", "pinned"),
    [
        ("actions/checkout@v4", False),
        ("actions/checkout@main", False),
        ("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", True),
        ("actions/cache/restore@27d5ce7f107fe9357f9df03efb73ab90386fccae", True),
        ("incident-kit/incident-kit@11bd719", False),  # a short SHA can collide
        ("incident-kit/incident-kit@UNPINNED", False),
        ("./local-action", True),
    ],
)
def test_unpinned_uses_are_caught(ref: str, pinned: bool) -> None:
    text = f"steps:\n  - uses: {ref} # v1.2.3\n"
    assert (unpinned_uses(text) == []) is pinned
