"""The workflow files: the copies `incident init` installs match ours, and the promises of
docs/workflows.md (pins, permissions, no template expansion in scripts, a queue that never
cancels a declare) hold in the text, and both linters pass."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from harness import REPO_ROOT, load_workflow

GITHUB_WORKFLOWS = REPO_ROOT / ".github" / "workflows"
PACKAGED = REPO_ROOT / "incident_kit" / "data" / "workflows"
SHIPPED = ["incident-alert.yml", "incident-pages.yml", "incident-sync.yml", "incident-validate.yml"]
ALL_OURS = [*SHIPPED, "ci.yml"]
WRITERS = ["incident-alert.yml", "incident-sync.yml"]


def workflow(name: str) -> dict[str, Any]:
    return load_workflow(GITHUB_WORKFLOWS / name)


def steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in data["jobs"].values() for step in job["steps"]]


def test_packaged_workflows_are_the_repository_s_own() -> None:
    assert sorted(p.name for p in PACKAGED.iterdir()) == SHIPPED
    for name in SHIPPED:
        packaged = (PACKAGED / name).read_bytes()
        assert (GITHUB_WORKFLOWS / name).read_bytes() == packaged, (
            f"{name}: edit incident_kit/data/workflows/{name} and copy it to .github/workflows/"
        )


def test_default_install_spec_is_this_release() -> None:
    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    for name in SHIPPED:
        specs = re.findall(r"incident-kit==([\w.+-]+)", (PACKAGED / name).read_text())
        assert specs == [version], f"{name}: bump the default spec with the version"


@pytest.mark.parametrize("name", ALL_OURS)
def test_actions_are_pinned_by_sha_with_the_version_in_a_comment(name: str) -> None:
    lines = [line for line in (GITHUB_WORKFLOWS / name).read_text().splitlines() if "uses:" in line]
    assert lines
    for line in lines:
        assert re.search(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


@pytest.mark.parametrize("name", ALL_OURS)
def test_scripts_never_expand_templates_and_credentials_stay_off_disk(name: str) -> None:
    data = workflow(name)
    assert data["permissions"] == {}, "every job lists what it needs"
    assert all("permissions" in job for job in data["jobs"].values())
    for step in steps(data):
        assert "${{" not in step.get("run", ""), f"{name}: pass values through env:"
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("name", WRITERS)
def test_writers_queue_and_never_cancel(name: str) -> None:
    concurrency = workflow(name)["concurrency"]
    assert concurrency == {"group": "incident-write-${{ github.repository }}", "queue": "max"}


def test_validate_is_read_only_and_never_pull_request_target() -> None:
    data = workflow("incident-validate.yml")
    assert list(data["on"]) == ["pull_request"]
    assert [job["permissions"] for job in data["jobs"].values()] == [{"contents": "read"}]


def _lint_tools_present() -> bool:
    return all(
        (REPO_ROOT / ".venv" / "bin" / tool).exists() or shutil.which(tool)
        for tool in ("zizmor", "actionlint")
    )


@pytest.mark.skipif(
    not _lint_tools_present() and os.environ.get("CI") != "true",
    reason="zizmor/actionlint not installed (pip install -e '.[test]'); required in CI",
)
def test_lint_script_passes() -> None:
    done = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "lint-workflows.sh")],
        capture_output=True,
        text=True,
        check=False,
        # zizmor would go online with a token in the environment; the script says --offline
        # but keep tokens out anyway.
        env={k: v for k, v in os.environ.items() if "TOKEN" not in k},
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_lint_script_fails_on_a_finding(tmp_path: Path) -> None:
    if not _lint_tools_present():
        pytest.skip("zizmor/actionlint not installed")
    # A scratch copy of the layout with one injectable workflow: both linters must object,
    # and the script must say so through its exit code.
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO_ROOT / "scripts" / "lint-workflows.sh", tmp_path / "scripts")
    if (REPO_ROOT / ".venv").exists():
        (tmp_path / ".venv").symlink_to(REPO_ROOT / ".venv")
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: repository_dispatch\n"
        "permissions: {}\n"
        "jobs:\n"
        "  j:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.event.client_payload.title }}\n"
    )
    done = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "lint-workflows.sh")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "template-injection" in done.stdout + done.stderr


def test_pages_publishes_nothing_until_asked_and_only_the_status_page_by_default() -> None:
    data = workflow("incident-pages.yml")
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    assert (
        "vars.INCIDENT_SITE == 'status'" in build["if"] and "vars.INCIDENT_SITE == 'internal'" in build["if"]
    )
    assert build["permissions"] == {"contents": "read", "pages": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    script = next(step["run"] for step in build["steps"] if step.get("name") == "Build")
    internal, public = script.split("else", 1)
    assert '"$INCIDENT_SITE" = internal' in internal and "--public-only" in public
    uses = [step.get("uses", "").split("@")[0] for job in (build, deploy) for step in job["steps"]]
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= set(uses)
