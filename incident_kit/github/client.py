"""GitHub through PyGithub: action-item issues that never duplicate, and workflow triggers.

An action item's issue is found again by a hidden marker in its body,
`<!-- incident-kit: <incident-id> <item-id> -->`, listing the issues that carry the lookup
label (every page, state=all; not the search API, whose index lags by minutes). A create is
never retried blindly: PyGithub's retry covers GET/PATCH/PUT/DELETE only, every create is
preceded by a lookup, and a create whose outcome is unknown (5xx, lost connection) is
followed by one; if the issue is not there the call fails and the next sync, which looks up
first again, creates it. Dispatches are not retried at all: a second one is a second rollback.
Comments follow the create rule (a comment that must appear once carries a hidden marker and is
looked up first); edits and reactions are idempotent, so PyGithub's retry covers them.

`github` (PyGithub) is imported inside functions: it is slow to import and most commands never
talk to GitHub. Every failure is a `DeliveryError` naming the call and the HTTP status.

Why this module is long: it is the one GitHub adapter, and every call in it goes through the
one place that turns PyGithub's and requests' failures into a `DeliveryError` and decides
what may be retried (`_run`, `_fail`, `_capped_retry`). Splitting the calls by topic would
spread that rule over several modules or hand each of them the private client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from incident_kit.errors import DeliveryError
from incident_kit.github.logins import LOGIN
from incident_kit.network_outage import Outage

if TYPE_CHECKING:
    from github.Repository import Repository
    from urllib3 import BaseHTTPResponse
    from urllib3.util.retry import Retry

DEFAULT_API_URL = "https://api.github.com"
T = TypeVar("T")
IssueState = Literal["open", "closed"]

MARKER_PATTERN = re.compile(r"<!-- incident-kit: (\S+) (\S+) -->")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_LOGIN = re.compile(rf"^{LOGIN}(?:\[bot\])?$")
_LABEL_COLOR = "b60205"
_MAX_WORKFLOW_INPUTS = 25  # GitHub's current limit (older docs say 10)


@dataclass(frozen=True)
class IssueRef:
    number: int
    url: str  # the issue's page (html_url)
    state: IssueState


@dataclass(frozen=True)
class IssueDetails:
    """What an issue shows now: for comparing with what it should show before editing."""

    ref: IssueRef
    title: str
    body: str
    labels: tuple[str, ...]


REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
WRITE_PERMISSIONS = ("admin", "write")  # the legacy `permission` field; maintain reads as write


def action_item_marker(incident_id: str, item_id: str) -> str:
    """The hidden line that identifies an action item's issue, e.g. for `inc-…` / `AI-1`."""
    marker = f"<!-- incident-kit: {incident_id} {item_id} -->"
    if not MARKER_PATTERN.fullmatch(marker):
        raise ValueError(f"ids must not contain spaces: {incident_id!r} {item_id!r}")
    return marker


class GitHubClient:
    def __init__(
        self,
        *,
        token: str,
        repo: str,
        base_url: str = DEFAULT_API_URL,
        timeout: int = 15,
        seconds_between_requests: float | None = 0.25,
        seconds_between_writes: float | None = 1.0,
        max_rate_limit_wait: float = 60.0,
    ) -> None:
        """`seconds_between_*` are PyGithub's throttles (GitHub asks for ≥1 s between
        writes); tests pass None. A rate limit that needs a longer wait than
        `max_rate_limit_wait` fails instead of blocking the CLI."""
        from github import Auth, Github

        if not _REPO.match(repo):
            raise DeliveryError(f"GitHub repository must be owner/name, not {repo!r}")
        self._token = token
        self._repo_name = repo
        retry = _capped_retry(max_rate_limit_wait)
        self._github = Github(
            auth=Auth.Token(token),
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            per_page=100,
            retry=retry,
            seconds_between_requests=seconds_between_requests,
            seconds_between_writes=seconds_between_writes,
            lazy=True,  # no GET /repos/{o}/{r} before each call
        )
        self._repository: Repository = self._github.get_repo(repo)
        self._outage = Outage("GitHub")

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, repo: str | None = None, **options: Any) -> GitHubClient:
        """`GITHUB_TOKEN`, `GITHUB_API_URL` (default api.github.com), and `repo` or else
        `GITHUB_REPOSITORY`."""
        token = env.get("GITHUB_TOKEN", "").strip()
        if not token:
            raise DeliveryError("GITHUB_TOKEN is not set: cannot reach GitHub")
        target = repo or env.get("GITHUB_REPOSITORY", "").strip()
        if not target:
            raise DeliveryError("GITHUB_REPOSITORY is not set and no repository is configured")
        base_url = env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
        return cls(token=token, repo=target, base_url=base_url, **options)

    def close(self) -> None:
        """Release the HTTP connections (the process exiting does it too)."""
        self._github.close()

    # --- the repository's setup (incident doctor) ----------------------------------------

    def default_branch(self) -> str:
        """The branch GitHub runs repository_dispatch workflows from."""
        return self._run("reading the repository", lambda: str(self._repository.default_branch))

    def missing_labels(self, labels: Iterable[str]) -> list[str]:
        """The labels among `labels` the repository does not have (one listing, every page)."""

        def run() -> list[str]:
            existing = {label.name.lower() for label in self._repository.get_labels()}
            return [name for name in labels if name.lower() not in existing]

        return self._run("listing labels", run)

    # --- action-item issues ------------------------------------------------------------

    def index_action_item_issues(self, label: str) -> dict[str, IssueRef]:
        """Every marked issue with `label`, by marker: one listing for a whole sync."""

        def run() -> dict[str, IssueRef]:
            found: dict[str, IssueRef] = {}
            for issue in self._repository.get_issues(state="all", labels=[label]):
                # the endpoint lists pull requests too; their page is …/pull/N. (Reading
                # `issue.pull_request` instead would cost one GET per issue: PyGithub
                # fetches the whole issue when a listed field is absent.)
                if "/pull/" in issue.html_url:
                    continue
                for match in MARKER_PATTERN.finditer(issue.body or ""):
                    # the oldest wins should a duplicate ever exist (the list is newest first)
                    found[match.group(0)] = _ref(issue.number, issue.html_url, issue.state)
            return found

        return self._run(f"listing issues labelled {label}", run)

    def find_action_item_issue(self, marker: str, *, label: str) -> IssueRef | None:
        return self.index_action_item_issues(label).get(marker)

    def open_action_item_issue(
        self,
        *,
        marker: str,
        title: str,
        body: str,
        labels: Sequence[str],
        assignees: Sequence[str] = (),
    ) -> IssueRef:
        """The issue for `marker`: the existing one, else a new one. `labels[0]` is the
        label lookups filter on; it must stay on the issue."""
        if not labels:
            raise ValueError("an action-item issue needs at least one label to be found again")
        parsed = MARKER_PATTERN.fullmatch(marker)
        if parsed is None:
            raise ValueError(f"not an action-item marker: {marker!r}")
        existing = self.find_action_item_issue(marker, label=labels[0])
        if existing is not None:
            return existing
        full_body = body if marker in body else f"{body.rstrip()}\n\n{marker}\n"
        what = f"creating the issue for {parsed.group(1)} {parsed.group(2)}"
        try:
            return self._create_issue(what, title, full_body, list(labels), list(assignees))
        except _Uncertain as exc:
            landed = self.find_action_item_issue(marker, label=labels[0])
            if landed is not None:
                return landed
            raise DeliveryError(f"{exc} (checked: no issue was created)") from None

    def create_marked_issue(
        self, *, marker: str, title: str, body: str, labels: Sequence[str], label: str
    ) -> IssueRef:
        """A new issue whose body holds `marker`, for a caller that has just looked for it
        (`index_action_item_issues(label)`) and not found it. A create whose outcome is unknown
        is looked up once more, never repeated: if it is not there, the next sync creates it."""
        parsed = MARKER_PATTERN.fullmatch(marker)
        if parsed is None or marker not in body or label not in labels:
            raise ValueError("a marked issue carries its marker and its lookup label")
        what = f"creating the issue for {parsed.group(1)} {parsed.group(2)}"
        try:
            return self._create_issue(what, title, body, list(labels), [])
        except _Uncertain as exc:
            landed = self.index_action_item_issues(label).get(marker)
            if landed is not None:
                return landed
            raise DeliveryError(f"{exc} (checked: no issue was created)") from None

    def issue_state(self, number: int) -> IssueState:
        # the repository is lazy: the GET happens when `.state` is read, inside _run
        state = self._run(f"reading issue #{number}", lambda: self._repository.get_issue(number).state)
        return _state(state)

    def ensure_labels(self, labels: Iterable[str]) -> None:
        """Create the labels the repository lacks (one listing, then one POST per label)."""
        from github import GithubException

        existing = self._run("listing labels", lambda: {lb.name for lb in self._repository.get_labels()})
        for name in dict.fromkeys(labels):
            if name in existing:
                continue

            def create(name: str = name) -> None:
                try:
                    self._repository.create_label(name, _LABEL_COLOR)
                except GithubException as exc:
                    if exc.status != 422:  # 422: created meanwhile (already_exists)
                        raise

            self._run(f"creating label {name}", create)

    # --- any issue: read, edit, comment, react ------------------------------------------

    def issue(self, number: int) -> IssueDetails:
        def run() -> IssueDetails:
            data = self._request("GET", f"/issues/{int(number)}")
            labels = tuple(str(label["name"]) for label in data.get("labels") or [])
            ref = _ref(int(data["number"]), str(data["html_url"]), str(data["state"]))
            return IssueDetails(ref, str(data.get("title") or ""), str(data.get("body") or ""), labels)

        return self._run(f"reading issue #{number}", run)

    def edit_issue(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        labels: Sequence[str] | None = None,
        state: IssueState | None = None,
        reason: Literal["completed", "not_planned"] = "completed",
    ) -> IssueRef:
        """PATCH the fields given (None leaves a field as it is); an edit is idempotent.
        `reason` is why a closed issue was closed (GitHub's `state_reason`)."""
        fields: dict[str, Any] = {}
        if title is not None:
            fields["title"] = title
        if body is not None:
            fields["body"] = body
        if labels is not None:
            fields["labels"] = list(labels)
        if state is not None:
            fields["state"] = state
            if state == "closed":
                fields["state_reason"] = reason

        def run() -> IssueRef:
            data = self._request("PATCH", f"/issues/{int(number)}", fields)
            return _ref(int(data["number"]), str(data["html_url"]), str(data["state"]))

        return self._run(f"editing issue #{number}", run)

    def comment(self, number: int, body: str, *, marker: str | None = None) -> int:
        """Post `body` on issue `number`; returns the comment's id. With `marker` (a hidden
        line put in the body), a comment already carrying it is returned instead, so a rerun
        never posts twice; without one the caller must record that it was posted."""
        if marker is not None:
            found = self.find_comment(number, marker)
            if found is not None:
                return found
            body = body if marker in body else f"{body.rstrip()}\n\n{marker}\n"
        what = f"commenting on issue #{number}"
        try:
            return self._run(
                what,
                lambda: int(self._request("POST", f"/issues/{int(number)}/comments", {"body": body})["id"]),
                create=True,
            )
        except _Uncertain as exc:
            landed = self.find_comment(number, marker) if marker is not None else None
            if landed is not None:
                return landed
            checked = " (checked: no comment was posted)" if marker is not None else ""
            raise DeliveryError(f"{exc}{checked}") from None

    def find_comment(self, number: int, marker: str) -> int | None:
        """The id of the first comment on issue `number` whose body holds `marker`."""

        def run() -> int | None:
            url: str | None = f"{self._repository.url}/issues/{int(number)}/comments?per_page=100"
            while url:
                headers, batch = self._github.requester.requestJsonAndCheck("GET", url)
                for item in batch:
                    if marker in str(item.get("body") or ""):
                        return int(item["id"])
                url = _next_page(headers.get("link", ""))
            return None

        return self._run(f"listing the comments of issue #{number}", run)

    def react(self, comment_id: int, content: str) -> None:
        """Add a reaction (`+1`, `-1`, `eyes`, `rocket`, `confused` …) to an issue comment.
        Repeating one is harmless: GitHub answers 200 with the existing reaction."""
        if content not in REACTIONS:
            raise ValueError(f"not a GitHub reaction: {content!r}")
        path = f"/issues/comments/{int(comment_id)}/reactions"
        self._run(
            f"reacting to comment {comment_id}", lambda: self._request("POST", path, {"content": content})
        )

    def permission(self, login: str) -> str:
        """`login`'s permission on the repository as the API states it: admin, write, read or
        none (maintain reads as write, triage as read)."""
        if not _LOGIN.fullmatch(login):
            raise DeliveryError(f"not a GitHub login: {login[:60]!r}")
        path = f"/collaborators/{login}/permission"
        data = self._run(f"reading {login}'s permission", lambda: self._request("GET", path))
        return str(data.get("permission") or "none")

    def can_write(self, login: str) -> bool:
        """Whether `login` may change the repository (asked of the API, never guessed)."""
        return self.permission(login) in WRITE_PERMISSIONS

    # --- workflow triggers -------------------------------------------------------------

    def dispatch_workflow(self, workflow_file: str, *, ref: str, inputs: Mapping[str, str]) -> None:
        """`workflow_dispatch` of `workflow_file` on `ref` (e.g. inputs incident_id,
        deployment_id). Not idempotent: the caller records that it was done."""
        if len(inputs) > _MAX_WORKFLOW_INPUTS:
            raise DeliveryError(f"workflow {workflow_file}: more than 25 inputs")
        workflow = self._run(
            f"finding workflow {workflow_file}", lambda: self._repository.get_workflow(workflow_file)
        )
        self._run(
            f"dispatching workflow {workflow_file}",
            lambda: workflow.create_dispatch(ref, dict(inputs), throw=True),
            dispatch=True,
        )

    def repository_dispatch(self, event_type: str, client_payload: Mapping[str, Any]) -> None:
        """`repository_dispatch` with `event_type` (≤100 characters, ≤10 payload keys)."""
        url = f"{self._repository.url}/dispatches"
        body = {"event_type": event_type, "client_payload": dict(client_payload)}
        self._run(
            f"sending repository_dispatch {event_type}",
            lambda: self._github.requester.requestJsonAndCheck("POST", url, input=body),
            dispatch=True,
        )

    # --- the one place PyGithub errors are translated ---------------------------------

    def _request(
        self,
        verb: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """One REST call under the repository's URL, through PyGithub's requester (its auth,
        retry and throttles); the JSON answer. Used where PyGithub's objects would fetch more."""
        url = f"{self._repository.url}{path}"
        _headers, data = self._github.requester.requestJsonAndCheck(
            verb,
            url,
            parameters=dict(params) if params else None,
            input=dict(body) if body is not None else None,
        )
        return data

    def _create_issue(
        self, what: str, title: str, body: str, labels: list[str], assignees: list[str]
    ) -> IssueRef:
        from github import GithubException

        def create(with_assignees: list[str]) -> IssueRef:
            issue = self._repository.create_issue(
                title=title, body=body, labels=labels, assignees=with_assignees
            )
            return _ref(issue.number, issue.html_url, issue.state)

        def run() -> IssueRef:
            try:
                return create(assignees)
            except GithubException as exc:
                # 422 means nothing was created: an owner who cannot be assigned (not a
                # collaborator) must not keep the item from getting its issue
                if exc.status != 422 or not assignees or "assignee" not in str(exc.data):
                    raise
                return create([])

        return self._run(what, run, create=True)

    def _run(self, what: str, call: Callable[[], T], *, create: bool = False, dispatch: bool = False) -> T:
        from github import BadAttributeException, GithubException, RateLimitExceededException
        from requests import RequestException

        if refusal := self._outage.refusal():
            raise DeliveryError(self._say(what, refusal))  # not sent: pending, never "unknown"
        try:
            result = call()
        except RateLimitExceededException as exc:
            self._outage.answered()
            wait = getattr(exc, "wait", None)
            after = f"; retry in {int(wait)} s" if wait else ""
            raise DeliveryError(self._say(what, f"rate limited (HTTP {exc.status}){after}")) from None
        except GithubException as exc:
            self._outage.answered()
            reason = f"HTTP {exc.status}" + (f" {exc.message}" if exc.message else "")
            if isinstance(exc.data, dict) and exc.data.get("message"):
                reason = f"HTTP {exc.status} {exc.data['message']}"
            unknown = exc.status >= 500
            raise self._fail(what, reason, unknown=unknown, create=create, dispatch=dispatch) from None
        except RequestException as exc:
            reason = _network_reason(exc)
            self._outage.failed(reason)
            raise self._fail(what, reason, unknown=True, create=create, dispatch=dispatch) from None
        except (BadAttributeException, TypeError, KeyError, ValueError, AttributeError) as exc:
            # a 200 whose body is HTML, `{}` or fields of the wrong type (a proxy, a broken
            # Enterprise server): the call may have done its work, so a create is looked up
            self._outage.answered()
            reason = f"an answer that is not what the GitHub API sends ({type(exc).__name__})"
            raise self._fail(what, reason, unknown=True, create=create, dispatch=dispatch) from None
        self._outage.answered()
        return result

    def _fail(self, what: str, reason: str, *, unknown: bool, create: bool, dispatch: bool) -> DeliveryError:
        message = self._say(what, reason)
        if unknown and create:
            return _Uncertain(message)
        if unknown and dispatch:
            return DispatchUncertain(
                message + " (it may have run anyway: check the Actions tab before retrying)"
            )
        return DeliveryError(message)

    def _say(self, what: str, reason: str) -> str:
        text = f"GitHub {self._repo_name}: {what} failed: {reason}"
        return " ".join(text.split()).replace(self._token, "***")[:400]


def _capped_retry(max_wait: float) -> Retry:
    """PyGithub's retry, for idempotent methods only, never sleeping more than `max_wait`."""
    from github import GithubRetry
    from github.GithubException import RateLimitExceededExceedsMaxWait

    class CappedRetry(GithubRetry):
        # GithubRetry caps its own rate-limit waits, but urllib3 underneath sleeps whatever
        # `Retry-After` a 429 or 503 asks for: a CLI must fail and leave the work pending
        def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
            wait = super().get_retry_after(response)
            if wait is not None and wait > max_wait:
                headers = dict(response.headers.items())
                raise RateLimitExceededExceedsMaxWait(response.status, None, headers, wait=wait)
            return wait

    return CappedRetry(
        total=3,
        read=1,  # a read that timed out is tried once more, not three times (15 s each)
        backoff_factor=0.25,
        # POST is left out: a create or a dispatch repeated after a lost response would make
        # a second issue or a second rollback (connection *refused* is still retried: the
        # request never left)
        allowed_methods=frozenset({"GET", "HEAD", "PATCH", "PUT", "DELETE"}),
        raise_on_status=False,  # the last 5xx reaches PyGithub, which names its status
        secondary_rate_wait=min(60.0, max_wait),
        max_rate_limit_wait=max_wait,
    )


class DispatchUncertain(DeliveryError):
    """A dispatch whose outcome is unknown (5xx, lost connection): it must not be repeated blindly."""


class _Uncertain(DeliveryError):
    """A create failed in a way that may have created it anyway."""


def _next_page(link: str) -> str | None:
    """The `rel="next"` address of a `Link` header, if any."""
    for part in link.split(","):
        address, _, rel = part.partition(";")
        if rel.strip() == 'rel="next"':
            return address.strip().strip("<>")
    return None


def _ref(number: int, url: str, state: str) -> IssueRef:
    return IssueRef(number=number, url=url, state=_state(state))


def _state(state: str) -> IssueState:
    return "closed" if state == "closed" else "open"


def _network_reason(exc: Exception) -> str:
    from requests import Timeout

    if isinstance(exc, Timeout):
        return "timed out"
    # requests nests urllib3's errors two or three deep; the innermost says what happened
    inner: BaseException = exc
    for _ in range(5):
        reason = getattr(inner, "reason", None)
        nested = inner.args[0] if inner.args else None
        deeper = reason if isinstance(reason, BaseException) else nested
        if not isinstance(deeper, BaseException):
            break
        inner = deeper
    return f"cannot reach GitHub ({type(inner).__name__}: {inner})"
