"""One loopback HTTP server that answers like the Slack Web API and the GitHub REST API.

The real `slack_sdk.WebClient` and PyGithub clients are pointed at it through their base URLs
(`server.slack_url`, `server.github_url`); nothing is monkeypatched. It keeps state (channels,
members, messages, issues, labels, dispatches), records every request so a test can assert
"no write at all", and injects faults:

    server.fail_next("chat.postMessage", 429, retry_after=1)      # Slack method name
    server.fail_next("POST /repos/acme/shop/issues", 500, processed=True)  # done, then 500
    server.fail_next("conversations.invite", fault="drop")         # connection closed, no reply
    server.fail_next("chat.update", fault="slow", delay=1.5)       # answers after the timeout

`processed=True` performs the request before failing: the response is lost, the work is not.
The routes live in `fake_slack.py` and `fake_github.py`; this module is the HTTP plumbing.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fakes.fake_github import FakeGitHub
from fakes.fake_slack import FakeSlack

Response = tuple[int, dict[str, str], Any]  # status, headers, JSON body (None: no body)

SLACK_TOKEN = "xoxb-test-secret-token"
GITHUB_TOKEN = "ghs_test_secret_token"
READ_METHODS = frozenset(
    {
        "auth.test",
        "conversations.info",
        "conversations.list",
        "conversations.history",
        "users.lookupByEmail",
    }
)


@dataclass(frozen=True)
class Recorded:
    method: str  # HTTP method
    path: str
    key: str  # the Slack method ("chat.postMessage") or "POST /repos/acme/shop/issues"
    query: dict[str, str]
    body: Any  # parsed JSON, or the form fields as a dict


@dataclass
class Fault:
    status: int
    fault: str | None  # None: answer `status`; "drop": close without a reply; "slow": wait
    retry_after: int | None
    processed: bool
    delay: float
    count: int
    headers: dict[str, str] = field(default_factory=dict)
    after: int = 0  # let this many matching requests through first


class FakeApiServer:
    def __init__(self, *, repo: str = "acme/shop") -> None:
        self.slack = FakeSlack(SLACK_TOKEN)
        self.github = FakeGitHub(GITHUB_TOKEN, repo)
        self.requests: list[Recorded] = []
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.RLock()
        self._in_flight = 0
        self._quiet = threading.Condition(self._lock)
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.app = self
        # a short poll interval: shutdown() waits up to one interval, once per test
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeApiServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def slack_url(self) -> str:
        return f"{self.url}/api/"

    @property
    def github_url(self) -> str:
        return self.url

    # --- assertions and faults ---------------------------------------------------------

    def fail_next(
        self,
        key: str,
        status: int = 500,
        *,
        fault: str | None = None,
        retry_after: int | None = None,
        processed: bool = False,
        delay: float = 1.5,
        count: int = 1,
        headers: dict[str, str] | None = None,
        after: int = 0,
    ) -> None:
        """Make the next `count` requests to `key` fail (see the module docstring)."""
        if fault not in (None, "drop", "slow"):
            raise ValueError(f"unknown fault {fault!r}")
        item = Fault(status, fault, retry_after, processed, delay, count, dict(headers or {}), after)
        with self._lock:
            self._faults.setdefault(key, []).append(item)

    def heal(self) -> None:
        """Forget every fault not yet used: the API answers normally again."""
        with self._lock:
            self._faults.clear()

    def calls(self, key: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.key == key]

    def wait_until_quiet(self, timeout: float = 10.0) -> None:
        """Wait until every request the server has received is answered (a slow one included)."""
        with self._quiet:
            if not self._quiet.wait_for(lambda: self._in_flight == 0, timeout):
                raise AssertionError(f"the fake API still has {self._in_flight} request(s) in flight")

    def writes(self) -> list[Recorded]:
        """Every request that could change something (not a read)."""
        with self._lock:
            return [r for r in self.requests if r.method != "GET" and r.key not in READ_METHODS]

    # --- request handling (server threads) -------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        with self._quiet:
            self._in_flight += 1
        try:
            self._answer(handler)
        finally:
            with self._quiet:
                self._in_flight -= 1
                self._quiet.notify_all()

    def _answer(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = _parse_body(handler)
        key = parts.path[5:] if parts.path.startswith("/api/") else f"{handler.command} {parts.path}"
        with self._lock:
            self.requests.append(Recorded(handler.command, parts.path, key, query, body))
            fault = self._take_fault(key)
        if fault is not None and fault.fault == "slow":
            time.sleep(fault.delay)  # the client has given up; the work still happens
            fault = None
        if fault is None or fault.processed:
            with self._lock:
                response = self._route(handler, parts.path, query, body)
            if fault is None:
                _send(handler, *response)
                return
        if fault.fault == "drop":
            handler.close_connection = True  # no status line at all: RemoteDisconnected
        else:
            _send(handler, *self._fault_response(key, fault))

    def _take_fault(self, key: str) -> Fault | None:
        queue = self._faults.get(key)
        if not queue:
            return None
        fault = queue[0]
        if fault.after > 0:
            fault.after -= 1
            return None
        fault.count -= 1
        if fault.count <= 0:
            queue.pop(0)
        return fault

    def _route(self, handler: _Handler, path: str, query: dict[str, str], body: Any) -> Response:
        auth = handler.headers.get("Authorization", "")
        if path.startswith("/api/"):
            return self.slack.handle(path[5:], auth, {**query, **(body or {})})
        base = f"http://{handler.headers.get('Host', self.url[7:])}"
        return self.github.handle(handler.command, path, query, body, auth, base)

    def _fault_response(self, key: str, fault: Fault) -> Response:
        headers = dict(fault.headers)
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        if not key.startswith(("GET ", "POST ", "PATCH ", "PUT ", "DELETE ")):
            error = "ratelimited" if fault.status == 429 else "fatal_error"
            return fault.status, headers, {"ok": False, "error": error}
        return fault.status, headers, self.github.error_body(fault.status)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    app: FakeApiServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that timed out has closed its end before a "slow" answer: expected
        if not isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.app._handle(self)

    do_POST = do_GET
    do_PATCH = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        return None  # keep test output quiet


def _parse_body(handler: BaseHTTPRequestHandler) -> Any:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    if not raw:
        return None
    kind = handler.headers.get("Content-Type", "")
    if "json" in kind:
        return json.loads(raw)
    if "x-www-form-urlencoded" in kind:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    return {"_raw": raw.decode("utf-8", "replace")}


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Any) -> None:
    data = b"" if body is None else json.dumps(body).encode("utf-8")
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    if body is not None:
        handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    if data:
        handler.wfile.write(data)


def iter_json_blocks(recorded: Recorded) -> Iterator[dict[str, Any]]:
    """The Block Kit blocks a recorded chat.* request carried, whichever encoding it used."""
    blocks = (recorded.body or {}).get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    yield from blocks
