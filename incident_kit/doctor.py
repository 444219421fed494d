"""What `incident doctor` concludes from the facts it gathered: one finding per line, each with
the fix. Pure: the facts (environment, workflow texts, scopes, labels, branches) come in as data
from `commands/doctor.py`, which does the reading and the network calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from incident_kit.errors import IncidentKitError
from incident_kit.workflows import audit, managed

OK = "ok"
WARNING = "warning"
PROBLEM = "problem"


@dataclass(frozen=True)
class Finding:
    level: str  # ok | warning | problem
    subject: str  # what was checked, e.g. "SLACK_BOT_TOKEN", ".github/workflows/incident-alert.yml"
    message: str
    fix: str = ""

    def line(self) -> str:
        fix = f" — fix: {self.fix}" if self.fix and self.level != OK else ""
        return f"{self.level:<8} {self.subject}: {self.message}{fix}"


def tokens(env: Mapping[str, str]) -> list[Finding]:
    found = []
    if env.get("GITHUB_TOKEN", "").strip():
        found.append(Finding(OK, "GITHUB_TOKEN", "set"))
    else:
        found.append(
            Finding(
                PROBLEM,
                "GITHUB_TOKEN",
                "not set, so the GitHub side (default branch, labels) cannot be checked",
                "export GITHUB_TOKEN=$(gh auth token), or a token with Issues: read; in the "
                "workflows GitHub provides it",
            )
        )
    if env.get("SLACK_BOT_TOKEN", "").strip():
        found.append(Finding(OK, "SLACK_BOT_TOKEN", "set"))
    else:
        found.append(
            Finding(
                WARNING,
                "SLACK_BOT_TOKEN",
                "not set: announcements go to the console outbox, not Slack",
                "create the Slack app from the README's manifest, then export SLACK_BOT_TOKEN=xoxb-… here "
                "and add it as the repository secret SLACK_BOT_TOKEN",
            )
        )
    return found


def workflow(rel: str, text: str | None, running: str) -> list[Finding]:
    """One installed workflow: present, managed, pinned by commit, current, no bare installs."""
    if text is None:
        return [Finding(PROBLEM, rel, "missing", "run `incident init` (it adds what is missing)")]
    found: list[Finding] = []
    try:
        pins = managed.pins(text, rel)
    except IncidentKitError as error:
        found.append(Finding(PROBLEM, rel, error.message, "restore both marker comments, or rerun init"))
        pins = []
    managed_lines = {pin.line for pin in pins}
    for unpinned in audit.unpinned_uses(text):
        if unpinned.line in managed_lines:
            continue  # said below, with the release it names
        found.append(
            Finding(
                PROBLEM,
                f"{rel}:{unpinned.line}",
                f"uses {unpinned.text}, not pinned to a commit (a tag or branch can be moved to other code)",
                _pin_fix(unpinned.text),
            )
        )
    for install in audit.bare_installs(text):
        found.append(
            Finding(
                PROBLEM,
                f"{rel}:{install.line}",
                f"installs a package by name from an index ({install.text[:80]})",
                "remove the step: the incident-kit action brings the CLI and its locked dependencies",
            )
        )
    if not pins and not found:
        found.append(
            Finding(
                WARNING,
                rel,
                "has no incident-kit managed step, so `incident init --upgrade` cannot update it",
                "move it away and run `incident init` to install the current one",
            )
        )
    found += [_pin_finding(rel, pin, running) for pin in pins]
    return found


def _pin_fix(ref: str) -> str:
    if ref.startswith(managed.ACTION_REPOSITORY + "@"):
        return "incident init --upgrade --action-ref <the release's full commit SHA>"
    return "replace the tag with the full commit SHA it points to, and keep the tag in a comment"


def _pin_finding(rel: str, found: managed.FoundPin, running: str) -> Finding:
    where, pin = f"{rel}:{found.line}", found.pin
    if not pin.pinned:
        return Finding(
            PROBLEM, where, f"incident-kit is not pinned to a commit ({pin.ref})", _pin_fix(pin.uses())
        )
    if not pin.version:
        return Finding(
            WARNING, where, "the pinned commit names no release in its comment", "incident init --upgrade"
        )
    if managed.older(pin.version, running):
        return Finding(
            PROBLEM,
            where,
            f"runs incident-kit v{pin.version}, older than this CLI (v{running})",
            "incident init --upgrade, then commit and push",
        )
    if managed.older(running, pin.version):
        return Finding(
            WARNING,
            where,
            f"runs incident-kit v{pin.version}, newer than this CLI (v{running})",
            "upgrade the CLI you run locally to the same release",
        )
    return Finding(OK, where, f"runs incident-kit v{pin.version} @ {pin.ref[:12]}")


def slack_scopes(granted: Iterable[str], required: Iterable[str]) -> Finding:
    missing = [scope for scope in required if scope not in set(granted)]
    if not missing:
        return Finding(OK, "Slack scopes", "the bot token has every scope incident-kit uses")
    return Finding(
        PROBLEM,
        "Slack scopes",
        f"the bot token lacks {', '.join(missing)}",
        "add them under OAuth & Permissions → Bot Token Scopes (or paste the README's manifest), "
        "reinstall the app and update SLACK_BOT_TOKEN",
    )


def default_branch(github_default: str, local_branch: str | None) -> Finding:
    if local_branch is None or local_branch == github_default:
        return Finding(OK, "default branch", f"{github_default}: alerts run the workflows found there")
    return Finding(
        WARNING,
        "default branch",
        f"GitHub's default branch is {github_default} but this clone is on {local_branch}; "
        f"alerts run only the workflows on {github_default}",
        f"merge the workflows and incidents/ into {github_default}",
    )


def labels(missing: Iterable[str]) -> Finding:
    names = list(missing)
    if not names:
        return Finding(OK, "labels", "every configured action-item label exists")
    return Finding(
        WARNING,
        "labels",
        f"missing {', '.join(names)} (the first sync creates them, if its token may)",
        "create them now: gh label create " + " && gh label create ".join(names),
    )
