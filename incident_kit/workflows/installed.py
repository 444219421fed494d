"""The workflow files on disk: the templates this release ships, the copies a repository has,
and which commit of the action `incident init` pins when it is not told.

Which commit, when `--action-ref` is not given:
1. the commit this release was built from: the release build records it in
   `incident_kit/data/release.json` (scripts/build-release.sh), so an installed wheel pins the
   action to exactly the code it is;
2. else, when the tool runs from a git checkout of incident-kit (a developer's clone), that
   checkout's HEAD;
3. else nothing can be known offline: the workflows are written with the placeholder
   `UNPINNED` (a run fails at once: nothing unreviewed runs), `init` says so, and
   `incident init --upgrade --action-ref <sha>` or `incident doctor` finish the job.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from incident_kit import __version__
from incident_kit.errors import GitError, IncidentKitError, InputError
from incident_kit.workflows.managed import ACTION_REPOSITORY, FULL_SHA, ActionPin, older, pins

WORKFLOWS_DIR = ".github/workflows"
WORKFLOWS: tuple[str, ...] = (
    "incident-alert.yml",
    "incident-sync.yml",
    "incident-validate.yml",
    "incident-pages.yml",
    "incident-remind.yml",
    "incident-form.yml",  # GitHub as an interface (issue 17)
    "incident-command.yml",
)
ISSUE_TEMPLATES_DIR = ".github/ISSUE_TEMPLATE"
ISSUE_TEMPLATES = ("declare-incident.yml",)  # the issue form incident-form.yml answers
RELEASE_FILE = "data/release.json"
UNPINNED = "UNPINNED"
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def template(name: str) -> str:
    """The workflow `name` as this release ships it (its managed `uses:` not yet pinned)."""
    return resources.files("incident_kit").joinpath("data/workflows", name).read_text("utf-8")


def templates() -> dict[str, str]:
    """Every shipped workflow, by repository-relative path."""
    folder = resources.files("incident_kit").joinpath("data/workflows")
    shipped = [name for name in WORKFLOWS if folder.joinpath(name).is_file()]
    return {f"{WORKFLOWS_DIR}/{name}": template(name) for name in shipped}


def issue_templates(severities: Sequence[str] | None = None) -> dict[str, str]:
    """The issue forms this release ships, by repository-relative path; the declare form's
    severity dropdown lists `severities` (the team's scale, most severe first) when given."""
    folder = resources.files("incident_kit").joinpath("data/issue_templates")
    forms = {name: folder.joinpath(name).read_text("utf-8") for name in ISSUE_TEMPLATES}
    if severities:
        forms["declare-incident.yml"] = _with_severities(forms["declare-incident.yml"], severities)
    return {f"{ISSUE_TEMPLATES_DIR}/{name}": text for name, text in forms.items()}


_SHIPPED_OPTIONS = "      options: [SEV-1, SEV-2, SEV-3, SEV-4]\n"
_SHIPPED_WORST = "SEV-1 is the worst."


def _with_severities(text: str, severities: Sequence[str]) -> str:
    """The form with the team's levels as the dropdown's options (JSON strings are YAML
    scalars: a level cannot break the form, whatever its characters)."""
    if _SHIPPED_OPTIONS not in text or _SHIPPED_WORST not in text:
        raise AssertionError("the shipped declare form no longer has its severity options line")
    levels = ", ".join(json.dumps(level, ensure_ascii=False) for level in severities)
    text = text.replace(_SHIPPED_OPTIONS, f"      options: [{levels}]\n", 1)
    return text.replace(_SHIPPED_WORST, "The first is the worst.", 1)


def action_pin(ref: str | None = None, repo: str | None = None) -> ActionPin:
    """The action `init` pins: `ref` (a full commit SHA) when given, else see the module doc."""
    repo = repo or ACTION_REPOSITORY
    if not _REPOSITORY.match(repo):
        raise InputError(f"--action-repo {repo!r}: give owner/name, e.g. {ACTION_REPOSITORY}")
    if ref is not None:
        ref = ref.strip().lower()
        if not FULL_SHA.match(ref):
            raise InputError(
                f"--action-ref {ref!r}: give a full 40-character commit SHA (a tag or branch can be "
                "moved to other code; a commit cannot)"
            )
        return ActionPin(repo, ref, __version__)
    commit = released_commit() or source_checkout_commit()
    return ActionPin(repo, commit or UNPINNED, __version__)


def released_commit() -> str | None:
    """The commit this installed release was built from (recorded by the release build)."""
    entry = resources.files("incident_kit").joinpath(RELEASE_FILE)
    try:
        data = json.loads(entry.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    commit = str(data.get("commit") or "") if isinstance(data, dict) else ""
    same_release = isinstance(data, dict) and data.get("version") == __version__
    return commit if same_release and FULL_SHA.match(commit) else None


def source_checkout_commit() -> str | None:
    """HEAD of the incident-kit git checkout this code runs from, if it runs from one."""
    from incident_kit.git import process

    source = Path(__file__).resolve().parents[2]
    if not (source / "action.yml").is_file() or not (source / ".git").exists():
        return None
    try:
        commit = process.run(source, "rev-parse", "HEAD").stdout.strip()
    except GitError:
        return None
    return commit if FULL_SHA.match(commit) else None


@dataclass(frozen=True)
class InstalledWorkflow:
    rel: str  # .github/workflows/<name>
    text: str


def installed(root: Path) -> list[InstalledWorkflow]:
    """The shipped workflows this repository has, as they are on disk."""
    found = []
    for name in WORKFLOWS:
        path = root / WORKFLOWS_DIR / name
        if path.is_file():
            found.append(InstalledWorkflow(f"{WORKFLOWS_DIR}/{name}", path.read_text("utf-8", "replace")))
    return found


@dataclass(frozen=True)
class StalePin:
    rel: str
    line: int
    version: str  # what the file says it runs ("" when its comment names no release)


def stale_pins(root: Path, running: str = __version__) -> list[StalePin]:
    """Managed steps pinned to a release older than the running tool (or to none it can tell)."""
    stale = []
    for workflow in installed(root):
        try:
            found = pins(workflow.text, workflow.rel)
        except IncidentKitError:  # a broken marker is doctor's to explain, not validate's
            continue
        for pin in found:
            if not pin.pin.version or older(pin.pin.version, running):
                stale.append(StalePin(workflow.rel, pin.line, pin.pin.version))
    return stale
