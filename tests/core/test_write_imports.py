"""What a write leaves unimported: the fixed cost of every `incident` command that commits.

A frozen dataclass costs ~1 ms to create on Python 3.11 and importing `dataclasses` a few more,
so no write creates one (issue 21: at 1,000 incidents a write is judged against `import typer`
plus a 14 ms commit); and an alert in our own format is parsed without importing the other
formats' adapters. Each command runs in its own process, as the console script runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.alerts import SEED_ALERT

SCRIPT = """
import json, sys
sys.argv = ["incident", *sys.argv[1:]]
from incident_kit.cli import main
try:
    main()
except SystemExit as done:
    code = done.code
sys.stderr.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n")
raise SystemExit(code)
"""


def _modules(repo: Path, *args: str) -> tuple[str, set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args, "--repo", str(repo)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith("MODULES "))
    return result.stdout, set(json.loads(line.removeprefix("MODULES ")))


def _warm(repo: Path) -> None:
    """The first write after a config change parses it with ruamel.yaml (`safe_yaml` makes a
    dataclass) and caches it; the next ones read the cached config, as almost every write does."""
    _modules(repo, "declare", "--manual-incident", "--title", "Warm-up", "--severity", "SEV-4")


def test_no_write_of_an_incidents_life_imports_dataclasses(repo: Path) -> None:
    _warm(repo)
    out, modules = _modules(
        repo, "declare", "--manual-incident", "--title", "Checkout is slow", "--severity", "SEV-3",
        "--format", "json",
    )  # fmt: skip
    assert "dataclasses" not in modules
    incident_id = json.loads(out)["id"]
    for action in ("ack", "mitigate", "resolve", "postmortem", "close"):
        _, modules = _modules(repo, action, incident_id)
        assert "dataclasses" not in modules, action
    assert "closed" in (repo / "incidents").joinpath(*json.loads(out)["path"].split("/")[1:]).joinpath(
        "incident.md"
    ).read_text("utf-8")


def test_an_alert_in_our_own_format_imports_no_other_adapter_nor_dataclasses(repo: Path) -> None:
    _warm(repo)
    _, modules = _modules(repo, "declare", "--alert-payload", json.dumps(SEED_ALERT), "--format", "json")
    assert "dataclasses" not in modules
    adapters = {m for m in modules if m.startswith("incident_kit.alerts.")} - {
        "incident_kit.alerts." + name
        for name in ("build", "detection", "fields", "model", "payload", "severity", "timestamps", "grouping")
    }
    assert adapters == {"incident_kit.alerts.native"}
