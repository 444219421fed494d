"""A repository with public, private and hostile incidents, for the site's tests.

Built with the real CLI (declare, ack, note, note --public, mitigate, resolve) under the pinned
clock (2026-11-26T15:00:00Z), plus the hand edits people make in pull requests: `public: true`
or `public: false` in the frontmatter, a `public_title:`, a post-mortem written by hand.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.cli import PINNED_NOW, run_cli
from support.postmortems import fill
from support.repos import make_repo

HOSTILE_TITLE = "<script>alert('title')</script><img src=x onerror=alert('img')> Search is down"
HOSTILE_NOTE = (
    "Public update: <script>alert('note')</script> <img src=x onerror=alert(3)> [click](javascript:alert(4))"
)
HOSTILE_POSTMORTEM = """---
incident: {id}
---

# Post-mortem

<script>alert('postmortem')</script>
<img src="x" onerror="alert('pm-img')">
<iframe src="javascript:alert(5)"></iframe>

[a link](javascript:alert('pm-link')) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
![pixel](https://tracker.example.com/pixel.png)

<div onmouseover="alert('hover')">hover me</div>

## Timeline

```mermaid
gantt
    title Incident phases (UTC)
    dateFormat YYYY-MM-DD HH:mm:ss
    section Response
    Triage :2026-11-26 10:00:00, 2026-11-26 10:05:00
```

- 2026-11-26T10:00:00Z — Declared — alice

## Action items

- [ ] AI-1: Rate-limit the search API — owner: @bob — due: 2026-12-10 — type: prevent — issue: #42
- [x] AI-2: Add an alert — owner: @carol — due: 2026-12-01 — type: detect — issue: acme/search#7
"""

# Private facts: none of these may reach the public output.
PRIVATE_TITLE = "Ledger primary OOM after the reindex job"
PRIVATE_SERVICE = "ledger-internal"
PRIVATE_NOTE = "Rotated the leaked ledger key"
FORCED_PRIVATE_TITLE = "Vault unsealed by mistake"
FORCED_PRIVATE_SERVICE = "vault-core"
DRILL_TITLE = "Game day: fail over the edge"
DRILL_SERVICE = "edge-drill"
PUBLIC_NOTE_OF_PUBLIC_INCIDENT = "Internal: the canary host is web-17"


@dataclass(frozen=True)
class SiteRepo:
    root: Path
    ids: dict[str, str]  # role -> incident id

    def folder(self, role: str) -> Path:
        return next((self.root / "incidents").glob(f"*/{self.ids[role]}-*"))

    def private_markers(self) -> list[str]:
        return [
            PRIVATE_TITLE,
            PRIVATE_SERVICE,
            PRIVATE_NOTE,
            FORCED_PRIVATE_TITLE,
            FORCED_PRIVATE_SERVICE,
            DRILL_TITLE,
            DRILL_SERVICE,
            PUBLIC_NOTE_OF_PUBLIC_INCIDENT,
            self.ids["private"],
            self.ids["forced_private"],
            self.ids["drill"],
        ]


def cli(root: Path, *args: str) -> str:
    """The CLI in-process on `root`; its stdout (it must succeed)."""
    result = run_cli([*args, "--repo", str(root)])
    assert result.code == 0, result.stderr
    return result.stdout


def sealed(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """conftest's sealed environment, for a module-scoped fixture."""
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("INCIDENT_KIT_NOW", PINNED_NOW)
    for name in (
        "SLACK_BOT_TOKEN",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GITHUB_ACTOR",
        "GITHUB_REPOSITORY",
        "GIT_DIR",
    ):
        monkeypatch.delenv(name, raising=False)


def new_site_repo(path: Path) -> SiteRepo:
    root = make_repo(path)
    cli(root, "init")
    return make_site_repo(root)


def declare(root: Path, title: str, severity: str, service: str, at: str, *extra: str) -> str:
    out = cli(
        root,
        "declare", "--manual-incident", "--title", title, "--severity", severity, "--service", service,
        "--at", at, "--format", "json", *extra,
    )  # fmt: skip
    incident_id = json.loads(out)["id"]
    assert isinstance(incident_id, str)
    return incident_id


def edit_frontmatter(folder: Path, lines: str) -> None:
    """Add top-level keys after `kind:`, as a person would in a pull request."""
    path = folder / "incident.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^(kind: .*)$", r"\1\n" + lines, text, count=1, flags=re.M), encoding="utf-8")


def make_site_repo(root: Path) -> SiteRepo:
    """`root` is an initialised repository (`incident init`)."""
    config = root / "incidents" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("  public:\n    severities: []", "  public:\n    severities: [SEV-1]")
    text = text.replace('  title: "Service status"', '  title: "Acme status"')
    config.write_text(text, encoding="utf-8")

    ids = {}
    # public by its frontmatter, open (investigating), with a public title and update
    ids["checkout"] = declare(root, "Checkout 502s from the payment proxy", "SEV-2", "checkout", "3h ago")
    cli(root, "ack", ids["checkout"], "--at", "170m ago")
    cli(root, "note", ids["checkout"], PUBLIC_NOTE_OF_PUBLIC_INCIDENT, "--at", "160m ago")
    cli(
        root,
        "note",
        ids["checkout"],
        "--public",
        "We are investigating failed checkouts.",
        "--at",
        "150m ago",
    )
    # public by the config rule (SEV-1), resolved two days ago
    ids["payments"] = declare(root, "Payments API unavailable", "SEV-1", "payments", "2026-11-24T09:00:00Z")
    payments = ids["payments"]
    cli(root, "ack", payments, "--at", "2026-11-24T09:05:00Z")
    cli(
        root,
        "note",
        payments,
        "--public",
        "Payments are failing; we are on it.",
        "--at",
        "2026-11-24T09:10:00Z",
    )
    cli(root, "mitigate", payments, "--rollback", "4711", "--at", "2026-11-24T09:40:00Z")
    cli(root, "resolve", payments, "--at", "2026-11-24T10:30:00Z")
    cli(root, "note", payments, "--public", "Payments work again.", "--at", "2026-11-24T10:31:00Z")
    cli(root, "postmortem", payments, "--at", "2026-11-24T11:00:00Z")
    postmortem = root_folder(root, payments) / "postmortem.md"
    postmortem.write_text(fill(postmortem.read_text(encoding="utf-8")), encoding="utf-8")
    # private: no rule, no key
    ids["private"] = declare(root, PRIVATE_TITLE, "SEV-2", PRIVATE_SERVICE, "1h ago")
    cli(root, "note", ids["private"], PRIVATE_NOTE, "--at", "50m ago")
    cli(
        root,
        "note",
        ids["private"],
        "--public",
        "This would be public if the incident were",
        "--at",
        "40m ago",
    )
    # SEV-1 (the rule would publish it) but marked `public: false`
    ids["forced_private"] = declare(root, FORCED_PRIVATE_TITLE, "SEV-1", FORCED_PRIVATE_SERVICE, "2h ago")
    # a drill is never public
    ids["drill"] = declare(root, DRILL_TITLE, "SEV-1", DRILL_SERVICE, "4h ago", "--drill")
    # public, hostile title, note and post-mortem, mitigated
    ids["hostile"] = declare(root, "Search is down", "SEV-3", "search", "5h ago")
    cli(root, "mitigate", ids["hostile"], "--at", "4h ago")
    cli(root, "note", ids["hostile"], "--public", "Search results are slow.", "--at", "230m ago")

    edit_frontmatter(
        root_folder(root, ids["checkout"]),
        "public: true\npublic_title: Checkout is failing for some customers",
    )
    edit_frontmatter(root_folder(root, ids["forced_private"]), "public: false")
    hostile = root_folder(root, ids["hostile"])
    path = hostile / "incident.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: Search is down", "title: " + json.dumps(HOSTILE_TITLE), 1)
    text = text.replace("\n## Links", f"\n- 2026-11-26T12:00:00Z — {HOSTILE_NOTE} — mallory\n\n## Links", 1)
    path.write_text(text, encoding="utf-8")
    edit_frontmatter(hostile, "public: true")
    (hostile / "postmortem.md").write_text(HOSTILE_POSTMORTEM.format(id=ids["hostile"]), encoding="utf-8")
    return SiteRepo(root, ids)


def root_folder(root: Path, incident_id: str) -> Path:
    return next((root / "incidents").glob(f"*/{incident_id}-*"))
