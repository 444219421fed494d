"""Secrets come only from the environment and never leave it.

Recognisable fake tokens sit in `SLACK_BOT_TOKEN`, `GITHUB_TOKEN` and `GH_TOKEN` while every
command runs as its own process — succeeding, refused, failing on bad input, failing on the
network (an API that is unreachable, one that refuses the token, and one that echoes the
`Authorization` header back in its error bodies), pushing to a remote that is gone, and with
`INCIDENT_KIT_DEBUG=1` (tracebacks) on the failing ones. Then the tokens (whole, and their
distinctive middle part, so a truncated copy is caught too) must appear nowhere: not on stdout
or stderr, not in any file of the work tree or `.git` (every object decompressed), not in any
commit message or diff (`git log --all -p`), not in the workflow step summary, and — for a
sync that succeeds against the loopback fake — not in anything sent to Slack or GitHub
except the `Authorization` header itself.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.alerts import SEED_ALERT
from support.processes import bare_remote, cli_env, clone, incident
from support.repos import git

pytestmark = pytest.mark.reliability

SLACK = "xoxb-1111-2222-FAKE-SECRET-SLACK-7f3a9c0d"
GITHUB = "ghp_FAKESECRETGITHUB8d2e4b10c7a9f"
GH = "gho_FAKESECRETGHCLI55aa01b2"
# the distinctive part of each: found even when a message cuts a token short
MARKERS = {SLACK: "SECRET-SLACK-7f3a", GITHUB: "FAKESECRETGITHUB8d2e", GH: "FAKESECRETGHCLI55"}
NATIVE_ALERT = SEED_ALERT
ACTION_ITEM = "- [ ] AI-1: Add a circuit breaker — owner: @alice — due: 2026-12-10 — type: prevent"


def leaks(where: str, data: str | bytes, tokens: dict[str, str]) -> list[str]:
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape")
    found = []
    for token, marker in tokens.items():
        for needle in (token, marker):
            if needle.encode() in raw:
                index = raw.index(needle.encode())
                context = raw[max(0, index - 60) : index + len(needle) + 20].decode("utf-8", "replace")
                found.append(f"{where}: contains {needle!r}: …{context}…")
                break
    return found


def repository_leaks(root: Path, tokens: dict[str, str]) -> list[str]:
    """Every file under the work tree and .git, every object decompressed, every commit."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found += leaks(path.relative_to(root).as_posix(), path.read_bytes(), tokens)
    objects = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"], cwd=root, capture_output=True, check=False
    ).stdout
    found += leaks("git objects", objects, tokens)
    history = subprocess.run(
        ["git", "log", "--all", "-p", "--format=fuller%n%B"], cwd=root, capture_output=True, check=False
    ).stdout
    found += leaks("git log --all -p", history, tokens)
    return found


# --- hostile and absent APIs ----------------------------------------------------------------------


class _Echo(BaseHTTPRequestHandler):
    """An API that reflects the caller's credentials back in its error bodies."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        auth = self.headers.get("Authorization", "")
        if self.path.startswith("/api/"):  # Slack: HTTP 200 with ok=false, like the real one
            status = 200
            document = {
                "ok": False,
                "error": f"invalid_auth for {auth}",
                "warning": auth,
                "response_metadata": {"messages": [f"[ERROR] token {auth} rejected", body[:200]]},
            }
        else:  # GitHub: 401 with the header in the message
            status = 401
            document = {"message": f"Bad credentials: {auth}", "documentation_url": f"https://x/{auth}"}
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Echo", auth)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Garbage(BaseHTTPRequestHandler):
    """An API that answers 200 with what neither Slack nor GitHub would send (a captive portal,
    a broken proxy), or does not answer at all."""

    def _answer(self) -> None:
        mode = getattr(self.server, "mode", "html")
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if mode == "silent":
            time.sleep(3)  # past INCIDENT_KIT_HTTP_TIMEOUT
        payloads = {
            "html": (b"<html><body>Sign in to the Wi-Fi</body></html>", "text/html"),
            "empty-json": (b"{}", "application/json"),
            "wrong-types": (
                json.dumps(
                    [{"number": "x", "html_url": 5, "state": None, "body": 7, "name": 3}]
                    if self.command == "GET" and not self.path.startswith("/api/")
                    else {"ok": "yes", "channel": 5, "number": "x", "html_url": None}
                ).encode(),
                "application/json",
            ),
            "silent": (b"", "text/plain"),
        }
        payload, kind = payloads[mode]
        try:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up first

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def garbage_server(request: pytest.FixtureRequest) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    server.daemon_threads = True
    server.mode = request.param  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _workspace(tmp_path: Path, api_url: str, secrets: tuple[str, str, str]) -> tuple[Path, dict[str, str]]:
    """A clone of a bare remote, a rollback workflow configured, and the environment: the three
    tokens (`SLACK_BOT_TOKEN`, `GITHUB_TOKEN`, `GH_TOKEN`) and both APIs at `api_url`."""
    remote = bare_remote(tmp_path)
    root = clone(remote, tmp_path / "work", "alice")
    config = root / "incidents" / "config.yaml"
    config.write_text(
        config.read_text().replace("rollback_workflow: null", "rollback_workflow: rollback.yml")
    )
    git(root, "commit", "-qam", "configure the rollback workflow")
    git(root, "push", "-q", "origin", "main")
    env = cli_env(
        {
            **dict(zip(("SLACK_BOT_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"), secrets, strict=True)),
            "SLACK_API_URL": f"{api_url}/api/",
            "GITHUB_API_URL": api_url,
            "GITHUB_REPOSITORY": "acme/shop",
            "GITHUB_ACTOR": "incident-bot",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
        }
    )
    return root, env


def _run_all(root: Path, env: dict[str, str], steps: list[tuple[list[str], str | None]]) -> list[str]:
    """Run each step (and, when it fails, again with INCIDENT_KIT_DEBUG=1); the transcript."""
    transcript = []
    for args, stdin in steps:
        result = incident(root, *args, env=env, stdin=stdin, timeout=180)
        transcript.append(
            f"$ incident {' '.join(args)} -> {result.returncode}\n{result.stdout}{result.stderr}"
        )
        assert result.returncode != 3 or "internal error" in result.stderr, result.stderr
        if result.returncode != 0:
            debug = incident(root, *args, env=env | {"INCIDENT_KIT_DEBUG": "1"}, stdin=stdin, timeout=180)
            transcript.append(f"$ INCIDENT_KIT_DEBUG=1 incident {' '.join(args)} -> {debug.returncode}\n")
            transcript.append(debug.stdout + debug.stderr)
    return transcript


def _declared_id(root: Path, env: dict[str, str], title: str, *extra: str) -> str:
    result = incident(
        root, "declare", "--manual-incident", "--title", title, "--format", "json", *extra, env=env
    )
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["id"])


def test_no_command_leaks_a_token_even_to_an_api_that_echoes_it(tmp_path: Path, echo_server: str) -> None:
    tokens = {SLACK: MARKERS[SLACK], GITHUB: MARKERS[GITHUB], GH: MARKERS[GH]}
    root, env = _workspace(tmp_path, echo_server, (SLACK, GITHUB, GH))
    main = _declared_id(root, env, "Checkout is down", "--severity", "SEV-1")
    dupe = _declared_id(root, env, "Checkout is down again")
    false_alarm = _declared_id(root, env, "Flapping probe")
    steps: list[tuple[list[str], str | None]] = [
        (["declare", "--alert-payload", "-", "--format", "json"], json.dumps(NATIVE_ALERT)),
        (["declare", "--alert-payload", "{not json"], None),  # exit 2
        (["ack", main, "-m", "on it"], None),
        (["ack", main], None),  # refused: already acknowledged
        (["note", main, "cache flushed"], None),
        (["severity", main, "SEV-2", "--reason", "fewer users than feared"], None),
        (["assign", main, "--commander", "bob", "--role", "scribe=carol"], None),
        (["link", main, "https://status.example.com/incidents/1", "--title", "Status page"], None),
        (["mitigate", main, "--rollback", "1234"], None),  # dispatches to the (echoing) API
        (["merge", dupe, "--into", main], None),
        (["cancel", false_alarm, "--reason", "a flapping probe"], None),
        (["resolve", main], None),
        (["postmortem", main], None),
        (["close", main], None),  # refused: SEV-2 needs the post-mortem written
        (["reopen", main], None),  # refused from postmortem
        (["show", "nope"], None),  # unknown id
        (["severity", main, "SEV-9"], None),  # bad input
        (["list"], None),
        (["list", "--all"], None),
        (["list", "--format", "json"], None),
        (["show", main], None),
        (["show", main, "--format", "json"], None),
        (["log", main], None),
        (["log", main, "--format", "json"], None),
        (["validate"], None),
        (["validate", "--format", "json"], None),
        (["validate", "--format", "github"], None),
        (["stats"], None),
        (["stats", "--format", "json"], None),
        (["stats", "--format", "markdown"], None),
        (["index"], None),
        (["index", "--check"], None),
        (["--help"], None),
        (["demo", "--keep", str(tmp_path / "demo")], None),
    ]
    transcript = _run_all(root, env, steps)

    # a push to a remote that is gone, and an internal error with a traceback
    git(root, "remote", "set-url", "origin", f"http://127.0.0.1:{_closed_port()}/acme/shop.git")
    transcript += _run_all(root, env, [(["note", main, "offline note", "--push"], None)])
    broken = root / "incidents" / "2026-11" / "inc-20261120-bad1-broken" / "incident.md"
    broken.parent.mkdir(parents=True)
    broken.write_text("---\nid: inc-20261120-bad1\nclosed_at: 2026-11-31T10:00:00Z\n---\n")
    transcript += _run_all(root, env, [(["list"], None), (["stats"], None)])
    broken.unlink()
    broken.parent.rmdir()

    found = leaks("stdout/stderr", "\n".join(transcript), tokens)
    found += repository_leaks(root, tokens)
    found += repository_leaks(tmp_path / "demo", tokens) if (tmp_path / "demo").exists() else []
    summary = tmp_path / "step-summary.md"
    found += leaks("GITHUB_STEP_SUMMARY", summary.read_bytes(), tokens) if summary.exists() else []
    assert not found, "\n".join(found)
    # and the tokens were really used: the rollback dispatch reached the echoing API and failed
    text = next(p for p in (root / "incidents").glob(f"*/{main}-*/incident.md")).read_text()
    assert re.search(r"rollback dispatch (failed|outcome unknown)", text), text


@pytest.mark.parametrize("api", ["unreachable", "refusing", "echoing"])
def test_sync_failing_on_the_network_leaks_no_token(tmp_path: Path, api: str, echo_server: str) -> None:
    tokens = {SLACK: MARKERS[SLACK], GITHUB: MARKERS[GITHUB], GH: MARKERS[GH]}
    server = None
    if api == "unreachable":
        url = f"http://127.0.0.1:{_closed_port()}"
    elif api == "echoing":
        url = echo_server
    else:  # the loopback fake, which does not know these tokens: invalid_auth / 401
        from fakes.api_server import FakeApiServer

        server = FakeApiServer().start()
        url = server.url
    try:
        root, env = _workspace(tmp_path, url, (SLACK, GITHUB, GH))
        transcript = _sync_scenario(root, env)
    finally:
        if server is not None:
            server.close()
    found = leaks("stdout/stderr", "\n".join(transcript), tokens) + repository_leaks(root, tokens)
    summary = tmp_path / "step-summary.md"
    found += leaks("GITHUB_STEP_SUMMARY", summary.read_bytes(), tokens) if summary.exists() else []
    assert not found, "\n".join(found)


@pytest.mark.parametrize("garbage_server", ["html", "empty-json", "wrong-types", "silent"], indirect=True)
def test_sync_against_an_api_that_answers_nonsense_leaks_no_token_and_is_no_internal_error(
    tmp_path: Path, garbage_server: str
) -> None:
    tokens = {SLACK: MARKERS[SLACK], GITHUB: MARKERS[GITHUB], GH: MARKERS[GH]}
    root, env = _workspace(tmp_path, garbage_server, (SLACK, GITHUB, GH))
    env["INCIDENT_KIT_HTTP_TIMEOUT"] = "1"
    transcript = _sync_scenario(root, env)
    found = leaks("stdout/stderr", "\n".join(transcript), tokens) + repository_leaks(root, tokens)
    summary = tmp_path / "step-summary.md"
    found += leaks("GITHUB_STEP_SUMMARY", summary.read_bytes(), tokens) if summary.exists() else []
    assert not found, "\n".join(found)
    # every sync ends in "still pending", never in an internal error
    assert not [step for step in transcript if step.startswith("$ incident sync") and " -> 3\n" in step], (
        transcript
    )


def _sync_scenario(root: Path, env: dict[str, str]) -> list[str]:
    """An incident with a post-mortem action item, then every flavour of sync."""
    main = _declared_id(root, env, "Checkout is down", "--severity", "SEV-2")
    for step in (
        ["ack", main],
        ["mitigate", main, "--rollback", "77"],
        ["resolve", main],
        ["postmortem", main],
    ):
        result = incident(root, *step, env=env, timeout=180)
        assert result.returncode == 0, result.stderr
    pm = next((root / "incidents").glob("*/*/postmortem.md"))
    pm.write_text(pm.read_text().replace("## Action items\n", f"## Action items\n\n{ACTION_ITEM}\n", 1))
    git(root, "commit", "-qam", "write an action item")
    return _run_all(root, env, [(["sync", "--dry-run"], None), (["sync"], None), (["sync", "--push"], None)])


def test_a_sync_that_delivers_sends_the_token_only_in_the_authorization_header(tmp_path: Path) -> None:
    from fakes.api_server import GITHUB_TOKEN, SLACK_TOKEN, FakeApiServer

    tokens = {SLACK_TOKEN: SLACK_TOKEN, GITHUB_TOKEN: GITHUB_TOKEN}
    with FakeApiServer() as server:
        for who in ("alice", "bob", "carol"):
            server.slack.add_user(f"{who}@example.com")
        root, env = _workspace(tmp_path, server.url, (SLACK_TOKEN, GITHUB_TOKEN, GH))
        transcript = _sync_scenario(root, env)
        sent = json.dumps([[r.key, r.query, r.body] for r in server.requests], default=str)
        delivered = len(server.writes())
    found = leaks("stdout/stderr", "\n".join(transcript), tokens)
    found += leaks("request bodies sent to Slack/GitHub", sent, tokens)
    found += repository_leaks(root, tokens)
    assert not found, "\n".join(found)
    assert delivered > 0, "\n".join(transcript)  # the token was good: things were delivered
