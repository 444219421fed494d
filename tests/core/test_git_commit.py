"""The tool's commit is the commit `git commit` would make, whichever way it is made.

Without hooks the CLI commits with git's plumbing (write-tree, commit-tree, update-ref), which
skips `git commit`'s refresh of the whole index; with a hook, signing or a cleanup mode
configured, or someone's staged work to leave out, it runs `git commit` itself. These tests
pin what a person can observe either way.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

from conftest import commit_count, git, run_cli, status_clean


def _declare(repo: Path, title: str = "Checkout is down") -> str:
    result = run_cli(
        ["declare", "--manual-incident", "--title", title, "--format", "json", "--repo", str(repo)]
    )
    assert result.code == 0, result.stderr
    return str(json.loads(result.stdout)["id"])


def _script(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def git_input(repo: Path, text: str, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, input=text, text=True, capture_output=True, check=True
    ).stdout


def _changed_in_head(repo: Path) -> list[str]:
    return git(repo, "show", "--name-only", "--format=", "HEAD").split()


def test_a_commit_records_author_committer_message_and_reflog_like_git_commit(repo: Path) -> None:
    incident_id = _declare(repo)
    before = git(repo, "rev-parse", "HEAD").strip()
    result = run_cli(["ack", incident_id, "--by", "bob", "--repo", str(repo)])
    assert result.code == 0, result.stderr

    assert git(repo, "rev-parse", "HEAD^").strip() == before
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip() == (
        "bob <bob@users.noreply.github.com>|alice <alice@example.com>"
    )
    raw = git(repo, "cat-file", "commit", "HEAD")
    message = raw.split("\n\n", 1)[1]
    assert message.startswith(f"{incident_id}: ack (triage → investigating)\n\nIncident: {incident_id}\n")
    assert message.endswith("Actor: bob\n") and "\n\n\n" not in message
    # the branch moved (not a detached HEAD), and both reflogs say what git commit would say
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    for ref in ("HEAD", "main"):
        assert git(repo, "log", "-g", "-1", "--format=%gs", ref).strip() == (
            f"commit: {incident_id}: ack (triage → investigating)"
        )
    assert status_clean(repo)
    assert git(repo, "fsck", "--no-progress").strip() == ""


def test_someone_elses_staged_work_stays_staged_and_out_of_the_commit(repo: Path) -> None:
    (repo / "README.md").write_text("the team's readme\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "readme")
    incident_id = _declare(repo)
    (repo / "notes.txt").write_text("draft, not ready\n")
    (repo / "README.md").write_text("edited by a person\n")
    git(repo, "add", "notes.txt", "README.md")

    result = run_cli(["note", incident_id, "cache flushed", "--repo", str(repo)])
    assert result.code == 0, result.stderr

    changed = _changed_in_head(repo)
    assert len(changed) == 1 and changed[0].endswith("/incident.md"), changed
    assert sorted(git(repo, "diff", "--cached", "--name-only").split()) == ["README.md", "notes.txt"]
    assert git(repo, "status", "--porcelain").splitlines() == ["M  README.md", "A  notes.txt"]


def test_a_commit_msg_hook_still_runs_and_can_add_to_the_message(repo: Path) -> None:
    incident_id = _declare(repo)
    _script(
        repo / ".git" / "hooks" / "commit-msg",
        '#!/bin/sh\nprintf "Reviewed-by: the hook\\n" >> "$1"\n',
    )
    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0
    assert git(repo, "log", "-1", "--format=%B").rstrip().endswith("Reviewed-by: the hook")
    assert status_clean(repo)


def test_hooks_under_core_hookspath_run_too(repo: Path) -> None:
    incident_id = _declare(repo)
    marker = repo.parent / "post-commit-ran"
    _script(repo / "tooling" / "hooks" / "post-commit", f'#!/bin/sh\ntouch "{marker}"\n')
    git(repo, "config", "core.hooksPath", "tooling/hooks")
    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0
    assert marker.exists()


def test_a_non_executable_hook_is_ignored_as_git_ignores_it(repo: Path) -> None:
    incident_id = _declare(repo)
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o644)
    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0


def test_commit_gpgsign_is_honoured(repo: Path) -> None:
    """A fake gpg (git only needs its status line and an armored block) proves git signed."""
    incident_id = _declare(repo)
    fake_gpg = repo.parent / "fake-gpg"
    _script(
        fake_gpg,
        "#!/bin/sh\ncat >/dev/null\n"
        'echo "[GNUPG:] SIG_CREATED D 1 8 00 1700000000 FAKE" >&2\n'
        'printf -- "-----BEGIN PGP SIGNATURE-----\\n\\nZmFrZQ==\\n-----END PGP SIGNATURE-----\\n"\n',
    )
    git(repo, "config", "gpg.program", str(fake_gpg))
    git(repo, "config", "commit.gpgSign", "true")
    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0
    assert "\ngpgsig -----BEGIN PGP SIGNATURE-----" in git(repo, "cat-file", "commit", "HEAD")


def test_loose_objects_past_gc_auto_are_packed_as_git_commit_would(repo: Path) -> None:
    incident_id = _declare(repo)
    git(repo, "config", "gc.auto", "512")  # git's test: more than 512/256 = 2 in objects/17
    git(repo, "config", "gc.autoDetach", "false")
    blobs = repo.parent / "blobs"
    blobs.mkdir()
    for number in range(3000):
        (blobs / f"{number}").write_text(f"loose object {number}\n")
    files = sorted(blobs.iterdir())
    ids = git_input(repo, "\n".join(str(path) for path in files) + "\n", "hash-object", "-w", "--stdin-paths")
    # reachable, as gc keeps recent unreachable objects loose: a tree of them, a commit, a ref
    listing = "".join(
        f"100644 blob {sha}\t{path.name}\n" for sha, path in zip(ids.split(), files, strict=True)
    )
    tree = git_input(repo, listing, "mktree").strip()
    kept = git_input(repo, "loose objects\n", "commit-tree", tree).strip()
    git(repo, "update-ref", "refs/kept/loose", kept)
    fan_out = repo / ".git" / "objects" / "17"
    assert len(os.listdir(fan_out)) > 2  # the ids are deterministic, so this always holds

    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0
    assert not fan_out.exists() or len(os.listdir(fan_out)) <= 2
    assert git(repo, "fsck", "--no-progress").strip() == ""


def test_gc_auto_zero_turns_the_automatic_gc_off(repo: Path) -> None:
    incident_id = _declare(repo)
    git(repo, "config", "gc.auto", "0")
    fan_out = repo / ".git" / "objects" / "17"
    fan_out.mkdir(exist_ok=True)
    before = commit_count(repo)
    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0
    assert commit_count(repo) == before + 1


def test_a_merge_in_progress_is_left_to_git_commit_and_refused_cleanly(repo: Path) -> None:
    incident_id = _declare(repo)
    # a merge with a conflict the person has not resolved yet
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "shared.txt").write_text("side\n")
    git(repo, "add", "shared.txt")
    git(repo, "commit", "-qm", "side")
    git(repo, "checkout", "-q", "main")
    (repo / "shared.txt").write_text("main\n")
    git(repo, "add", "shared.txt")
    git(repo, "commit", "-qm", "main")
    head = git(repo, "rev-parse", "HEAD").strip()
    subprocess.run(["git", "merge", "-q", "side"], cwd=repo, capture_output=True, check=False)
    assert (repo / ".git" / "MERGE_HEAD").exists()
    incident_file = next((repo / "incidents").glob("*/*/incident.md"))
    original = incident_file.read_bytes()

    result = run_cli(["ack", incident_id, "--repo", str(repo)])
    assert result.code == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert incident_file.read_bytes() == original


def test_an_unmerged_path_elsewhere_is_left_as_it_is(repo: Path) -> None:
    """What a conflicting `git stash pop` leaves: the tool commits its file and nothing else."""
    incident_id = _declare(repo)
    (repo / "shared.txt").write_text("base\n")
    base = git(repo, "hash-object", "-w", "shared.txt").strip()
    stages = "".join(f"100644 {base} {stage}\tshared.txt\n" for stage in (1, 2, 3))
    git_input(repo, stages, "update-index", "--index-info")

    result = run_cli(["ack", incident_id, "--repo", str(repo)])
    assert result.code == 0, result.stderr
    changed = _changed_in_head(repo)
    assert len(changed) == 1 and changed[0].endswith("/incident.md"), changed
    assert git(repo, "ls-files", "--unmerged").count("shared.txt") == 3


def test_in_a_linked_worktree_the_main_repositorys_hooks_still_run(repo: Path) -> None:
    incident_id = _declare(repo)
    worktree = repo.parent / "second-worktree"
    git(repo, "worktree", "add", "-q", "-b", "side", str(worktree))
    _script(repo / ".git" / "hooks" / "commit-msg", '#!/bin/sh\nprintf "Hooked: yes\\n" >> "$1"\n')
    result = run_cli(["ack", incident_id, "--repo", str(worktree)])
    assert result.code == 0, result.stderr
    assert git(worktree, "log", "-1", "--format=%B").rstrip().endswith("Hooked: yes")
    assert git(repo, "log", "-1", "--format=%s", "main").strip().endswith("declare SEV-3 Checkout is down")
    assert status_clean(worktree)
