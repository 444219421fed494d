"""The workflow files: the copies `incident init` installs match ours, and the promises of
docs/workflows.md (pins, permissions, no template expansion in scripts, alert runs that never
wait in a shared queue) hold in the text, and both linters pass."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from harness import REPO_ROOT, load_workflow

from incident_kit import __version__
from incident_kit.commands.init import team_severities
from incident_kit.workflows import managed
from incident_kit.workflows.installed import issue_templates

GITHUB_WORKFLOWS = REPO_ROOT / ".github" / "workflows"
PACKAGED = REPO_ROOT / "incident_kit" / "data" / "workflows"
SHIPPED = [
    "incident-alert.yml",
    "incident-command.yml",
    "incident-form.yml",
    "incident-pages.yml",
    "incident-remind.yml",
    "incident-sync.yml",
    "incident-validate.yml",
]
ALL_OURS = [*SHIPPED, "ci.yml", "release.yml"]


def workflow(name: str) -> dict[str, Any]:
    return load_workflow(GITHUB_WORKFLOWS / name)


def steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in data["jobs"].values() for step in job["steps"]]


def test_the_repository_s_workflows_are_the_packaged_ones_pinned() -> None:
    # This repository runs what `incident init` installs: the packaged templates with their
    # managed step pinned to a commit of incident-kit's own action.
    assert sorted(p.name for p in PACKAGED.iterdir()) == SHIPPED
    for name in SHIPPED:
        ours = (GITHUB_WORKFLOWS / name).read_text()
        found = managed.pins(ours, name)
        assert len(found) == 1 and found[0].pin.pinned, f"{name}: one managed step, pinned by SHA"
        rendered = managed.render((PACKAGED / name).read_text(), found[0].pin, name)
        assert ours == rendered, (
            f"{name}: edit incident_kit/data/workflows/{name}, then render it over "
            ".github/workflows/ (docs/workflows.md: `incident init --upgrade --action-ref`)"
        )


def test_the_repository_has_the_issue_form_its_form_workflow_answers() -> None:
    # incident-form.yml runs here, so the form that starts it must be here too: the packaged
    # one with this repository's severity scale, as `incident init` would write it.
    forms = issue_templates(team_severities(REPO_ROOT))
    assert forms, "the release ships an issue form"
    for rel, text in forms.items():
        path = REPO_ROOT / rel
        assert path.is_file(), f"{rel}: missing (`incident init --upgrade` writes it)"
        assert path.read_text() == text, f"{rel}: differs from incident_kit/data/issue_templates"


def test_the_managed_steps_carry_this_release() -> None:
    for name in SHIPPED:
        [found] = managed.pins((GITHUB_WORKFLOWS / name).read_text(), name)
        assert found.pin.repo == managed.ACTION_REPOSITORY
        assert found.pin.version == __version__, f"{name}: run `incident init --upgrade` on release"


@pytest.mark.parametrize("name", [*ALL_OURS, "action.yml"])
def test_actions_are_pinned_by_sha_with_the_version_in_a_comment(name: str) -> None:
    path = REPO_ROOT / name if name == "action.yml" else GITHUB_WORKFLOWS / name
    lines = [line for line in path.read_text().splitlines() if "uses:" in line.split("#")[0]]
    assert lines
    for line in lines:
        assert re.search(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


@pytest.mark.parametrize("name", ALL_OURS)
def test_scripts_never_expand_templates_and_credentials_stay_off_disk(name: str) -> None:
    data = workflow(name)
    assert data["permissions"] == {}, "every job lists what it needs"
    assert all("permissions" in job for job in data["jobs"].values())
    for step in steps(data):
        assert "${{" not in step.get("run", ""), f"{name}: pass values through env:"
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_alert_runs_never_wait_in_a_shared_queue_and_sync_runs_coalesce() -> None:
    # docs/storms.md: a queue shared by every alert holds 100 runs, so each alert run gets a
    # group of its own; sync keeps one running and one waiting (newer replaces the waiting).
    alert = workflow("incident-alert.yml")["concurrency"]
    assert alert == {"group": "incident-alert-${{ github.run_id }}", "cancel-in-progress": False}
    sync = workflow("incident-sync.yml")
    group = "incident-sync-${{ github.repository }}"
    assert sync["concurrency"] == {"group": group, "cancel-in-progress": False}
    assert sync["on"]["repository_dispatch"] == {"types": ["incidents-changed"]}
    # the alert job hands over to sync instead of syncing itself, from a shallow checkout
    [job] = workflow("incident-alert.yml")["jobs"].values()
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "incident sync" not in runs and "incident index" not in runs
    assert "incidents-changed" in runs
    assert job["steps"][0]["with"]["fetch-depth"] == 1


def test_the_release_runs_on_version_tags_with_least_privilege() -> None:
    data = workflow("release.yml")
    assert data["on"] == {"push": {"tags": ["v*"]}}
    jobs = data["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert jobs["publish"]["environment"]["name"] == "pypi"
    # the job that runs the build holds no token worth stealing; the ones that sign do not build
    for name, job in jobs.items():
        runs = [step for step in job["steps"] if "run" in step]
        assert not runs or "id-token" not in job["permissions"], name
    uses = [step["uses"].split("@")[0] for job in jobs.values() for step in job["steps"] if "uses" in step]
    assert "actions/attest-build-provenance" in uses and "pypa/gh-action-pypi-publish" in uses


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


def test_the_issue_workflows_hold_least_privilege_and_read_text_only_from_the_event_file() -> None:
    form, command = workflow("incident-form.yml"), workflow("incident-command.yml")
    assert form["on"] == {"issues": {"types": ["opened"]}}
    assert command["on"] == {"issue_comment": {"types": ["created"]}}
    for data in (form, command):
        [job] = data["jobs"].values()
        assert job["permissions"] == {"contents": "write", "issues": "write"}
        assert "Bot" in job["if"]
        for step in job["steps"]:
            env = " ".join(str(value) for value in (step.get("env") or {}).values())
            assert "github.event" not in env, "comment and issue text stay in the event file"
        runs = [step["run"] for step in job["steps"] if "run" in step]
        assert any('incident github-event --event "$GITHUB_EVENT_PATH" --push' in run for run in runs)
        assert all("::stop-commands::" in run for run in runs)
