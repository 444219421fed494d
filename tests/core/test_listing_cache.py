"""The summaries cache is never stale: hand edits, checkouts, pulls, a deleted cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

from support.cli import run_cli
from support.repos import git

from incident_kit.summaries.cache import cache_path, load_summaries


def listed(repo: Path) -> dict[str, dict[str, str]]:
    result = run_cli(["list", "--format", "json", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    return {item["id"]: item for item in json.loads(result.stdout)}


def declare(repo: Path, title: str) -> str:
    result = run_cli(
        ["declare", "--manual-incident", "--title", title, "--format", "json", "--repo", str(repo)]
    )
    return str(json.loads(result.stdout)["id"])


def test_hand_edit_is_seen_at_once_even_with_the_same_size_and_mtime(repo: Path) -> None:
    incident_id = declare(repo, "Cache me")
    assert listed(repo)[incident_id]["severity"] == "SEV-3"
    assert cache_path(repo).is_file()
    path = next((repo / "incidents").glob("20*/inc-*/incident.md"))
    stat = path.stat()
    # same length, same mtime: only the ctime (which no tool can set) tells the change
    path.write_text(path.read_text().replace("severity: SEV-3", "severity: SEV-1"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert listed(repo)[incident_id]["severity"] == "SEV-1"


def test_checkout_of_another_branch_and_back(repo: Path) -> None:
    first = declare(repo, "On main")
    git(repo, "checkout", "-q", "-b", "other")
    second = declare(repo, "On other")
    assert run_cli(["ack", first, "--repo", str(repo)]).code == 0
    on_other = listed(repo)
    assert set(on_other) == {first, second} and on_other[first]["status"] == "investigating"
    git(repo, "checkout", "-q", "main")
    on_main = listed(repo)
    assert set(on_main) == {first} and on_main[first]["status"] == "triage"
    git(repo, "checkout", "-q", "other")
    assert listed(repo) == on_other


def test_deleted_or_corrupt_cache_is_rebuilt(repo: Path) -> None:
    incident_id = declare(repo, "Survivor")
    expected = listed(repo)
    cache_path(repo).unlink()
    assert listed(repo) == expected and cache_path(repo).is_file()
    cache_path(repo).write_text("{not json")
    assert listed(repo) == expected
    cache_path(repo).write_text(json.dumps({"version": 1, "entries": {"x": [[1, 2, 3, 4], {"id": "bogus"}]}}))
    assert listed(repo) == expected and incident_id in expected


def test_cache_and_fresh_read_agree(repo: Path) -> None:
    for title in ("One", "Two: with a colon", "Drei — ümlaut", "'quoted'"):
        declare(repo, title)
    cached = load_summaries(repo)
    cache_path(repo).unlink()
    assert load_summaries(repo) == cached
    assert load_summaries(repo) == cached  # now from the rebuilt cache


def test_a_broken_file_is_skipped_with_a_warning_naming_it(repo: Path) -> None:
    good = declare(repo, "Good")
    bad = declare(repo, "Bad")
    path = next(p for p in (repo / "incidents").glob(f"20*/{bad}-*/incident.md"))
    path.write_text("---\nid: [unclosed\n---\n")
    result = run_cli(["list", "--format", "json", "--repo", str(repo)])
    assert result.code == 0
    assert [item["id"] for item in json.loads(result.stdout)] == [good]
    assert result.stderr.startswith("incident: skipped incidents/") and f"{bad}" in result.stderr


def test_config_cache_follows_edits_and_survives_deletion(repo: Path) -> None:
    from incident_kit.config.loading import load
    from incident_kit.git.repository import git_dir

    cache_dir = git_dir(repo) / "incident-kit"
    assert load(repo, cache_dir).default_severity == "SEV-3"
    assert (cache_dir / "config.json").is_file()
    assert load(repo, cache_dir) == load(repo)  # served from the cache, identical
    config = repo / "incidents" / "config.yaml"
    config.write_text(config.read_text().replace("default_severity: SEV-3", "default_severity: SEV-4"))
    assert load(repo, cache_dir).default_severity == "SEV-4"
    (cache_dir / "config.json").write_text("{broken")
    assert load(repo, cache_dir).default_severity == "SEV-4"
    config.write_text(config.read_text().replace("default_severity: SEV-4", "default_severity: SEV-9"))
    # a broken config does not stop a declare (one warning, the default used), but sync refuses it
    line = config.read_text()[: config.read_text().index("default_severity: SEV-9")].count("\n") + 1
    result = run_cli(["declare", "--manual-incident", "--title", "x", "--repo", str(repo)])
    assert result.code == 0 and f"config.yaml:{line}: default_severity" in result.stderr
    assert "(SEV-3," in result.stdout
    result = run_cli(["sync", "--repo", str(repo)])
    assert result.code == 2 and f"config.yaml:{line}: default_severity" in result.stderr


def test_list_json_from_the_cache_is_exactly_what_json_dumps_prints(repo: Path) -> None:
    """The piped `list --format json` joins cached object texts; it must equal a real encode."""
    for title in ("Plain", 'Quote " and back\\slash', "Ümlaut — dash", "Emoji 🔥"):
        declare(repo, title)
    # hand-written values the cache must carry through its tab-separated columns exactly
    path = next((repo / "incidents").glob("20*/inc-*-plain/incident.md"))
    path.write_text(path.read_text().replace("severity: SEV-3", 'severity: "SEV\\t3 \\\\ odd\\nline"'))
    first = run_cli(["list", "--format", "json", "--repo", str(repo)])  # fills the cache
    second = run_cli(["list", "--format", "json", "--repo", str(repo)])  # served from it
    assert first.code == second.code == 0
    assert first.stdout == second.stdout
    items = json.loads(second.stdout)
    assert second.stdout == json.dumps(items, ensure_ascii=False) + "\n"
    assert {item["severity"] for item in items} >= {"SEV\t3 \\ odd\nline", "SEV-3"}
    assert len(items) == 4 and all(set(item) >= {"id", "title", "status", "path"} for item in items)
    # and the entries decoded from the cache equal the ones read from the files
    cached = load_summaries(repo)
    cache_path(repo).unlink()
    assert load_summaries(repo) == cached


def test_a_torn_or_foreign_cache_is_ignored_not_trusted(repo: Path) -> None:
    declare(repo, "Torn")
    expected = listed(repo)
    text = cache_path(repo).read_text()
    cache_path(repo).write_text(text[:-1])  # a write cut short: no final newline
    assert listed(repo) == expected
    lines = cache_path(repo).read_text().splitlines()
    bogus = lines[1].split("\t")
    bogus[2:5] = ["closed", "SEV-1", "2000-01-01T00:00:00Z", "extra column"]
    cache_path(repo).write_text("\n".join([lines[0], "\t".join(bogus)]) + "\n")
    assert listed(repo) == expected
