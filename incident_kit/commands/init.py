"""`incident init`: scaffold a repository for incident-kit, in one commit, clobbering nothing."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from incident_kit.change import Change
from incident_kit.config.loading import default_text
from incident_kit.config.settings import CONFIG_PATH
from incident_kit.context import open_context
from incident_kit.git import repository
from incident_kit.reports.index_page import INDEX_PATH
from incident_kit.store import Store
from incident_kit.transaction import execute

WORKFLOWS = ("incident-alert.yml", "incident-sync.yml", "incident-validate.yml", "incident-pages.yml")


def scaffold_files() -> dict[str, str]:
    """Every file init would write, by repository-relative path."""
    from incident_kit.commands.index import render_current

    files = {CONFIG_PATH: default_text(), INDEX_PATH: render_current(None)}
    workflows = resources.files("incident_kit").joinpath("data/workflows")
    for name in WORKFLOWS:
        entry = workflows.joinpath(name)
        if entry.is_file():
            files[f".github/workflows/{name}"] = entry.read_text("utf-8")
    return files


def run(repo: Path | None, by: str | None) -> int:
    ctx = open_context(repo, by, need_config=False)
    kept: list[str] = []

    def operation(store: Store) -> Change:
        writes = {}
        for rel, text in scaffold_files().items():
            if (store.root / rel).exists():
                kept.append(rel)
            else:
                writes[rel] = text
        return Change(
            incident_id=None,
            subject="incident-kit: init",
            writes=writes,
            trailers={"Action": "init"},
            result={"written": sorted(writes)},
        )

    with repository.lock(ctx.root):
        outcome = execute(ctx.root, operation, ctx.actor)
    for rel in outcome.change.result["written"]:
        print(f"wrote {rel}")
    for rel in kept:
        print(f"kept  {rel} (already there)")
    if outcome.commit:
        print(f"committed {outcome.commit[:12]}; next: edit incidents/config.yaml (services, on-call)")
    else:
        print("nothing to do: already initialised")
    return 0
