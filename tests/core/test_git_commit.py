"""The tool's commit is the commit `git commit` would make, whichever way it is made.

Without hooks the CLI commits with git's plumbing (update-index into a copy of the index under
`index.lock`, ls-files, mktree, commit-tree, update-ref), which skips `git commit`'s refresh of
the whole index; with a hook, signing or a cleanup mode configured it runs `git commit -- paths`
itself. These tests pin what a person can observe either way, including the corners where the
two could differ (line endings, assume-unchanged entries, old tree modes, racing commits).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from support.cli import run_cli
from support.repos import commit_count, git, status_clean


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


def _conflicting_merge(repo: Path) -> str:
    """Start a merge of a branch that conflicts on shared.txt; HEAD's sha."""
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
    return head


def test_an_unresolved_merge_is_refused_in_one_line_and_the_file_left_as_it_was(repo: Path) -> None:
    incident_id = _declare(repo)
    head = _conflicting_merge(repo)  # not resolved yet
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


# --- what `git add` + `git commit -- paths` would do, in the corners (a review's findings) ------


def _incident_file(repo: Path) -> Path:
    return next((repo / "incidents").glob("*/*/incident.md"))


def test_a_crlf_file_under_autocrlf_keeps_its_line_endings_as_git_add_would(repo: Path) -> None:
    """git leaves a file alone whose committed blob already has CRs ("safer autocrlf"); a
    blob hashed without the index would lose every CR and rewrite every line."""
    incident_id = _declare(repo)
    path = _incident_file(repo)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    git(repo, "commit", "-qam", "edited on Windows")
    git(repo, "config", "core.autocrlf", "true")

    assert run_cli(["note", incident_id, "cache flushed", "--repo", str(repo)]).code == 0
    added, removed, _ = git(repo, "show", "--numstat", "--format=", "HEAD").split("\t")
    assert (added, removed) == ("1", "0")
    rel = str(path.relative_to(repo))
    assert (
        b"\r\n"
        in subprocess.run(["git", "cat-file", "-p", f"HEAD:{rel}"], cwd=repo, capture_output=True).stdout
    )
    assert status_clean(repo)


def test_an_assume_unchanged_file_is_committed_and_staged_so_no_later_commit_reverts_it(repo: Path) -> None:
    incident_id = _declare(repo)
    rel = str(_incident_file(repo).relative_to(repo))
    git(repo, "update-index", "--assume-unchanged", rel)
    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0
    assert "status: investigating" in git(repo, "show", f"HEAD:{rel}")
    # the index has what HEAD has: the person's next commit does not undo the ack
    assert git(repo, "diff", "--cached", "--name-only").strip() == ""
    (repo / "mine.txt").write_text("mine\n")
    git(repo, "add", "mine.txt")
    git(repo, "commit", "-qm", "my own change")
    assert _changed_in_head(repo) == ["mine.txt"]


def test_with_a_hook_a_staged_deletion_stays_out_even_when_git_would_call_it_a_rename(repo: Path) -> None:
    _declare(repo, "Checkout is down")
    _script(repo / ".git" / "hooks" / "pre-commit", "#!/bin/sh\nexit 0\n")
    deleted = str(_incident_file(repo).relative_to(repo))
    git(repo, "rm", "-q", deleted)  # staged by the person, not meant for the next commit
    _declare(repo, "Payments failing")  # a near copy of the deleted file: a rename to git diff
    status = git(repo, "show", "--name-status", "--no-renames", "--format=", "HEAD").split("\n")
    assert [line.split("\t")[0] for line in status if line] == ["A"]
    assert f"D  {deleted}" in git(repo, "status", "--short")


def test_a_merge_with_every_conflict_resolved_is_not_concluded_by_an_incident_commit(repo: Path) -> None:
    incident_id = _declare(repo)
    _conflicting_merge(repo)
    git(repo, "checkout", "--ours", "shared.txt")
    git(repo, "add", "shared.txt")  # the index now equals HEAD: nothing of the merge is staged
    head = git(repo, "rev-parse", "HEAD").strip()

    result = run_cli(["ack", incident_id, "--repo", str(repo)])
    assert result.code == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "merge is in progress" in result.stderr and "git merge --abort" in result.stderr
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert (repo / ".git" / "MERGE_HEAD").exists()


def test_a_sha256_repository_commits_through_git_commit(tmp_path: Path) -> None:
    root = tmp_path / "sha256"
    root.mkdir()
    git(root, "init", "-q", "-b", "main", "--object-format=sha256")
    git(root, "config", "user.name", "alice")
    git(root, "config", "user.email", "alice@example.com")
    (root / "README.md").write_text("hello\n")
    git(root, "add", "README.md")
    git(root, "commit", "-qm", "first")
    assert run_cli(["init", "--repo", str(root)]).code == 0
    incident_id = _declare(root)
    assert run_cli(["ack", incident_id, "--repo", str(root)]).code == 0
    assert len(git(root, "rev-parse", "HEAD").strip()) == 64
    assert status_clean(root)


def test_old_tree_modes_are_written_as_git_writes_them_today(repo: Path) -> None:
    """A tree from an old git can hold `100664` files and `040000` folders; `git commit`
    rewrites them as `100644` and `40000`, and so must the tool (or the tree ids differ)."""
    incident_id = _declare(repo)
    blob = git_input(repo, "old\n", "hash-object", "-w", "--stdin").strip()
    inner = git_input(repo, f"100644 blob {blob}\tz.txt\n", "mktree").strip()
    head_tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    raw = subprocess.run(["git", "cat-file", "tree", head_tree], cwd=repo, capture_output=True).stdout
    raw += b"100664 legacy.txt\0" + bytes.fromhex(blob) + b"040000 old\0" + bytes.fromhex(inner)
    entries = []  # git wants the entries sorted by name: rebuild the raw tree in order
    position = 0
    while position < len(raw):
        nul = raw.index(b"\0", position)
        entries.append(raw[position : nul + 21])
        position = nul + 21
    entries.sort(
        key=lambda entry: (
            entry.split(b" ", 1)[1].split(b"\0")[0]
            + (b"/" if entry.startswith(b"40") or entry.startswith(b"04") else b"")
        )
    )
    tree = (
        subprocess.run(
            ["git", "hash-object", "-t", "tree", "-w", "--stdin", "--literally"],
            cwd=repo,
            input=b"".join(entries),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    legacy = git_input(repo, "legacy modes\n", "commit-tree", tree, "-p", "HEAD").strip()
    git(repo, "reset", "-q", "--hard", legacy)

    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0
    listing = git(repo, "ls-tree", "HEAD")
    assert "100644 blob" in listing.split("legacy.txt")[0].rsplit("\n", 1)[-1]
    assert f"040000 tree {inner}\told" in listing  # ls-tree pads; the raw tree says 40000
    raw_after = subprocess.run(["git", "cat-file", "tree", "HEAD"], cwd=repo, capture_output=True).stdout
    assert b"100664 " not in raw_after and b"040000 " not in raw_after
    assert status_clean(repo)


def _loose_objects_in_fan_out_17(repo: Path, count: int) -> Path:
    """`count` reachable loose blobs whose ids start with 17 (the folder git's gc test counts)."""
    import hashlib

    contents = []
    number = 0
    while len(contents) < count:
        text = f"loose {number}\n"
        if hashlib.sha1(f"blob {len(text)}\0{text}".encode()).hexdigest().startswith("17"):
            contents.append(text)
        number += 1
    listing = ""
    for index, text in enumerate(contents):
        sha = git_input(repo, text, "hash-object", "-w", "--stdin").strip()
        listing += f"100644 blob {sha}\tloose{index}\n"
    tree = git_input(repo, listing, "mktree").strip()
    git(repo, "update-ref", "refs/kept/loose", git_input(repo, "kept\n", "commit-tree", tree).strip())
    return repo / ".git" / "objects" / "17"


def test_maintenance_auto_false_leaves_gc_to_the_scheduled_maintenance(repo: Path) -> None:
    incident_id = _declare(repo)
    git(repo, "config", "gc.auto", "1")  # more than 1/256 -> 1 loose object in objects/17
    git(repo, "config", "gc.autoDetach", "false")
    fan_out = _loose_objects_in_fan_out_17(repo, 3)
    git(repo, "config", "maintenance.auto", "false")
    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0
    assert len(os.listdir(fan_out)) >= 3
    # and with it back on, the same state is packed, as `git commit` would pack it
    git(repo, "config", "maintenance.auto", "true")
    assert run_cli(["note", incident_id, "packed", "--repo", str(repo)]).code == 0
    assert not fan_out.exists() or len(os.listdir(fan_out)) <= 1


def test_too_many_packs_are_repacked_as_git_commit_would(repo: Path) -> None:
    incident_id = _declare(repo)
    for number in range(5):
        (repo / f"extra{number}.txt").write_text(f"extra {number}\n")
        git(repo, "add", f"extra{number}.txt")
        git(repo, "commit", "-qm", f"extra {number}")
        git(repo, "repack", "-q")  # one new pack each time
    git(repo, "config", "gc.autoPackLimit", "3")  # only now, or those commits would gc
    git(repo, "config", "gc.autoDetach", "false")
    packs = repo / ".git" / "objects" / "pack"
    assert len(list(packs.glob("*.pack"))) > 3
    assert run_cli(["ack", incident_id, "--repo", str(repo)]).code == 0
    assert len(list(packs.glob("*.pack"))) <= 3
    assert git(repo, "fsck", "--no-progress").strip() == ""


def test_a_concurrent_git_commit_waits_for_the_index_lock_instead_of_taking_the_change(
    repo: Path, tmp_path: Path
) -> None:
    """The index is locked from the moment the tool stages its file until HEAD has moved, as
    `git commit` locks it: a person's commit in that window fails, it does not swallow the note."""
    incident_id = _declare(repo)
    real_git = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    reached, go = tmp_path / "reached", tmp_path / "go"
    wrapper = tmp_path / "bin" / "git"
    _script(
        wrapper,
        f'#!/bin/sh\nif [ "$1" = "update-ref" ]; then touch "{reached}"; '
        f'while [ ! -f "{go}" ]; do sleep 0.02; done; fi\nexec "{real_git}" "$@"\n',
    )
    (repo / "mine.txt").write_text("mine\n")
    git(repo, "add", "mine.txt")
    env = {**os.environ, "PATH": f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}"}
    cli = subprocess.Popen(
        [sys.executable, "-m", "incident_kit", "note", incident_id, "found it", "--repo", str(repo)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(1500):
            if reached.exists() or cli.poll() is not None:
                break
            time.sleep(0.02)
        assert reached.exists(), cli.communicate()
        theirs = subprocess.run(
            ["git", "commit", "-qm", "my own change"], cwd=repo, capture_output=True, text=True
        )
        assert theirs.returncode != 0 and "index.lock" in theirs.stderr
    finally:
        go.touch()
        _, errors = cli.communicate(timeout=60)
    assert cli.returncode == 0, errors
    assert [path.rsplit("/", 1)[-1] for path in _changed_in_head(repo)] == ["incident.md"]
    assert "found it" in git(repo, "show", "HEAD")
    assert git(repo, "status", "--short").strip() == "A  mine.txt"


def test_clean_message_trims_only_what_git_trims() -> None:
    from incident_kit.git.commit import clean_message

    assert clean_message("a\u2028b\fc\u00a0 \t\n\n\n\nActor: bob \n\n") == "a\u2028b\fc\u00a0\n\nActor: bob\n"
