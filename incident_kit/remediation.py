"""Rollback and hotfix triggers: `mitigate --rollback ID` / `--hotfix` dispatch a workflow.

`github.rollback_workflow` / `github.hotfix_workflow` in the config name either a workflow
file (`rollback.yml`: a `workflow_dispatch` with inputs `incident_id` and `deployment_id`) or
`{event_type: NAME}` (a `repository_dispatch` with the same keys in `client_payload`). The
dispatch happens once, before the transition is committed; its outcome is recorded in the
incident (`remediation:`) and its timeline, and a failed one stays `pending` for `sync`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from incident_kit.config.settings import Config
from incident_kit.errors import DeliveryError

DISPATCHED = "dispatched"
PENDING = "pending"
UNKNOWN = "unknown"  # the dispatch may have run: a person checks; sync does not repeat it
RECORDED = "recorded"  # nothing configured: the plan is only written down


@dataclass(frozen=True)
class Outcome:
    status: str
    note: str  # for the timeline

    def record(self, plan: str, deployment_id: str | None, target: str | None) -> dict[str, Any]:
        return {"plan": plan, "deployment_id": deployment_id, "workflow": target, "status": self.status}


def target(config: Config, plan: str) -> str | Mapping[str, Any] | None:
    value = getattr(config.github, f"{plan}_workflow")
    return value if isinstance(value, (str, Mapping)) and value else None


def describe(value: str | Mapping[str, Any] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return f"repository_dispatch {value.get('event_type')}"
    return value


def dispatch(
    config: Config, env: Mapping[str, str], plan: str, incident_id: str, deployment_id: str | None
) -> Outcome:
    where = target(config, plan)
    if where is None:
        return Outcome(RECORDED, f"no {plan} workflow configured (github.{plan}_workflow); plan recorded")
    if not env.get("GITHUB_TOKEN", "").strip():
        return Outcome(
            PENDING, f"{plan} not dispatched yet: GITHUB_TOKEN is not set; `incident sync` retries"
        )
    from incident_kit.github.client import DispatchUncertain, GitHubClient

    inputs = {"incident_id": incident_id, "deployment_id": deployment_id or ""}
    try:
        client = GitHubClient.from_env(env)
        if isinstance(where, Mapping):
            client.repository_dispatch(str(where.get("event_type")), inputs)
        else:
            client.dispatch_workflow(where, ref=config.github.ref, inputs=inputs)
    except DispatchUncertain as error:
        return Outcome(
            UNKNOWN, f"{plan} dispatch outcome unknown ({error.message}); not retried automatically"
        )
    except DeliveryError as error:
        return Outcome(PENDING, f"{plan} dispatch failed ({error.message}); `incident sync` retries")
    return Outcome(DISPATCHED, f"{plan} dispatched: {describe(where)}")
