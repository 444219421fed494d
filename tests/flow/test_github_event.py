"""`incident github-event`: the issue form declares, slash commands run as the commenter — real
git (a bare remote to push to), the real PyGithub client against the loopback GitHub fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.api_server import GITHUB_TOKEN, SLACK_TOKEN, FakeApiServer
from support.cli import run_cli
from support.repos import commit_count, git
from workflows.gha_events import issue_comment_event, issues_event

FORM_BODY = """### Severity

SEV-2

### Service

_No response_

### Summary

Payments fail with a 502 since 14:40.
"""


@pytest.fixture
def api() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        yield server


@pytest.fixture
def wired(repo: Path, api: FakeApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", api.github_url)
    monkeypatch.setenv("GITHUB_REPOSITORY", api.github.repo)
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", api.slack_url)
    monkeypatch.setenv("INCIDENT_KIT_GITHUB_WRITE_INTERVAL", "0")
    remote = tmp_path / "remote.git"
    git(repo, "clone", "-q", "--bare", str(repo), str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "fetch", "-q", "origin")
    git(repo, "branch", "-q", "--set-upstream-to=origin/main", "main")
    return repo


def event(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / f"event-{len(list(tmp_path.glob('event-*')))}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def handle(repo: Path, name: str, path: Path) -> tuple[int, str, str]:
    result = run_cli(
        ["github-event", "--event", str(path), "--event-name", name, "--push", "--repo", str(repo)]
    )
    return result.code, result.stdout, result.stderr


def remote_log(repo: Path) -> list[str]:
    return git(repo, "log", "--format=%an|%s", "origin/main").splitlines()


def declare_from_form(repo: Path, api: FakeApiServer, tmp_path: Path) -> tuple[int, str]:
    number = api.github.add_issue("Incident: Checkout is down", FORM_BODY, ["incident"])
    code, _, err = handle(
        repo,
        "issues",
        event(tmp_path, issues_event(number=number, title="Incident: Checkout is down", body=FORM_BODY)),
    )
    assert code == 0, err
    git(repo, "fetch", "-q", "origin")
    [reply] = api.github.comments_on(number)
    incident_id = reply.body.split("**")[1]
    return number, incident_id


def test_the_form_declares_as_its_author_links_the_issue_and_answers_with_id_and_channel(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    before = commit_count(wired)
    number, incident_id = declare_from_form(wired, api, tmp_path)
    assert remote_log(wired)[0] == f"alice|{incident_id}: declare SEV-2 Checkout is down"
    assert int(git(wired, "rev-list", "--count", "origin/main")) == before + 1
    shown = json.loads(run_cli(["show", incident_id, "--format", "json", "--repo", str(wired)]).stdout)
    assert shown["severity"] == "SEV-2" and shown["title"] == "Checkout is down"
    folder = next((wired / "incidents").glob(f"*/{incident_id}-*"))
    text = (folder / "incident.md").read_text()
    assert f"\ntracking_issue: {number}\n" in text and "Payments fail with a 502" in text
    [reply] = api.github.comments_on(number)
    assert incident_id in reply.body and "`#inc-20261126-checkout-is-down`" in reply.body
    # delivery is incident-sync's: the run starts it, as the alert workflow does
    assert [d["event_type"] for d in api.github.repository_dispatches] == ["incidents-changed"]
    # a re-run (the workflow retried) declares nothing more and answers nothing more
    again = issues_event(number=number, title="Incident: Checkout is down", body=FORM_BODY)
    assert handle(wired, "issues", event(tmp_path, again))[0] == 0
    git(wired, "fetch", "-q", "origin")
    assert int(git(wired, "rev-list", "--count", "origin/main")) == before + 1
    assert len(api.github.comments_on(number)) == 1


def test_a_form_from_someone_without_write_access_declares_nothing(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    number = api.github.add_issue("Incident: free bitcoin", FORM_BODY)
    data = issues_event(number=number, title="Incident: free bitcoin", body=FORM_BODY, author="mallory")
    head = git(wired, "rev-parse", "HEAD")
    assert handle(wired, "issues", event(tmp_path, data))[0] == 0
    assert git(wired, "rev-parse", "HEAD") == head
    [reply] = api.github.comments_on(number)
    assert "refused" in reply.body and "write access" in reply.body


def test_a_form_with_an_unknown_severity_is_answered_in_one_line(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    body = FORM_BODY.replace("SEV-2", "SEV-9")
    number = api.github.add_issue("Incident: x", body)
    head = git(wired, "rev-parse", "HEAD")
    assert (
        handle(wired, "issues", event(tmp_path, issues_event(number=number, title="Incident: x", body=body)))[
            0
        ]
        == 0
    )
    assert git(wired, "rev-parse", "HEAD") == head
    [reply] = api.github.comments_on(number)
    assert reply.body.startswith("Could not declare an incident:") and "SEV-9" in reply.body


def comment(
    repo: Path, api: FakeApiServer, tmp_path: Path, number: int, body: str, author: str = "bob", **kw: object
) -> tuple[int, list[str], str]:
    comment_id = api.github.add_comment(number, body, author)
    data = issue_comment_event(number=number, comment_id=comment_id, body=body, author=author, **kw)  # type: ignore[arg-type]
    code, out, err = handle(repo, "issue_comment", event(tmp_path, data))
    assert code == 0, err
    git(repo, "fetch", "-q", "origin")
    replies = [c.body for c in api.github.comments_on(number) if c.id > comment_id]
    return comment_id, replies, out


def test_ack_from_a_collaborator_commits_as_them_reacts_done_and_replies(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    number, incident_id = declare_from_form(wired, api, tmp_path)
    comment_id, [reply], _ = comment(wired, api, tmp_path, number, "/ack")
    assert remote_log(wired)[0].startswith(f"bob|{incident_id}: ")
    assert "investigating" in git(wired, "show", f"origin/main:{_path(wired, incident_id)}")
    assert api.github.comments[comment_id].reactions == ["eyes", "+1"]
    assert reply.startswith("@bob `/ack` done:") and "triage → investigating" in reply
    assert len(api.github.repository_dispatches) == 2  # the declare's hand-over, then the ack's


def test_a_refused_hand_over_is_a_warning_the_command_still_lands_and_is_answered(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    number, incident_id = declare_from_form(wired, api, tmp_path)
    api.fail_next("POST /repos/acme/shop/dispatches", 422)
    comment_id = api.github.add_comment(number, "/note checking the load balancer", "bob")
    data = issue_comment_event(
        number=number, comment_id=comment_id, body="/note checking the load balancer", author="bob"
    )
    code, _, err = handle(wired, "issue_comment", event(tmp_path, data))
    assert code == 0
    assert "could not start incident-sync" in err and "Traceback" not in err
    git(wired, "fetch", "-q", "origin")
    assert remote_log(wired)[0].startswith(f"bob|{incident_id}: ")
    assert api.github.comments[comment_id].reactions == ["eyes", "+1"]
    assert len(api.github.repository_dispatches) == 1  # only the declare's got through


def test_a_re_run_of_an_answered_comment_runs_nothing_twice(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    number, _ = declare_from_form(wired, api, tmp_path)
    comment_id = api.github.add_comment(number, "/note cache flushed", "bob")
    data = issue_comment_event(number=number, comment_id=comment_id, body="/note cache flushed")
    assert handle(wired, "issue_comment", event(tmp_path, data))[0] == 0
    git(wired, "fetch", "-q", "origin")
    head, replies = git(wired, "rev-parse", "origin/main"), len(api.github.comments_on(number))
    code, out, _ = handle(wired, "issue_comment", event(tmp_path, data))
    git(wired, "fetch", "-q", "origin")
    assert code == 0 and "answered already" in out
    assert git(wired, "rev-parse", "origin/main") == head and len(api.github.comments_on(number)) == replies
    assert api.github.comments[comment_id].reactions == ["eyes", "+1"]


def test_a_re_run_after_a_crash_between_commit_and_reply_only_answers(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    number, incident_id = declare_from_form(wired, api, tmp_path)
    stale = git(wired, "rev-parse", "HEAD").strip()  # the commit the event saw: a re-run checks it out
    comment_id = api.github.add_comment(number, "/note cache flushed", "bob")
    data = issue_comment_event(number=number, comment_id=comment_id, body="/note cache flushed")
    assert handle(wired, "issue_comment", event(tmp_path, data))[0] == 0
    git(wired, "fetch", "-q", "origin")
    head = git(wired, "rev-parse", "origin/main").strip()
    assert f"Incident-Kit-Comment: {comment_id}" in git(wired, "log", "-1", "--format=%B", head)
    # the run crashed after its push: no reply, no "done" reaction
    for reply in [c for c in api.github.comments_on(number) if c.id > comment_id]:
        del api.github.comments[reply.id]
    api.github.comments[comment_id].reactions.clear()
    git(wired, "reset", "-q", "--hard", stale)
    code, out, err = handle(wired, "issue_comment", event(tmp_path, data))
    assert code == 0 and "answered only" in out, err
    git(wired, "fetch", "-q", "origin")
    assert git(wired, "rev-parse", "origin/main").strip() == head  # the note is not added twice
    assert git(wired, "show", f"origin/main:{_path(wired, incident_id)}").count("cache flushed") == 1
    [reply] = [c.body for c in api.github.comments_on(number) if c.id > comment_id]
    assert reply.startswith(f"@bob `/note` done (commit {head[:12]})")
    assert api.github.comments[comment_id].reactions == ["eyes", "+1"]


def test_a_form_re_run_from_the_event_s_old_commit_declares_nothing_twice(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    stale = git(wired, "rev-parse", "HEAD").strip()
    number, incident_id = declare_from_form(wired, api, tmp_path)
    head = git(wired, "rev-parse", "origin/main").strip()
    api.github.comments.clear()  # crashed before the reply
    git(wired, "reset", "-q", "--hard", stale)
    again = issues_event(number=number, title="Incident: Checkout is down", body=FORM_BODY)
    assert handle(wired, "issues", event(tmp_path, again))[0] == 0
    git(wired, "fetch", "-q", "origin")
    assert git(wired, "rev-parse", "origin/main").strip() == head
    [reply] = api.github.comments_on(number)
    assert f"tracks **{incident_id}** already" in reply.body


def test_ack_from_someone_without_write_access_commits_nothing_and_is_refused(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    number, _ = declare_from_form(wired, api, tmp_path)
    api.github.permissions["carol"] = "triage"  # may label issues, may not change the repository
    head = git(wired, "rev-parse", "origin/main")
    comment_id, [reply], _ = comment(
        wired, api, tmp_path, number, "/ack", author="carol", association="OWNER"
    )
    assert git(wired, "rev-parse", "origin/main") == head
    assert api.github.comments[comment_id].reactions == ["eyes", "-1"]
    assert "refused" in reply and "write access" in reply
    assert len(api.github.repository_dispatches) == 1  # the declare's only: nothing new to deliver


def test_comment_text_never_becomes_an_option_or_a_second_command(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    number, incident_id = declare_from_form(wired, api, tmp_path)
    _, [reply], _ = comment(
        wired, api, tmp_path, number, "/note --by mallory $(rm -rf ~) `id`; ::add-mask::x"
    )
    assert remote_log(wired)[0].startswith("bob|")
    text = git(wired, "show", f"origin/main:{_path(wired, incident_id)}")
    assert "--by mallory $(rm -rf ~)" in text and "mallory|" not in "\n".join(remote_log(wired))
    assert "::add-mask::" not in text  # broken with a zero-width space, like every stored line
    head = git(wired, "rev-parse", "origin/main")
    comment_id, [reply], _ = comment(wired, api, tmp_path, number, "/ack\n/resolve")
    assert git(wired, "rev-parse", "origin/main") == head
    assert "one command per comment" in reply and api.github.comments[comment_id].reactions == [
        "eyes",
        "confused",
    ]


def test_a_refused_transition_answers_with_the_cli_s_one_line_error(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    number, _ = declare_from_form(wired, api, tmp_path)
    comment_id, [reply], _ = comment(wired, api, tmp_path, number, "/postmortem")
    assert api.github.comments[comment_id].reactions == ["eyes", "-1"]
    assert reply.startswith("@bob `/postmortem` refused:") and "\n" not in reply.split("<!--")[0].strip()


def test_each_command_reaches_the_cli(wired: Path, api: FakeApiServer, tmp_path: Path) -> None:
    number, incident_id = declare_from_form(wired, api, tmp_path)
    for body in (
        "/severity SEV-1 card payments down too",
        "/assign @alice",
        "/role scribe=@bob",
        "/update Payments are failing; next update in 30 minutes",
        "/mitigate --hotfix",
        "/resolve",
    ):
        comment_id, [reply], _ = comment(wired, api, tmp_path, number, body)
        assert api.github.comments[comment_id].reactions == ["eyes", "+1"], (body, reply)
    shown = json.loads(run_cli(["show", incident_id, "--format", "json", "--repo", str(wired)]).stdout)
    assert shown["severity"] == "SEV-1" and shown["status"] == "resolved" and shown["commander"] == "alice"
    _, [reply], _ = comment(wired, api, tmp_path, number, "/help")
    assert "/severity SEV-1" in reply


def test_bots_edits_pull_requests_and_chatter_are_ignored_without_a_call(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    number, _ = declare_from_form(wired, api, tmp_path)
    writes = len(api.writes())
    for body, kw in (
        ("/ack", {"author": "github-actions[bot]"}),
        ("/ack", {"action": "edited"}),
        ("/ack", {"pull_request": True}),
        ("thanks, looking now", {}),
    ):
        data = issue_comment_event(number=number, comment_id=9999, body=body, **kw)  # type: ignore[arg-type]
        code, out, _ = handle(wired, "issue_comment", event(tmp_path, data))
        assert code == 0 and out.startswith("ignored:"), (body, kw, out)
    assert len(api.writes()) == writes


def test_a_comment_on_an_issue_that_tracks_nothing_says_so(
    wired: Path, api: FakeApiServer, tmp_path: Path
) -> None:
    number = api.github.add_issue("A question")
    comment_id, [reply], _ = comment(wired, api, tmp_path, number, "/ack")
    assert "not the tracking issue" in reply and api.github.comments[comment_id].reactions == [
        "eyes",
        "confused",
    ]


def test_a_broken_event_file_is_one_line_and_exit_2(wired: Path, tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text("{not json")
    result = run_cli(["github-event", "--event", str(path), "--event-name", "issues", "--repo", str(wired)])
    assert result.code == 2 and result.stderr.count("\n") == 1 and "not JSON" in result.stderr


def _path(repo: Path, incident_id: str) -> str:
    folder = next((repo / "incidents").glob(f"*/{incident_id}-*"))
    return f"{folder.relative_to(repo).as_posix()}/incident.md"
