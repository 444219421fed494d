"""The workflow harness models the runner faithfully where our workflows depend on it.

No CLI needed: tiny inline workflows exercise env passing, GITHUB_OUTPUT/GITHUB_ENV/GITHUB_PATH,
expressions, `if:`, failing steps, checkout and push against a local bare repository.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from harness import (
    ActionsCache,
    ExpressionContext,
    HarnessError,
    git_env,
    make_remote,
    repository_dispatch_event,
    run_job,
    workflow_commands,
    workflow_dispatch_event,
)

CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"

PLUMBING = """
name: plumbing
on:
  repository_dispatch:
    types: [alert]
env:
  LEVEL: workflow
jobs:
  only:
    runs-on: ubuntu-latest
    env:
      LEVEL: job
      FROM_PAYLOAD: ${{ github.event.client_payload.service || 'none' }}
    steps:
      - uses: actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b # v5.3.0
      - id: first
        env:
          MISSING: ${{ github.event.client_payload.nope || vars.FALLBACK || 'literal' }}
          SECRET: ${{ secrets.TOKEN }}
        run: |
          echo "service=$FROM_PAYLOAD" >> "$GITHUB_OUTPUT"
          echo "missing=$MISSING" >> "$GITHUB_OUTPUT"
          printf 'multi<<EOF\\nline one\\nline two\\nEOF\\n' >> "$GITHUB_OUTPUT"
          echo "CARRIED=from-first" >> "$GITHUB_ENV"
          tool="$RUNNER_TEMP/bin/mytool"
          mkdir -p "$RUNNER_TEMP/bin" && printf '#!/bin/sh\\necho tool-ran\\n' > "$tool"
          chmod +x "$tool" && echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
          echo "level=$LEVEL secret=$SECRET ci=$CI event=$GITHUB_EVENT_NAME"
      - id: second
        env:
          SERVICE: ${{ steps.first.outputs.service }}
          MULTI: ${{ steps.first.outputs.multi }}
          LEVEL: step
        shell: bash
        run: |
          echo "service=$SERVICE carried=$CARRIED level=$LEVEL $(mytool)"
          test "$MULTI" = "$(printf 'line one\\nline two')"
      - id: python
        shell: python
        run: |
          import json, os
          with open(os.environ["GITHUB_EVENT_PATH"]) as event:
              print("action:", json.load(event)["action"])
          with open(os.environ["GITHUB_STEP_SUMMARY"], "a") as summary:
              summary.write("## from python\\n")
      - id: boom
        run: |
          echo before
          false
          echo never
      - id: skipped
        run: echo should not run
      - id: cleanup
        if: ${{ always() }}
        env:
          BOOM: ${{ steps.boom.outcome }}
        run: echo "boom was $BOOM" >> "$GITHUB_STEP_SUMMARY"
      - id: on-failure
        if: failure() && steps.first.outputs.service == 'AUTH'
        run: echo "case-insensitive comparison, like Actions"
"""


def test_plumbing_between_steps(tmp_path: Path) -> None:
    event = repository_dispatch_event({"service": "auth"})
    result = run_job(
        PLUMBING,
        event_name="repository_dispatch",
        event=event,
        workdir=tmp_path,
        secrets={"TOKEN": "s3cret"},
    )
    first, second = result.step("first"), result.step("second")
    assert first.outputs == {
        "service": "auth",
        "missing": "literal",
        "multi": "line one\nline two",
    }
    assert "level=job secret=s3cret ci=true event=repository_dispatch" in first.output
    assert "service=auth carried=from-first level=step tool-ran" in second.output, result.log()
    assert result.step("python").output == "action: alert\n"
    boom = result.step("boom")
    assert boom.outcome == "failure" and "never" not in boom.output
    assert result.step("skipped").outcome == "skipped"
    assert result.step("cleanup").outcome == "success"
    assert result.step("on-failure").outcome == "success"
    assert result.status == "failure"
    assert result.summary == "## from python\nboom was failure\n"


def test_input_defaults_and_job_if(tmp_path: Path) -> None:
    workflow = """
on:
  workflow_dispatch:
    inputs:
      severity: {type: choice, options: [auto, SEV-1], default: auto}
      title: {type: string, required: false}
jobs:
  j:
    if: github.ref_name == github.event.repository.default_branch
    runs-on: ubuntu-latest
    steps:
      - env: {SEVERITY: "${{ inputs.severity }}", TITLE: "${{ inputs.title }}"}
        run: test "$SEVERITY" = auto && test -z "$TITLE"
"""
    ok = run_job(
        workflow,
        event_name="workflow_dispatch",
        event=workflow_dispatch_event({}),
        workdir=tmp_path / "a",
    )
    assert ok.status == "success", ok.log()
    other_branch = workflow_dispatch_event({}, ref="refs/heads/feature")
    skipped = run_job(workflow, event_name="workflow_dispatch", event=other_branch, workdir=tmp_path / "b")
    assert skipped.status == "skipped"
    with pytest.raises(HarnessError, match="not an option"):
        run_job(
            workflow,
            event_name="workflow_dispatch",
            event=workflow_dispatch_event({"severity": "SEV-9"}),
            workdir=tmp_path / "c",
        )


def test_checkout_and_push_reach_the_bare_remote(tmp_path: Path) -> None:
    remote = make_remote(tmp_path / "remote.git", lambda seed: (seed / "README").write_text("x"))
    workflow = f"""
on: {{repository_dispatch: {{types: [alert]}}}}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: {CHECKOUT} # v4.2.2
        with: {{fetch-depth: 0, persist-credentials: false}}
      - run: |
          test "$(git rev-parse HEAD)" = "$GITHUB_SHA"
          test "$(git rev-parse --abbrev-ref HEAD)" = main
          echo hello > incident.txt
          git add incident.txt
          git -c user.name=bot -c user.email=bot@example.com commit -qm "Declare"
          git push -q
"""
    result = run_job(
        workflow,
        event_name="repository_dispatch",
        event=repository_dispatch_event({}),
        workdir=tmp_path / "run",
        remote=remote,
    )
    assert result.status == "success", result.log()
    files = subprocess.run(
        ["git", "ls-tree", "--name-only", "main"],
        cwd=remote,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert files == ["README", "incident.txt"]


@pytest.mark.parametrize(
    "expression",
    [
        "fromJSON(github.event.client_payload)",  # functions other than status checks
        "env.FOO",  # zizmor: ${{ env.X }} is template expansion too
        "steps.a.result",  # not outputs/outcome/conclusion
        "github.event['client_payload']",  # index syntax
        "github.event.x == 1",  # number literals
    ],
)
def test_unsupported_expressions_are_refused(expression: str) -> None:
    with pytest.raises(HarnessError):
        ExpressionContext({"github": {}}).evaluate(expression)


def test_expression_semantics() -> None:
    ctx = ExpressionContext({"github": {"event": {"a": "", "b": "B", "n": None}}, "vars": {}})
    assert ctx.evaluate("github.event.a || github.event.b") == "B"
    assert ctx.evaluate("github.event.missing.deeper") is None
    assert ctx.evaluate("github.event.n == ''") is True  # null and '' both coerce to 0
    assert ctx.evaluate("!(github.event.b == 'b')") is False
    assert ctx.interpolate("x-${{ github.event.b }}-${{ vars.NOPE }}-y") == "x-B--y"
    assert ctx.condition("${{ github.event.b != 'c' }}") is True
    ctx.job_failed = True
    assert ctx.condition("github.event.b == 'B'") is False  # implicit success() &&


def test_expansion_inside_run_is_refused(tmp_path: Path) -> None:
    workflow = """
on: {repository_dispatch: {}}
jobs:
  j: {runs-on: ubuntu-latest, steps: [{run: "echo ${{ github.event.client_payload.x }}"}]}
"""
    with pytest.raises(HarnessError, match="use env"):
        run_job(
            workflow,
            event_name="repository_dispatch",
            event=repository_dispatch_event({}),
            workdir=tmp_path,
        )


def test_unpinned_and_unknown_actions_are_refused(tmp_path: Path) -> None:
    for uses in ("actions/checkout@v4", "someone/else@" + "a" * 40):
        workflow = f"on: {{repository_dispatch: {{}}}}\njobs: {{j: {{steps: [{{uses: {uses}}}]}}}}"
        with pytest.raises(HarnessError):
            run_job(
                workflow,
                event_name="repository_dispatch",
                event=repository_dispatch_event({}),
                workdir=tmp_path / uses.split("@")[1],
            )


def test_workflow_commands_respect_stop_commands() -> None:
    output = "\n".join(
        [
            "::error file=incidents/a.md,line=3::bad%0Aseverity",
            "::stop-commands::tok123",
            "::add-mask::hidden",
            "##[error]legacy but stopped",
            "::tok123::",
            "##[warning]legacy",
        ]
    )
    commands = workflow_commands(output)
    assert [(c.name, c.properties, c.message) for c in commands] == [
        ("error", {"file": "incidents/a.md", "line": "3"}, "bad\nseverity"),
        ("warning", {}, "legacy"),
    ]


COMPOSITE = """
name: greeter
description: a composite action for the harness's own tests
inputs:
  who: {description: whom, required: true}
  punctuation: {description: end, default: "!"}
outputs:
  greeting: {description: what was said, value: "${{ steps.say.outputs.greeting }}"}
runs:
  using: composite
  steps:
    - id: say
      shell: bash
      env:
        WHO: ${{ inputs.who }}
        END: ${{ inputs.punctuation }}
      run: |
        test -f "$GITHUB_ACTION_PATH/action.yml"
        echo "greeting=hello $WHO$END (caller: $CALLER)" >> "$GITHUB_OUTPUT"
        mkdir -p "$RUNNER_TEMP/greeter" && printf '#!/bin/sh\\necho greeted\\n' > "$RUNNER_TEMP/greeter/greet"
        chmod +x "$RUNNER_TEMP/greeter/greet" && echo "$RUNNER_TEMP/greeter" >> "$GITHUB_PATH"
"""


def _action_repository(tmp_path: Path, action_yml: str) -> tuple[Path, str]:
    """A git repository holding one commit with `action_yml`, as GitHub would serve it."""
    source = tmp_path / "action-src"
    source.mkdir()
    (source / "action.yml").write_text(action_yml)
    env = git_env()
    for args in (["init", "-q", "-b", "main"], ["add", "action.yml"], ["commit", "-qm", "v1"]):
        subprocess.run(["git", *args], cwd=source, env=env, check=True)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=source, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    return source / ".git", sha


def _calling(sha: str, with_: str) -> str:
    return f"""
on: {{repository_dispatch: {{types: [alert]}}}}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: greet
        uses: acme/greeter@{sha} # v1.0.0
        env: {{CALLER: the-job}}
        with: {with_}
      - env: {{SAID: "${{{{ steps.greet.outputs.greeting }}}}"}}
        run: |
          test "$SAID" = "hello octo? (caller: the-job)" && greet
"""


def test_a_composite_action_runs_at_its_pinned_commit(tmp_path: Path) -> None:
    git_dir, sha = _action_repository(tmp_path, COMPOSITE)
    result = run_job(
        _calling(sha, "{who: octo, punctuation: '?'}"),
        event_name="repository_dispatch",
        event=repository_dispatch_event({}),
        workdir=tmp_path / "run",
        actions={"acme/greeter": git_dir},
    )
    assert result.status == "success", result.log()
    greet = result.step("greet")
    assert greet.outputs == {"greeting": "hello octo? (caller: the-job)"}
    assert [s.id for s in greet.steps] == ["say"]
    assert (tmp_path / "run" / "_actions" / "acme/greeter" / sha / "action.yml").is_file()


def test_a_composite_action_s_inputs_and_commit_are_checked(tmp_path: Path) -> None:
    git_dir, sha = _action_repository(tmp_path, COMPOSITE)
    event = repository_dispatch_event({})
    actions = {"acme/greeter": git_dir}
    with pytest.raises(HarnessError, match="input 'who' is required"):
        run_job(_calling(sha, "{}"), event_name="repository_dispatch", event=event,
                workdir=tmp_path / "a", actions=actions)  # fmt: skip
    with pytest.raises(HarnessError, match="unexpected inputs"):
        run_job(_calling(sha, "{who: x, colour: red}"), event_name="repository_dispatch",
                event=event, workdir=tmp_path / "b", actions=actions)  # fmt: skip
    # A commit the repository does not have fails the step, as GitHub fails the job.
    missing = run_job(_calling("e" * 40, "{who: x}"), event_name="repository_dispatch",
                      event=event, workdir=tmp_path / "c", actions=actions)  # fmt: skip
    assert missing.status == "failure"
    assert "Unable to resolve action" in missing.step("greet").output


def test_the_cache_service_restores_what_a_job_saved(tmp_path: Path) -> None:
    cache = ActionsCache(tmp_path / "cache")
    workflow = """
on: {repository_dispatch: {types: [alert]}}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: restore
        uses: actions/cache/restore@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5
        with: {path: /tmp/PLACE, key: env-1}
      - id: fill
        if: steps.restore.outputs.cache-hit != 'true'
        run: mkdir -p /tmp/PLACE && echo made > /tmp/PLACE/file
      - uses: actions/cache/save@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5
        if: steps.restore.outputs.cache-hit != 'true'
        with: {path: /tmp/PLACE, key: env-1}
      - run: test "$(cat /tmp/PLACE/file)" = made
"""
    place = tmp_path / "place"
    workflow = workflow.replace("/tmp/PLACE", str(place))
    event = repository_dispatch_event({})
    first = run_job(
        workflow, event_name="repository_dispatch", event=event, workdir=tmp_path / "1", cache=cache
    )
    assert first.status == "success", first.log()
    assert first.step("restore").outputs["cache-hit"] == "false" and first.step("fill").outcome == "success"
    shutil.rmtree(place)
    second = run_job(
        workflow, event_name="repository_dispatch", event=event, workdir=tmp_path / "2", cache=cache
    )
    assert second.status == "success", second.log()
    assert second.step("restore").outputs["cache-hit"] == "true" and second.step("fill").outcome == "skipped"
    assert cache.keys() == 1
