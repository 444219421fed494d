"""`incident init --upgrade` re-pins the managed steps and keeps every other line a team wrote;
`incident validate` warns when the installed workflows run an older release than the CLI."""

from __future__ import annotations

import difflib
from pathlib import Path

from support.cli import run_cli
from support.repos import git as git_output
from support.repos import make_repo

from incident_kit import __version__

OLD = "a" * 40
NEW = "b" * 40
ALERT = ".github/workflows/incident-alert.yml"
SYNC = ".github/workflows/incident-sync.yml"


def git(root: Path, *args: str) -> str:
    return git_output(root, *args).strip()


def initialised(tmp_path: Path, *extra: str) -> Path:
    root = make_repo(tmp_path / "repo")
    result = run_cli(["init", *extra, "--repo", str(root)])
    assert result.code == 0, result.stderr
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_upgrade_rewrites_only_the_managed_step_and_keeps_the_team_s_edits(tmp_path: Path) -> None:
    root = initialised(tmp_path, "--action-ref", OLD)
    # The team's own changes: a schedule, an extra step, a comment, CRLF line endings in one file.
    edit(root, SYNC, '- cron: "17,47 * * * *"', '- cron: "5 * * * *" # ours')
    edit(
        root,
        ALERT,
        "      - name: Write the alert payload to a file\n",
        "      - name: Page the team too\n        run: echo paging\n\n"
        "      - name: Write the alert payload to a file\n",
    )
    edit(root, ALERT, f"# v{__version__}", "# v0.0.9")
    validate = root / ".github/workflows/incident-validate.yml"
    validate.write_bytes(validate.read_bytes().replace(b"\n", b"\r\n"))
    git(root, "commit", "-qam", "Our workflow tweaks")
    before = {rel: (root / rel).read_bytes() for rel in (ALERT, SYNC, validate.relative_to(root).as_posix())}

    result = run_cli(["init", "--upgrade", "--action-ref", NEW, "--repo", str(root)])

    assert result.code == 0, result.stderr
    assert f"upgraded {ALERT} (v0.0.9 @ {OLD[:12]} → v{__version__} @ {NEW[:12]})" in result.stdout
    for rel, old_bytes in before.items():
        new_bytes = (root / rel).read_bytes()
        old_lines = old_bytes.decode().splitlines(keepends=True)
        new_lines = new_bytes.decode().splitlines(keepends=True)
        diff = difflib.unified_diff(old_lines, new_lines, n=0)
        changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        ending = "\r\n" if rel.endswith("validate.yml") else "\n"
        assert changed == [
            "-" + next(line for line in old_lines if "uses: incident-kit/" in line),
            f"+        uses: incident-kit/incident-kit@{NEW} # v{__version__}{ending}",
        ], rel
    assert '- cron: "5 * * * *" # ours' in (root / SYNC).read_text()
    assert "Page the team too" in (root / ALERT).read_text()
    subject = git(root, "log", "-1", "--format=%s")
    assert subject == f"incident-kit: upgrade the workflows to v{__version__} @ {NEW[:12]}"


def test_an_upgrade_to_the_same_pin_changes_nothing(tmp_path: Path) -> None:
    root = initialised(tmp_path, "--action-ref", OLD)
    head = git(root, "rev-parse", "HEAD")
    result = run_cli(["init", "--upgrade", "--action-ref", OLD, "--repo", str(root)])
    assert result.code == 0, result.stderr
    assert "nothing to do" in result.stdout
    assert git(root, "rev-parse", "HEAD") == head


def test_upgrade_adds_a_shipped_workflow_the_repository_lacks(tmp_path: Path) -> None:
    root = initialised(tmp_path, "--action-ref", OLD)
    git(root, "rm", "-q", SYNC)
    git(root, "commit", "-qm", "Drop sync")
    result = run_cli(["init", "--upgrade", "--action-ref", NEW, "--repo", str(root)])
    assert result.code == 0, result.stderr
    assert f"wrote    {SYNC} (new in this release)" in result.stdout
    assert f"incident-kit/incident-kit@{NEW}" in (root / SYNC).read_text()


def test_a_workflow_without_a_managed_step_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    root = initialised(tmp_path, "--action-ref", OLD)
    (root / ALERT).write_text("name: hand-written\non: push\njobs: {}\n")
    git(root, "commit", "-qam", "Our own alert workflow")
    head = git(root, "rev-parse", "HEAD")

    result = run_cli(["init", "--upgrade", "--action-ref", NEW, "--repo", str(root)])

    assert result.code == 1
    assert result.stderr.count("\n") == 1 and "no managed step" in result.stderr, result.stderr
    assert git(root, "rev-parse", "HEAD") == head
    assert f"@{OLD}" in (root / SYNC).read_text()


def test_an_action_ref_that_is_not_a_full_sha_is_bad_input(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    for ref in ("v0.1.0", "main", "abc1234", "a" * 39 + "g"):
        result = run_cli(["init", "--action-ref", ref, "--repo", str(root)])
        assert result.code == 2, ref
        assert "full 40-character commit SHA" in result.stderr and result.stderr.count("\n") == 1
    assert not (root / ".github").exists()


def test_validate_warns_when_the_workflows_run_an_older_release(tmp_path: Path) -> None:
    root = initialised(tmp_path, "--action-ref", OLD)
    current = run_cli(["validate", "--repo", str(root)])
    assert current.code == 0 and "0 warning(s)" in current.stdout, current.stdout

    edit(root, ALERT, f"# v{__version__}", "# v0.0.9")
    result = run_cli(["validate", "--repo", str(root)])

    assert result.code == 0, result.stdout  # a warning, not an error
    [warning] = [line for line in result.stdout.splitlines() if ": warning: " in line]
    line = next(n for n, text in enumerate((root / ALERT).read_text().splitlines(), 1) if "v0.0.9" in text)
    assert warning.startswith(f"{ALERT}:{line}: warning: runs incident-kit v0.0.9, older than this one")
    assert "incident init --upgrade" in warning


def test_upgrade_adds_the_issue_form_and_its_workflows_to_a_repository_set_up_before_them(
    tmp_path: Path,
) -> None:
    root = initialised(tmp_path, "--action-ref", OLD)
    form = ".github/ISSUE_TEMPLATE/declare-incident.yml"
    added = (form, ".github/workflows/incident-form.yml", ".github/workflows/incident-command.yml")
    assert all((root / rel).is_file() for rel in added)  # init installs them
    git(root, "rm", "-q", *added)
    git(root, "commit", "-qm", "set up before issue 17")

    result = run_cli(["init", "--upgrade", "--action-ref", NEW, "--repo", str(root)])

    assert result.code == 0, result.stderr
    for rel in added:
        assert f"wrote    {rel} (new in this release)" in result.stdout
    assert "name: Declare an incident" in (root / form).read_text()
    assert NEW in (root / ".github/workflows/incident-command.yml").read_text()
    assert git(root, "status", "--porcelain") == ""


def test_the_installed_form_offers_the_team_s_own_severity_levels(tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    root = initialised(tmp_path, "--action-ref", OLD)
    form = root / ".github/ISSUE_TEMPLATE/declare-incident.yml"
    config = root / "incidents/config.yaml"
    text = config.read_text()
    for old, new in (("SEV-1", "P0"), ("SEV-2", "P1"), ("SEV-3", "P2"), ("SEV-4", "P3")):
        text = text.replace(old, new)
    config.write_text(text)
    git(root, "rm", "-q", str(form.relative_to(root)))
    git(root, "commit", "-qam", "our own scale")

    result = run_cli(["init", "--upgrade", "--action-ref", NEW, "--repo", str(root)])

    assert result.code == 0, result.stderr
    [dropdown] = [f for f in YAML(typ="safe").load(form.read_text())["body"] if f["type"] == "dropdown"]
    assert dropdown["attributes"]["options"] == ["P0", "P1", "P2", "P3"]
