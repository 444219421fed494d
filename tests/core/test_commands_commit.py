"""Every mutating command is exactly one commit (none when refused), with trailers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import postmortems
from support.cli import declare, run_cli
from support.repos import commit_count, git, last_commit, status_clean

STEPS = [
    (
        ["ack", "{id}"],
        "ack (triage → investigating)",
        {"Action": "ack", "Transition": "triage -> investigating"},
    ),
    (["note", "{id}", "cache flushed"], "note: cache flushed", {"Action": "note"}),
    (
        ["severity", "{id}", "SEV-1"],
        "severity SEV-2 → SEV-1",
        {"Action": "severity", "Severity": "SEV-2 -> SEV-1"},
    ),
    (
        ["assign", "{id}", "--commander", "carol", "--role", "scribe=dan"],
        "assign Incident Commander",
        {"Action": "assign", "Commander": "carol"},
    ),
    (
        ["link", "{id}", "https://status.example.com/x"],
        "link https://status.example.com/x",
        {"Action": "link"},
    ),
    (
        ["mitigate", "{id}", "--rollback", "1234"],
        "mitigate (investigating → mitigated)",
        {"Action": "mitigate", "Plan": "roll back deployment 1234", "Rollback": "1234"},
    ),
    (
        ["reopen", "{id}", "--reason", "errors again"],
        "reopen (mitigated → investigating)",
        {"Transition": "mitigated -> investigating"},
    ),
    (
        ["resolve", "{id}"],
        "resolve (investigating → resolved)",
        {"Transition": "investigating -> resolved"},
    ),
    (
        ["postmortem", "{id}"],
        "postmortem (resolved → postmortem)",
        {"Transition": "resolved -> postmortem"},
    ),
]


def test_every_command_is_one_commit_with_trailers(repo: Path) -> None:
    incident = declare(repo)
    incident_id = str(incident["id"])
    head = last_commit(repo)
    assert head.subject == f"{incident_id}: declare SEV-2 Checkout is down"
    assert head.files == (f"{incident['path']}/incident.md",)
    assert head.trailers == {
        "Incident": incident_id,
        "Action": "declare",
        "Transition": "none -> triage",
        "Severity": "SEV-2",
        "Actor": "alice",
    }
    for args, expected_subject, expected_trailers in STEPS:
        before = commit_count(repo)
        argv = [a.format(id=incident_id[-4:]) for a in args]
        result = run_cli([*argv, "--by", "bob", "--repo", str(repo)])
        assert result.code == 0, (argv, result.stderr)
        assert commit_count(repo) == before + 1, argv
        head = last_commit(repo)
        assert head.author == "bob"
        assert head.author_email == "bob@users.noreply.github.com"
        assert head.subject.startswith(f"{incident_id}: {expected_subject}"), head.subject
        assert head.trailers["Incident"] == incident_id and head.trailers["Actor"] == "bob"
        for key, value in expected_trailers.items():
            assert head.trailers.get(key) == value, (argv, head.trailers)
        assert status_clean(repo)
    assert (repo / str(incident["path"]) / "postmortem.md").is_file()


def test_cancel_and_merge_are_one_commit_each(repo: Path) -> None:
    first = str(declare(repo, "Login slow")["id"])
    second = str(declare(repo, "Login slow again")["id"])
    third = str(declare(repo, "Flaky alert")["id"])
    before = commit_count(repo)
    assert run_cli(["merge", second, "--into", first, "--repo", str(repo)]).code == 0
    assert run_cli(["cancel", third, "--reason", "test alert", "--repo", str(repo)]).code == 0
    assert commit_count(repo) == before + 2
    shown = json.loads(run_cli(["show", second, "--format", "json", "--repo", str(repo)]).stdout)
    assert shown["status"] == "merged" and shown["frontmatter"]["merged_into"] == first
    shown = json.loads(run_cli(["show", third, "--format", "json", "--repo", str(repo)]).stdout)
    assert shown["status"] == "cancelled" and shown["frontmatter"]["cancel_reason"] == "test alert"


def test_illegal_transition_names_allowed_ones_and_changes_nothing(repo: Path) -> None:
    incident = declare(repo)
    path = repo / str(incident["path"]) / "incident.md"
    before_bytes, before_commits = path.read_bytes(), commit_count(repo)
    result = run_cli(["close", str(incident["id"]), "--repo", str(repo)])
    assert result.code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "allowed from triage: ack, mitigate, resolve, cancel, merge" in result.stderr
    assert path.read_bytes() == before_bytes and commit_count(repo) == before_commits
    assert status_clean(repo)


@pytest.mark.parametrize(
    "args",
    [
        ["cancel", "{id}"],  # needs --reason
        ["severity", "{id}", "SEV-9"],
        ["ack", "{id}", "--at", "14:00 XYZ"],  # a zone nobody can place
        ["ack", "{id}", "--at", "2030-01-01T00:00:00Z"],  # the future
        ["note", "{id}", "x", "--at", "999999d ago"],  # past the calendar
        ["note", "{id}", "x", "--at", "99999999999999d ago"],
        ["note", "{id}", "x", "--at", "0001-01-01T00:30:00+01:00"],
        ["note", "{id}", "x", "--at", "1970-01-01T00:00:00Z"],  # a typo'd year
        ["note", "{id}", "x", "--at", ""],  # `--at "$WHEN"` with WHEN unset
        ["assign", "{id}", "--commander", "@here"],  # a mass mention is not a person
        ["assign", "{id}", "--role", "scribe=<!channel>"],
        ["assign", "{id}", "--commander", "Alice Smith"],
        ["link", "{id}", "javascript:alert(1)"],
        ["assign", "{id}"],
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_commit(repo: Path, args: list[str]) -> None:
    incident_id = str(declare(repo)["id"])
    before = commit_count(repo)
    result = run_cli([a.format(id=incident_id) for a in args] + ["--repo", str(repo)])
    assert result.code == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("incident: ")
    assert commit_count(repo) == before and status_clean(repo)


def test_unknown_and_ambiguous_prefixes_are_refused_naming_candidates(repo: Path) -> None:
    ids = [str(declare(repo, f"Problem {n}")["id"]) for n in range(3)]
    result = run_cli(["ack", "inc-2026", "--repo", str(repo)])
    assert result.code == 1
    assert "ambiguous" in result.stderr and all(i in result.stderr for i in ids)
    result = run_cli(["ack", "nothing-like-this", "--repo", str(repo)])
    assert result.code == 1 and "no incident matches 'nothing-like-this'" in result.stderr
    # the random part alone, and the full id, both work
    assert run_cli(["ack", ids[0][-4:], "--repo", str(repo)]).code == 0
    assert run_cli(["note", ids[1], "x", "--repo", str(repo)]).code == 0


def test_assigning_who_already_holds_the_role_commits_nothing_and_says_so(repo: Path) -> None:
    incident_id = str(declare(repo)["id"])
    args = ["assign", incident_id, "--commander", "carol", "--role", "scribe=dan", "--repo", str(repo)]
    assert run_cli(args).code == 0
    before = commit_count(repo)
    again = run_cli(args)
    assert again.code == 1 and again.stderr.count("\n") == 1
    assert "nothing to change, carol is Incident Commander and scribe is dan already" in again.stderr
    assert commit_count(repo) == before and status_clean(repo)
    # role names are case-insensitive: Scribe is the scribe, who is already dan
    assert "nothing to change" in run_cli([*args[:2], "--role", "Scribe = dan", "--repo", str(repo)]).stderr
    # a partly new assignment records only what changed
    assert run_cli([*args[:-2], "--role", "comms=erin", "--repo", str(repo)]).code == 0
    head = last_commit(repo)
    assert head.subject == f"{incident_id}: assign comms: erin" and head.trailers["Roles"] == "comms=erin"
    assert "Commander" not in head.trailers


def test_an_ambiguous_reference_lists_open_incidents_first_with_their_status(repo: Path) -> None:
    """At 3 a.m. the one you meant is the open one: it leads the list, newest first."""
    older_open = str(declare(repo, "Older, still open", "--at", "2026-11-20T10:00:00Z")["id"])
    closed = str(declare(repo, "Long over", "--at", "2026-11-22T10:00:00Z")["id"])
    assert run_cli(["cancel", closed, "--reason", "false alarm", "--repo", str(repo)]).code == 0
    newest_open = str(declare(repo, "Newest, open")["id"])
    result = run_cli(["ack", "inc-2026", "--repo", str(repo)])
    assert result.code == 1 and result.stderr.count("\n") == 1
    listed = result.stderr.split("it matches ", 1)[1]
    assert listed.index(newest_open) < listed.index(older_open) < listed.index(closed)
    assert f"{newest_open} (triage)" in listed and f"{closed} (cancelled)" in listed


def test_actor_falls_back_to_github_actor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ci"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    result = run_cli(["declare", "--manual-incident", "--title", "From CI", "--repo", str(root)])
    assert result.code == 0, result.stderr
    head = last_commit(root)
    assert head.author == "octocat" and head.trailers["Actor"] == "octocat"


def test_outside_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli(["list", "--repo", str(tmp_path)])
    assert result.code == 1
    assert "not inside a git repository" in result.stderr


def test_failed_commit_leaves_no_half_written_files(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'policy: no commits today' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = commit_count(repo)
    result = run_cli(["declare", "--manual-incident", "--title", "Blocked", "--repo", str(repo)])
    assert result.code == 1
    assert "policy: no commits today" in result.stderr
    assert commit_count(repo) == before
    assert status_clean(repo)
    assert not any((repo / "incidents").glob("20*/*"))


def test_bare_command_shows_help_and_usage_errors_are_one_line() -> None:
    result = run_cli([])
    assert result.code == 0 and "Usage: incident" in result.stdout and "declare" in result.stdout
    result = run_cli(["ack"])
    assert (
        result.code == 2 and result.stderr == "incident: Missing argument 'ID'. (see `incident ack --help`)\n"
    )
    result = run_cli(["frobnicate"])
    assert result.code == 2 and result.stderr.count("\n") == 1


def test_a_clock_time_later_than_now_means_yesterday(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 00:10 UTC, `--at 23:50` is twenty minutes ago, not tonight."""
    monkeypatch.setenv("INCIDENT_KIT_NOW", "2026-11-27T00:10:00Z")
    incident_id = str(declare(repo, "Late one", "--at", "2026-11-26T23:40:00Z")["id"])
    assert run_cli(["ack", incident_id, "--at", "23:50", "--repo", str(repo)]).code == 0
    text = next((repo / "incidents").glob(f"*/{incident_id}*/incident.md")).read_text()
    assert "acknowledged_at: 2026-11-26T23:50:00Z" in text
    assert run_cli(["note", incident_id, "now", "--at", "00:05", "--repo", str(repo)]).code == 0
    assert (
        "2026-11-27T00:05:00Z" in next((repo / "incidents").glob(f"*/{incident_id}*/incident.md")).read_text()
    )


def test_close_commits_the_post_mortem_it_judged_even_when_its_edits_were_not_committed(repo: Path) -> None:
    """Otherwise history holds a closed incident whose post-mortem fails validate."""
    incident_id = str(declare(repo)["id"])  # SEV-2: a post-mortem is required
    for step in (["ack"], ["resolve"], ["postmortem"]):
        assert run_cli([*step, incident_id, "--repo", str(repo)]).code == 0
    pm = next((repo / "incidents").glob(f"*/{incident_id}*/postmortem.md"))
    text = postmortems.fill(pm.read_text())
    pm.write_text(text)  # filled in, not committed
    result = run_cli(["close", incident_id, "--repo", str(repo)])
    assert result.code == 0, result.stderr
    rel = pm.relative_to(repo).as_posix()
    assert git(repo, "show", f"HEAD:{rel}") == text
    assert status_clean(repo)
    assert run_cli(["validate", "--repo", str(repo)]).code == 0


def test_a_commit_on_a_detached_head_warns_that_it_is_on_no_branch(repo: Path) -> None:
    incident_id = str(declare(repo)["id"])
    quiet = run_cli(["note", incident_id, "on main", "--repo", str(repo)])
    assert quiet.code == 0 and "detached" not in quiet.stderr
    git(repo, "checkout", "-q", "--detach")
    result = run_cli(["note", incident_id, "on no branch", "--repo", str(repo)])
    assert result.code == 0
    sha = git(repo, "rev-parse", "HEAD").strip()
    assert f"HEAD is detached, so commit {sha[:12]} is on no branch" in result.stderr
    assert "git switch -c" in result.stderr


def test_forgiving_references_and_notes_typed_without_quotes(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCIDENT_KIT_NOW", "2026-11-26T23:58:00Z")
    declared = str(declare(repo)["id"])
    # give it a code with a 0 and a 1 (ids are random), as a person renaming by hand would
    incident_id, code = "inc-20261126-x0y1", "x0y1"
    old_folder = next((repo / "incidents").glob(f"*/{declared}*"))
    git(repo, "mv", str(old_folder), str(old_folder.parent / f"{incident_id}-checkout-is-down"))
    moved = old_folder.parent / f"{incident_id}-checkout-is-down" / "incident.md"
    moved.write_text(moved.read_text().replace(declared, incident_id))
    git(repo, "commit", "-qam", "a known code")
    monkeypatch.setenv("INCIDENT_KIT_NOW", "2026-11-27T00:10:00Z")
    # read aloud, 0 is "oh" and 1 is "one"/"el": ids never contain o, i or l
    result = run_cli(["note", "XoyL", "restarted", "the", "pods", "--repo", str(repo)])
    assert result.code == 0, result.stderr
    text = next((repo / "incidents").glob(f"*/{incident_id}*/incident.md")).read_text()
    assert " — restarted the pods — " in text
    # today's date instead of the declaration's (it was declared before midnight UTC)
    wrong_day = f"inc-20261127-{code}"
    missed = run_cli(["show", wrong_day, "--repo", str(repo)])
    assert missed.code == 1 and f"did you mean {incident_id}?" in missed.stderr
    # the folder name, slug and all, still works
    folder = next((repo / "incidents").glob(f"*/{incident_id}*")).name
    assert run_cli(["show", folder, "--repo", str(repo)]).code == 0


def test_the_impact_the_template_fills_with_facts_still_needs_a_person_to_write_it(repo: Path) -> None:
    incident_id = str(declare(repo)["id"])  # SEV-2 requires Summary, Impact, Root cause, Action items
    for step in (["ack"], ["resolve"], ["postmortem"]):
        assert run_cli([*step, incident_id, "--repo", str(repo)]).code == 0
    pm = next((repo / "incidents").glob(f"*/{incident_id}*/postmortem.md"))
    assert "- Severity: SEV-2" in pm.read_text()  # the facts are there from the start
    text = postmortems.fill(pm.read_text(), ("Summary", "Root cause"))
    pm.write_text(text)
    refused = run_cli(["close", incident_id, "--repo", str(repo)])
    assert refused.code == 1 and "fill in Impact" in refused.stderr, refused.stderr
    pm.write_text(
        text.replace("<!-- Users, requests or revenue affected", "1,200 failed checkouts.\n<!-- Users")
    )
    assert run_cli(["close", incident_id, "--repo", str(repo)]).code == 0


def test_refusals_that_say_what_to_do(repo: Path, tmp_path: Path) -> None:
    incident = declare(repo)
    incident_id = str(incident["id"])
    # a status typed by hand is named as unknown, not as "a final state"
    path = repo / str(incident["path"]) / "incident.md"
    original = path.read_text()
    path.write_text(original.replace("status: triage", "status: triaged"))
    result = run_cli(["ack", incident_id, "--repo", str(repo)])
    assert result.code == 1 and "status 'triaged', which is not a status" in result.stderr
    assert "final state" not in result.stderr
    path.write_text(original)
    # a post-mortem started twice points at the file and at close
    for step in ("ack", "resolve", "postmortem"):
        assert run_cli([step, incident_id, "--repo", str(repo)]).code == 0
    again = run_cli(["postmortem", incident_id, "--repo", str(repo)])
    assert again.code == 1 and "already started" in again.stderr and "incident close" in again.stderr
    # --push without a remote says nothing was recorded
    before = commit_count(repo)
    pushed = run_cli(["note", incident_id, "x", "--push", "--repo", str(repo)])
    assert pushed.code == 1 and "nothing was recorded" in pushed.stderr and commit_count(repo) == before
    # an alert payload given as a file name without @
    payload = tmp_path / "alert.json"
    payload.write_text('{"title": "x"}')
    forgot = run_cli(["declare", "--alert-payload", str(payload), "--repo", str(repo)])
    assert forgot.code == 2 and f"use @{payload}" in forgot.stderr
