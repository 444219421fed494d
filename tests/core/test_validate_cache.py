"""`incident validate` of the whole repository reuses per-folder results (`validation_cache`):
whatever happened to the files since — a hand edit, a checkout, a rebase, a lost cache, a
rewrite within the same second — the answer is the one an uncached run (`--no-cache`) gives."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.cli import run_cli
from support.repos import git

from incident_kit import validation_cache
from incident_kit.validation import Problem
from incident_kit.validation_cache import ResultCache, cache_path, fingerprint, stored_entries

GOOD = """---
id: inc-20261126-{code}
title: Broken thing
status: triage
severity: SEV-3
kind: incident
declared_at: 2026-11-26T10:00:00Z
acknowledged_at: null
mitigated_at: null
resolved_at: null
---

## Summary

x

## Timeline

- 2026-11-26T10:00:00Z — Declared — alice
"""
CODES = ("aaaa", "bbbb", "cccc")


def folder(code: str) -> str:
    return f"incidents/2026-11/inc-20261126-{code}-thing"


def write(repo: Path, code: str, text: str | None = None) -> Path:
    path = repo / folder(code) / "incident.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(GOOD.format(code=code) if text is None else text, "utf-8")
    return path


def validate(repo: Path, *args: str) -> tuple[int, str]:
    result = run_cli(["validate", "--format", "json", "--repo", str(repo), *args])
    return result.code, result.stdout


def same_as_uncached(repo: Path) -> tuple[int, str]:
    """The cached run's answer, after checking it is the uncached one."""
    cached = validate(repo)
    assert cached == validate(repo, "--no-cache")
    return cached


@pytest.fixture
def incidents(repo: Path) -> Path:
    for code in CODES:
        write(repo, code)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "three incidents")
    assert validate(repo)[0] == 0
    assert cache_path(repo).is_file()
    return repo


def test_a_hand_edit_is_checked_again(incidents: Path) -> None:
    path = write(incidents, "bbbb", GOOD.format(code="bbbb").replace("SEV-3", "SEV-9"))
    code, out = same_as_uncached(incidents)
    assert code == 1 and "SEV-9" in out and f"{folder('bbbb')}/incident.md" in out
    path.write_text(GOOD.format(code="bbbb"), "utf-8")
    assert same_as_uncached(incidents)[0] == 0


def test_a_checkout_of_another_branch_and_back(incidents: Path) -> None:
    git(incidents, "switch", "-q", "-c", "broken")
    write(incidents, "cccc", GOOD.format(code="cccc").replace("status: triage", "status: resolved"))
    git(incidents, "commit", "-q", "-am", "resolve without times")
    assert validate(incidents)[0] == 1
    git(incidents, "switch", "-q", "-")
    assert same_as_uncached(incidents)[0] == 0
    git(incidents, "switch", "-q", "broken")
    code, out = same_as_uncached(incidents)
    assert code == 1 and "mitigated_at is empty" in out


def test_a_rebase_that_rewrites_an_incident(incidents: Path) -> None:
    main = git(incidents, "branch", "--show-current").strip()
    git(incidents, "switch", "-q", "-c", "topic")
    write(incidents, "aaaa", GOOD.format(code="aaaa") + "- 2026-11-26T11:00:00Z — Typo fixed — bob\n")
    git(incidents, "commit", "-q", "-am", "retitle")
    assert validate(incidents)[0] == 0
    git(incidents, "switch", "-q", main)
    write(
        incidents, "aaaa", GOOD.format(code="aaaa").replace("id: inc-20261126-aaaa", "id: inc-20261126-zzzz")
    )
    git(incidents, "commit", "-q", "-am", "wrong id on main")
    git(incidents, "switch", "-q", "topic")
    git(incidents, "rebase", "-q", main)
    code, out = same_as_uncached(incidents)
    assert code == 1 and "does not match its folder" in out


@pytest.mark.parametrize("damage", ["delete", "truncate", "garbage", "other tool version"])
def test_a_deleted_or_damaged_cache_is_rebuilt_silently(incidents: Path, damage: str) -> None:
    write(incidents, "aaaa", GOOD.format(code="aaaa").replace("SEV-3", "SEV-9"))
    expected = validate(incidents, "--no-cache")
    assert validate(incidents) == expected
    cache = cache_path(incidents)
    data = cache.read_bytes()
    if damage == "delete":
        cache.unlink()
    elif damage == "truncate":
        cache.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        cache.write_bytes(data.split(b"\n")[0] + b"\nnot\ta\tcache line\n" + b"\x00" * 50)
    else:
        header, rest = data.split(b"\n", 1)
        cache.write_bytes(header[:-4] + b"0000\n" + rest.replace(b"SEV-9", b"SEV-3"))
    result = run_cli(["validate", "--format", "json", "--repo", str(incidents)])
    assert (result.code, result.stdout, result.stderr) == (*expected, "")
    assert cache.read_bytes().startswith(b"incident-kit validate")


def test_a_cached_result_for_an_unchanged_file_is_served_as_stored(
    incidents: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache is really used (so the tests above test something): a result planted for an
    unchanged file that is not racy is what the next run reports."""
    settled(monkeypatch)
    validate(incidents)
    key, content, facts, rows = stored_entries(incidents)[folder("aaaa")]
    assert rows == ()  # a folder without problems
    plant(incidents, folder("aaaa"), (key, content, facts, (("x.md", 1, "planted", "warning", "test"),)))
    assert "planted" in validate(incidents)[1]
    assert "planted" not in validate(incidents, "--no-cache")[1]


def test_a_config_change_invalidates_results_that_depend_on_it(incidents: Path) -> None:
    config = incidents / "incidents" / "config.yaml"
    text = config.read_text("utf-8")
    assert "SEV-3" in text
    config.write_text(text.replace("SEV-3", "SEV-X"), "utf-8")
    code, out = same_as_uncached(incidents)
    assert code == 1 and "'SEV-3' is not one of" in out


def test_a_same_size_rewrite_with_the_old_mtime_is_not_served_stale(incidents: Path) -> None:
    path = incidents / folder("aaaa") / "incident.md"
    before = path.stat()
    path.write_text(GOOD.format(code="aaaa").replace("SEV-3", "SEV-9"), "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    code, out = same_as_uncached(incidents)
    assert code == 1 and "SEV-9" in out


def plant(repo: Path, rel: str, entry: object) -> None:
    """Replace one folder's entry in the cache file, keeping its header."""
    path = cache_path(repo)
    header, body = path.read_bytes().split(b"\n", 1)
    config, entries = marshal.loads(body)
    entries[rel] = entry
    path.write_bytes(header + b"\n" + marshal.dumps((config, entries)))


# --- the cache itself, with a check that counts its calls ------------------------------------


def result_of(text: str) -> tuple[list[Problem], tuple[str | None, str | None, str | None]]:
    return [Problem("x", 1, text)], ("inc-x", "triage", None)


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, folder: Path) -> tuple[list[Problem], tuple[str | None, str | None, str | None]]:
        self.calls += 1
        return result_of((folder / "incident.md").read_text("utf-8"))


def one_run(root: Path, folders: list[Path], check: Counting, key: str = "k") -> list[str]:
    cache = ResultCache(root, lambda f: f.name, key)
    messages = [cache.result(f, check)[0][0].message for f in folders]
    cache.save()
    return messages


@pytest.fixture
def two(repo: Path) -> list[Path]:
    folders = [write(repo, code).parent for code in CODES[:2]]
    return folders


def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files last changed before this point are not racy for the runs that follow: the racy
    window (2 s, for file systems with coarse timestamps) shrunk to what this one needs."""
    monkeypatch.setattr(validation_cache, "RACY_NS", 0)
    time.sleep(0.05)


def test_unchanged_folders_are_not_checked_again(repo: Path, two: list[Path]) -> None:
    check = Counting()
    first = one_run(repo, two, check)
    assert check.calls == 2
    assert one_run(repo, two, check) == first and check.calls == 2
    assert one_run(repo, two, check, key="another config") == first and check.calls == 4


def test_a_racy_rewrite_that_keeps_every_stat_field_is_caught_by_content(
    repo: Path, two: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system with coarse timestamps: a rewrite of the same size in the same tick keeps
    size, mtime, ctime and inode. The entry was written within RACY_NS of the file's mtime, so
    it carries a content hash, and the rewrite is seen."""
    monkeypatch.setattr(validation_cache, "_stat_key", lambda folder: ("same", 2**62))
    check = Counting()
    one_run(repo, two, check)
    (two[0] / "incident.md").write_text(GOOD.format(code="aaaa").replace("SEV-3", "SEV-9"), "utf-8")
    messages = one_run(repo, two, check)
    assert check.calls == 3 and "SEV-9" in messages[0] and "SEV-3" in messages[1]


def test_an_old_entry_is_trusted_by_its_stat_key_and_a_new_one_is_verified(
    repo: Path, two: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settled(monkeypatch)
    check = Counting()
    one_run(repo, two, check)
    assert all(entry[1] == "" for entry in stored_entries(repo).values())  # no hash: the stat key suffices
    monkeypatch.setattr(validation_cache, "RACY_NS", 2 * 10**9)  # a file written just now is racy
    write(repo, "aaaa", GOOD.format(code="aaaa").replace("SEV-3", "SEV-4"))
    assert "SEV-4" in one_run(repo, two, check)[0] and check.calls == 3
    assert [bool(entry[1]) for entry in stored_entries(repo).values()] == [True, False]


def test_the_fingerprint_follows_the_config_and_the_rule_sources(tmp_path: Path) -> None:
    source = tmp_path / "rules.py"
    source.write_text("a", "utf-8")
    first = fingerprint(b"severity: x", [source])
    assert first == fingerprint(b"severity: x", [source])
    assert first != fingerprint(b"severity: y", [source])
    assert first != fingerprint(None, [source])
    source.write_text("ab", "utf-8")
    assert first != fingerprint(b"severity: x", [source])


def test_folders_checked_in_worker_processes_give_the_same_answer_and_entries(
    incidents: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incident_kit import workers

    write(incidents, "bbbb", GOOD.format(code="bbbb").replace("SEV-3", "SEV-9"))
    in_process = validate(incidents, "--no-cache")
    cache_path(incidents).unlink()
    monkeypatch.setattr(workers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(workers, "CHUNK", 1)
    assert validate(incidents) == in_process
    assert len(stored_entries(incidents)) == len(CODES)
    monkeypatch.setattr(workers, "PARALLEL_FROM", 10**6)
    assert validate(incidents) == in_process


def test_a_symlink_to_dev_zero_or_a_fifo_is_never_read_to_key_the_cache(incidents: Path) -> None:
    """A racy entry is hashed before it is checked: the hash opens regular files only."""
    target = incidents / folder("aaaa") / "incident.md"
    target.unlink()
    target.symlink_to("/dev/zero")
    os.mkfifo(incidents / folder("bbbb") / "postmortem.md")
    code, out = same_as_uncached(incidents)
    assert code == 1 and "symlink" in out and "not a regular file" in out
    assert same_as_uncached(incidents) == (code, out)


# --- the one-pass walk of a whole-repository run (`validation_walk`) ------------------------


def test_a_symlink_appearing_inside_a_cached_folder_is_reported(incidents: Path) -> None:
    """The symlink rule reads the same directory entries the cache keys come from: a link
    added next to an unchanged incident.md is still found."""
    (incidents / folder("aaaa") / "notes.md").symlink_to("/etc/passwd")
    nested = incidents / folder("bbbb") / "attachments"
    nested.mkdir()
    (nested / "graph.png").symlink_to("../incident.md")
    code, out = same_as_uncached(incidents)
    assert code == 1 and f"{folder('aaaa')}/notes.md" in out and "attachments/graph.png" in out
    assert same_as_uncached(incidents) == (code, out)


def test_a_post_mortem_appearing_or_going_in_a_cached_folder_is_seen(incidents: Path) -> None:
    pm = incidents / folder("cccc") / "postmortem.md"
    pm.write_bytes(b"# Post-mortem \xff\n")  # not UTF-8
    with_pm = same_as_uncached(incidents)
    assert "postmortem.md" in with_pm[1]
    pm.unlink()
    assert same_as_uncached(incidents)[0] == 0


def test_symlinked_months_folders_and_duplicate_ids_match_the_uncached_answer(incidents: Path) -> None:
    elsewhere = incidents.parent / "elsewhere"
    (elsewhere / "inc-20261201-dddd-x").mkdir(parents=True)
    (incidents / "incidents" / "2026-12").symlink_to(elsewhere)
    (incidents / "incidents" / "2026-11" / "inc-20261126-eeee-y").symlink_to(elsewhere)
    write(incidents, "aaaa", GOOD.format(code="aaaa")).parent.rename(
        incidents / "incidents" / "2026-11" / "inc-20261126-aaaa-other"
    )
    write(incidents, "aaaa")
    code, out = same_as_uncached(incidents)
    assert code == 1 and "used by several folders" in out and "2026-12" in out
    assert same_as_uncached(incidents) == (code, out)


def test_a_symlinked_incidents_folder_is_reported_as_without_the_cache(repo: Path, tmp_path: Path) -> None:
    real = tmp_path / "real-incidents"
    (repo / "incidents").rename(real)
    (repo / "incidents").symlink_to(real)
    code, out = same_as_uncached(repo)
    assert code == 1 and "symlink" in out


def test_a_merge_target_that_disappears_is_reported_from_cached_facts(incidents: Path) -> None:
    target = "status: merged\nmerged_into: inc-20261126-bbbb"
    merged = GOOD.format(code="aaaa").replace("status: triage", target)
    write(incidents, "aaaa", merged)
    before = same_as_uncached(incidents)
    assert "is not an incident" not in before[1]
    os.rename(incidents / folder("bbbb"), incidents / "incidents" / "2026-11" / "not-an-incident")
    code, out = same_as_uncached(incidents)
    assert "merged_into inc-20261126-bbbb is not an incident" in out and (code, out) != before


def test_the_config_s_own_problems_are_cached_by_its_bytes(incidents: Path) -> None:
    """A warm run reports the config's problems without parsing it (no YAML library is
    imported); a change to the config's bytes is seen."""
    config = incidents / "incidents" / "config.yaml"
    config.write_text(config.read_text("utf-8") + "\nunknown_key_here: 1\n", "utf-8")
    code, out = same_as_uncached(incidents)
    assert "unknown_key_here" in out
    probe = (
        "import sys\n"
        "from incident_kit.commands import validate\n"
        "from pathlib import Path\n"
        f"code = validate.run(Path({str(incidents)!r}), [], fmt='json', changed_since=None)\n"
        "print(code, sorted(m for m in sys.modules if m.startswith('ruamel')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == f"{code} []"
    assert "unknown_key_here" in done.stdout
    config.write_text(config.read_text("utf-8").replace("unknown_key_here", "another_unknown"), "utf-8")
    code, out = same_as_uncached(incidents)
    assert "another_unknown" in out and "unknown_key_here" not in out


def test_a_fifo_config_does_not_block_the_cached_run(incidents: Path) -> None:
    config = incidents / "incidents" / "config.yaml"
    config.unlink()
    os.mkfifo(config)
    code, out = same_as_uncached(incidents)
    assert code == 1 and "config.yaml" in out


def test_a_month_symlink_that_loops_is_reported_not_a_crash(incidents: Path) -> None:
    (incidents / "incidents" / "2026-12").symlink_to("2026-12")
    code, out = same_as_uncached(incidents)
    assert code == 1 and "incidents/2026-12" in out and "symlink" in out
