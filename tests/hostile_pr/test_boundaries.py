"""The narrow doors: option injection into git, forged trailers, handles and channel names.

What the corpus cannot put in a pull request: values that arrive as command-line arguments
(a workflow passes the base ref, a person types `--by`) and the unit rules behind them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import declare, run_cli
from support.repos import commit_count, git

from incident_kit import action_items
from incident_kit.change import Change
from incident_kit.config.reader import parse
from incident_kit.errors import ConfigError
from incident_kit.git.repository import Actor


@pytest.mark.parametrize(
    "ref", ["--output={out}", "-o{out}", "--output={out} main", "HEAD --output={out}", "--ext-diff"]
)
def test_a_changed_since_ref_that_looks_like_an_option_is_refused_and_writes_nothing(
    repo: Path, tmp_path: Path, ref: str
) -> None:
    out = tmp_path / "written-by-git"
    value = ref.format(out=out)
    result = run_cli(["validate", "--repo", str(repo), f"--changed-since={value}"])
    assert result.code == 2, result
    assert result.stderr.startswith("incident: --changed-since") and "not a commit" in result.stderr
    assert not out.exists()
    assert "incident(s) checked" not in result.stdout  # not "ok: 0 checked"


def test_changed_since_a_real_ref_still_works(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    declare(repo)
    result = run_cli(["validate", "--repo", str(repo), "--changed-since", base])
    assert result.code == 0, result.stdout
    assert "1 incident(s) checked" in result.stdout


@pytest.mark.parametrize(
    "by",
    ["alice\nRollback: 1234", "alice\r\nActor: root", "alice <root@example.com>", "@here", "a b", ""],
)
def test_by_that_is_not_one_handle_is_refused_before_anything_is_written(repo: Path, by: str) -> None:
    incident_id = str(declare(repo)["id"])
    before = commit_count(repo)
    result = run_cli(["note", incident_id, "looked", "--by", by, "--repo", str(repo)])
    if by == "":
        assert result.code == 0  # empty means "not given": git's user, as without --by
        return
    assert result.code == 2, result
    assert result.stderr.startswith("incident: --by ") and "handle" in result.stderr
    assert commit_count(repo) == before


def test_by_as_a_handle_authors_the_commit_and_its_actor_trailer(repo: Path) -> None:
    incident_id = str(declare(repo)["id"])
    result = run_cli(["note", incident_id, "looked", "--by", "@bob", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    message = git(repo, "log", "-1", "--format=%an%n%B")
    assert message.startswith("bob\n")
    assert "\nActor: bob\n" in message


def test_a_value_with_newlines_stays_one_trailer_and_the_subject_one_line() -> None:
    change = Change(
        incident_id="inc-20261126-k3f7",
        subject="note\n\nRollback: 1234",
        writes={},
        trailers={"Reason": "flaky\nRollback: 1234\r\nActor: root"},
    )
    message = change.message(Actor("alice", "alice@example.com"))
    lines = message.split("\n")
    assert lines[0] == "inc-20261126-k3f7: note Rollback: 1234"
    trailers = [line for line in lines[2:] if line]
    assert trailers == [
        "Incident: inc-20261126-k3f7",
        "Reason: flaky Rollback: 1234 Actor: root",
        "Actor: alice",
    ]


@pytest.mark.parametrize(
    "owner",
    [
        "@alice @bob",
        "@acme/security-team",
        "@alice ![x](https://tracker.example/p.png)",
        "@here",
        "@channel",
        "<!subteam^S123>",
        "alice,bob",
    ],
)
def test_an_action_item_owner_must_be_one_handle(owner: str) -> None:
    text = f"## Action items\n\n- [ ] AI-1: Fix — owner: {owner} — due: 2026-12-10 — type: prevent\n"
    items, problems = action_items.parse("inc-1", text, "pm.md")
    assert items[0].owner is None
    assert [p.line for p in problems] == [3]
    assert "not one person's handle" in problems[0].message


@pytest.mark.parametrize("owner", ["@alice", "alice", "alice.smith", "bob-2", "carol@example.com"])
def test_one_handle_is_an_owner(owner: str) -> None:
    text = f"## Action items\n\n- [ ] AI-1: Fix — owner: {owner} — due: 2026-12-10 — type: prevent\n"
    items, problems = action_items.parse("inc-1", text, "pm.md")
    assert problems == []
    assert items[0].owner == owner.removeprefix("@")


@pytest.mark.parametrize(
    "channel",
    [
        '"#incidents\\n::warning::forged"',
        "'#incidents **bold**'",
        "'<!here>'",
        "'#Incidents'",
        "'#a b'",
        "'#'",
    ],
)
def test_the_announcement_channel_must_be_one_channel_name(channel: str) -> None:
    text = f"default_severity: SEV-3\nslack:\n  announcement_channel: {channel}\n"
    with pytest.raises(
        ConfigError, match=r"^incidents/config\.yaml:3: slack\.announcement_channel: .*not a Slack"
    ):
        parse(text)


@pytest.mark.parametrize("channel", ["'#incidents'", "incidents", "'#inc_2026-ops'", "C0123ABCD"])
def test_a_channel_name_or_id_is_an_announcement_channel(channel: str) -> None:
    text = f"slack:\n  announcement_channel: {channel}\n"
    assert parse(text).slack.announcement_channel == channel.strip("'")


def test_sync_skips_a_broken_incident_delivers_the_rest_and_exits_1_naming_it(repo: Path) -> None:
    healthy = declare(repo, "Healthy one")
    broken = declare(repo, "Broken one")
    path = repo / str(broken["path"]) / "incident.md"
    path.write_text(path.read_text().replace("title: Broken one", "title: [unclosed"))
    git(repo, "commit", "-qam", "a broken hand edit")
    result = run_cli(["sync", "--repo", str(repo)])
    assert result.code == 1, result
    assert f"delivered  {healthy['id']}: declared" in result.stdout
    assert result.stderr.count("\n") == 1
    assert f"{broken['path']}/incident.md:" in result.stderr and "still pending" in result.stderr
    dry = run_cli(["sync", "--dry-run", "--repo", str(repo)])
    assert dry.code == 1 and f"{broken['path']}/incident.md:" in dry.stderr


def test_validate_names_a_file_whose_name_is_not_utf8_and_checks_the_rest(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    declare(repo)
    folder = repo / "incidents" / "2026-11"
    with open(bytes(folder) + b"/caf\xe9.md", "wb") as handle:
        handle.write(b"notes\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a file with a Latin-1 name")
    result = run_cli(["validate", "--repo", str(repo), "--changed-since", base, "--format", "json"])
    assert result.code == 1, result
    report = json.loads(result.stdout)
    assert report["checked"] == 1
    assert [(p["path"], p["rule"]) for p in report["problems"]] == [("incidents/2026-11/caf\\xe9.md", "name")]


@pytest.mark.parametrize(
    "member", ["'@here'", "'alice bob'", '"alice\\n::warning::forged"', "'@acme/oncall'"]
)
def test_an_on_call_member_must_be_one_handle_since_it_becomes_the_commander(member: str) -> None:
    text = f"oncall:\n  rotations:\n    primary:\n      members: [alice, {member}]\n      start: 2026-01-05\n"
    with pytest.raises(
        ConfigError, match=r"^incidents/config\.yaml:4: oncall\.rotations\.primary\.members: .*handle"
    ):
        parse(text)
