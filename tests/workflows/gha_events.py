"""Event payloads shaped like the ones GitHub delivers (only the fields workflows read).

The harness writes them to GITHUB_EVENT_PATH and exposes them as `github.event`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def repository_object(repository: str, default_branch: str = "main") -> dict[str, Any]:
    owner, name = repository.split("/")
    return {
        "id": 424242,
        "name": name,
        "full_name": repository,
        "private": True,
        "owner": {"login": owner, "type": "Organization"},
        "html_url": f"https://github.com/{repository}",
        "default_branch": default_branch,
    }


def _sender(actor: str) -> dict[str, Any]:
    return {"login": actor, "id": 583231, "type": "User"}


def repository_dispatch_event(
    client_payload: Mapping[str, Any],
    *,
    event_type: str = "alert",
    repository: str = "acme/shop",
    default_branch: str = "main",
    actor: str = "octocat",
) -> dict[str, Any]:
    return {
        "action": event_type,
        "branch": default_branch,
        "client_payload": dict(client_payload),
        "repository": repository_object(repository, default_branch),
        "sender": _sender(actor),
    }


def workflow_dispatch_event(
    inputs: Mapping[str, str],
    *,
    ref: str = "refs/heads/main",
    repository: str = "acme/shop",
    default_branch: str = "main",
    actor: str = "octocat",
) -> dict[str, Any]:
    return {
        "inputs": dict(inputs),
        "ref": ref,
        "repository": repository_object(repository, default_branch),
        "sender": _sender(actor),
        "workflow": ".github/workflows/unknown.yml",
    }


def pull_request_event(
    *,
    number: int,
    base_sha: str,
    head_sha: str,
    head_ref: str,
    base_ref: str = "main",
    title: str = "Update incidents",
    repository: str = "acme/shop",
    actor: str = "octocat",
) -> dict[str, Any]:
    repo = repository_object(repository, base_ref)
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "title": title,
            "state": "open",
            "user": _sender(actor),
            "base": {"ref": base_ref, "sha": base_sha, "repo": repo},
            "head": {"ref": head_ref, "sha": head_sha, "repo": repo},
        },
        "repository": repo,
        "sender": _sender(actor),
    }


def push_event(
    *,
    ref: str,
    before: str,
    after: str,
    repository: str = "acme/shop",
    default_branch: str = "main",
    actor: str = "octocat",
) -> dict[str, Any]:
    return {
        "ref": ref,
        "before": before,
        "after": after,
        "repository": repository_object(repository, default_branch),
        "pusher": {"name": actor},
        "sender": _sender(actor),
    }


def schedule_event(cron: str) -> dict[str, Any]:
    # The schedule payload carries no repository object; workflows must not rely on one.
    return {"schedule": cron}


def _user(login: str) -> dict[str, Any]:
    bot = login.endswith("[bot]")
    return {"login": login, "id": 1000 + len(login), "type": "Bot" if bot else "User"}


def _issue(number: int, title: str, body: str, author: str, labels: list[str]) -> dict[str, Any]:
    return {
        "number": number,
        "title": title,
        "body": body,
        "state": "open",
        "user": _user(author),
        "labels": [{"name": name} for name in labels],
        "author_association": "NONE",
        "html_url": f"https://github.com/acme/shop/issues/{number}",
    }


def issues_event(
    *,
    number: int,
    title: str,
    body: str,
    author: str = "alice",
    action: str = "opened",
    labels: list[str] | None = None,
    repository: str = "acme/shop",
    default_branch: str = "main",
) -> dict[str, Any]:
    return {
        "action": action,
        "issue": _issue(number, title, body, author, labels or ["incident"]),
        "repository": repository_object(repository, default_branch),
        "sender": _user(author),
    }


def issue_comment_event(
    *,
    number: int,
    comment_id: int,
    body: str,
    author: str = "bob",
    action: str = "created",
    pull_request: bool = False,
    association: str = "MEMBER",
    repository: str = "acme/shop",
    default_branch: str = "main",
) -> dict[str, Any]:
    # `author_association` says MEMBER whatever the test wants: the tool must not trust it
    issue = _issue(number, "Incident: checkout is down", "", "alice", ["incident"])
    if pull_request:
        issue["pull_request"] = {"url": f"https://api.github.com/repos/{repository}/pulls/{number}"}
    return {
        "action": action,
        "issue": issue,
        "comment": {
            "id": comment_id,
            "body": body,
            "user": _user(author),
            "author_association": association,
            "html_url": f"https://github.com/{repository}/issues/{number}#issuecomment-{comment_id}",
        },
        "repository": repository_object(repository, default_branch),
        "sender": _user(author),
    }
