"""Lifecycle commands: ack, mitigate, resolve, reopen, cancel, merge, postmortem, close."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from incident_kit import lifecycle, timeline
from incident_kit.change import Change
from incident_kit.context import Context, emit_json
from incident_kit.errors import InputError, RefusedError
from incident_kit.ids import id_from_folder
from incident_kit.markdown.frontmatter import as_datetime
from incident_kit.sanitize import human_text, md_inline, safe_text
from incident_kit.store import INCIDENT_FILE, POSTMORTEM_FILE, IncidentFile, Store
from incident_kit.transaction import record


class TransitionRequest(NamedTuple):
    action: str
    ref: str
    at: str | None = None
    message: str | None = None  # a note added to the timeline entry
    reason: str | None = None  # cancel / reopen
    into: str | None = None  # merge
    rollback: str | None = None  # mitigate: deployment id to roll back
    hotfix: bool = False  # mitigate: a hotfix is the plan


def run(
    ctx: Context, request: TransitionRequest, *, push: bool | None, fmt: str, override: bool = False
) -> int:
    if request.action == "merge" and not request.into:
        raise InputError("merge needs --into ID (the incident that continues)")
    if request.action == "cancel" and not (request.reason or request.message):
        raise InputError("cancel needs --reason 'why this is not an incident'")
    if request.rollback is not None and not request.rollback.strip():
        raise InputError("--rollback needs a deployment id")
    when = ctx.moment(request.at)
    remedy = None
    if request.action == "mitigate" and (request.rollback or request.hotfix):
        remedy = _trigger(ctx, request)
    outcome = record(
        ctx, lambda store: _change(ctx, store, request, when.at, remedy), push=push, override=override
    )
    result = dict(outcome.change.result) | {"commit": outcome.commit}
    if fmt == "json":
        emit_json(result)
    else:
        print(f"{result['id']}: {result['from']} → {result['status']} at {ctx.echo(when)}")
        for line in result.get("notes", ()):
            print(line)
    return 0


def _trigger(ctx: Context, request: TransitionRequest) -> dict[str, Any]:
    """Dispatch the rollback or hotfix workflow once, before (and outside) the commit."""
    from incident_kit import remediation

    store = Store(ctx.root)
    incident = store.read(store.resolve(request.ref))
    lifecycle.check("mitigate", str(incident.data.get("status")))  # refuse before dispatching
    _plan(request)
    plan = "rollback" if request.rollback else "hotfix"
    deployment = safe_text(request.rollback, 100) if request.rollback else None
    outcome = remediation.dispatch(ctx.config, ctx.env, plan, incident.id, deployment)
    record = outcome.record(plan, deployment, remediation.describe(remediation.target(ctx.config, plan)))
    return {"record": record, "note": outcome.note}


def _change(
    ctx: Context, store: Store, request: TransitionRequest, at: datetime, remedy: dict[str, Any] | None = None
) -> Change:
    folder = store.resolve(request.ref)
    incident = store.read(folder, summary_only=True)
    status = str(incident.data.get("status"))
    rule = lifecycle.check(request.action, status)
    if request.action == "reopen" and status in lifecycle.UNDONE:
        incident = store.read(folder)  # undoing clears keys the summary does not carry
    updates: dict[str, Any] = lifecycle.stamps(rule, incident.data, at)
    new_status = str(updates["status"])
    what = rule.summary
    notes: list[str] = []
    moved = _check_times(incident, request, updates)
    writes: dict[str, str] = {}
    trailers = {"Action": request.action, "Transition": f"{status} -> {new_status}"}

    if request.action == "reopen" and status in lifecycle.UNDONE:
        what = _undo(incident, request, status, trailers)
    elif request.action == "cancel":
        reason = human_text(request.reason or request.message or "", 500)
        updates["cancel_reason"] = safe_text(request.reason or request.message, 500)
        what = f"Cancelled: {reason}"
    elif request.action == "reopen" and request.reason:
        what = f"Reopened: {human_text(request.reason, 500)}"
    elif request.action == "merge":
        survivor = _merge_target(store, incident, request.into or "")
        target = survivor.id or id_from_folder(survivor.folder.name) or survivor.folder.name
        updates["merged_into"] = target
        trailers["Merged-Into"] = target
        what = f"Merged into {target} (duplicate)"
        writes.update(_merged_in(ctx, survivor, incident, at, request.message))
    elif request.action == "mitigate":
        plan = _plan(request)
        if plan:
            what = f"Mitigated; plan: {plan}"
            trailers["Plan"] = plan
            if request.rollback:
                trailers["Rollback"] = safe_text(request.rollback, 100)
        if remedy is not None:
            updates["remediation"] = remedy["record"]
            what += f"; {remedy['note']}"
            trailers["Remediation"] = remedy["record"]["status"]
    elif request.action == "resolve":
        implied = [key.removesuffix("_at") for key in rule.stamps if key in updates]
        if implied:
            what = f"Resolved (also stamps {' and '.join(implied)})"
    elif request.action == "postmortem":
        writes.update(_postmortem(ctx, store, incident, updates, at))
        what = f"Post-mortem started: {POSTMORTEM_FILE}"
        notes.append(f"write the post-mortem in {incident.rel}/{POSTMORTEM_FILE}")
    elif request.action == "close":
        checked = _check_postmortem(ctx, store, incident, status)
        if checked is not None:
            # the close commit carries the post-mortem it was judged on, edits not yet committed too
            writes[f"{incident.rel}/{POSTMORTEM_FILE}"] = checked

    if moved:
        what += f"; {moved}"
        notes.append(moved)
    if (
        request.message
        and request.action != "cancel"
        and not (request.action == "reopen" and status in lifecycle.UNDONE)
    ):
        what += f" — {human_text(request.message, 1000)}"
    if request.action in ("cancel", "merge"):
        notes.append(f"undo: incident reopen {incident.id} --reason 'why'")
    document = incident.document.with_values(updates)
    document = timeline.record(document, at, what, ctx.actor.name, incident.source)
    writes[f"{incident.rel}/{INCIDENT_FILE}"] = document.text()
    return Change(
        incident_id=incident.id,
        subject=f"{request.action} ({status} → {new_status})",
        writes=writes,
        trailers=trailers,
        decides=("status",),
        result={
            "id": incident.id,
            "path": incident.rel,
            "from": status,
            "status": new_status,
            "severity": incident.data.get("severity"),
            "commander": incident.data.get("commander"),
            "at": at,
            "notes": notes,
        },
    )


def _undo(incident: IncidentFile, request: TransitionRequest, status: str, trailers: dict[str, str]) -> str:
    """Reopening a closed, cancelled or merged incident: a reason is the audit trail."""
    reason = request.reason or request.message
    if not reason or not reason.strip():
        raise InputError(
            f"{incident.id} is {status}: say why it is back, "
            f"e.g. `incident reopen {incident.id} --reason 'it happened again'`"
        )
    trailers["Undoes"] = {"closed": "close", "cancelled": "cancel", "merged": "merge"}[status]
    why = human_text(reason, 500)
    if status == "cancelled":
        was = safe_text(incident.data.get("cancel_reason"), 200)
        return f"Un-cancelled (it was cancelled{f': {was}' if was else ''}): {why}"
    if status == "merged":
        return f"Un-merged from {safe_text(incident.data.get('merged_into'), 100) or 'its duplicate'}: {why}"
    return f"Reopened after it was closed: {why}"


def _check_times(incident: IncidentFile, request: TransitionRequest, updates: dict[str, Any]) -> str | None:
    """A time before an earlier phase. Before detection, when detection is only the declaration
    time (declared by hand, or from an alert with no start time), it means people knew earlier:
    detection moves back. Anything else is refused with the command that would work."""
    times = {key: as_datetime(incident.data.get(key)) for key in lifecycle.ORDER}
    declared = as_datetime(incident.data.get("declared_at"))
    try:
        lifecycle.check_order(times, updates)
        return None
    except lifecycle.OutOfOrder as error:
        detected = times.get("detected_at")
        if not (error.earlier_key == "detected_at" and detected and declared and detected >= declared):
            raise _refusal(error, incident, request) from None
        updates["detected_at"] = error.value
    try:
        lifecycle.check_order(times, updates)
    except lifecycle.OutOfOrder as error:
        raise _refusal(error, incident, request) from None
    return (
        f"detection moved back to {updates['detected_at']:%Y-%m-%dT%H:%M:%SZ} (it was the declaration time)"
    )


def _refusal(error: lifecycle.OutOfOrder, incident: IncidentFile, request: TransitionRequest) -> RefusedError:
    import shlex

    words = ["incident", request.action, incident.id or request.ref]
    for flag, value in (
        ("--reason", request.reason),
        ("--into", request.into),
        ("--rollback", request.rollback),
    ):
        if value:
            words += [flag, value]
    if request.hotfix:
        words.append("--hotfix")
    if request.message:
        words += ["-m", request.message]
    words += ["--at", f"{error.earlier:%Y-%m-%dT%H:%M:%SZ}"]
    return RefusedError(
        f"{error.message}; `{shlex.join(words)}` records it at the {lifecycle.phase_name(error.earlier_key)} "
        "time, or give a later --at"
    )


def _plan(request: TransitionRequest) -> str:
    if request.rollback and request.hotfix:
        raise InputError("choose one plan: --rollback DEPLOYMENT_ID or --hotfix")
    if request.rollback:
        return f"roll back deployment {safe_text(request.rollback, 100)}"
    if request.hotfix:
        return "hotfix"
    return ""


def _merge_target(store: Store, incident: IncidentFile, ref: str) -> IncidentFile:
    target = store.read(store.resolve(ref))
    if target.folder == incident.folder:
        raise RefusedError(f"cannot merge {incident.id} into itself")
    if target.data.get("status") in ("merged", "cancelled"):
        raise RefusedError(
            f"cannot merge into {target.id}: it is {target.data.get('status')}; "
            "merge into the surviving incident"
        )
    return target


def _merged_in(
    ctx: Context, survivor: IncidentFile, duplicate: IncidentFile, at: datetime, message: str | None
) -> dict[str, str]:
    """The surviving incident's timeline says what joined it (its alerts join it from now on)."""
    title = md_inline(str(duplicate.data.get("title") or ""), 200)
    what = (
        f"Merged in {duplicate.id} (duplicate): {title}" if title else f"Merged in {duplicate.id} (duplicate)"
    )
    if duplicate.data.get("alert"):
        what += "; its alert now joins this incident"
    if message:
        what += f" — {human_text(message, 1000)}"
    document = timeline.record(survivor.document, at, what, ctx.actor.name, survivor.source)
    return {f"{survivor.rel}/{INCIDENT_FILE}": document.text()}


def _postmortem(
    ctx: Context, store: Store, incident: IncidentFile, updates: dict[str, Any], at: datetime
) -> dict[str, str]:
    path = incident.folder / POSTMORTEM_FILE
    if path.exists():
        return {}  # never clobber a post-mortem someone already started
    data = dict(incident.data) | updates
    times = {key: as_datetime(data.get(key)) for key in (*lifecycle.ORDER, "declared_at")}
    entries = timeline.entries(incident.document.body, incident.source)
    from incident_kit import postmortem  # only `postmortem` writes one

    text = postmortem.render(data, times, entries, author=ctx.actor.name, now=at)
    return {f"{incident.rel}/{POSTMORTEM_FILE}": text}


def required_sections(ctx: Context, severity: str) -> tuple[str, ...]:
    return tuple(ctx.config.required_sections.get(severity, ()))


def _check_postmortem(ctx: Context, store: Store, incident: IncidentFile, status: str) -> str | None:
    """The post-mortem's text, judged by the rules `incident validate` applies to a closed
    incident (`validation.check_postmortem`, the one gate); refuses naming each problem."""
    from incident_kit.validation import ERROR, check_postmortem

    severity = str(incident.data.get("severity"))
    required = required_sections(ctx, severity)
    path = incident.folder / POSTMORTEM_FILE
    if required and (status == "resolved" or not path.exists()):
        raise RefusedError(
            f"{incident.id} is {severity}: a post-mortem is required before close; "
            f"run `incident postmortem {incident.id}` and fill in: {', '.join(required)}"
        )
    if not path.exists():
        return None
    text = store.read_text(path)
    judged = check_postmortem(store.rel(path), incident.id, text, "closed", required)
    problems = [p for p in judged if p.level == ERROR]
    if problems:
        shown = "; ".join(f"{p.path}:{p.line}: {p.message}" for p in problems[:MAX_SHOWN_PROBLEMS])
        more = len(problems) - MAX_SHOWN_PROBLEMS
        rest = f"; and {more} more (incident validate lists them all)" if more > 0 else ""
        raise RefusedError(
            f"{incident.id}: the post-mortem is not finished, fix {len(problems)} problem(s) "
            f"and close again: {shown}{rest}"
        )
    return text


MAX_SHOWN_PROBLEMS = 10  # the refusal is one line; validate has the full list
