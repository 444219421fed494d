"""Run one job of a GitHub Actions workflow locally, close enough to test ours end to end.

The `run:` steps execute in order under the shells the runner uses, with the runner's
environment (event file, GITHUB_OUTPUT/ENV/PATH/STEP_SUMMARY files, RUNNER_TEMP, CI=true),
`${{ }}` expressions evaluated in `env:`, `if:` and `with:`, and the actions we use replaced:

- `actions/checkout` fetches from a local bare repository the way the action does (same
  refs, same fetch depth, a branch with upstream or a detached pull-request merge commit);
- `actions/setup-python` puts a `python` on PATH, `actions/setup-node` does nothing;
- `actions/cache/restore` and `actions/cache/save` talk to a local cache store
  (`gha_actions.ActionsCache`, shared between jobs like GitHub's);
- a composite action named in `actions=` (owner/name → a local git repository) is fetched at
  its pinned commit and its steps run, with its inputs, outputs, `steps` context and
  GITHUB_ACTION_PATH, as the runner runs them (gha_actions.py).

Anything else the harness does not model (another action, `matrix`, an expression
function it does not know, `${{ }}` inside `run:`) raises HarnessError: a test must never
pass because the harness silently guessed.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gha_actions import ActionsCache, fetch_action, load_action, snapshot_commit
from gha_events import (
    issue_comment_event,
    issues_event,
    pull_request_event,
    push_event,
    repository_dispatch_event,
    repository_object,
    schedule_event,
    workflow_dispatch_event,
)
from gha_expressions import ExpressionContext, HarnessError, WorkflowCommand, workflow_commands
from ruamel.yaml import YAML

__all__ = [
    "DEFAULT_TOOL_BIN",
    "REPO_ROOT",
    "ActionsCache",
    "ExpressionContext",
    "HarnessError",
    "JobResult",
    "StepResult",
    "WorkflowCommand",
    "git_env",
    "issue_comment_event",
    "issues_event",
    "load_workflow",
    "make_remote",
    "pull_request_event",
    "push_event",
    "repository_dispatch_event",
    "repository_object",
    "run_job",
    "schedule_event",
    "snapshot_commit",
    "workflow_commands",
    "workflow_dispatch_event",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
# Where the tests' own `incident` runs from (seeding remotes): the project's venv, unless the
# tests are pointed at another installation (e.g. a wheel installed elsewhere).
DEFAULT_TOOL_BIN = Path(os.environ.get("INCIDENT_HARNESS_BIN", REPO_ROOT / ".venv" / "bin"))
FAKE_TOKEN = "ghs_harnessFakeToken0000000000000000000"


# ------------------------------------------------------------------------- running


@dataclass
class StepResult:
    index: int
    id: str | None
    name: str
    outcome: str  # success | failure | skipped
    conclusion: str
    returncode: int | None = None
    # stdout and stderr interleaved in one stream, as the runner logs them and scans them
    # for workflow commands.
    output: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    steps: list[StepResult] = field(default_factory=list)  # a composite action's own steps
    seconds: float = 0.0  # wall time the step took (benchmarks/storm.py reports it)

    @property
    def commands(self) -> list[WorkflowCommand]:
        return workflow_commands(self.output)

    def step_output(self, key: str) -> str:
        """What one of a composite action's own steps printed."""
        for step in self.steps:
            if key in (step.id, step.name):
                return step.output
        raise KeyError(f"no inner step {key!r}; steps: {[s.id or s.name for s in self.steps]}")


@dataclass
class JobResult:
    status: str  # success | failure | skipped
    steps: list[StepResult]
    workspace: Path
    runner_temp: Path

    @property
    def summary(self) -> str:
        return "".join(step.summary for step in self.steps)

    def step(self, key: str) -> StepResult:
        for step in self.steps:
            if key in (step.id, step.name):
                return step
        raise KeyError(f"no step {key!r}; steps: {[s.id or s.name for s in self.steps]}")

    def log(self) -> str:
        """Everything the steps printed, for assertion messages."""
        parts = []
        for step in self.steps:
            parts.append(f"--- {step.name} [{step.outcome}]\n{step.output}")
        return "\n".join(parts)


_STEP_KEYS = {
    "id", "name", "if", "uses", "with", "run", "shell", "env",
    "working-directory", "continue-on-error", "timeout-minutes",
}  # fmt: skip
_JOB_KEYS = {
    "name", "if", "runs-on", "permissions", "concurrency", "timeout-minutes",
    "env", "defaults", "steps", "outputs",
}  # fmt: skip
_PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})$")


@dataclass
class _Scope:
    """Where steps run: the job itself, or a composite action inside a job step."""

    ctx: ExpressionContext
    steps: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)  # the calling step's env, for a composite
    action_path: Path | None = None


def load_workflow(source: Path | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(source, Mapping):
        return dict(source)
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    data = YAML(typ="safe").load(text)
    if not isinstance(data, dict):
        raise HarnessError("a workflow is a mapping")
    return data


def _git(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HarnessError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def _read_key_values(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT / GITHUB_ENV file: NAME=value lines and NAME<<DELIM blocks."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            while i < len(lines) and lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            if i >= len(lines):
                raise HarnessError(f"{path.name}: no closing {delimiter!r} for {name!r}")
            i += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        else:
            raise HarnessError(f"{path.name}: invalid line {line!r}")
    return values


def _event_ref(event_name: str, event: Mapping[str, Any], default_branch: str) -> str:
    if event_name in ("push", "workflow_dispatch"):
        return str(event["ref"])
    if event_name == "pull_request":
        return f"refs/pull/{event['number']}/merge"
    if event_name in ("repository_dispatch", "schedule", "issues", "issue_comment"):
        return f"refs/heads/{default_branch}"
    raise HarnessError(f"event {event_name!r} is not modelled")


def _check_trigger(workflow: Mapping[str, Any], event_name: str, event: Mapping[str, Any]) -> Any:
    triggers = workflow.get("on")  # a YAML 1.2 reader (ruamel) keeps `on` a string
    if isinstance(triggers, str):
        triggers = {triggers: None}
    elif isinstance(triggers, list):
        triggers = dict.fromkeys(triggers)
    if not isinstance(triggers, dict) or event_name not in triggers:
        raise HarnessError(f"the workflow is not triggered by {event_name!r}")
    config = triggers[event_name] or {}
    typed = ("repository_dispatch", "issues", "issue_comment")  # `types:` filters event.action
    types = config.get("types") if event_name in typed else None
    if types is not None and event["action"] not in types:
        raise HarnessError(f"{event_name} type {event['action']!r} not in {types}")
    return config


class _Job:
    """State of one job run: environment, PATH additions, step results."""

    def __init__(
        self,
        workflow: Mapping[str, Any],
        job_id: str,
        event_name: str,
        event: dict[str, Any],
        workdir: Path,
        remote: Path | None,
        variables: Mapping[str, str],
        secrets: Mapping[str, str],
        repository: str,
        actor: str,
        default_branch: str,
        actions: Mapping[str, Path],
        cache: ActionsCache | None,
        api_url: str,
    ) -> None:
        self.workflow = workflow
        self.actions = actions
        self.cache = cache
        self.workdir = workdir
        self.job_id = job_id
        self.job = workflow["jobs"][job_id]
        self.event_name = event_name
        self.remote = remote
        self.workspace = workdir / "work" / repository.split("/")[1]
        self.temp = workdir / "temp"
        self.home = workdir / "home"
        self.tool_cache = workdir / "toolcache"
        for directory in (self.workspace, self.temp, self.home, self.tool_cache):
            directory.mkdir(parents=True, exist_ok=True)

        self._apply_input_defaults(event)
        self.event = event
        event_path = self.temp / "_github_workflow" / "event.json"
        event_path.parent.mkdir()
        event_path.write_text(json.dumps(event, indent=2), encoding="utf-8")

        ref = _event_ref(event_name, event, default_branch)
        self.ref = ref
        self.sha = self._prepare_remote_ref(event)
        ref_name = ref.split("/", 2)[2] if ref.startswith(("refs/heads/", "refs/tags/")) else ""
        if event_name == "pull_request":
            ref_name = f"{event['number']}/merge"
        pr = event.get("pull_request") or {}
        github = {
            "event_name": event_name,
            "event": event,
            "repository": repository,
            "repository_owner": repository.split("/")[0],
            "actor": actor,
            "triggering_actor": actor,
            "token": FAKE_TOKEN,
            "ref": ref,
            "ref_name": ref_name,
            "sha": self.sha,
            "head_ref": pr.get("head", {}).get("ref", ""),
            "base_ref": pr.get("base", {}).get("ref", ""),
            "server_url": "https://github.com",
            "api_url": api_url,
            "graphql_url": "https://api.github.com/graphql",
            "workspace": str(self.workspace),
            "workflow": str(workflow.get("name", "workflow")),
            "job": job_id,
            "run_id": "4242424242",
            "run_number": "7",
            "run_attempt": "1",
        }
        inputs = event.get("inputs") if event_name == "workflow_dispatch" else None
        self.steps_context: dict[str, Any] = {}
        self.ctx = ExpressionContext(
            {
                "github": github,
                "inputs": dict(inputs or {}),
                "vars": dict(variables),
                "secrets": {"GITHUB_TOKEN": FAKE_TOKEN, **secrets},
                "steps": self.steps_context,
            }
        )
        self.github = github
        self.scope = _Scope(self.ctx, self.steps_context)
        self.base_env = self._runner_env(github)
        self.added_env: dict[str, str] = {}
        self.added_path: list[str] = []

    def _apply_input_defaults(self, event: dict[str, Any]) -> None:
        # The runner fills in defaults for inputs the dispatcher left out, and refuses a
        # choice that is not an option.
        if self.event_name != "workflow_dispatch":
            return
        config = _check_trigger(self.workflow, self.event_name, event)
        specs = config.get("inputs") or {}
        given = dict(event.get("inputs") or {})
        unknown = set(given) - set(specs)
        if unknown:
            raise HarnessError(f"unexpected inputs {sorted(unknown)}")
        for name, spec in specs.items():
            value = given.get(name, spec.get("default", ""))
            if spec.get("required") and value in ("", None):
                raise HarnessError(f"input {name!r} is required")
            if spec.get("type") == "choice" and value not in spec.get("options", []):
                raise HarnessError(f"input {name!r}: {value!r} is not an option")
            given[name] = value
        event["inputs"] = given

    def _prepare_remote_ref(self, event: Mapping[str, Any]) -> str:
        """Resolve GITHUB_SHA; for a pull request, create refs/pull/N/merge like GitHub."""
        if self.remote is None:
            return "0" * 40
        if self.event_name == "push":
            return str(event["after"])
        if self.event_name != "pull_request":
            return _git("rev-parse", self.ref, cwd=self.remote)
        number = event["number"]
        base = event["pull_request"]["base"]["sha"]
        head = event["pull_request"]["head"]["sha"]
        tree = _git("merge-tree", "--write-tree", base, head, cwd=self.remote)
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "GitHub",
            "GIT_AUTHOR_EMAIL": "noreply@github.com",
            "GIT_COMMITTER_NAME": "GitHub",
            "GIT_COMMITTER_EMAIL": "noreply@github.com",
        }
        merge = _git(
            "commit-tree", tree.splitlines()[0], "-p", base, "-p", head,
            "-m", f"Merge {head} into {base}", cwd=self.remote, env=env,
        )  # fmt: skip
        _git("update-ref", f"refs/pull/{number}/head", head, cwd=self.remote)
        _git("update-ref", f"refs/pull/{number}/merge", merge, cwd=self.remote)
        return merge

    def _runner_env(self, github: Mapping[str, Any]) -> dict[str, str]:
        # A clean environment, not the test process's: HOME is empty (no git identity, as on
        # a runner) and any PATH entry that already provides `incident` is dropped, so a
        # workflow that forgets its install step fails here too.
        host_path = [
            entry
            for entry in os.environ.get("PATH", "").split(os.pathsep)
            if entry and not (Path(entry) / "incident").exists()
        ]
        env = {
            "PATH": os.pathsep.join(host_path),
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTOR": str(github["actor"]),
            "GITHUB_TRIGGERING_ACTOR": str(github["actor"]),
            "GITHUB_API_URL": str(github["api_url"]),
            "GITHUB_GRAPHQL_URL": str(github["graphql_url"]),
            "GITHUB_SERVER_URL": str(github["server_url"]),
            "GITHUB_BASE_REF": str(github["base_ref"]),
            "GITHUB_HEAD_REF": str(github["head_ref"]),
            "GITHUB_EVENT_NAME": self.event_name,
            "GITHUB_EVENT_PATH": str(self.temp / "_github_workflow" / "event.json"),
            "GITHUB_JOB": self.job_id,
            "GITHUB_REF": self.ref,
            "GITHUB_REF_NAME": str(github["ref_name"]),
            "GITHUB_REF_TYPE": "tag" if self.ref.startswith("refs/tags/") else "branch",
            "GITHUB_REPOSITORY": str(github["repository"]),
            "GITHUB_REPOSITORY_OWNER": str(github["repository_owner"]),
            "GITHUB_RUN_ID": str(github["run_id"]),
            "GITHUB_RUN_NUMBER": str(github["run_number"]),
            "GITHUB_RUN_ATTEMPT": str(github["run_attempt"]),
            "GITHUB_SHA": self.sha,
            "GITHUB_WORKFLOW": str(github["workflow"]),
            "GITHUB_WORKSPACE": str(self.workspace),
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "RUNNER_NAME": "harness",
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_TOOL_CACHE": str(self.tool_cache),
        }
        for name in ("SYSTEMROOT", "TZ"):
            if name in os.environ:
                env[name] = os.environ[name]
        return env

    # ---------------------------------------------------------------- the job

    def run(self) -> JobResult:
        unknown = set(self.job) - _JOB_KEYS
        if unknown:
            raise HarnessError(f"job keys not modelled: {sorted(unknown)}")
        if not self.ctx.condition(self.job.get("if")):
            return JobResult("skipped", [], self.workspace, self.temp)
        self.workflow_env = self._evaluate_env(self.workflow.get("env"))
        self.job_env = self._evaluate_env(self.job.get("env"))
        results = [self._run_step(i, step) for i, step in enumerate(self.job["steps"])]
        status = "failure" if self.ctx.job_failed else "success"
        return JobResult(status, results, self.workspace, self.temp)

    def _evaluate_env(
        self, env: Mapping[str, Any] | None, ctx: ExpressionContext | None = None
    ) -> dict[str, str]:
        ctx = ctx or self.ctx
        return {str(k): ctx.interpolate(v) for k, v in (env or {}).items()}

    def _run_step(self, index: int, step: Mapping[str, Any], scope: _Scope | None = None) -> StepResult:
        scope = scope or self.scope
        unknown = set(step) - _STEP_KEYS
        if unknown:
            raise HarnessError(f"step {index}: keys not modelled: {sorted(unknown)}")
        step_id = step.get("id")
        name = str(step.get("name") or step_id or step.get("uses") or step.get("run", ""))
        result = StepResult(index, step_id, name, outcome="skipped", conclusion="skipped")
        started = time.monotonic()
        if scope.ctx.condition(step.get("if")):
            if "uses" in step:
                self._uses(step, result, scope)
            elif "run" in step:
                if scope.action_path is not None and "shell" not in step:
                    raise HarnessError(f"composite step {name!r}: shell: is required")
                self._run(step, result, scope)
            else:
                raise HarnessError(f"step {name!r} has neither run nor uses")
            continue_on_error = step.get("continue-on-error", False)
            if not isinstance(continue_on_error, bool):
                raise HarnessError("continue-on-error must be a literal true/false here")
            failed = result.outcome == "failure"
            result.conclusion = "success" if failed and continue_on_error else result.outcome
            if result.conclusion == "failure":
                scope.ctx.job_failed = True
        result.seconds = time.monotonic() - started
        if step_id:
            scope.steps[step_id] = {
                "outputs": result.outputs,
                "outcome": result.outcome,
                "conclusion": result.conclusion,
            }
        return result

    def _uses(self, step: Mapping[str, Any], result: StepResult, scope: _Scope) -> None:
        uses = str(step["uses"])
        pinned = _PINNED.match(uses)
        if pinned is None:
            raise HarnessError(f"{uses!r} is not pinned to a full commit SHA")
        action = pinned.group("action")
        inputs = {str(k): scope.ctx.interpolate(v) for k, v in (step.get("with") or {}).items()}
        if action == "actions/checkout":
            self._checkout(inputs, result)
        elif action == "actions/setup-python":
            self._setup_python(result)
        elif action == "actions/setup-node":
            result.outcome, result.returncode = "success", 0
        elif action in ("actions/cache/restore", "actions/cache/save"):
            self._cache(action.rsplit("/", 1)[1], inputs, result)
        elif action in self.actions:
            self._composite(action, pinned.group("sha"), step, inputs, result, scope)
        else:
            raise HarnessError(f"action {action!r} is not modelled")

    def _cache(self, verb: str, inputs: Mapping[str, str], result: StepResult) -> None:
        unknown = set(inputs) - {"path", "key"}
        if unknown:
            raise HarnessError(f"actions/cache/{verb} inputs not modelled: {sorted(unknown)}")
        path, key = Path(inputs["path"]), inputs["key"]
        if not path.is_absolute() or "\n" in inputs["path"]:
            raise HarnessError("the harness models one absolute cache path")
        if verb == "restore":
            hit = self.cache is not None and self.cache.restore(path, key)
            result.outputs = {"cache-hit": "true" if hit else "false", "cache-primary-key": key}
            if hit:
                result.outputs["cache-matched-key"] = key
            said = "Cache restored from key" if hit else "Cache not found for input keys"
            result.output = f"{said}: {key}\n"
        else:
            # like the real action, a failed save is a warning, never a failed step
            result.output = self.cache.save(path, key) if self.cache else "Cache service unavailable\n"
        result.outcome, result.returncode = "success", 0

    def _composite(
        self,
        action: str,
        sha: str,
        step: Mapping[str, Any],
        inputs: Mapping[str, str],
        result: StepResult,
        scope: _Scope,
    ) -> None:
        action_dir = self.workdir / "_actions" / action / sha
        if not action_dir.exists() and not fetch_action(self.actions[action], sha, action_dir):
            result.outcome, result.returncode = "failure", 1
            result.output = f"Unable to resolve action `{action}@{sha}`, unable to find version `{sha}`\n"
            return
        meta = load_action(action_dir)
        declared = meta.get("inputs") or {}
        unknown = set(inputs) - set(declared)
        if unknown:
            raise HarnessError(f"{action}: unexpected inputs {sorted(unknown)}")
        values = {}
        for name, spec in declared.items():
            value = inputs.get(name, spec.get("default", ""))
            if spec.get("required") and value in ("", None):
                raise HarnessError(f"{action}: input {name!r} is required")
            values[name] = "" if value is None else str(value)
        inner_steps: dict[str, Any] = {}
        ctx = ExpressionContext(
            {
                "github": {**self.github, "action_path": str(action_dir)},
                "inputs": values,
                "steps": inner_steps,
            }
        )
        # The calling step's env reaches the action's steps (evaluated where it was written).
        env = {**scope.env, **self._evaluate_env(step.get("env"), scope.ctx)}
        inner = _Scope(ctx, inner_steps, env, action_dir)
        for index, inner_step in enumerate((meta.get("runs") or {}).get("steps") or []):
            result.steps.append(self._run_step(index, inner_step, inner))
        result.output = "".join(f"--- {s.name} [{s.outcome}]\n{s.output}" for s in result.steps)
        result.summary = "".join(s.summary for s in result.steps)
        failed = ctx.job_failed
        result.outcome, result.returncode = ("failure", 1) if failed else ("success", 0)
        declared_outputs = meta.get("outputs") or {}
        result.outputs = {str(k): ctx.interpolate(v.get("value", "")) for k, v in declared_outputs.items()}

    def _setup_python(self, result: StepResult) -> None:
        # outputs.python-version: the interpreter's, as setup-python reports the one it set up
        # Like setup-python, put a `python` on PATH: a wrapper around the test's interpreter.
        shim = self.tool_cache / "python-shim"
        shim.mkdir(exist_ok=True)
        for command in ("python", "python3"):
            wrapper = shim / command
            wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
            wrapper.chmod(0o755)
        self.added_path.insert(0, str(shim))
        result.outputs = {"python-version": platform.python_version()}
        result.outcome, result.returncode = "success", 0

    def _checkout(self, inputs: Mapping[str, str], result: StepResult) -> None:
        if self.remote is None:
            raise HarnessError("actions/checkout needs a remote= bare repository")
        unknown = set(inputs) - {"fetch-depth", "persist-credentials"}
        if unknown:
            raise HarnessError(f"actions/checkout inputs not modelled: {sorted(unknown)}")
        depth = int(inputs.get("fetch-depth", "1"))
        url = self.remote.resolve().as_uri()  # file:// so that --depth is honoured
        ws = self.workspace
        env = {**self.base_env}
        _git("init", "--quiet", str(ws), env=env)
        _git("remote", "add", "origin", url, cwd=ws, env=env)
        # Pushes go to the same bare repository (on GitHub: the same https URL).
        _git("remote", "set-url", "--push", "origin", url, cwd=ws, env=env)
        # The same refspecs actions/checkout uses: everything for fetch-depth 0, else only
        # the commit being built, to the name it would get.
        if self.ref.startswith("refs/pull/"):
            target = f"refs/remotes/pull/{self.ref.split('/')[2]}/merge"
        else:
            target = "refs/remotes/origin/" + self.ref.removeprefix("refs/heads/")
        if depth == 0:
            refspecs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]
            if self.ref.startswith("refs/pull/"):
                refspecs.append(f"+{self.sha}:{target}")
            _git("fetch", "--quiet", "--prune", "origin", *refspecs, cwd=ws, env=env)
        else:
            _git(
                "fetch", "--quiet", "--no-tags", f"--depth={depth}", "origin",
                f"+{self.sha}:{target}", cwd=ws, env=env,
            )  # fmt: skip
        if self.ref.startswith("refs/heads/"):
            branch = self.ref.removeprefix("refs/heads/")
            _git("checkout", "--quiet", "--force", "-B", branch, target, cwd=ws, env=env)
            _git("branch", f"--set-upstream-to=origin/{branch}", branch, cwd=ws, env=env)
        else:
            _git("checkout", "--quiet", "--force", "--detach", target, cwd=ws, env=env)
        result.outcome, result.returncode = "success", 0

    def _command_line(self, step: Mapping[str, Any], script: Path) -> list[str]:
        shell = step.get("shell") or self._default("shell")
        templates: dict[str | None, str] = {
            None: "bash -e {0}",
            "bash": "bash --noprofile --norc -eo pipefail {0}",
            "sh": "sh -e {0}",
            "python": "python {0}",
        }
        template = templates.get(shell, shell if shell and "{0}" in shell else None)
        if template is None:
            raise HarnessError(f"shell {shell!r} is not modelled")
        return [part.replace("{0}", str(script)) for part in shlex.split(template)]

    def _default(self, key: str) -> Any:
        for scope in (self.job, self.workflow):
            value = ((scope.get("defaults") or {}).get("run") or {}).get(key)
            if value is not None:
                return value
        return None

    def _run(self, step: Mapping[str, Any], result: StepResult, scope: _Scope) -> None:
        script_text = str(step["run"])
        if "${{" in script_text:
            # Real Actions would paste the value into the script: exactly the injection our
            # workflows avoid by passing everything through env:.
            raise HarnessError(f"step {result.name!r}: ${{{{ }}}} inside run:, use env:")
        step_env = {**scope.env, **self._evaluate_env(step.get("env"), scope.ctx)}
        if scope.action_path is not None:
            step_env["GITHUB_ACTION_PATH"] = str(scope.action_path)
        files = {
            name: self.temp / f"_runner_file_commands/{name.lower()}_{uuid.uuid4().hex}"
            for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")
        }
        for path in files.values():
            path.parent.mkdir(exist_ok=True)
            path.touch()
        env = {**self.base_env, **self.workflow_env, **self.job_env, **self.added_env, **step_env}
        env.update({name: str(path) for name, path in files.items()})
        env["PATH"] = os.pathsep.join([*self.added_path, self.base_env["PATH"]])

        shell = step.get("shell") or self._default("shell")
        suffix = ".py" if shell == "python" else ".sh"
        script = self.temp / f"{uuid.uuid4()}{suffix}"
        script.write_text(script_text, encoding="utf-8")
        command = self._command_line(step, script)
        executable = _which(command[0], env["PATH"])
        if executable is None:
            raise HarnessError(f"{command[0]!r} not on the step's PATH")
        working_directory = step.get("working-directory") or self._default("working-directory")
        cwd = self.workspace / str(working_directory) if working_directory else self.workspace
        timeout = float(step.get("timeout-minutes", 10)) * 60
        try:
            done = subprocess.run(
                [executable, *command[1:]],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise HarnessError(f"step {result.name!r} timed out after {timeout:.0f} s") from exc
        result.returncode = done.returncode
        result.output = done.stdout
        result.outcome = "success" if done.returncode == 0 else "failure"
        # The runner applies file commands whether or not the step succeeded.
        result.outputs = _read_key_values(files["GITHUB_OUTPUT"])
        self.added_env.update(_read_key_values(files["GITHUB_ENV"]))
        new_paths = files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines()
        for entry in filter(None, new_paths):
            self.added_path.insert(0, entry)
        result.summary = files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")


def _which(command: str, path: str) -> str | None:
    if os.sep in command:
        return command
    for directory in path.split(os.pathsep):
        candidate = Path(directory) / command
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def run_job(
    workflow: Path | str | Mapping[str, Any],
    *,
    event_name: str,
    event: Mapping[str, Any],
    workdir: Path,
    remote: Path | None = None,
    job: str | None = None,
    variables: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    repository: str = "acme/shop",
    actor: str = "octocat",
    default_branch: str = "main",
    actions: Mapping[str, Path] | None = None,
    cache: ActionsCache | None = None,
    api_url: str = "https://api.github.com",
    runner_env: Mapping[str, str] | None = None,
) -> JobResult:
    """Run one job of `workflow` for an event; `remote` is the bare repository to check out.

    `workdir` must be a fresh directory: it receives the workspace, RUNNER_TEMP and HOME.
    `actions` maps a composite action's owner/name to the git repository that holds its
    pinned commits; `cache` is the cache service behind actions/cache (None: every restore
    misses and saves go nowhere, as when the service is down); `api_url` is `github.api_url`
    and GITHUB_API_URL (a test points it at its GitHub stand-in on 127.0.0.1); `runner_env`
    is what a self-hosted runner's own environment adds (e.g. SLACK_API_URL for a stand-in).
    """
    data = load_workflow(workflow)
    _check_trigger(data, event_name, event)
    jobs = data.get("jobs") or {}
    if job is None:
        if len(jobs) != 1:
            raise HarnessError(f"say which job to run: {sorted(jobs)}")
        job = next(iter(jobs))
    run = _Job(
        data, job, event_name, json.loads(json.dumps(event)), workdir, remote,
        variables or {}, secrets or {}, repository, actor, default_branch, actions or {}, cache,
        api_url,
    )  # fmt: skip
    run.base_env.update(runner_env or {})
    return run.run()


def git_env(**extra: str) -> dict[str, str]:
    """Environment for tests' own git commands: pinned identity, no user config."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Test Committer",
        "GIT_COMMITTER_EMAIL": "committer@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    env.update(extra)
    return env


def make_remote(path: Path, populate: Callable[[Path], object], branch: str = "main") -> Path:
    """Create a bare repository at `path` whose `branch` holds what `populate` writes.

    `populate` gets a scratch clone (already a git repo on `branch`) and may run anything in
    it, e.g. `incident init`; whatever it leaves uncommitted is committed, then pushed.
    """
    env = git_env()
    seed = path.with_name(path.name + "-seed")
    _git("init", "--quiet", "--bare", f"--initial-branch={branch}", str(path), env=env)
    _git("init", "--quiet", f"--initial-branch={branch}", str(seed), env=env)
    populate(seed)
    _git("add", "--all", cwd=seed, env=env)
    if _git("status", "--porcelain", cwd=seed, env=env):
        _git("commit", "--quiet", "-m", "Seed repository", cwd=seed, env=env)
    _git("push", "--quiet", str(path), f"HEAD:refs/heads/{branch}", cwd=seed, env=env)
    return path
