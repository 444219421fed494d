"""Rollback and hotfix dispatches that an earlier command could not make: made now, once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from incident_kit.config.settings import Config
from incident_kit.store import IncidentFile
from incident_kit.sync.results import SyncResults

if TYPE_CHECKING:
    pass


def sync_remediation(
    env: Mapping[str, str], incidents: Sequence[IncidentFile], config: Config, results: SyncResults
) -> None:
    from incident_kit import remediation

    for incident in incidents:
        record = incident.data.get("remediation")
        if not isinstance(record, Mapping) or record.get("status") != remediation.PENDING:
            continue
        plan = str(record.get("plan") or "rollback")
        deployment = record.get("deployment_id")
        outcome = remediation.dispatch(
            config, env, plan, incident.id, str(deployment) if deployment else None
        )
        if outcome.status == remediation.DISPATCHED:
            results.remediation[incident.rel] = outcome.note
            results.delivered.append(f"{incident.id}: {outcome.note}")
        else:
            results.pending.append(f"{incident.id}: {outcome.note}")
