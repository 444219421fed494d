"""`incident doctor`: what a team's setup is missing, one line per finding with its fix.

Checks the tokens in the environment, the installed workflows (present, managed, pinned by
commit, as current as this CLI, nothing installed by bare name), GitHub's default branch and the
action-item labels (PyGithub; needs GITHUB_TOKEN and the repository from GITHUB_REPOSITORY or the
`origin` remote), and the Slack bot token's scopes (`auth.test`). Exit 1 when anything is a
problem; warnings alone exit 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from incident_kit import __version__, doctor
from incident_kit.context import open_context
from incident_kit.errors import DeliveryError
from incident_kit.git import repository
from incident_kit.workflows.installed import WORKFLOWS, WORKFLOWS_DIR

_GITHUB_REMOTE = re.compile(r"github\.com[:/](?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?:\.git)?/?$")


def run(repo: Path | None) -> int:
    ctx = open_context(repo, need_config=False)
    env = ctx.env
    findings = doctor.tokens(env)
    for name in WORKFLOWS:
        rel = f"{WORKFLOWS_DIR}/{name}"
        path = ctx.root / rel
        text = path.read_text("utf-8", "replace") if path.is_file() else None
        findings += doctor.workflow(rel, text, __version__)
    if env.get("GITHUB_TOKEN", "").strip():
        findings += _github(ctx.root, env)
    if env.get("SLACK_BOT_TOKEN", "").strip():
        findings.append(_slack(env))
    for finding in findings:
        print(finding.line())
    problems = sum(1 for f in findings if f.level == doctor.PROBLEM)
    warnings = sum(1 for f in findings if f.level == doctor.WARNING)
    print(f"incident doctor: {problems} problem(s), {warnings} warning(s)")
    return 1 if problems else 0


def _github(root: Path, env: Mapping[str, str]) -> list[doctor.Finding]:
    from incident_kit.config.loading import load
    from incident_kit.github.client import GitHubClient

    target = env.get("GITHUB_REPOSITORY", "").strip() or _origin_repository(root)
    if not target:
        return [
            doctor.Finding(
                doctor.PROBLEM,
                "GitHub repository",
                "unknown: GITHUB_REPOSITORY is not set and `origin` is not a GitHub URL",
                "export GITHUB_REPOSITORY=owner/name",
            )
        ]
    try:
        client = GitHubClient.from_env(env, repo=target, seconds_between_requests=None)
        labels = load(root, repository.git_dir(root) / "incident-kit").github.labels
        found = [
            doctor.default_branch(client.default_branch(), _local_branch(root)),
            doctor.labels(client.missing_labels(labels)),
        ]
        client.close()
    except DeliveryError as error:
        return [
            doctor.Finding(
                doctor.PROBLEM,
                f"GitHub {target}",
                error.message,
                "check GITHUB_TOKEN (Issues: read) and GITHUB_REPOSITORY / GITHUB_API_URL",
            )
        ]
    return found


def _slack(env: Mapping[str, str]) -> doctor.Finding:
    from incident_kit.notify.slack import DEFAULT_SLACK_API_URL
    from incident_kit.notify.slack_scopes import BOT_SCOPES, granted_scopes

    base_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    try:
        granted = granted_scopes(env["SLACK_BOT_TOKEN"].strip(), base_url)
    except DeliveryError as error:
        return doctor.Finding(
            doctor.PROBLEM,
            "SLACK_BOT_TOKEN",
            error.message,
            "copy the Bot User OAuth Token (xoxb-…) from the Slack app's OAuth & Permissions page",
        )
    return doctor.slack_scopes(granted, BOT_SCOPES)


def _origin_repository(root: Path) -> str | None:
    url = repository.config_value(root, "remote.origin.url") or ""
    match = _GITHUB_REMOTE.search(url)
    return match.group("repo") if match else None


def _local_branch(root: Path) -> str | None:
    from incident_kit.git import process

    branch = process.run(root, "symbolic-ref", "-q", "--short", "HEAD", check=False).stdout.strip()
    return branch or None
