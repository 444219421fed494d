"""`incident github-event`: GitHub as an interface — the declare-incident issue form, and slash
commands in the comments of a tracking issue.

The event file (GITHUB_EVENT_PATH) is the only way comment text reaches the tool: no shell ever
sees it. `issue_ops.events` decides what the event asks for; the commenter's permission is asked
of the API (never guessed from `author_association`); the command runs through the same CLI a
person types (`run_cli`, with `--by` the commenter), each value passed so it cannot become an
option; the outcome is said back as a reaction (eyes: seen, +1: done, -1: refused, confused:
not understood) and one reply, marked so a re-run never posts it twice.

A refusal is an answer, not a failure: the command exits 0 once it has replied. It fails only
when the event cannot be read or GitHub cannot be reached.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from incident_kit.change import SOURCE_COMMENT_ENV, SOURCE_COMMENT_TRAILER
from incident_kit.context import Context, open_context, warn
from incident_kit.errors import IncidentKitError, InputError
from incident_kit.issue_ops import events, form, slash
from incident_kit.sanitize import md_inline
from incident_kit.store import Store

RunCli = Callable[[list[str]], int]
MAX_EVENT_BYTES = 5_000_000  # a comment is at most 64 KB; GitHub's payloads stay far below this

SEEN, DONE, REFUSED, NOT_UNDERSTOOD = "eyes", "+1", "-1", "confused"


class _Captured(io.StringIO):
    def isatty(self) -> bool:  # JSON prints compact, as into a pipe
        return False


def run(
    repo: Path | None, event_path: Path, event_name: str | None, *, push: bool | None, run_cli: RunCli
) -> int:
    ctx = open_context(repo, None, forgiving=True)
    name = event_name or ctx.env.get("GITHUB_EVENT_NAME", "")
    action = events.classify(name, read_event(event_path))
    if isinstance(action, events.Ignore):
        print(f"ignored: {action.reason}")
        return 0
    from incident_kit.delivery import github_pacing, http_timeout
    from incident_kit.github.client import GitHubClient

    client = GitHubClient.from_env(ctx.env, timeout=http_timeout(ctx.env), **github_pacing(ctx.env))
    try:
        flow = _Flow(ctx, client, push, run_cli)
        if isinstance(action, events.DeclareFromForm):
            flow.declare(action)
        else:
            flow.command(action)
    finally:
        client.close()
    return 0


def read_event(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_EVENT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read the event file {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_EVENT_BYTES:
        raise InputError(f"the event file {path} is larger than {MAX_EVENT_BYTES} bytes")
    try:
        event = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"the event file {path} is not JSON") from None
    if not isinstance(event, dict):
        raise InputError(f"the event file {path} is not a JSON object")
    return event


HAND_OVER_EVENT = "incidents-changed"  # what incident-sync listens for (and incident-alert sends)


class _Flow:
    def __init__(self, ctx: Context, client: Any, push: bool | None, run_cli: RunCli) -> None:
        self.ctx = ctx
        self.client = client
        self.push = push
        self.run_cli = run_cli
        self.store = Store(ctx.root)

    # --- the issue form --------------------------------------------------------------------

    def declare(self, action: events.DeclareFromForm) -> None:
        marker = f"<!-- incident-kit: issue-{action.issue} declared -->"
        if not self.client.can_write(action.author):
            self._reply(action.issue, _refusal(action.author, "declare an incident"), marker)
            print(f"refused: {action.author} has no write access")
            return
        self._catch_up()  # a re-run starts from the event's old commit: look at what landed since
        existing = self.store.by_tracking_issue(action.issue)
        if existing is not None:
            incident = self.store.read(existing, summary_only=True)
            self._reply(action.issue, f"This issue tracks **{incident.id}** already.", marker)
            print(f"issue #{action.issue} already tracks {incident.id}")
            return
        config = self.ctx.config
        aliases = {a.lower(): s.name for s in config.services.values() for a in s.aliases}
        try:
            asked = form.parse(
                action.title,
                action.body,
                scale=config.severity_scale,
                services=config.services,
                aliases=aliases,
            )
        except InputError as error:
            self._reply(
                action.issue, f"Could not declare an incident: {md_inline(error.message, 300)}", marker
            )
            print(f"refused: {error.message}")
            return
        args = ["declare", "--manual-incident", f"--title={asked.title}"]
        args += [f"--severity={asked.severity}"] if asked.severity else []
        args += [f"--service={asked.service}"] if asked.service else []
        args += [f"--summary={asked.summary}"] if asked.summary else []
        args += [f"--tracking-issue={action.issue}", "--format=json", *self._common(action.author)]
        code, out, err = self._cli(args)
        if code != 0:
            self._reply(action.issue, f"Could not declare an incident: {md_inline(err, 300)}", marker)
            print(f"refused: {err}")
            return
        result = json.loads(out)
        channel = self._channel(result, asked)
        self._reply(
            action.issue,
            f"Declared **{result['id']}** ({result['severity']}, commander: "
            f"{md_inline(result.get('commander') or 'unassigned', 80)}); Slack channel: `#{channel}`. "
            "This issue tracks it: comment `/help` for the commands.",
            marker,
        )
        print(f"declared {result['id']} from issue #{action.issue}")
        self._hand_over()

    def _channel(self, result: dict[str, Any], asked: form.FormDeclare) -> str:
        from incident_kit.notify.channel_names import channel_name

        return channel_name(
            self.ctx.config.slack.channel_pattern,
            incident_id=str(result["id"]),
            title=asked.title,
            service=asked.service,
            severity=str(result["severity"]),
            declared_at=self.ctx.now,
        )

    # --- slash commands ----------------------------------------------------------------------

    def command(self, action: events.CommandComment) -> None:
        marker = f"<!-- incident-kit: comment-{action.comment} reply -->"
        if self.client.find_comment(action.issue, marker) is not None:
            print(f"comment {action.comment} was answered already (a re-run): nothing to do")
            return  # its command ran: a re-run must not add the same note twice
        self.client.react(action.comment, SEEN)
        if not self.client.can_write(action.author):
            self._answer(action, REFUSED, _refusal(action.author, "run commands here"), marker)
            print(f"refused: {action.author} has no write access")
            return
        try:
            command = slash.parse(action.body)
        except InputError as error:
            self._answer(action, NOT_UNDERSTOOD, md_inline(error.message, 300), marker)
            print(f"not understood: {error.message}")
            return
        if command.name == "help":
            self._answer(action, DONE, slash.HELP, marker)
            return
        self._catch_up()
        folder = self.store.by_tracking_issue(action.issue)
        if folder is None:
            self._answer(
                action, NOT_UNDERSTOOD, "this issue is not the tracking issue of an incident", marker
            )
            print(f"issue #{action.issue} tracks no incident")
            return
        incident_id = self.store.read(folder, summary_only=True).id
        landed = self._landed(action.comment)
        if landed is not None:  # the run that committed it crashed before it replied
            self._answer(action, DONE, f"`/{command.name}` done (commit {landed[:12]})", marker)
            print(f"comment {action.comment} ran already as {landed[:12]} (a re-run): answered only")
            self._hand_over()  # the crashed run may not have got this far
            return
        with _source_comment(action.comment):
            code, out, err = self._cli(command.argv(incident_id, *self._common(action.author)))
        if code == 0:
            self._answer(action, DONE, f"`/{command.name}` done: {md_inline(out, 500)}", marker)
            print(f"/{command.name} on {incident_id} by {action.author}: done")
            self._hand_over()
        else:
            self._answer(action, REFUSED, f"`/{command.name}` refused: {md_inline(err, 500)}", marker)
            print(f"/{command.name} on {incident_id} by {action.author}: refused (exit {code})")

    # --- shared ------------------------------------------------------------------------------

    def _common(self, author: str) -> list[str]:
        push = [] if self.push is None else ["--push" if self.push else "--no-push"]
        return [f"--by={author}", *push, f"--repo={self.ctx.root}"]

    def _catch_up(self) -> None:
        """With --push, bring the clone onto the remote's latest state before looking anything
        up: the checkout is the commit the event saw, older than what earlier runs pushed."""
        if not self.ctx.wants_push(self.push):
            return
        from incident_kit.git import remote, repository

        with repository.lock(self.ctx.root):
            remote_name, branch = remote.upstream(self.ctx.root)
            try:
                remote.catch_up(self.ctx.root, remote_name, branch)
            except remote.RemoteUnreachable as error:
                warn(f"{error.message}; looking at this clone's state only")
        self.store = Store(self.ctx.root)

    def _hand_over(self) -> None:
        """A change that was pushed starts incident-sync (a `repository_dispatch` of type
        `incidents-changed`, as the alert workflow sends): pushes made with GITHUB_TOKEN start
        no workflow, and only incident-sync's one-at-a-time runs deliver Slack and tracking
        issues. A refused dispatch is a warning: the scheduled sync delivers within 30 minutes."""
        if not self.ctx.wants_push(self.push):
            return
        try:
            self.client.repository_dispatch(HAND_OVER_EVENT, {})
        except IncidentKitError as error:
            warn(f"could not start incident-sync ({error.message}); its schedule will deliver")
        else:
            print(f"handed over to incident-sync ({HAND_OVER_EVENT})")

    def _landed(self, comment: int) -> str | None:
        """The commit an earlier run of this comment's command made, if one landed."""
        from incident_kit.git.history import commit_with_trailer

        return commit_with_trailer(self.ctx.root, SOURCE_COMMENT_TRAILER, str(comment))

    def _cli(self, args: list[str]) -> tuple[int, str, str]:
        """The CLI run in-process; its exit code, stdout, and the last line on stderr."""
        out, err = _Captured(), _Captured()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = self.run_cli(args)
        lines = [line.removeprefix("incident: ") for line in err.getvalue().splitlines() if line.strip()]
        return code, out.getvalue().strip(), lines[-1] if lines else f"exit {code}"

    def _answer(self, action: events.CommandComment, reaction: str, text: str, marker: str) -> None:
        self._reply(action.issue, f"@{action.author} {text}", marker)
        self.client.react(action.comment, reaction)

    def _reply(self, issue: int, text: str, marker: str) -> None:
        self.client.comment(issue, text, marker=marker)


@contextlib.contextmanager
def _source_comment(comment: int) -> Iterator[None]:
    """The CLI run in-process reads its environment: mark its commit with the comment's id."""
    before = os.environ.get(SOURCE_COMMENT_ENV)
    os.environ[SOURCE_COMMENT_ENV] = str(comment)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(SOURCE_COMMENT_ENV, None)
        else:
            os.environ[SOURCE_COMMENT_ENV] = before


def _refusal(login: str, what: str) -> str:
    return f"refused: only people with write access to this repository can {what} (@{login} has not)"
