"""Real-browser checks: Debian's chromium driven by Playwright, pages served from loopback.

Chromium comes from `apt-get install chromium` (scripts/check does it) and axe-core from
`npm ci` in tools/axe; Playwright never downloads a browser of its own. Without them the
browser tests are skipped on a developer machine and fail in CI (`CI=true`).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
MERMAID = ROOT / "tools" / "mermaid-check" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def require(*paths: Path) -> None:
    """Skip (locally) or fail (CI) when chromium, Playwright or a vendored script is missing."""
    missing = [str(p) for p in (CHROMIUM, *paths) if not p.exists()]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    if not missing:
        return
    message = f"browser tests need {', '.join(missing)}; run scripts/check (apt-get chromium, npm ci)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """`folder` over HTTP on 127.0.0.1 (a free port); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class Visit:
    """What a page did while it loaded: console messages, dialogs, requests elsewhere."""

    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def watch(page: Any, base: str) -> Visit:
    visit = Visit()
    page.on("console", lambda message: visit.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: visit.page_errors.append(str(error)))

    def dialog(d: Any) -> None:
        visit.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)

    def route(r: Any) -> None:
        if r.request.url.startswith(base):
            r.continue_()
        else:  # never reach the network, and say that the page tried
            visit.foreign_requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return visit


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the loaded page (run through DevTools, so the page's CSP,
    which allows no injected script, stays on)."""
    page.evaluate("() => {" + AXE.read_text(encoding="utf-8") + "\n; window.axe = axe; }")
    result: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return result
