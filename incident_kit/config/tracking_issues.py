"""`github.tracking_issues` in the config, read and checked.

    github:
      tracking_issues: {enabled: true, severities: [SEV-1, SEV-2], label: incident}

Each mistake (`enabled: maybe`, a severity not on the scale, a label GitHub would refuse) names
file, line and key; the commands that record incident facts then use the default for that part
and say so in one warning line (`config.degraded`), and `validate` lists it. A misspelt key is
ignored with a warning from `validate`, like any unknown key (`config.references`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from incident_kit.config.settings import TrackingIssueSettings

if TYPE_CHECKING:
    from incident_kit.config.reader import ConfigReader

WHERE = "github.tracking_issues"
_MAX_LABEL = 50  # GitHub's limit on a label's name


def read_tracking_issues(reader: ConfigReader, github: Mapping[str, Any]) -> TrackingIssueSettings:
    node = reader.mapping(github, "tracking_issues", WHERE)
    enabled = reader.boolean(node, "enabled", f"{WHERE}.enabled", True)
    if node.get("severities") is None:
        # SEV-1 and SEV-2, or on a team's own scale its two most severe levels
        severities = tuple(reader.scale.levels[:2])
    else:
        listed = reader.strings(node, "severities", f"{WHERE}.severities")
        severities = tuple(reader.severity(node, "severities", f"{WHERE}.severities", s) for s in listed)
    label = reader.text(node, "label", WHERE, TrackingIssueSettings().label).strip()
    if not label or len(label) > _MAX_LABEL or "," in label:
        # a comma would split the label filter that finds the issue again
        message = f"must be 1-50 characters without commas, not {label!r}"
        raise reader.fail(node, "label", f"{WHERE}.label", message)
    return TrackingIssueSettings(enabled=enabled, severities=severities, label=label)
