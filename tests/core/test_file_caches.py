"""The per-file result caches (the summaries; the report records, a folder's stat record and
action items) are never stale: hand edits, checkouts, rebases, deleted caches, and a file
rewritten within the same second — whether the cold pass reads the files in this process or in
forked workers (`workers.in_order`)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.cli import run_cli
from support.repos import git

from incident_kit import workers
from incident_kit.summaries.cache import cache_path, load_summaries
from incident_kit.summaries.file_cache import FileCache, cache_key, stat_key, trusted_before
from incident_kit.summaries.report_records import REPORT_RECORDS_NAME, load_action_items

# -- the primitive, with stat results made up: the racy rule needs no slow filesystem -----------


def fake_stat(*, size: int = 10, mtime_ns: int, ino: int = 7) -> os.stat_result:
    mode = 0o100644  # a regular file
    return os.stat_result((mode, ino, 1, 1, 0, 0, size, 0, 0, 0, 0, 0, 0, mtime_ns, mtime_ns, mtime_ns))


def cached(path: Path, rel: str, stat: os.stat_result, payload: str) -> int:
    """Cache one entry as a run would; the run's start (ns)."""
    with FileCache(path, "test 1") as cache:
        assert cache.get(rel, stat) is None
        cache.put(rel, stat, payload)
    return cache.started_ns


def test_an_unchanged_file_older_than_the_run_that_cached_it_is_served(tmp_path: Path) -> None:
    path = tmp_path / "c"
    old = fake_stat(mtime_ns=time.time_ns() - 10 * 1_000_000_000)
    cached(path, "a", old, "payload")
    with FileCache(path, "test 1") as cache:
        assert cache.get("a", old) == "payload"
        cache.put("a", old, "payload")
    assert not cache.changed  # nothing to rewrite


def test_a_file_rewritten_in_the_same_second_with_the_same_key_is_read_again(tmp_path: Path) -> None:
    # On a filesystem whose clock ticks in seconds, a same-size rewrite within the second keeps
    # size, mtime, ctime and inode: only the racy rule (git's) tells the entry may be stale.
    path = tmp_path / "c"
    now = time.time_ns()
    racy = fake_stat(mtime_ns=now // 1_000_000_000 * 1_000_000_000)
    started = cached(path, "a", racy, "before the rewrite")
    assert racy.st_mtime_ns >= trusted_before(started)
    with FileCache(path, "test 1") as cache:
        assert cache.get("a", racy) is None  # not served: parsed again
        cache.put("a", racy, "after the rewrite")
    assert cache.changed  # rewritten, with the later run's start: served once it is old enough


def test_a_changed_key_a_new_file_and_a_gone_file_are_seen(tmp_path: Path) -> None:
    path = tmp_path / "c"
    old_ns = time.time_ns() - 10 * 1_000_000_000
    with FileCache(path, "test 1") as cache:
        for rel in ("a", "b", "c"):
            cache.get(rel, fake_stat(mtime_ns=old_ns))
            cache.put(rel, fake_stat(mtime_ns=old_ns), rel.upper())
    with FileCache(path, "test 1") as cache:
        assert cache.get("a", fake_stat(mtime_ns=old_ns, size=11)) is None  # edited
        assert cache.get("c", fake_stat(mtime_ns=old_ns)) == "C"  # "b" is gone
        assert cache.get("d", fake_stat(mtime_ns=old_ns)) is None  # new
        cache.put("c", fake_stat(mtime_ns=old_ns), "C")
    assert cache.changed
    lines = path.read_text().splitlines()
    assert [line.split("\t")[0] for line in lines[1:]] == ["c"]
    assert lines[1].split("\t")[1] == stat_key(fake_stat(mtime_ns=old_ns))


def test_a_deleted_torn_or_foreign_cache_serves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c"
    old = fake_stat(mtime_ns=time.time_ns() - 10 * 1_000_000_000)
    cached(path, "a", old, "x")
    text = path.read_text()
    for damaged in (None, text[:-1], text.replace("test 1", "test 2"), "garbage"):
        if damaged is None:
            path.unlink()
        else:
            path.write_text(damaged)
        with FileCache(path, "test 1") as cache:
            assert cache.get("a", old) is None
            cache.put("a", old, "x")
        path.write_text(text)


def test_symlinks_are_never_cached(tmp_path: Path) -> None:
    path = tmp_path / "c"
    link = os.stat_result((0o120777, 7, 1, 1, 0, 0, 10, 0, 0, 0, 0, 0, 0, 1, 1, 1))
    cached(path, "a", link, "x")
    assert path.read_text().count("\n") == 1  # the header only


def test_entries_put_without_get_are_kept_and_obey_the_racy_rule(tmp_path: Path) -> None:
    """A cold pass read in workers puts what they read (`put_fresh`) without asking `get`."""
    path = tmp_path / "c"
    now = time.time_ns()
    old = fake_stat(mtime_ns=now - 10 * 1_000_000_000)
    racy = fake_stat(mtime_ns=now // 1_000_000_000 * 1_000_000_000, ino=8)
    link = os.stat_result((0o120777, 9, 1, 1, 0, 0, 10, 0, 0, 0, 0, 0, 0, 1, 1, 1))
    with FileCache(path, "test 1") as cache:
        pass  # an empty cache: nothing changed, nothing to rewrite
    assert path.read_text().count("\n") == 1
    with FileCache(path, "test 1") as cache:
        assert cache.cold
        cache.put_fresh("a", cache_key(old), "A")
        cache.put_fresh("b", cache_key(racy), "B")
        cache.put_fresh("c", cache_key(link), "C")  # a symlink: never cached
    assert [line.split("\t")[0] for line in path.read_text().splitlines()[1:]] == ["a", "b"]
    with FileCache(path, "test 1") as cache:
        assert cache.get("a", old) == "A"
        assert cache.get("b", racy) is None  # written in this second: read again


# -- the caches in a real repository ------------------------------------------------------------


@pytest.fixture(autouse=True, params=["in this process", "in workers"])
def cold_pass(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every test below twice: with the cold passes in this process, and in forked workers
    (one file a chunk, so that the answers are put back together from many chunks)."""
    if request.param == "in workers":
        if workers.worker_count() < 2:
            pytest.skip("one core: the passes never fork")
        monkeypatch.setattr(workers, "PARALLEL_FROM", 1)
        monkeypatch.setattr(workers, "CHUNK", 1)
    else:
        monkeypatch.setattr(workers, "PARALLEL_FROM", 10**6)
    yield request.param


POSTMORTEM = """# Post-mortem

## Action items

- [ ] AI-1: Add a circuit breaker — owner: @alice — due: 2026-12-10 — type: prevent
"""


def declare(repo: Path, title: str) -> Path:
    result = run_cli(["declare", "--manual-incident", "--title", title, "--repo", str(repo)])
    assert result.code == 0, result.stderr
    return max((repo / "incidents").glob("20*/inc-*"), key=lambda p: p.stat().st_mtime_ns)


def age(*paths: Path) -> None:
    """Files written a minute ago (not racy): the cache serves them, so the tests below show
    that the key, not a re-read, catches each change."""
    for path in paths:
        stamp = time.time_ns() - 60 * 1_000_000_000
        os.utime(path, ns=(stamp, stamp))


def records_dir(repo: Path) -> Path:
    """The report records cache: one file per month folder."""
    return cache_path(repo).with_name(REPORT_RECORDS_NAME)


def items(repo: Path) -> list[tuple[str, str, bool]]:
    return [(item.item_id, item.text, item.done) for item in load_action_items(repo)]


def test_a_hand_edit_of_a_post_mortem_with_the_same_size_and_mtime_is_seen(repo: Path) -> None:
    folder = declare(repo, "Post-mortem cache")
    postmortem = folder / "postmortem.md"
    postmortem.write_text(POSTMORTEM)
    age(postmortem)
    assert items(repo) == [("AI-1", "Add a circuit breaker", False)]
    assert any(records_dir(repo).iterdir())
    assert items(repo) == [("AI-1", "Add a circuit breaker", False)]  # from the cache
    before = postmortem.stat()
    postmortem.write_text(POSTMORTEM.replace("[ ]", "[x]"))
    os.utime(postmortem, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert postmortem.stat().st_size == before.st_size
    assert items(repo) == [("AI-1", "Add a circuit breaker", True)]


def test_a_post_mortem_added_or_edited_beside_a_cached_incident_is_seen(repo: Path) -> None:
    """The report records key a folder by both of its files: a post-mortem that appears after
    the folder was cached (without one), or changes while incident.md does not, is read."""
    folder = declare(repo, "Two files, one entry")
    age(folder / "incident.md")
    assert items(repo) == []
    assert REPORT_RECORDS_NAME in {p.name for p in cache_path(repo).parent.iterdir()}
    postmortem = folder / "postmortem.md"
    postmortem.write_text(POSTMORTEM)
    age(postmortem, folder / "incident.md")  # even with the folder's incident.md untouched
    assert items(repo) == [("AI-1", "Add a circuit breaker", False)]
    assert items(repo) == [("AI-1", "Add a circuit breaker", False)]  # served
    postmortem.write_text(POSTMORTEM.replace("AI-1: Add", "AI-1: Test"))
    age(postmortem)
    assert items(repo) == [("AI-1", "Test a circuit breaker", False)]


def test_a_folder_whose_newest_file_is_racy_is_read_again(tmp_path: Path) -> None:
    """`get_keyed` applies the racy rule to the newest of the folder's files: an old incident.md
    beside a post-mortem rewritten in the run's second is not served."""
    path = tmp_path / "c"
    with FileCache(path, "test 1") as cache:
        cache.put_fresh("a", "k1|k2", "payload")
    started = cache.started_ns
    old = time.time_ns() - 60 * 1_000_000_000
    racy = started // 1_000_000_000 * 1_000_000_000
    with FileCache(path, "test 1") as cache:
        assert cache.get_keyed("a", "k1|k2", max(old, racy)) is None
    with FileCache(path, "test 1") as cache:
        cache.put_fresh("a", "k1|k2", "payload")  # as read again by that run
    with FileCache(path, "test 1") as later:
        assert later.get_keyed("a", "k1|k2", old) == "payload"
        assert later.get_keyed("b", "k1|k2", old) is None  # a folder it never held


def test_peek_serves_only_a_fresh_first_entry_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c"
    old = time.time_ns() - 60 * 1_000_000_000
    assert FileCache.peek(path, "test 1", "#count", "k", old) is None  # no file yet
    with FileCache(path, "test 1") as cache:
        cache.put_fresh("#count", "k", "the month")
        cache.put_fresh("incidents/a", "k2", "a folder")
    before = path.stat()
    assert FileCache.peek(path, "test 1", "#count", "k", old) == "the month"
    assert FileCache.peek(path, "test 1", "#count", "other key", old) is None
    assert FileCache.peek(path, "test 2", "#count", "k", old) is None  # a foreign cache
    assert FileCache.peek(path, "test 1", "incidents/a", "k2", old) is None  # not the first
    racy = cache.started_ns // 1_000_000_000 * 1_000_000_000
    assert FileCache.peek(path, "test 1", "#count", "k", racy) is None
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def stats_json(repo: Path) -> dict[str, Any]:
    result = run_cli(["stats", "--format", "json", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    document.pop("generated_at")
    return document


def test_an_untouched_month_is_served_whole_and_a_touched_one_is_counted_again(repo: Path) -> None:
    first = declare(repo, "First of the month")
    second = declare(repo, "Second of the month")
    age(first / "incident.md", second / "incident.md")
    counted = stats_json(repo)
    assert counted["incidents"]["total"] == 2
    month_file = records_dir(repo) / first.parent.name
    assert month_file.read_text().splitlines()[1].startswith("#count\t")
    before = month_file.stat()
    assert stats_json(repo) == counted
    index = run_cli(["index", "--check", "--repo", str(repo)])
    after = month_file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not rewritten
    # a hand edit of one incident: same size, same mtime; its ctime tells
    incident = second / "incident.md"
    stamp = incident.stat()
    text = incident.read_text()
    severity = next(line for line in text.splitlines() if line.startswith("severity:"))
    other = "SEV-1" if "SEV-2" in severity else "SEV-2"
    incident.write_text(text.replace(severity, f"severity: {other}"))
    os.utime(incident, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    recounted = stats_json(repo)
    assert recounted["incidents"]["by_severity"][other] >= 1 and recounted != counted
    assert month_file.stat().st_ino != before.st_ino  # the month was counted and written again
    assert run_cli(["index", "--check", "--repo", str(repo)]).stdout == index.stdout


def test_a_month_folder_that_is_gone_takes_its_cache_file_with_it(repo: Path) -> None:
    moved = declare(repo, "Back in 2025")
    elsewhere = repo / "incidents" / "2025-01"
    elsewhere.mkdir()
    moved.rename(elsewhere / moved.name)
    declare(repo, "This month")
    assert stats_json(repo)["incidents"]["total"] == 2
    assert (records_dir(repo) / "2025-01").is_file()
    shutil.rmtree(elsewhere)
    assert stats_json(repo)["incidents"]["total"] == 1
    assert not (records_dir(repo) / "2025-01").exists()


def test_the_cache_this_one_replaced_is_removed_on_the_first_pass(repo: Path) -> None:
    declare(repo, "Upgraded clone")
    replaced = cache_path(repo).with_name("action-items.v1")
    replaced.parent.mkdir(parents=True, exist_ok=True)
    replaced.write_text("incident-kit action items 1 0\n")
    assert stats_json(repo)["incidents"]["total"] == 1
    assert not replaced.exists() and any(records_dir(repo).iterdir())


def test_a_month_with_a_broken_incident_is_never_kept_whole_and_warns_every_time(repo: Path) -> None:
    good = declare(repo, "Good")
    broken = declare(repo, "Broken") / "incident.md"
    broken.write_text(broken.read_text().replace("\nseverity:", "\nseverity: [unclosed\nx:"))
    age(good / "incident.md", broken)
    for _ in range(2):
        result = run_cli(["stats", "--repo", str(repo)])
        assert result.code == 0 and "skipped" in result.stderr and "incident validate" in result.stderr
        assert "\nIncidents: 1\n" in result.stdout  # the good one
    lines = (records_dir(repo) / good.parent.name).read_text().splitlines()
    assert not any(line.startswith("#count") for line in lines)


def test_checkout_and_rebase_change_what_the_caches_serve(repo: Path) -> None:
    folder = declare(repo, "Branches")
    postmortem = folder / "postmortem.md"
    postmortem.write_text(POSTMORTEM)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "post-mortem")
    age(postmortem, folder / "incident.md")
    on_main = (items(repo), load_summaries(repo))
    git(repo, "checkout", "-q", "-b", "topic")
    postmortem.write_text(POSTMORTEM.replace("circuit breaker", "retry budget"))
    assert run_cli(["ack", folder.name[:17], "--repo", str(repo)]).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "edit on topic")
    age(postmortem, folder / "incident.md")
    on_topic = (items(repo), load_summaries(repo))
    assert on_topic[0] == [("AI-1", "Add a retry budget", False)]
    assert on_topic[1][0].status == "investigating"
    git(repo, "checkout", "-q", "main")
    assert (items(repo), load_summaries(repo)) == on_main
    # main moves on; topic is rebased onto it: the files change under the caches again
    other = declare(repo, "On main meanwhile")
    git(repo, "checkout", "-q", "topic")
    assert (items(repo), load_summaries(repo)) == on_topic
    git(repo, "rebase", "-q", "main")
    rebased = load_summaries(repo)
    assert {s.path for s in rebased} == {s.path for s in on_topic[1]} | {other.relative_to(repo).as_posix()}
    assert items(repo) == on_topic[0]


def test_deleted_caches_are_rebuilt_with_the_same_answers(repo: Path) -> None:
    folder = declare(repo, "Deleted caches")
    (folder / "postmortem.md").write_text(POSTMORTEM)
    age(folder / "postmortem.md", folder / "incident.md")
    expected = (items(repo), load_summaries(repo))
    cache_path(repo).unlink()
    shutil.rmtree(records_dir(repo))
    assert (items(repo), load_summaries(repo)) == expected
    assert cache_path(repo).is_file() and any(records_dir(repo).iterdir())


def test_a_deleted_post_mortem_or_incident_disappears_from_the_answers(repo: Path) -> None:
    first = declare(repo, "First")
    second = declare(repo, "Second")
    (first / "postmortem.md").write_text(POSTMORTEM)
    age(first / "postmortem.md", first / "incident.md", second / "incident.md")
    assert len(items(repo)) == 1 and len(load_summaries(repo)) == 2
    (first / "postmortem.md").unlink()
    (second / "incident.md").unlink()
    assert items(repo) == [] and [s.title for s in load_summaries(repo)] == ["First"]


def answers(repo: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    """What the whole-repository reads print (output, warnings), and both caches' entries."""
    runs = [
        run_cli([*args, "--repo", str(repo)])
        for args in (
            ["list", "--all", "--format", "json"],
            ["list", "--all"],
            ["stats", "--format", "json"],
            ["stats", "--format", "markdown"],
            ["index", "--check"],
        )
    ]
    entries = [
        line
        for name in (cache_path(repo), *sorted(records_dir(repo).iterdir()))
        for line in name.read_text().splitlines()[1:]
    ]
    return [(str(run.code), run.stdout, run.stderr) for run in runs], entries


def test_a_cold_pass_in_workers_answers_and_caches_as_one_in_this_process(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hand edits, a broken frontmatter (warned about, listed from its lines), a symlinked
    incident folder and post-mortem (refused), a deleted incident.md: the same output,
    warnings and cache lines, in order, whichever way the files were read."""
    if workers.worker_count() < 2:
        pytest.skip("one core: the passes never fork")
    folders = [declare(repo, f"Incident {n}") for n in range(5)]
    (folders[0] / "postmortem.md").write_text(POSTMORTEM)
    (folders[1] / "postmortem.md").symlink_to(folders[0] / "postmortem.md")
    edited = folders[2] / "incident.md"
    edited.write_text(edited.read_text().replace("title: Incident 2", "title: 'Edited: by hand'"))
    broken = folders[3] / "incident.md"
    broken.write_text(broken.read_text().replace("\nseverity:", "\nseverity: [unclosed\nx:"))
    (folders[4] / "incident.md").unlink()
    linked = repo / "incidents" / folders[0].parent.name / "inc-20260101-zzzz-linked"
    linked.symlink_to(folders[1])
    expected = None
    for mode in ("in this process", "in workers", "in this process"):
        monkeypatch.setattr(workers, "PARALLEL_FROM", 1 if mode == "in workers" else 10**6)
        cache_path(repo).unlink(missing_ok=True)
        shutil.rmtree(records_dir(repo), ignore_errors=True)
        cold = answers(repo)
        warm = answers(repo)  # served from the cache the cold pass wrote
        assert warm == cold
        expected = expected or cold
        assert cold == expected, mode
    assert expected is not None
    outputs, entries = expected
    assert "Edited: by hand" in outputs[0][1] and "listed from the lines" in outputs[1][2]
    assert "symlink" in outputs[0][2] or "symbolic link" in outputs[0][2]
    # three incidents in the summaries; two folders in the report records (the symlinked
    # post-mortem, the broken and the deleted incident.md, the linked folder: never cached)
    assert len([e for e in entries if "\t" in e]) == 3 + 2
