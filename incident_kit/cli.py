"""The `incident` command line: argument parsing only; every verb calls `commands/<verb>.py`.

Imports of anything heavy happen inside the command bodies, so `incident --help` and each
command pay only for what they use. Typer inspects the signature of every registered command
when it builds the parser (~20 ms for all of them), so `main` registers only the command being
run; `incident --help` and anything unknown get the full set.

Why this module is long: it is the whole command-line surface, one short function per command
that declares its options and hands over to `commands/`; kept in one file so the options read
as one reference and the register-only-what-runs trick has one home.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from incident_kit.error_handler import run_app

if TYPE_CHECKING:
    from incident_kit.context import Context

COMMANDS: dict[str, Callable[..., None]] = {}


def command(name: str | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(func: Callable[..., None]) -> Callable[..., None]:
        COMMANDS[name or func.__name__] = func
        return func

    return register


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with just `only` (still a subcommand)."""
    application = typer.Typer(
        name="incident",
        help="Run production incidents as Markdown files in git; every change is a commit.",
        rich_markup_mode=None,
        add_completion=True,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    application.callback()(_group)
    if only in COMMANDS:
        application.command(name=only)(COMMANDS[only])
    else:
        for name, func in COMMANDS.items():
            application.command(name=name)(func)
    return application


def _show_version(value: bool) -> None:
    if value:
        from incident_kit import __version__

        print(f"incident-kit {__version__}")
        raise typer.Exit(0)


def _group(
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_show_version, help="Show the version and exit."),
    ] = False,
) -> None:
    """Run production incidents as Markdown files in git; every change is a commit."""


Repo = Annotated[Path | None, typer.Option("--repo", help="Repository (default: the enclosing one).")]
By = Annotated[str | None, typer.Option("--by", help="Who acts (default: git user, else GITHUB_ACTOR).")]
At = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="When it happened: '20m ago', '2h30m ago', 14:05 or 3pm (the last time it was), "
        "'yesterday 23:00', '2026-11-26 14:05' (in the team's zone), '14:05 PST', RFC 3339.",
    ),
]
Push = Annotated[
    bool | None,
    typer.Option("--push/--no-push", help="Push the commit (default: config `push`)."),
]
Fmt = Annotated[str, typer.Option("--format", help="text or json.")]
Override = Annotated[
    bool,
    typer.Option(
        "--override",
        help="With --push: apply it even if someone else changed this since your clone last saw it.",
    ),
]
Ref = Annotated[
    str, typer.Argument(metavar="ID", help="Incident id, unique prefix, or its last four characters.")
]
Message = Annotated[str | None, typer.Option("--message", "-m", help="A note for the timeline entry.")]


def _ctx(
    repo: Path | None, by: str | None = None, *, need_config: bool = True, forgiving: bool = False
) -> Context:
    from incident_kit.context import open_context

    return open_context(repo, by, need_config=need_config, forgiving=forgiving)


def _fmt(fmt: str) -> str:
    from incident_kit.context import check_format

    return check_format(fmt)


@command()
def init(
    upgrade: Annotated[
        bool,
        typer.Option("--upgrade", help="Re-pin the installed workflows' managed steps; keep the rest."),
    ] = False,
    action_ref: Annotated[
        str | None,
        typer.Option(
            "--action-ref", metavar="SHA", help="Commit of the incident-kit action the workflows run."
        ),
    ] = None,
    action_repo: Annotated[
        str | None,
        typer.Option("--action-repo", metavar="OWNER/NAME", help="Where that action lives (a fork)."),
    ] = None,
    repo: Repo = None,
    by: By = None,
) -> None:
    """Scaffold incidents/config.yaml, the index and the GitHub workflows, in one commit."""
    from incident_kit.commands import init as command

    run = command.upgrade if upgrade else command.run
    raise typer.Exit(run(repo, by, action_ref=action_ref, action_repo=action_repo))


@command()
def declare(
    alert_payload: Annotated[
        str | None, typer.Option("--alert-payload", help="Alert JSON, @FILE, or - for stdin.")
    ] = None,
    alert_format: Annotated[
        str | None,
        typer.Option("--alert-format", help="Force a payload format (default: detect)."),
    ] = None,
    manual_incident: Annotated[
        bool, typer.Option("--manual-incident", help="Declare by hand (--title alone does too).")
    ] = False,
    title: Annotated[str | None, typer.Option("--title", help="What is broken (declares by hand).")] = None,
    severity: Annotated[
        str | None,
        typer.Option("--severity", help="A level of the team's scale (default SEV-1 worst .. SEV-4)."),
    ] = None,
    service: Annotated[str | None, typer.Option("--service", help="Affected service (or an alias).")] = None,
    commander: Annotated[
        str | None, typer.Option("--commander", help="Incident Commander (default: on call).")
    ] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="A first summary line.")] = None,
    drill: Annotated[bool, typer.Option("--drill", help="A practice incident (kept out of stats).")] = False,
    at: At = None,
    push: Push = None,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
    tracking_issue: Annotated[
        int | None,
        typer.Option("--tracking-issue", metavar="N", help="The GitHub issue that tracks it (by hand)."),
    ] = None,
) -> None:
    """Declare an incident from an alert payload, or by hand with --manual-incident."""
    from incident_kit.commands import declare as command

    request = command.DeclareRequest(
        manual=manual_incident,
        title=title,
        alert_payload=alert_payload,
        alert_format=alert_format,
        severity=severity,
        service=service,
        commander=commander,
        at=at,
        drill=drill,
        summary=summary,
        tracking_issue=tracking_issue,
    )
    fmt = _fmt(fmt)
    raise typer.Exit(command.main(lambda: _ctx(repo, by, forgiving=True), request, push=push, fmt=fmt))


def _transition(
    action: str,
    ref: str,
    at: str | None,
    message: str | None,
    push: bool | None,
    fmt: str,
    repo: Path | None,
    by: str | None,
    *,
    override: bool = False,
    reason: str | None = None,
    into: str | None = None,
    rollback: str | None = None,
    hotfix: bool = False,
) -> None:
    from incident_kit.commands import transition as command

    request = command.TransitionRequest(
        action=action,
        ref=ref,
        at=at,
        message=message,
        reason=reason,
        into=into,
        rollback=rollback,
        hotfix=hotfix,
    )
    fmt = _fmt(fmt)
    raise typer.Exit(
        command.run(_ctx(repo, by, forgiving=True), request, push=push, fmt=fmt, override=override)
    )


@command()
def ack(
    ref: Ref,
    at: At = None,
    message: Message = None,
    push: Push = None,
    override: Override = False,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """Acknowledge: triage → investigating."""
    _transition("ack", ref, at, message, push, fmt, repo, by, override=override)


@command()
def mitigate(
    ref: Ref,
    rollback: Annotated[
        str | None,
        typer.Option("--rollback", metavar="DEPLOYMENT_ID", help="Plan: roll back this deployment."),
    ] = None,
    hotfix: Annotated[bool, typer.Option("--hotfix", help="Plan: ship a hotfix.")] = False,
    at: At = None,
    message: Message = None,
    push: Push = None,
    override: Override = False,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """Impact is contained: → mitigated (records the rollback or hotfix plan)."""
    _transition(
        "mitigate", ref, at, message, push, fmt, repo, by, override=override, rollback=rollback, hotfix=hotfix
    )


@command()
def resolve(
    ref: Ref,
    at: At = None,
    message: Message = None,
    push: Push = None,
    override: Override = False,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """The fix is verified: → resolved (stamps mitigation too if it was skipped)."""
    _transition("resolve", ref, at, message, push, fmt, repo, by, override=override)


@command()
def reopen(
    ref: Ref,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it is back (needed to undo a close, cancel or merge).")
    ] = None,
    at: At = None,
    message: Message = None,
    push: Push = None,
    override: Override = False,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """It is not over: back to investigating; also undoes a cancel or a merge (--reason)."""
    _transition("reopen", ref, at, message, push, fmt, repo, by, override=override, reason=reason)


@command()
def cancel(
    ref: Ref,
    reason: Annotated[str | None, typer.Option("--reason", help="Why this is not an incident.")] = None,
    at: At = None,
    push: Push = None,
    override: Override = False,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """A false alarm: → cancelled."""
    _transition("cancel", ref, at, None, push, fmt, repo, by, override=override, reason=reason)


@command()
def merge(
    ref: Ref,
    into: Annotated[str | None, typer.Option("--into", help="The incident that continues.")] = None,
    at: At = None,
    message: Message = None,
    push: Push = None,
    override: Override = False,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """A duplicate: → merged, pointing at the surviving incident."""
    _transition("merge", ref, at, message, push, fmt, repo, by, override=override, into=into)


@command()
def postmortem(
    ref: Ref,
    at: At = None,
    message: Message = None,
    push: Push = None,
    override: Override = False,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """Start the blameless post-mortem: resolved → postmortem, writes postmortem.md."""
    _transition("postmortem", ref, at, message, push, fmt, repo, by, override=override)


@command()
def close(
    ref: Ref,
    at: At = None,
    message: Message = None,
    push: Push = None,
    override: Override = False,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """Done: → closed (checks the post-mortem the severity requires)."""
    _transition("close", ref, at, message, push, fmt, repo, by, override=override)


@command()
def severity(
    ref: Ref,
    level: Annotated[
        str,
        typer.Argument(metavar="SEV-n", help="A level of the team's scale (default SEV-1 worst .. SEV-4)."),
    ],
    reason: Annotated[str | None, typer.Option("--reason", help="Why.")] = None,
    at: At = None,
    push: Push = None,
    override: Override = False,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """Change the severity."""
    from incident_kit.commands import update

    raise typer.Exit(
        update.severity(
            _ctx(repo, by, forgiving=True),
            ref,
            level,
            reason=reason,
            at=at,
            push=push,
            fmt=_fmt(fmt),
            override=override,
        )
    )


@command()
def assign(
    ref: Ref,
    commander: Annotated[str | None, typer.Option("--commander", help="New Incident Commander.")] = None,
    role: Annotated[
        list[str] | None,
        typer.Option("--role", metavar="ROLE=WHO", help="e.g. scribe=bob (repeatable)."),
    ] = None,
    at: At = None,
    push: Push = None,
    override: Override = False,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """Hand over command, or assign a role."""
    from incident_kit.commands import update

    raise typer.Exit(
        update.assign(
            _ctx(repo, by, forgiving=True),
            ref,
            commander=commander,
            roles=role or [],
            at=at,
            push=push,
            fmt=_fmt(fmt),
            override=override,
        )
    )


@command()
def note(
    ref: Ref,
    text: Annotated[
        list[str],
        typer.Argument(help="What happened or was learned (quotes optional: the words are joined)."),
    ],
    public: Annotated[
        bool, typer.Option("--public", help="A customer-facing update, shown on the status page.")
    ] = False,
    at: At = None,
    push: Push = None,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """Add a timeline entry (--public: an update for the status page)."""
    from incident_kit.commands import update

    raise typer.Exit(
        update.note(
            _ctx(repo, by, forgiving=True),
            ref,
            " ".join(text),
            at=at,
            push=push,
            fmt=_fmt(fmt),
            public=public,
        )
    )


@command()
def update(
    ref: Ref,
    text: Annotated[
        list[str],
        typer.Argument(help="Where things stand, for stakeholders (quotes optional: the words are joined)."),
    ],
    at: At = None,
    push: Push = None,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """Post a stakeholder update: the timeline, then (sync) the incident and announcement channels."""
    from incident_kit.commands import update as command

    raise typer.Exit(
        command.stakeholder_update(_ctx(repo, by), ref, " ".join(text), at=at, push=push, fmt=_fmt(fmt))
    )


@command()
def link(
    ref: Ref,
    url: Annotated[str, typer.Argument(help="http(s) URL: dashboard, PR, ticket, doc.")],
    title: Annotated[str | None, typer.Option("--title", help="Link text.")] = None,
    at: At = None,
    push: Push = None,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """Attach a link."""
    from incident_kit.commands import update

    raise typer.Exit(
        update.link(_ctx(repo, by, forgiving=True), ref, url, title=title, at=at, push=push, fmt=_fmt(fmt))
    )


@command("list")
def list_command(
    status: Annotated[str | None, typer.Option("--status", help="open, or one status.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Every incident, not only open ones.")] = False,
    service: Annotated[str | None, typer.Option("--service", help="Only this service (or an alias).")] = None,
    severity: Annotated[str | None, typer.Option("--severity", help="Only this severity.")] = None,
    mine: Annotated[
        bool, typer.Option("--mine", help="Only incidents I command (--by, else git user).")
    ] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="Declared since: '2d ago', 'yesterday 09:00', 2026-11-01.")
    ] = None,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """List incidents: open ones, most severe first (--all for every one; text and JSON alike)."""
    from incident_kit.commands import read

    filters = read.ListFilters(
        status=status, show_all=show_all, service=service, severity=severity, mine=mine, since=since
    )
    raise typer.Exit(read.list_incidents(_ctx(repo, by, need_config=False), filters, fmt=_fmt(fmt)))


@command()
def show(ref: Ref, fmt: Fmt = "text", repo: Repo = None) -> None:
    """Show one incident."""
    from incident_kit.commands import read

    raise typer.Exit(read.show(_ctx(repo, need_config=False), ref, fmt=_fmt(fmt)))


@command()
def log(ref: Ref, fmt: Fmt = "text", repo: Repo = None) -> None:
    """The audit trail: every commit that changed this incident."""
    from incident_kit.commands import read

    raise typer.Exit(read.log(_ctx(repo, need_config=False), ref, fmt=_fmt(fmt)))


@command()
def sync(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be sent; send and write nothing.")
    ] = False,
    push: Push = None,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """Deliver pending Slack/console notifications, GitHub issues for action items and tracking issues."""
    from incident_kit.commands import sync as command

    fmt = _fmt(fmt)
    raise typer.Exit(command.run(_ctx(repo, by), dry_run=dry_run, push=push, fmt=fmt))


@command()
def remind(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show which reminders are due; send and write nothing.")
    ] = False,
    push: Push = None,
    repo: Repo = None,
    by: By = None,
) -> None:
    """Remind people of unacknowledged incidents, overdue post-mortems and action items (once per window)."""
    from incident_kit.commands import remind as command

    raise typer.Exit(command.run(_ctx(repo, by), dry_run=dry_run, push=push))


@command()
def validate(
    paths: Annotated[list[str] | None, typer.Argument(help="Files or folders (default: everything).")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="text, github (workflow annotations) or json.")
    ] = "text",
    changed_since: Annotated[
        str | None,
        typer.Option("--changed-since", metavar="REF", help="Only incidents changed since REF."),
    ] = None,
    print_schema: Annotated[
        bool,
        typer.Option("--print-schema", help="Print the incident JSON schema with this team's severities."),
    ] = False,
    repo: Repo = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Check every file again (ignore the results cache).")
    ] = False,
) -> None:
    """Check incident files, post-mortems and the config; exit 1 on any error."""
    from incident_kit.commands import validate as command

    if print_schema:
        raise typer.Exit(command.print_schema(repo))
    raise typer.Exit(
        command.run(repo, paths or [], fmt=fmt, changed_since=changed_since, use_cache=not no_cache)
    )


@command()
def index(
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if the index is out of date; write nothing.")
    ] = False,
    push: Push = None,
    fmt: Fmt = "text",
    repo: Repo = None,
    by: By = None,
) -> None:
    """Regenerate incidents/README.md (commits only when it changed)."""
    from incident_kit.commands import index as command

    raise typer.Exit(command.index(_ctx(repo, by, forgiving=True), push=push, check=check, fmt=_fmt(fmt)))


@command()
def stats(
    since: Annotated[
        str | None, typer.Option("--since", help="From this date (YYYY-MM-DD), inclusive.")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to this date, inclusive.")] = None,
    service: Annotated[str | None, typer.Option("--service", help="Only this service.")] = None,
    severity: Annotated[str | None, typer.Option("--severity", help="Only this severity.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or markdown.")] = "text",
    repo: Repo = None,
) -> None:
    """Counts, MTTA / time to mitigate / MTTR (median, p90), overdue action items."""
    from incident_kit.commands import stats as command

    raise typer.Exit(
        command.stats(
            _ctx(repo, forgiving=True), since=since, until=until, service=service, severity=severity, fmt=fmt
        )
    )


@command("resolve-conflicts")
def resolve_conflicts(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Incident files (default: every one a merge left conflicted).")
    ] = None,
    repo: Repo = None,
) -> None:
    """Finish a merge made without the merge driver: merge conflicted incident files by its rules."""
    from incident_kit.commands import resolve_conflicts as command

    raise typer.Exit(command.run(repo, paths or []))


@command("merge-file")
def merge_file(
    base: Annotated[Path, typer.Argument(help="The common ancestor's version (git's %O).")],
    current: Annotated[Path, typer.Argument(help="Our version; the result is written here (%A).")],
    other: Annotated[Path, typer.Argument(help="Their version (%B).")],
    marker_size: Annotated[int, typer.Option("--marker-size", help="Conflict marker length (%L).")] = 7,
    path: Annotated[str | None, typer.Option("--path", help="The file's path, for messages (%P).")] = None,
) -> None:
    """git's merge driver for incident files (set up by the tool; see docs/merging.md)."""
    from incident_kit.commands import merge_file as command

    raise typer.Exit(command.run(base, current, other, marker_size=marker_size, path=path))


@command()
def site(
    out: Annotated[Path, typer.Option("--out", help="The folder to build (new, empty, or built before).")],
    public_only: Annotated[
        bool, typer.Option("--public-only", help="Only the public status page (what Pages publishes).")
    ] = False,
    url: Annotated[
        str | None,
        typer.Option("--url", help="Where the status page is published (default: config site.url)."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Rebuild everything, ignoring earlier output.")
    ] = False,
    repo: Repo = None,
) -> None:
    """Build the static incident site and the public status page (status.json, Atom feed)."""
    from incident_kit.commands import site as command

    raise typer.Exit(command.run(_ctx(repo), out=out, public_only=public_only, full=full, url=url))


@command()
def doctor(repo: Repo = None) -> None:
    """What the setup is missing: tokens, workflows pinned and current, branch, Slack scopes, labels."""
    from incident_kit.commands import doctor as command

    raise typer.Exit(command.run(repo))


@command()
def demo(
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Build the demo repository here and keep it.")
    ] = None,
) -> None:
    """Walk one incident from alert to close in a scratch repository, offline."""
    from incident_kit.commands import demo as command
    from incident_kit.error_handler import handle

    raise typer.Exit(command.run(keep, lambda args: handle(build_app(), args)))


@command("github-event")
def github_event(
    event: Annotated[
        Path, typer.Option("--event", help="The event file (GITHUB_EVENT_PATH): issues or issue_comment.")
    ],
    event_name: Annotated[
        str | None,
        typer.Option("--event-name", help="issues or issue_comment (default: GITHUB_EVENT_NAME)."),
    ] = None,
    push: Push = None,
    repo: Repo = None,
) -> None:
    """Act on an issue-form issue (declare) or a slash command in a tracking issue's comment."""
    from incident_kit.commands import github_event as command
    from incident_kit.error_handler import handle

    raise typer.Exit(
        command.run(repo, event, event_name, push=push, run_cli=lambda args: handle(build_app(args[0]), args))
    )


app = build_app()


def main() -> None:
    first = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    run_app(build_app(first if first in COMMANDS else None))
