"""The shipped workflows, run end to end by the harness with the real `incident` CLI.

Each test seeds a bare "GitHub" repository with `incident init` (its workflows pinned to a
commit of this work tree), fires a realistic event, runs the workflow file that init installed
there (the CLI comes from incident-kit's own composite action at that commit, its dependencies
from the hash-checked lock through the cache), and looks at what landed on that remote, as a
user would on github.com.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.api_server import FakeApiServer
from gha_actions import ActionUnderTest
from harness import (
    DEFAULT_TOOL_BIN,
    FAKE_TOKEN,
    ActionsCache,
    JobResult,
    git_env,
    make_remote,
    pull_request_event,
    repository_dispatch_event,
    run_job,
    schedule_event,
    workflow_dispatch_event,
)
from support.alerts import CAPTURES, SEED_ALERT

from incident_kit import __version__

ACTION = "incident-kit/incident-kit"
ALERTMANAGER_CAPTURE = CAPTURES / "alertmanager/firing-two-alerts-grouped-zulip.json"
NATIVE_ALERT = SEED_ALERT
BROKEN = "incidents/2026-11/inc-20261126-zz9z-broken-by-hand/incident.md"
BROKEN_TEXT = """\
---
id: inc-20261126-zz9z
title: Broken by hand
status: "on-fire\\n::add-mask::hidden\\n::warning::injected"
severity: SEV-9
kind: incident
commander: alice
declared_at: yesterday
---

## Summary

Edited in a pull request.
"""


def incident(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [str(DEFAULT_TOOL_BIN / "incident"), *args],
        cwd=cwd,
        env=git_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"incident {' '.join(args)}: {done.stderr}"
    return done.stdout


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=git_env(), capture_output=True, text=True, check=True)
    return done.stdout.strip()


class Runner:
    """Runs the workflows a remote's default branch holds, with the action under test and
    GitHub's API answered by the stand-in on 127.0.0.1 (`github`)."""

    def __init__(self, action: ActionUnderTest, cache: ActionsCache, github: FakeApiServer) -> None:
        self.action = action
        self.cache = cache
        self.github = github

    def seed(self, tmp_path: Path) -> Path:
        ref = self.action.sha
        return make_remote(
            tmp_path / "remote.git", lambda seed: incident("init", "--action-ref", ref, cwd=seed)
        )

    def run(self, remote: Path, name: str, **kwargs: object) -> JobResult:
        installed = git("show", f"main:.github/workflows/{name}", cwd=remote)
        return run_job(
            installed,
            remote=remote,
            actions={ACTION: self.action.git_dir},
            cache=self.cache,
            api_url=self.github.github_url,
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.fixture
def runner(incident_kit_action: ActionUnderTest, actions_cache: ActionsCache) -> Iterator[Runner]:
    with FakeApiServer() as github:
        github.github.token = FAKE_TOKEN  # the token the harness hands the job
        yield Runner(incident_kit_action, actions_cache, github)


def remote_files(remote: Path, ref: str = "main") -> list[str]:
    return git("ls-tree", "-r", "--name-only", ref, "--", "incidents/", cwd=remote).splitlines()


def test_alert_dispatch_declares_and_pushes(tmp_path: Path, runner: Runner) -> None:
    remote = runner.seed(tmp_path)
    before = git("rev-parse", "main", cwd=remote)
    event = repository_dispatch_event({"alert": NATIVE_ALERT})

    result = runner.run(
        remote,
        "incident-alert.yml",
        event_name="repository_dispatch",
        event=event,
        workdir=tmp_path / "run",
    )

    assert result.status == "success", result.log()
    declared = json.loads((result.runner_temp / "declared-0001.json").read_text(encoding="utf-8"))
    assert declared["created"] is True and declared["deduplicated"] is False
    assert declared["severity"] == "SEV-2" and declared["status"] == "triage"
    # The incident is on the remote's default branch, not only in the runner's clone.
    assert git("rev-list", "--count", f"{before}..main", cwd=remote) != "0"
    incident_md = [f for f in remote_files(remote) if f.startswith(declared["path"])]
    incident_md = [f for f in incident_md if f.endswith("/incident.md")]
    assert len(incident_md) == 1, remote_files(remote)
    text = git("show", f"main:{incident_md[0]}", cwd=remote)
    assert f"id: {declared['id']}" in text
    assert declared["commit"] in git("rev-list", "main", cwd=remote).split()
    # The summary says what was declared; nothing the CLI printed acted as a command.
    assert declared["id"] in result.summary and "SEV-2" in result.summary
    assert result.step("summary").outputs["id"] == declared["id"]
    assert result.step("declare").commands == []
    # Sync is handed over to incident-sync (one repository_dispatch), not run per alert.
    assert runner.github.github.repository_dispatches == [{"event_type": "incidents-changed"}]
    assert "Hand-over to incident-sync: success" in result.summary
    # The sync run that hand-over starts opens the incident's tracking issue and pushes its number.
    synced = runner.run(
        remote,
        "incident-sync.yml",
        event_name="repository_dispatch",
        event=repository_dispatch_event({}, event_type="incidents-changed"),
        workdir=tmp_path / "sync",
    )
    assert synced.status == "success", synced.log()
    [issue] = runner.github.github.issues.values()
    assert issue.title.endswith(f"({declared['id']})") and "severity: SEV-2" in issue.labels
    assert f"tracking_issue: {issue.number}" in git("show", f"main:{incident_md[0]}", cwd=remote)
    # `incident` came from the action at the pinned commit, nothing installed by name.
    install = result.step("install")
    assert [s.id for s in install.steps] == ["python", "env", "restore", "install", None, "setup", "run"]
    assert install.outputs["version"] == __version__
    action_path = tmp_path / "run" / "_actions" / ACTION / runner.action.sha
    assert f"incident-kit {__version__} from {action_path}" in install.step_output("setup")


def test_a_repeated_delivery_joins_the_incident_the_first_run_pushed(tmp_path: Path, runner: Runner) -> None:
    # Alertmanager re-sends a firing group every repeat_interval; the second run starts from
    # a fresh clone, so only what the first run pushed can tell it the incident exists.
    remote = runner.seed(tmp_path)
    capture = json.loads(ALERTMANAGER_CAPTURE.read_text(encoding="utf-8"))
    event = repository_dispatch_event({"alert": capture, "format": "alertmanager"})

    runs = []
    for attempt in ("first", "second"):
        result = runner.run(
            remote,
            "incident-alert.yml",
            event_name="repository_dispatch",
            event=event,
            workdir=tmp_path / attempt,
        )
        assert result.status == "success", result.log()
        runs.append(json.loads((result.runner_temp / "declared-0001.json").read_text("utf-8")))
        second_install = result.step("install")

    first, second = runs
    # The second run found the environment in the cache the first run saved.
    install = second_install.steps
    assert {s.id: s.outcome for s in install}["install"] == "skipped", second_install.output
    assert "Cache restored from key: incident-kit-env-Linux-X64-py" in second_install.output
    assert first["created"] is True
    assert second["created"] is False and second["deduplicated"] is True
    assert second["id"] == first["id"]
    incident_files = [f for f in remote_files(remote) if f.endswith("/incident.md")]
    assert len(incident_files) == 1


def test_a_batch_of_alerts_declares_each_in_one_run_and_hands_over_once(
    tmp_path: Path, runner: Runner
) -> None:
    # A relay that groups a storm sends several alerts in one dispatch (docs/storms.md).
    remote = runner.seed(tmp_path)
    batch = [{**NATIVE_ALERT, "spec_id": f"spec-batch-{n}"} for n in (1, 2, 3)]
    batch[1] = json.dumps(batch[1])  # an alert may come as a JSON string too
    event = repository_dispatch_event({"alerts": batch, "format": "native"})

    result = runner.run(
        remote, "incident-alert.yml", event_name="repository_dispatch", event=event, workdir=tmp_path / "run"
    )

    assert result.status == "success", result.log()
    declared = [
        json.loads((result.runner_temp / f"declared-{n:04d}.json").read_text("utf-8")) for n in (1, 2, 3)
    ]
    assert [d["created"] for d in declared] == [True, True, True]
    assert len({d["id"] for d in declared}) == 3
    incident_files = [f for f in remote_files(remote) if f.endswith("/incident.md")]
    assert len(incident_files) == 3
    assert runner.github.github.repository_dispatches == [{"event_type": "incidents-changed"}]
    assert "### Alert 3 of 3" in result.summary and all(d["id"] in result.summary for d in declared)


def test_a_hand_over_github_keeps_refusing_is_retried_then_fails_the_run_but_the_incident_stays(
    tmp_path: Path, runner: Runner
) -> None:
    remote = runner.seed(tmp_path)
    dispatches = "POST /repos/acme/shop/dispatches"
    runner.github.fail_next(dispatches, 429, retry_after=1, count=4)  # a secondary rate limit

    result = runner.run(
        remote,
        "incident-alert.yml",
        event_name="repository_dispatch",
        event=repository_dispatch_event({"alert": NATIVE_ALERT}),
        workdir=tmp_path / "run",
    )

    assert result.status == "failure"
    assert result.step("declare").outcome == "success", result.log()
    assert len(runner.github.calls(dispatches)) == 4  # retried, honouring Retry-After
    [error] = [c for c in result.step("handover").commands if c.name == "error"]
    assert "HTTP 429" in error.message and "incident is on the default branch" in error.message
    assert [f for f in remote_files(remote) if f.endswith("/incident.md")]
    assert "Hand-over to incident-sync: failure" in result.summary


def test_an_alerts_batch_that_is_not_a_list_is_refused(tmp_path: Path, runner: Runner) -> None:
    remote = runner.seed(tmp_path)
    event = repository_dispatch_event({"alerts": {"not": "a list"}})

    result = runner.run(
        remote, "incident-alert.yml", event_name="repository_dispatch", event=event, workdir=tmp_path / "run"
    )

    assert result.status == "failure"
    assert "client_payload.alerts must be a non-empty list" in result.step("payload").output
    assert result.step("declare").outcome == "skipped" and result.step("handover").outcome == "skipped"
    assert not [f for f in remote_files(remote) if f.endswith("/incident.md")]


def test_manual_declare_from_the_actions_tab(tmp_path: Path, runner: Runner) -> None:
    remote = runner.seed(tmp_path)
    event = workflow_dispatch_event({"title": "Checkout is down", "severity": "SEV-1"})

    result = runner.run(
        remote,
        "incident-alert.yml",
        event_name="workflow_dispatch",
        event=event,
        workdir=tmp_path / "run",
    )

    assert result.status == "success", result.log()
    declared = json.loads((result.runner_temp / "declared-0001.json").read_text(encoding="utf-8"))
    assert declared["severity"] == "SEV-1"
    assert any(f.startswith(declared["path"]) for f in remote_files(remote))


def test_scheduled_sync_runs_on_the_default_branch(tmp_path: Path, runner: Runner) -> None:
    remote = runner.seed(tmp_path)

    result = runner.run(
        remote,
        "incident-sync.yml",
        event_name="schedule",
        event=schedule_event("17,47 * * * *"),
        workdir=tmp_path / "run",
    )

    assert result.status == "success", result.log()
    assert [s.outcome for s in result.steps[-2:]] == ["success", "success"]  # sync, index
    assert "incidents/README.md" in remote_files(remote)


def _pull_request(tmp_path: Path, remote: Path, branch: str, change: str) -> dict[str, object]:
    """Push `branch` with one commit made by `change` ("broken" or "valid") and describe
    the pull request event GitHub would send for it."""
    base = git("rev-parse", "main", cwd=remote)
    work = tmp_path / f"{branch}-clone"
    git("clone", "--quiet", str(remote), str(work), cwd=tmp_path)
    git("checkout", "--quiet", "-b", branch, cwd=work)
    if change == "broken":
        path = work / BROKEN
        path.parent.mkdir(parents=True)
        path.write_text(BROKEN_TEXT, encoding="utf-8")
        git("add", "--all", cwd=work)
        git("commit", "--quiet", "-m", "Edit an incident by hand", cwd=work)
    else:
        incident("declare", "--manual-incident", "--title", "Valid one", "--severity", "SEV-3",
                 cwd=work)  # fmt: skip
    git("push", "--quiet", "origin", branch, cwd=work)
    head = git("rev-parse", "HEAD", cwd=work)
    return pull_request_event(number=12, base_sha=base, head_sha=head, head_ref=branch)


def test_validate_annotates_a_broken_incident_file(tmp_path: Path, runner: Runner) -> None:
    remote = runner.seed(tmp_path)
    event = _pull_request(tmp_path, remote, "edit-incident", "broken")

    result = runner.run(
        remote,
        "incident-validate.yml",
        event_name="pull_request",
        event=event,
        workdir=tmp_path / "run",
    )

    assert result.status == "failure"
    validate = result.step("validate")
    assert validate.outcome == "failure", result.log()
    assert f"::error file={BROKEN},line=" in validate.output, validate.output
    errors = [c for c in validate.commands if c.name == "error"]
    assert errors and {c.properties["file"] for c in errors} == {BROKEN}
    # The hostile status value is quoted in a message, never acted on as a command.
    assert {c.name for c in validate.commands} == {"error"}
    assert all(int(c.properties["line"]) >= 1 for c in errors)
    # The summary lists the changed file and the verdict, even though validation failed.
    assert result.step("Summary").outcome == "success", result.log()
    assert BROKEN in result.summary and "failed" in result.summary


def test_validate_passes_a_pull_request_with_a_valid_incident(tmp_path: Path, runner: Runner) -> None:
    remote = runner.seed(tmp_path)
    event = _pull_request(tmp_path, remote, "declare-by-cli", "valid")

    result = runner.run(
        remote,
        "incident-validate.yml",
        event_name="pull_request",
        event=event,
        workdir=tmp_path / "run",
    )

    assert result.status == "success", result.log()
    assert "Validation passed" in result.summary
    assert "added" in result.summary and "incident.md" in result.summary


def test_the_action_runs_one_command_itself_and_refuses_a_command_that_is_not_a_name(
    tmp_path: Path, runner: Runner
) -> None:
    remote = runner.seed(tmp_path)
    uses = f"{ACTION}@{runner.action.sha} # v{__version__}"
    workflow = f"""
on: {{workflow_dispatch: {{}}}}
permissions: {{}}
jobs:
  check:
    runs-on: ubuntu-latest
    permissions: {{contents: read}}
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with: {{persist-credentials: false}}
      - id: validate
        uses: {uses}
        with:
          command: validate
          args: |
            --format
            json
      - id: hostile
        if: always()
        uses: {uses}
        with: {{command: "validate; touch pwned"}}
"""
    result = run_job(
        workflow,
        event_name="workflow_dispatch",
        event=workflow_dispatch_event({}),
        workdir=tmp_path / "run",
        remote=remote,
        actions={ACTION: runner.action.git_dir},
        cache=runner.cache,
    )

    validate = result.step("validate")
    assert validate.outcome == "success", result.log()
    assert validate.outputs["exit-code"] == "0"
    assert '"ok": true' in validate.step_output("run")
    hostile = result.step("hostile")
    assert hostile.outcome == "failure" and hostile.outputs["exit-code"] == ""
    assert "command must be a command name" in hostile.step_output("run")
    assert not (result.workspace / "pwned").exists()
    # The second use in the job found the environment the first one set up.
    assert {s.id: s.outcome for s in hostile.steps}["restore"] == "skipped"


def test_scheduled_remind_claims_sends_and_records_once(tmp_path: Path, runner: Runner) -> None:
    # An unacknowledged SEV-1 pushed an hour ago: the scheduled run pings every escalation step
    # on the console (no Slack token) and lands the record; a second run sends nothing again.
    def populate(seed: Path) -> None:
        incident("init", "--action-ref", runner.action.sha, cwd=seed)
        incident("declare", "--manual-incident", "--title", "Checkout down", "--severity", "SEV-1",
                 "--commander", "alice", "--at", "2020-01-01T08:00:00Z", cwd=seed)  # fmt: skip

    remote = make_remote(tmp_path / "remote.git", populate)
    results = [
        runner.run(
            remote,
            "incident-remind.yml",
            event_name="schedule",
            event=schedule_event("4,19,34,49 * * * *"),
            workdir=tmp_path / attempt,
        )
        for attempt in ("first", "second")
    ]

    first, second = results
    assert first.status == "success", first.log()
    assert second.status == "success", second.log()
    sent = first.step("remind").output
    assert sent.count("Unacknowledged: inc-") == 3, sent
    assert "nothing to remind" in second.step("remind").output
    [path] = [f for f in remote_files(remote) if f.endswith("/incident.md")]
    text = git("show", f"main:{path}", cwd=remote)
    assert text.count("state: sent") == 3
    assert first.step("remind").commands == []
