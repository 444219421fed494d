"""An alert's earlier incidents are remembered by their files' state (`summaries.alert_homes`):
a closed one is not read again at every delivery, and a hand edit still counts at once."""

from __future__ import annotations

import json
from pathlib import Path

from support.alerts import SEED_ALERT
from support.cli import run_cli
from support.repos import git

from incident_kit import ids
from incident_kit.store import Store
from incident_kit.summaries.alert_homes import candidates


def declare(repo: Path) -> dict:  # type: ignore[type-arg]
    result = run_cli(
        ["declare", "--alert-payload", json.dumps(SEED_ALERT), "--format", "json", "--repo", str(repo)]
    )
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def close(repo: Path, incident_id: str) -> None:
    result = run_cli(["cancel", incident_id, "--reason", "a test of the alert", "--repo", str(repo)])
    assert result.code == 0, result.stderr


def test_a_closed_incident_reopened_by_hand_takes_the_next_delivery(repo: Path) -> None:
    first = declare(repo)
    close(repo, first["id"])
    second = declare(repo)  # the first is closed (and now remembered as closed): a new incident
    assert second["created"] is True and second["id"] != first["id"]
    cache = repo / ".git" / "incident-kit" / "alert-homes.v1"
    remembered = json.loads(cache.read_text("utf-8"))["entries"]
    assert remembered[first["path"]][2] == "cancelled"
    close(repo, second["id"])
    # someone reopens the first by hand (and commits it): its file changed, so it is read again
    path = repo / first["path"] / "incident.md"
    path.write_text(path.read_text("utf-8").replace("status: cancelled", "status: investigating", 1), "utf-8")
    git(repo, "commit", "-qam", "reopen by hand")
    third = declare(repo)
    assert third["created"] is False and third["id"] == first["id"]


def test_a_damaged_cache_is_ignored(repo: Path) -> None:
    first = declare(repo)
    close(repo, first["id"])
    cache = repo / ".git" / "incident-kit" / "alert-homes.v1"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text('{"version": 1, "entries": {"' + first["path"] + '": ["0:0:0:0", "x", 1]', "utf-8")
    second = declare(repo)
    assert second["created"] is True and second["id"] != first["id"]
    assert declare(repo)["id"] == second["id"]  # and the next delivery joins the new one


def _candidates_over_every_day(store: Store, dedup_key: str) -> list[tuple[str, str]]:
    """`candidates` as it was written first: every code of every day of each month folder."""
    codes = ids.AlertCodes(dedup_key)
    found = []
    for month, name in store.names():
        stem = month.replace("-", "")
        month_codes = {code for day in range(1, 32) for code in codes.on(f"{stem}{day:02d}")}
        day_codes = codes.on(ids.day_of(name))
        if ids.code_of(name) in month_codes and ids.id_from_folder(name) and ids.code_of(name) in day_codes:
            found.append((ids.day_of(name), day_codes.index(ids.code_of(name)), month, name))
    return [(month, name) for _, _, month, name in sorted(found, reverse=True)]


def test_candidates_hash_only_the_days_present_and_find_what_every_day_found(tmp_path: Path) -> None:
    key = "checkout-latency"
    names = {  # month folder -> names: the key's codes, others, a misfiled one and odd names
        "2026-11": [
            f"inc-20261103-{ids.alert_codes(key, '20261103')[0]}-a",
            f"inc-20261103-{ids.alert_codes(key, '20261103')[2]}-b",
            f"inc-20261130-{ids.alert_codes(key, '20261130')[1]}",
            f"inc-20261212-{ids.alert_codes(key, '20261212')[0]}-filed-a-month-early",
            f"inc-20261104-{ids.alert_codes(key, '20261103')[0]}-another-days-code",
            f"inc-20261199-{ids.alert_codes(key, '20261199')[0]}-no-such-day",
            "inc-20261105-zzzz-another-alert",
            "inc-2026-not-an-id",
        ],
        "2026-12": [f"inc-20261201-{ids.alert_codes(key, '20261201')[0]}"],
    }
    for month, folders in names.items():
        for name in folders:
            (tmp_path / "incidents" / month / name).mkdir(parents=True)
    store = Store(tmp_path)
    found = candidates(store, key)
    assert found == _candidates_over_every_day(store, key)
    assert [name[:17] for _, name in found] == [
        f"inc-20261201-{ids.alert_codes(key, '20261201')[0]}",
        f"inc-20261130-{ids.alert_codes(key, '20261130')[1]}",
        f"inc-20261103-{ids.alert_codes(key, '20261103')[2]}",
        f"inc-20261103-{ids.alert_codes(key, '20261103')[0]}",
    ]
