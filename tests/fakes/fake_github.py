"""The GitHub REST subset incident-kit uses: issues (create, read, edit), their comments and
comment reactions, labels, a collaborator's permission, and the two dispatch endpoints.

Answers like GitHub: error envelopes `{"message", "documentation_url"}`, `Link` header
pagination, rate-limit headers, and absolute `url` fields built from the request's `Host`
header (PyGithub asserts that every URL it follows points back at its base URL).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlencode

Response = tuple[int, dict[str, str], Any]
DOCS = "https://docs.github.com/rest"
_MESSAGES = {
    401: "Bad credentials",
    403: "API rate limit exceeded for installation ID 1.",
    404: "Not Found",
    422: "Validation Failed",
    429: "API rate limit exceeded for installation ID 1.",
    500: "Server Error",
    502: "Bad Gateway",
}


@dataclass
class Issue:
    number: int
    title: str
    body: str
    labels: list[str]
    assignees: list[str]
    state: str = "open"
    is_pull_request: bool = False
    state_reason: str | None = None


@dataclass
class Comment:
    id: int
    issue: int
    body: str
    login: str
    reactions: list[str]  # reaction contents, in the order they were added ("+1", "eyes", …)


REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
PERMISSIONS = ("admin", "maintain", "write", "triage", "read", "none")


class FakeGitHub:
    def __init__(self, token: str, repo: str) -> None:
        self.token = token
        self.repo = repo
        self.page_size = 100  # the most issues one page holds, whatever per_page says
        self.issues: dict[int, Issue] = {}
        self.labels: dict[str, str] = {}  # name → color
        self.collaborators = {"alice", "bob"}  # who can be assigned
        self.workflows = {"rollback.yml", "hotfix.yml"}
        self.workflow_runs: list[dict[str, Any]] = []  # workflow_dispatch bodies
        self.repository_dispatches: list[dict[str, Any]] = []
        self.default_branch = "main"
        self.comments: dict[int, Comment] = {}  # by comment id
        # a login's permission on the repository (GET …/collaborators/{login}/permission);
        # collaborators not listed here have "write", everyone else "none"
        self.permissions: dict[str, str] = {}
        self.bot_login = "github-actions[bot]"  # who the token posts as

    # --- seeding ----------------------------------------------------------------------

    def add_issue(
        self,
        title: str,
        body: str = "",
        labels: list[str] | None = None,
        *,
        state: str = "open",
        pull_request: bool = False,
    ) -> int:
        number = len(self.issues) + 1
        for label in labels or []:
            self.labels.setdefault(label, "ededed")
        self.issues[number] = Issue(number, title, body, list(labels or []), [], state)
        self.issues[number].is_pull_request = pull_request
        return number

    def add_comment(self, number: int, body: str, login: str) -> int:
        """A comment by `login` on issue `number`; returns its id."""
        comment_id = 5000 + len(self.comments) + 1
        self.comments[comment_id] = Comment(comment_id, number, body, login, [])
        return comment_id

    def comments_on(self, number: int) -> list[Comment]:
        return [c for c in self.comments.values() if c.issue == number]

    def permission_of(self, login: str) -> str:
        if login in self.permissions:
            return self.permissions[login]
        return "write" if login in self.collaborators else "none"

    def close_issue(self, number: int) -> None:
        self.issues[number].state = "closed"
        self.issues[number].state_reason = "completed"

    def error_body(self, status: int) -> dict[str, str]:
        return {"message": _MESSAGES.get(status, "Error"), "documentation_url": DOCS}

    # --- dispatch -------------------------------------------------------------------

    def handle(
        self, verb: str, path: str, query: dict[str, str], body: Any, auth: str, base: str
    ) -> Response:
        if auth not in (f"token {self.token}", f"Bearer {self.token}"):
            return self._error(401)
        prefix = f"/repos/{self.repo}"
        if path != prefix and not path.startswith(prefix + "/"):
            return self._error(404)
        rest = path[len(prefix) :]
        routes = (
            ("GET", r"", self._get_repository),
            ("GET", r"/issues", self._list_issues),
            ("POST", r"/issues", self._create_issue),
            ("GET", r"/issues/(\d+)", self._get_issue),
            ("PATCH", r"/issues/(\d+)", self._edit_issue),
            ("GET", r"/issues/(\d+)/comments", self._list_comments),
            ("POST", r"/issues/(\d+)/comments", self._create_comment),
            ("GET", r"/issues/comments/(\d+)", self._get_comment),
            ("POST", r"/issues/comments/(\d+)/reactions", self._create_reaction),
            ("GET", r"/collaborators/([^/]+)/permission", self._collaborator_permission),
            ("GET", r"/labels/([^/]+)", self._get_label),
            ("GET", r"/labels", self._list_labels),
            ("POST", r"/labels", self._create_label),
            ("POST", r"/actions/workflows/([^/]+)/dispatches", self._workflow_dispatch),
            ("POST", r"/dispatches", self._repository_dispatch),
        )
        for route_verb, pattern, route in routes:
            match = re.fullmatch(pattern, rest)
            if match and verb == route_verb:
                status, headers, out = route(base, query, body or {}, *match.groups())
                return status, {**self._rate_headers(), **headers}, out
        return self._error(404)

    # --- routes -----------------------------------------------------------------------

    def _get_repository(self, base: str, query: dict[str, str], body: Any) -> Response:
        owner, name = self.repo.split("/")
        return (
            200,
            {},
            {
                "id": 4242,
                "name": name,
                "full_name": self.repo,
                "owner": {"login": owner, "url": f"{base}/users/{owner}"},
                "private": True,
                "default_branch": self.default_branch,
                "url": f"{base}/repos/{self.repo}",
                "html_url": f"{base}/{self.repo}",
                "has_issues": True,
            },
        )

    def _list_issues(self, base: str, query: dict[str, str], body: Any) -> Response:
        state = query.get("state", "open")
        wanted = [label for label in query.get("labels", "").split(",") if label]
        found = [
            issue
            for issue in sorted(self.issues.values(), key=lambda i: -i.number)  # newest first
            if (state == "all" or issue.state == state) and all(label in issue.labels for label in wanted)
        ]
        per_page = min(int(query.get("per_page") or 30), self.page_size)
        page = int(query.get("page") or 1)
        last = max(1, -(-len(found) // per_page))
        items = found[(page - 1) * per_page : page * per_page]
        links = []
        url = f"{base}/repos/{self.repo}/issues"
        if page < last:
            links.append(f'<{url}?{urlencode({**query, "page": page + 1})}>; rel="next"')
            links.append(f'<{url}?{urlencode({**query, "page": last})}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, headers, [self._issue_json(base, issue) for issue in items]

    def _create_issue(self, base: str, query: dict[str, str], body: Any) -> Response:
        title = str(body.get("title") or "")
        if not title:
            return self._error(422, [{"resource": "Issue", "field": "title", "code": "missing"}])
        assignees = list(body.get("assignees") or [])
        unknown = [a for a in assignees if a not in self.collaborators]
        if unknown:
            invalid = {"resource": "Issue", "field": "assignees", "code": "invalid"}
            return self._error(422, [{**invalid, "value": unknown[0]}])
        number = self.add_issue(title, str(body.get("body") or ""), list(body.get("labels") or []))
        self.issues[number].assignees = assignees
        return 201, {}, self._issue_json(base, self.issues[number])

    def _get_issue(self, base: str, query: dict[str, str], body: Any, number: str) -> Response:
        issue = self.issues.get(int(number))
        return (200, {}, self._issue_json(base, issue)) if issue else self._error(404)

    def _edit_issue(self, base: str, query: dict[str, str], body: Any, number: str) -> Response:
        issue = self.issues.get(int(number))
        if issue is None:
            return self._error(404)
        state = body.get("state")
        if state is not None and state not in ("open", "closed"):
            return self._error(422, [{"resource": "Issue", "field": "state", "code": "invalid"}])
        if "title" in body:
            if not body["title"]:
                return self._error(422, [{"resource": "Issue", "field": "title", "code": "missing"}])
            issue.title = str(body["title"])
        if "body" in body:
            issue.body = str(body["body"] or "")
        if "labels" in body:
            issue.labels = [str(label) for label in body["labels"] or []]
            for label in issue.labels:
                self.labels.setdefault(label, "ededed")
        if "assignees" in body:
            issue.assignees = [a for a in body["assignees"] or [] if a in self.collaborators]
        if state is not None:
            issue.state = state
            issue.state_reason = body.get("state_reason") or (
                "completed" if state == "closed" else "reopened"
            )
        return 200, {}, self._issue_json(base, issue)

    def _list_comments(self, base: str, query: dict[str, str], body: Any, number: str) -> Response:
        if int(number) not in self.issues:
            return self._error(404)
        found = self.comments_on(int(number))  # oldest first, as GitHub lists them
        per_page = min(int(query.get("per_page") or 30), self.page_size)
        page = int(query.get("page") or 1)
        last = max(1, -(-len(found) // per_page))
        items = found[(page - 1) * per_page : page * per_page]
        url = f"{base}/repos/{self.repo}/issues/{number}/comments"
        links = []
        if page < last:
            links.append(f'<{url}?{urlencode({**query, "page": page + 1})}>; rel="next"')
            links.append(f'<{url}?{urlencode({**query, "page": last})}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, headers, [self._comment_json(base, c) for c in items]

    def _create_comment(self, base: str, query: dict[str, str], body: Any, number: str) -> Response:
        if int(number) not in self.issues:
            return self._error(404)
        text = body.get("body")
        if not isinstance(text, str) or not text:
            return self._error(422, [{"resource": "IssueComment", "field": "body", "code": "missing"}])
        if len(text) > 65536:  # GitHub's limit on a comment's body
            return self._error(422, [{"resource": "IssueComment", "field": "body", "code": "custom"}])
        comment_id = self.add_comment(int(number), text, self.bot_login)
        return 201, {}, self._comment_json(base, self.comments[comment_id])

    def _get_comment(self, base: str, query: dict[str, str], body: Any, comment_id: str) -> Response:
        comment = self.comments.get(int(comment_id))
        return (200, {}, self._comment_json(base, comment)) if comment else self._error(404)

    def _create_reaction(self, base: str, query: dict[str, str], body: Any, comment_id: str) -> Response:
        comment = self.comments.get(int(comment_id))
        if comment is None:
            return self._error(404)
        content = body.get("content")
        if content not in REACTIONS:
            return self._error(422, [{"resource": "Reaction", "field": "content", "code": "invalid"}])
        status = 200 if content in comment.reactions else 201  # GitHub answers 200 for a repeat
        if status == 201:
            comment.reactions.append(content)
        reaction = {
            "id": 9000 + len(comment.reactions),
            "content": content,
            "user": {"login": self.bot_login},
        }
        return status, {}, reaction

    def _collaborator_permission(self, base: str, query: dict[str, str], body: Any, login: str) -> Response:
        login = unquote(login)
        permission = self.permission_of(login)
        # `permission` is the legacy field (admin/write/read/none); `role_name` the precise one
        legacy = {"maintain": "write", "triage": "read"}.get(permission, permission)
        user = {"login": login, "url": f"{base}/users/{login}", "type": "User"}
        return 200, {}, {"permission": legacy, "role_name": permission, "user": user}

    def _get_label(self, base: str, query: dict[str, str], body: Any, name: str) -> Response:
        name = unquote(name)
        if name not in self.labels:
            return self._error(404)
        return 200, {}, self._label_json(base, name)

    def _list_labels(self, base: str, query: dict[str, str], body: Any) -> Response:
        return 200, {}, [self._label_json(base, name) for name in self.labels]

    def _create_label(self, base: str, query: dict[str, str], body: Any) -> Response:
        name = str(body.get("name") or "")
        if name in self.labels:
            return self._error(422, [{"resource": "Label", "code": "already_exists"}])
        self.labels[name] = str(body.get("color") or "ededed")
        return 201, {}, self._label_json(base, name)

    def _workflow_dispatch(self, base: str, query: dict[str, str], body: Any, workflow: str) -> Response:
        if unquote(workflow) not in self.workflows:
            return self._error(404)
        inputs = body.get("inputs") or {}
        if not body.get("ref") or len(inputs) > 25:
            return self._error(422)
        self.workflow_runs.append({"workflow": unquote(workflow), **body})
        return 204, {}, None

    def _repository_dispatch(self, base: str, query: dict[str, str], body: Any) -> Response:
        event_type = str(body.get("event_type") or "")
        if not event_type or len(event_type) > 100 or len(body.get("client_payload") or {}) > 10:
            return self._error(422)
        self.repository_dispatches.append(body)
        return 204, {}, None

    # --- JSON -------------------------------------------------------------------------

    def _issue_json(self, base: str, issue: Issue) -> dict[str, Any]:
        api = f"{base}/repos/{self.repo}/issues/{issue.number}"
        kind = "pull" if issue.is_pull_request else "issues"
        out: dict[str, Any] = {
            "id": 1000 + issue.number,
            "number": issue.number,
            "url": api,
            "html_url": f"{base}/{self.repo}/{kind}/{issue.number}",
            "title": issue.title,
            "body": issue.body,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "labels": [self._label_json(base, name) for name in issue.labels],
            "assignees": [{"login": a, "url": f"{base}/users/{a}"} for a in issue.assignees],
        }
        if issue.is_pull_request:
            out["pull_request"] = {"url": f"{base}/repos/{self.repo}/pulls/{issue.number}"}
        return out

    def _comment_json(self, base: str, comment: Comment) -> dict[str, Any]:
        return {
            "id": comment.id,
            "url": f"{base}/repos/{self.repo}/issues/comments/{comment.id}",
            "html_url": f"{base}/{self.repo}/issues/{comment.issue}#issuecomment-{comment.id}",
            "issue_url": f"{base}/repos/{self.repo}/issues/{comment.issue}",
            "body": comment.body,
            "user": {"login": comment.login, "url": f"{base}/users/{comment.login}", "type": "User"},
        }

    def _label_json(self, base: str, name: str) -> dict[str, Any]:
        url = f"{base}/repos/{self.repo}/labels/{quote(name, safe='')}"
        return {"name": name, "color": self.labels.get(name, "ededed"), "url": url}

    def _error(self, status: int, errors: list[dict[str, Any]] | None = None) -> Response:
        body: dict[str, Any] = self.error_body(status)
        if errors:
            body["errors"] = errors
        return status, self._rate_headers(), body

    def _rate_headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": str(int(time.time()) + 3600),
            "X-RateLimit-Used": "1",
            "X-RateLimit-Resource": "core",
        }
