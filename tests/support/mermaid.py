"""Check Mermaid diagrams with the real mermaid parser (tools/mermaid-check, run under Node).

The Node dependencies are installed by `.ci/run` (`npm ci` in tools/mermaid-check). Without
them the check is skipped on a developer machine but fails in CI (`CI=true`), so a chart GitHub
cannot render never lands unnoticed. Results are cached per diagram text for the session, and
each call starts Node at most once, whatever the number of diagrams.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHECKER_DIR = Path(__file__).resolve().parents[2] / "tools" / "mermaid-check"
INSTALL_HINT = "run `npm ci --prefix tools/mermaid-check` (needs Node 20)"

_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)")


@dataclass(frozen=True)
class MermaidResult:
    ok: bool
    diagram_type: str | None
    error: str | None


_cache: dict[str, MermaidResult] = {}


def extract_mermaid_blocks(markdown: str) -> list[str]:
    """The bodies of the ```mermaid (or ~~~mermaid) fenced blocks, in order.

    Other fenced blocks are skipped whole, so a "```mermaid" line inside a ```python block is
    not mistaken for a diagram. An unclosed fence runs to the end, as in CommonMark.
    """
    blocks: list[str] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN.match(lines[index])
        index += 1
        if not opening:
            continue
        fence, info = opening.group(1), opening.group(2)
        # A closing fence uses the same character, at least as many of them, and nothing else.
        closing = re.compile(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*")
        body: list[str] = []
        while index < len(lines) and not closing.fullmatch(lines[index]):
            body.append(lines[index])
            index += 1
        index += 1
        if info == "mermaid":
            blocks.append("\n".join(body))
    return blocks


def check_mermaid(blocks: list[str]) -> list[MermaidResult]:
    """Parse every block with mermaid.parse(); one Node run for the blocks not seen yet."""
    pending = list(dict.fromkeys(b for b in blocks if b not in _cache))
    if pending:
        _require_checker()
        node = shutil.which("node")
        assert node is not None  # _require_checker made sure
        run = subprocess.run(
            [node, str(CHECKER_DIR / "check.mjs")],
            input=json.dumps(pending),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if run.returncode not in (0, 1):
            raise AssertionError(f"mermaid checker crashed ({run.returncode}):\n{run.stderr}")
        lines = run.stdout.splitlines()
        if len(lines) != len(pending):
            raise AssertionError(f"mermaid checker answered {len(lines)} of {len(pending)}")
        for block, line in zip(pending, lines, strict=True):
            answer = json.loads(line)
            _cache[block] = MermaidResult(
                ok=bool(answer["ok"]), diagram_type=answer.get("type"), error=answer.get("error")
            )
    return [_cache[b] for b in blocks]


def assert_mermaid_parses(blocks: list[str]) -> None:
    """Fail (AssertionError) naming every block the real Mermaid parser rejects."""
    if not blocks:
        raise AssertionError("no Mermaid block to check: the output was expected to have some")
    failures = [
        f"--- block {i} ---\n{block}\n--- error ---\n{result.error}"
        for i, (block, result) in enumerate(zip(blocks, check_mermaid(blocks), strict=True))
        if not result.ok
    ]
    if failures:
        raise AssertionError("Mermaid cannot parse:\n" + "\n".join(failures))


def _require_checker() -> None:
    missing = None
    if shutil.which("node") is None:
        missing = "node is not installed"
    elif not (CHECKER_DIR / "node_modules" / "mermaid").is_dir():
        missing = f"{CHECKER_DIR / 'node_modules'} is missing; {INSTALL_HINT}"
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Mermaid check cannot run in CI: {missing}")
    pytest.skip(f"Mermaid check skipped: {missing}")
