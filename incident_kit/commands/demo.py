"""`incident demo`: one incident from the seed's alert to close, offline, in a scratch repo.

Each step is the real command a person would type, run in-process against the scratch
repository, so what the demo prints is what the tool does.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from incident_kit import clock
from incident_kit.errors import InputError, RefusedError
from incident_kit.git import process as git_process
from incident_kit.markdown.frontmatter import format_timestamp

SEED_PAYLOAD = {
    "source": "production_monitor",
    "spec_id": "spec-core-001-authentication",
    "metric": "p99_latency",
    "value": 350,
    "slo": 200,
    "severity": "SEV-2",
}

POSTMORTEM_TEXT = {
    "Summary": "Logins were slow for 40 minutes after a connection-pool change in the auth "
    "service; rolling back deployment 1234 restored p99 latency.",
    "Impact": "About 30% of logins took longer than 2 s; 1,200 users gave up; the login SLO burned "
    "8% of its monthly error budget.",
    "Root cause": "1. Why was login slow? Requests queued for database connections.\n"
    "2. Why did they queue? The pool was capped at 5 connections.\n"
    "3. Why was it capped? A config change meant for staging shipped to production.\n"
    "4. Why did it ship? Environment overrides are not reviewed separately.\n"
    "5. Why not? The deploy checklist predates environment overrides.",
    "Resolution": "Rolled back deployment 1234; p99 latency returned under 200 ms within "
    "5 minutes, confirmed on the latency dashboard.",
}


def _git(root: Path, *args: str) -> None:
    git_process.run(root, *args)


RunCommand = Callable[[list[str]], int]


def _step(run_command: RunCommand, title: str, args: list[str], expect: int = 0) -> None:
    print(f"\n== {title}\n$ incident {shlex.join(args)}", flush=True)
    code = run_command(args)
    if code != expect:
        raise RefusedError(f"demo step failed: incident {shlex.join(args)} (exit {code})")


def _fill_postmortem(path: Path) -> None:
    """What the commander would write by hand in a pull request."""
    text = path.read_text("utf-8")
    for section, content in POSTMORTEM_TEXT.items():
        prompt = re.compile(
            rf"(## {re.escape(section)}\n\n(?:- [^\n]*\n)*)<!--.*?-->\n", re.S
        )  # after any facts
        match = prompt.search(text)
        if match:
            text = text[: match.start()] + match.group(1) + content + "\n" + text[match.end() :]
    due = (clock.now() + timedelta(days=14)).date().isoformat()
    items = (
        f"- [ ] AI-1: Review environment overrides in deploys — owner: @alice — due: {due} — type: prevent\n"
        f"- [ ] AI-2: Alert on connection-pool saturation — owner: @bob — due: {due} — type: detect\n"
    )
    text = re.sub(r"(## Action items\n\n)", lambda m: m.group(1) + items, text, count=1)
    path.write_text(text, "utf-8")


def run(keep: Path | None, run_command: RunCommand) -> int:
    """Walk the demo; `run_command` runs one `incident` command line in-process, its exit code."""
    # the demo is offline whatever the shell exports: no Slack, no GitHub, no pushes
    for name in ("SLACK_BOT_TOKEN", "GITHUB_TOKEN", "GITHUB_REPOSITORY"):
        os.environ.pop(name, None)
    if keep is not None:
        if keep.exists() and (not keep.is_dir() or any(keep.iterdir())):
            # the demo inits git, sets its identity and walks "the" incident: never in real work
            raise InputError(
                f"--keep {keep}: must be a new or empty folder (the demo writes a repository there)"
            )
        keep.mkdir(parents=True, exist_ok=True)
        return _walk(keep.resolve(), run_command, kept=True)
    with tempfile.TemporaryDirectory(prefix="incident-demo-") as scratch:
        return _walk(Path(scratch), run_command, kept=False)


def _walk(root: Path, run_command: RunCommand, *, kept: bool) -> int:
    print(f"incident-kit demo: a scratch repository in {root}")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.name", "alice")
    _git(root, "config", "user.email", "alice@example.com")
    repo = ["--repo", str(root)]
    now = clock.now()

    def ago(minutes: int) -> str:
        return format_timestamp(now - timedelta(minutes=minutes))

    _step(run_command, "Scaffold the repository", ["init", *repo])
    payload = root / "alert.json"
    payload.write_text(json.dumps(SEED_PAYLOAD), "utf-8")
    _step(
        run_command,
        "An alert arrives (the seed's native payload)",
        [
            "declare",
            "--alert-payload",
            f"@{payload}",
            "--at",
            ago(50),
            "--by",
            "incident-bot",
            *repo,
        ],
    )
    payload.unlink()
    _step(
        run_command,
        "The alert fires again: it joins the open incident",
        [
            "declare",
            "--alert-payload",
            json.dumps(SEED_PAYLOAD),
            "--at",
            ago(48),
            "--by",
            "incident-bot",
            *repo,
        ],
    )
    _step(
        run_command,
        "Tell people (no Slack token here: the console channel prints the same messages)",
        ["sync", *repo],
    )
    from incident_kit.store import Store

    incident_id = next(iter(Store(root).ids()))
    _step(run_command, "The on-call engineer acknowledges", ["ack", incident_id[-4:], "--at", ago(45), *repo])
    _step(
        run_command,
        "A note for the timeline",
        [
            "note",
            incident_id[-4:],
            "Latency started right after deploy 1234",
            "--at",
            ago(40),
            *repo,
        ],
    )
    _step(
        run_command,
        "Mitigate by rolling back the deployment",
        ["mitigate", incident_id[-4:], "--rollback", "1234", "--at", ago(20), *repo],
    )
    _step(
        run_command,
        "A stakeholder update (a SEV-2 owes one every hour)",
        [
            "update",
            incident_id[-4:],
            "Logins are fast again after the rollback; verifying",
            "--at",
            ago(18),
            *repo,
        ],
    )
    _step(
        run_command,
        "Tell people: the acknowledgement, the note and the mitigation in the incident channel; "
        "the update and the mitigation in #incidents too",
        ["sync", *repo],
    )
    _step(
        run_command,
        "The fix is verified",
        [
            "resolve",
            incident_id[-4:],
            "-m",
            "the rollback of deployment 1234; p99 latency under 200 ms for 15 minutes since",
            "--at",
            ago(5),
            *repo,
        ],
    )
    _step(
        run_command,
        "Closing now is refused: a SEV-2 needs its post-mortem",
        ["close", incident_id[-4:], *repo],
        expect=1,
    )
    _step(run_command, "Start the blameless post-mortem", ["postmortem", incident_id[-4:], *repo])
    store = Store(root)
    folder = store.resolve(incident_id)
    _fill_postmortem(folder / "postmortem.md")
    _git(root, "commit", "-qam", f"{incident_id}: write the post-mortem")
    print("\n== The commander writes the post-mortem (a normal commit, as in a pull request)")
    _step(run_command, "Close the incident", ["close", incident_id[-4:], *repo])
    _step(
        run_command,
        "Tell people: the resolution — the final communication in #incidents: duration, impact, "
        "what fixed it, the post-mortem — then the post-mortem and the close",
        ["sync", *repo],
    )
    _step(run_command, "The audit trail is git history", ["log", incident_id[-4:], *repo])
    _step(run_command, "Everything, as JSON", ["list", "--all", "--format", "json", *repo])
    print(
        f"\nDone. Look at {folder.relative_to(root)}/incident.md and postmortem.md"
        + (f" in {root}" if kept else " (the scratch repository is removed now; use --keep DIR to keep it)")
    )
    return 0
