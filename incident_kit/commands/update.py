"""Updates that change no state: severity, assign, note, link."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from incident_kit import clock, timeline, updates
from incident_kit.change import Change
from incident_kit.context import Context, emit_json
from incident_kit.errors import InputError, RefusedError
from incident_kit.markdown import sections as body
from incident_kit.markdown.frontmatter import Document, as_datetime
from incident_kit.sanitize import human_text, md_inline, person_handle, plain, safe_text, safe_url
from incident_kit.store import INCIDENT_FILE, IncidentFile, Store
from incident_kit.transaction import record
from incident_kit.vocabulary import TERMINAL_STATUSES

_ROLE = re.compile(r"^([a-z][a-z0-9_-]{0,31})=(.+)$")

Edit = Callable[[IncidentFile, Document], tuple[Document, str, str, dict[str, str]]]


def _run(
    ctx: Context,
    ref: str,
    action: str,
    at_text: str | None,
    apply: Edit,
    *,
    push: bool | None,
    fmt: str,
    summary_only: bool = False,
    moment: clock.When | None = None,  # already read from `at_text`
    decides: tuple[str, ...] = (),
    override: bool = False,
) -> int:
    when = moment or ctx.moment(at_text)
    at = when.at

    def operation(store: Store) -> Change:
        incident = store.read(store.resolve(ref), summary_only=summary_only)
        document, what, subject, trailers = apply(incident, incident.document)
        document = timeline.record(document, at, what, ctx.actor.name, incident.source)
        return Change(
            incident_id=incident.id,
            subject=subject,
            writes={f"{incident.rel}/{INCIDENT_FILE}": document.text()},
            trailers={"Action": action, **trailers},
            decides=decides,
            result={
                "id": incident.id,
                "path": incident.rel,
                "status": incident.data.get("status"),
                "change": plain(what),  # what a person reads: no Markdown escapes or entities
                "at": at,
            },
        )

    outcome = record(ctx, operation, push=push, override=override)
    result = dict(outcome.change.result) | {"commit": outcome.commit}
    if fmt == "json":
        emit_json(result)
    else:
        print(f"{result['id']}: {result['change']} (at {ctx.echo(when)})")
    return 0


def severity(
    ctx: Context,
    ref: str,
    level: str,
    *,
    reason: str | None,
    at: str | None,
    push: bool | None,
    fmt: str,
    override: bool = False,
) -> int:
    new = ctx.config.severity_scale.normalise(level)

    def apply(incident: IncidentFile, document: Document) -> tuple[Document, str, str, dict[str, str]]:
        old = str(incident.data.get("severity"))
        if old == new:
            raise RefusedError(f"{incident.id} is already {new}")
        _refuse_terminal(incident, "change the severity of")
        what = f"Severity {old} → {new}"
        if reason:
            what += f": {human_text(reason, 500)}"
        return (
            document.with_values({"severity": new}),
            what,
            f"severity {old} → {new}",
            {"Severity": f"{old} -> {new}"},
        )

    return _run(
        ctx,
        ref,
        "severity",
        at,
        apply,
        push=push,
        fmt=fmt,
        summary_only=True,
        decides=("severity",),
        override=override,
    )


def assign(
    ctx: Context,
    ref: str,
    *,
    commander: str | None,
    roles: list[str],
    at: str | None,
    push: bool | None,
    fmt: str,
    override: bool = False,
) -> int:
    if not commander and not roles:
        raise InputError("assign needs --commander WHO and/or --role ROLE=WHO")
    parsed: dict[str, str] = {}
    for spec in roles:
        role, equals, holder = spec.strip().partition("=")
        match = _ROLE.match(f"{role.strip().lower()}{equals}{holder.strip()}")  # `Scribe = bob` is scribe=bob
        if not match:
            raise InputError(f"--role {spec!r}: use ROLE=WHO, e.g. --role scribe=bob")
        parsed[match.group(1)] = person_handle(match.group(2), f"--role {match.group(1)}=")
    who = person_handle(commander, "--commander ") if commander else None

    def apply(incident: IncidentFile, document: Document) -> tuple[Document, str, str, dict[str, str]]:
        _refuse_terminal(incident, "assign people to")
        changes: list[str] = []
        trailers: dict[str, str] = {}
        if who and who != incident.data.get("commander"):
            old = incident.data.get("commander") or "unassigned"
            document = document.with_values({"commander": who})
            changes.append(f"Incident Commander {old} → {who}")
            trailers["Commander"] = who
        current = incident.data.get("roles")
        merged: dict[str, Any] = dict(current) if isinstance(current, dict) else {}
        new_roles = {role: person for role, person in parsed.items() if merged.get(role) != person}
        if new_roles:
            merged.update(new_roles)
            document = document.with_value(["roles"], merged)
            changes += [f"{role}: {person}" for role, person in new_roles.items()]
            trailers["Roles"] = ", ".join(f"{r}={p}" for r, p in new_roles.items())
        if not changes:  # a repeated command at 3 a.m.: say so, commit nothing
            already = ([f"{who} is Incident Commander"] if who else []) + [
                f"{r} is {p}" for r, p in parsed.items()
            ]
            raise RefusedError(f"{incident.id}: nothing to change, {' and '.join(already)} already")
        what = "; ".join(changes)
        return document, what, "assign " + what, trailers

    decides = ("commander",) if who else ()
    return _run(ctx, ref, "assign", at, apply, push=push, fmt=fmt, decides=decides, override=override)


def note(
    ctx: Context, ref: str, text: str, *, at: str | None, push: bool | None, fmt: str, public: bool = False
) -> int:
    """A timeline entry; `public`: a customer-facing update (`Public update: …`, see site.publicity)."""
    cleaned = human_text(text, 2000)
    if not cleaned:
        raise InputError("the note is empty")
    if public:
        from incident_kit.site.publicity import entry_text

        cleaned = entry_text(cleaned)

    def apply(incident: IncidentFile, document: Document) -> tuple[Document, str, str, dict[str, str]]:
        subject = ("public update: " if public else "note: ") + safe_text(text, 60)
        return document, cleaned, subject, {"Public": "yes"} if public else {}

    return _run(ctx, ref, "note", at, apply, push=push, fmt=fmt, summary_only=True)


def stakeholder_update(
    ctx: Context, ref: str, text: str, *, at: str | None, push: bool | None, fmt: str
) -> int:
    """`incident update`: a note for stakeholders. `sync` posts it to the incident channel and,
    for the severities `slack.announce` says, the announcement channel; it restarts the
    update cadence (`last_update_at`)."""
    cleaned = human_text(text, 2000)
    if not cleaned:
        raise InputError("the update is empty; say where things stand, e.g. 'error rate back to normal'")
    moment = ctx.moment(at)

    def apply(incident: IncidentFile, document: Document) -> tuple[Document, str, str, dict[str, str]]:
        _refuse_terminal(incident, "post an update on")
        last = as_datetime(incident.data.get("last_update_at"))
        if last is None or moment.at >= last:  # a back-dated update does not move the clock back
            document = document.with_values({"last_update_at": moment.at})
        subject = "update: " + safe_text(text, 60)
        return document, updates.PREFIX + cleaned, subject, {"Update": "stakeholders"}

    return _run(ctx, ref, "update", at, apply, push=push, fmt=fmt, moment=moment)


def link(
    ctx: Context,
    ref: str,
    url: str,
    *,
    title: str | None,
    at: str | None,
    push: bool | None,
    fmt: str,
) -> int:
    checked = safe_url(url.strip())
    if not checked:
        raise InputError(f"{url!r} is not an http(s) URL")
    label = md_inline(title or checked, 200)

    def apply(incident: IncidentFile, document: Document) -> tuple[Document, str, str, dict[str, str]]:
        current = incident.data.get("links")
        links = list(current) if isinstance(current, list) else []
        if any(isinstance(item, dict) and item.get("url") == checked for item in links):
            raise RefusedError(f"{incident.id} already links {checked}")
        links.append({"title": safe_text(title or checked, 200), "url": checked})
        document = document.with_value(["links"], links)
        line = f"- [{label}](<{checked}>)"
        document = document.with_body(body.append_to_section(document.body, "Links", line, incident.source))
        return (
            document,
            f"Linked [{label}](<{checked}>)",
            f"link {checked}"[:120],
            {"Link": checked},
        )

    return _run(ctx, ref, "link", at, apply, push=push, fmt=fmt)


def _refuse_terminal(incident: IncidentFile, doing: str) -> None:
    status = incident.data.get("status")
    if status in TERMINAL_STATUSES:
        raise RefusedError(f"cannot {doing} {incident.id}: it is {status}")
