"""GitHub as an interface, run by the harness: the issue form declares (incident-form.yml) and
slash commands in a tracking issue's comments run as the commenter (incident-command.yml).

Each test seeds a bare "GitHub" repository with `incident init` (which installs both
workflows and the issue form), fires the event GitHub would, runs the installed workflow with
the real CLI from incident-kit's own action, GITHUB_API_URL pointed at the loopback GitHub
stand-in and SLACK_API_URL at the Slack one, and looks at the remote and at the stand-ins.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.api_server import SLACK_TOKEN, FakeApiServer
from gha_actions import ActionUnderTest
from harness import (
    DEFAULT_TOOL_BIN,
    FAKE_TOKEN,
    ActionsCache,
    JobResult,
    git_env,
    issue_comment_event,
    issues_event,
    make_remote,
    repository_dispatch_event,
    run_job,
)

ACTION = "incident-kit/incident-kit"
TITLE = "Incident: Checkout is down"
FORM = "### Severity\n\nSEV-2\n\n### Service\n\n_No response_\n\n### Summary\n\nPayments fail with a 502.\n"


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=git_env(), capture_output=True, text=True, check=True)
    return done.stdout.strip()


class Repo:
    """A remote seeded by `incident init`, the API stand-ins, and the runs against them."""

    def __init__(
        self, tmp_path: Path, action: ActionUnderTest, cache: ActionsCache, api: FakeApiServer
    ) -> None:
        self.tmp_path = tmp_path
        self.action = action
        self.cache = cache
        self.api = api
        self.runs = 0
        tool = str(DEFAULT_TOOL_BIN / "incident")
        self.remote = make_remote(
            tmp_path / "remote.git",
            lambda seed: subprocess.run(
                [tool, "init", "--action-ref", action.sha],
                cwd=seed,
                env=git_env(),
                check=True,
                capture_output=True,
            ),
        )

    def run(self, name: str, event_name: str, event: dict[str, object]) -> JobResult:
        self.runs += 1
        installed = git("show", f"main:.github/workflows/{name}", cwd=self.remote)
        return run_job(
            installed,
            event_name=event_name,
            event=event,
            workdir=self.tmp_path / f"run-{self.runs}",
            remote=self.remote,
            actions={ACTION: self.action.git_dir},
            cache=self.cache,
            api_url=self.api.github_url,
            secrets={"SLACK_BOT_TOKEN": SLACK_TOKEN},
            runner_env={"SLACK_API_URL": self.api.slack_url, "INCIDENT_KIT_GITHUB_WRITE_INTERVAL": "0"},
        )

    def head(self) -> str:
        return git("rev-parse", "main", cwd=self.remote)

    def declare(self) -> tuple[int, str]:
        number = self.api.github.add_issue(TITLE, FORM, ["incident"])
        result = self.run("incident-form.yml", "issues", issues_event(number=number, title=TITLE, body=FORM))
        assert result.status == "success", result.log()
        [reply] = self.api.github.comments_on(number)
        return number, reply.body.split("**")[1]

    def comment(self, number: int, body: str, author: str) -> tuple[JobResult, int, list[str]]:
        comment_id = self.api.github.add_comment(number, body, author)
        event = issue_comment_event(number=number, comment_id=comment_id, body=body, author=author)
        result = self.run("incident-command.yml", "issue_comment", event)
        replies = [c.body for c in self.api.github.comments_on(number) if c.id > comment_id]
        return result, comment_id, replies


@pytest.fixture
def api() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        server.slack.add_channel("incidents")
        server.github.token = FAKE_TOKEN  # what the harness gives the job as github.token
        yield server


@pytest.fixture
def repo(
    tmp_path: Path, incident_kit_action: ActionUnderTest, actions_cache: ActionsCache, api: FakeApiServer
) -> Repo:
    return Repo(tmp_path, incident_kit_action, actions_cache, api)


def test_init_installs_the_issue_form_and_both_workflows(repo: Repo) -> None:
    files = git("ls-tree", "-r", "--name-only", "main", cwd=repo.remote).splitlines()
    assert ".github/ISSUE_TEMPLATE/declare-incident.yml" in files
    assert {".github/workflows/incident-form.yml", ".github/workflows/incident-command.yml"} <= set(files)


def test_a_form_declares_and_ack_runs_as_the_collaborator_but_not_as_an_outsider(repo: Repo) -> None:
    before = repo.head()
    number, incident_id = repo.declare()
    declared = git("log", "--format=%an|%s", f"{before}..main", cwd=repo.remote).splitlines()
    assert f"alice|{incident_id}: declare SEV-2 Checkout is down" in declared
    [reply] = repo.api.github.comments_on(number)
    channel = f"inc-{incident_id.split('-')[1]}-checkout-is-down"  # the runner's clock is not pinned
    assert f"`#{channel}`" in reply.body
    # The form run hands over to incident-sync (one sync at a time delivers), which makes it.
    assert [d["event_type"] for d in repo.api.github.repository_dispatches] == ["incidents-changed"]
    assert channel not in [c.name for c in repo.api.slack.channels.values()]
    synced = repo.run(
        "incident-sync.yml",
        "repository_dispatch",
        repository_dispatch_event({}, event_type="incidents-changed"),
    )
    assert synced.status == "success", synced.log()
    assert channel in [c.name for c in repo.api.slack.channels.values()]

    head = repo.head()
    result, comment_id, [answer] = repo.comment(number, "/ack", "bob")
    assert result.status == "success", result.log()
    landed = git("log", "--format=%an|%s", f"{head}..main", cwd=repo.remote).splitlines()
    assert [line for line in landed if line.startswith("bob|")] == [
        f"bob|{incident_id}: ack (triage → investigating)"
    ], landed
    assert repo.api.github.comments[comment_id].reactions == ["eyes", "+1"]
    assert answer.startswith("@bob `/ack` done:")
    assert len(repo.api.github.repository_dispatches) == 2  # the ack handed over too

    head = repo.head()
    result, comment_id, [answer] = repo.comment(number, "/resolve", "mallory")
    assert result.status == "success", result.log()
    assert repo.head() == head  # nothing committed, nothing pushed
    assert repo.api.github.comments[comment_id].reactions == ["eyes", "-1"]
    assert "refused" in answer and "write access" in answer
    assert len(repo.api.github.repository_dispatches) == 2  # a refusal changes nothing to deliver


def test_hostile_comments_do_nothing_harmful(repo: Repo) -> None:
    number, incident_id = repo.declare()
    pwned = repo.tmp_path / "pwned"
    secret = "hunter2-not-a-secret"
    body = (
        f"/note $(touch {pwned}) `touch {pwned}`; touch {pwned} && echo ok | tee {pwned}\n"
        f"::set-output name=status::hacked\n::add-mask::{secret}\n::stop-commands::abc\n"
        f"##[error]legacy\n::error::injected\n"
    )
    result, comment_id, [answer] = repo.comment(number, body, "bob")
    assert result.status == "success", result.log()
    assert not pwned.exists()
    commands = [c.name for step in result.steps for c in step.commands]
    assert not {"set-output", "add-mask", "error", "stop-commands"} & set(commands), commands
    assert all(not step.outputs.get("status") for step in result.steps)
    path = next(
        p
        for p in git("ls-tree", "-r", "--name-only", "main", cwd=repo.remote).splitlines()
        if incident_id in p and p.endswith("incident.md")
    )
    text = git("show", f"main:{path}", cwd=repo.remote)
    assert f"touch {pwned}" in text and "::add-mask::" not in text  # recorded literally, inert
    assert repo.api.github.comments[comment_id].reactions == ["eyes", "+1"]

    head = repo.head()
    huge = "/note " + ("$(reboot); `id` ::add-mask::x " * 2200)[: 64 * 1024 - 6]
    assert len(huge) == 64 * 1024
    result, comment_id, [answer] = repo.comment(number, huge, "bob")
    assert result.status == "success", result.log()
    assert repo.head() == head
    assert repo.api.github.comments[comment_id].reactions == ["eyes", "confused"]
    assert "a command fits in" in answer and len(answer) < 500
    assert not {"add-mask"} & {c.name for step in result.steps for c in step.commands}
