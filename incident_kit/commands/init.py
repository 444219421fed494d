"""`incident init`: scaffold a repository for incident-kit, in one commit, clobbering nothing.

It also names the incident merge driver in `.gitattributes` (added to a file that exists), and
`open_context` defines the driver in this clone's git config (docs/merging.md).

`--upgrade` instead rewrites the managed steps of the installed workflows to a new pinned
commit of the action (workflows/managed.py), keeping every other line as the team left it, and
adds the workflows this release ships that the repository lacks.
"""

from __future__ import annotations

import sys
from pathlib import Path

from incident_kit.change import Change
from incident_kit.config.loading import default_text
from incident_kit.config.settings import CONFIG_PATH
from incident_kit.context import open_context
from incident_kit.git import merge_driver, repository
from incident_kit.reports.index_page import INDEX_PATH
from incident_kit.store import Store
from incident_kit.transaction import execute
from incident_kit.workflows import managed
from incident_kit.workflows.installed import WORKFLOWS, action_pin, issue_templates, templates

__all__ = ["WORKFLOWS", "run", "scaffold_files", "upgrade"]


def scaffold_files(
    pin: managed.ActionPin | None = None, severities: tuple[str, ...] | None = None
) -> dict[str, str]:
    """Every file init would write, by repository-relative path."""
    from incident_kit.commands.index import render_current

    pin = pin or action_pin()
    files = {CONFIG_PATH: default_text(), INDEX_PATH: render_current(None)}
    for rel, text in templates().items():
        files[rel] = managed.render(text, pin, rel)
    files.update(issue_templates(severities))
    return files


def team_severities(root: Path) -> tuple[str, ...] | None:
    """The configured severity scale, for the issue form's dropdown (None: no config yet)."""
    if not (root / CONFIG_PATH).is_file():
        return None
    from incident_kit.config import degraded

    return degraded.load(root).config.severity_scale.levels


def _attributes(store: Store) -> str | None:
    """`.gitattributes` naming the incident merge driver: added to one the repository has."""
    path = store.root / merge_driver.ATTRIBUTES_PATH
    current = store.read_text(path) if path.is_file() else None
    return merge_driver.attributes_with_driver(current)


def run(
    repo: Path | None, by: str | None, *, action_ref: str | None = None, action_repo: str | None = None
) -> int:
    pin = action_pin(action_ref, action_repo)
    ctx = open_context(repo, by, need_config=False)
    kept: list[str] = []

    def operation(store: Store) -> Change:
        writes = {}
        for rel, text in scaffold_files(pin, team_severities(store.root)).items():
            if (store.root / rel).exists():
                kept.append(rel)
            else:
                writes[rel] = text
        attributes = _attributes(store)
        if attributes is not None:
            writes[merge_driver.ATTRIBUTES_PATH] = attributes
        return Change(
            incident_id=None,
            subject="incident-kit: init",
            writes=writes,
            trailers={"Action": "init"},
            result={"written": sorted(writes)},
        )

    with repository.lock(ctx.root):
        outcome = execute(ctx.root, operation, ctx.actor)
    written = outcome.change.result["written"]
    for rel in written:
        print(f"wrote {rel}" if rel != merge_driver.ATTRIBUTES_PATH else f"wrote {rel} (the merge driver)")
    for rel in kept:
        print(f"kept  {rel} (already there)")
    if outcome.commit:
        print(f"committed {outcome.commit[:12]}; next: edit incidents/config.yaml (services, on-call)")
    else:
        print("nothing to do: already initialised")
    if any(rel.startswith(".github/") for rel in written):
        _say_pin(pin)
    return 0


def upgrade(
    repo: Path | None, by: str | None, *, action_ref: str | None = None, action_repo: str | None = None
) -> int:
    """Point the installed workflows' managed steps at `pin`; add shipped workflows that are missing."""
    pin = action_pin(action_ref, action_repo)
    ctx = open_context(repo, by, need_config=False)
    report: list[str] = []

    def operation(store: Store) -> Change:
        writes = {}
        for rel, template in templates().items():
            path = store.root / rel
            if not path.exists():
                writes[rel] = managed.render(template, pin, rel)
                report.append(f"wrote    {rel} (new in this release)")
                continue
            current = store.read_text(path)
            before = [found.pin for found in managed.pins(current, rel)]
            updated = managed.upgrade(current, template, pin, rel)
            if updated == current:
                report.append(f"current  {rel}")
                continue
            writes[rel] = updated
            was = ", ".join(sorted({_describe(p) for p in before})) or "unpinned"
            report.append(f"upgraded {rel} ({was} → {_describe(pin)})")
        for rel, text in issue_templates(team_severities(store.root)).items():
            if not (store.root / rel).exists():
                writes[rel] = text
                report.append(f"wrote    {rel} (new in this release)")
        return Change(
            incident_id=None,
            subject=f"incident-kit: upgrade the workflows to {_describe(pin)}",
            writes=writes,
            trailers={"Action": "upgrade"},
            result={"written": sorted(writes)},
        )

    with repository.lock(ctx.root):
        outcome = execute(ctx.root, operation, ctx.actor)
    for line in report:
        print(line)
    if outcome.commit:
        print(f"committed {outcome.commit[:12]}; push it to the default branch for the workflows to use it")
    else:
        print("nothing to do: the workflows already run this release")
    _say_pin(pin)
    return 0


def _describe(pin: managed.ActionPin) -> str:
    version = f"v{pin.version.removeprefix('v')}" if pin.version else "unknown release"
    return f"{version} @ {pin.ref[:12]}" if pin.pinned else f"{version} (not pinned)"


def _say_pin(pin: managed.ActionPin) -> None:
    if pin.pinned:
        print(f"workflows run {pin.repo}@{pin.ref[:12]} (v{pin.version}); `incident doctor` checks the setup")
    else:
        sys.stderr.write(
            "incident: warning: this incident-kit does not know the commit it was released from, so "
            "the workflows are not pinned yet and will not run; finish with `incident init --upgrade "
            "--action-ref <the release's full commit SHA>`\n"
        )
