"""`incident declare`: a new incident from an alert payload or by hand — or, for an alert
that is already being handled, one more occurrence (or its resolution) on that incident.

Why this module is long: declaring by hand and the three outcomes of an alert delivery (new,
joined, resolved) share one request, one id allocation and one dedup search; each outcome is a
short function below.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from incident_kit import clock, ids, oncall, timeline
from incident_kit import severity as severity_rules
from incident_kit.change import Change, Outcome
from incident_kit.context import Context, emit_json, warn
from incident_kit.errors import FileFormatError, IncidentKitError, InputError, NotFoundError
from incident_kit.lifecycle import STALE_DETECTION, TRANSITIONS
from incident_kit.markdown.frontmatter import as_datetime
from incident_kit.new_incident import NewIncident, render
from incident_kit.sanitize import human_text, md_inline, person_handle, safe_text, safe_url
from incident_kit.store import INCIDENT_FILE, IncidentFile, Store
from incident_kit.transaction import record
from incident_kit.vocabulary import OPEN_STATUSES

if TYPE_CHECKING:
    from incident_kit.alert_list import Listed
    from incident_kit.alerts.model import Delivery


class DeclareRequest(NamedTuple):
    manual: bool = False  # --manual-incident
    title: str | None = None
    alert_payload: str | None = None
    alert_format: str | None = None
    severity: str | None = None
    service: str | None = None
    commander: str | None = None
    at: str | None = None
    drill: bool = False
    summary: str | None = None
    tracking_issue: int | None = None  # the GitHub issue it was declared from (issue form)


def read_payload(spec: str, limit: int) -> bytes:
    """`--alert-payload JSON|@FILE|-`, read with the size cap applied before parsing."""
    if spec == "-":
        data = sys.stdin.buffer.read(limit + 1)
    elif spec.startswith("@"):
        path = Path(spec[1:])
        try:
            if path.stat().st_size > limit:
                raise InputError(f"alert payload {path} is larger than the {limit}-byte limit")
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read alert payload {path}: {exc.strerror}") from None
    else:
        stripped = spec.strip()
        if stripped and stripped[0] not in "{[" and _is_file(stripped):
            raise InputError(
                f"--alert-payload {stripped!r} is a file name; to read the file, use @{stripped}"
            )
        if _FILE_NAME.match(stripped):
            raise InputError(
                f"--alert-payload {stripped!r} is not JSON; did you mean @{stripped} (a file)? "
                "There is no such file here, so check the path too"
            )
        data = spec.encode("utf-8", "surrogateescape")
    if len(data) > limit:
        raise InputError(f"alert payload is larger than the {limit}-byte limit")
    return data


# what a file name looks like, where JSON would start with { or [
_FILE_NAME = re.compile(r"^[\w.~/\\-]{1,200}\.(?:json|txt|ya?ml|log)$", re.I)


def _is_file(name: str) -> bool:
    try:
        return Path(name).is_file()
    except (OSError, ValueError):  # too long, or a NUL: not a file name anyone typed
        return False


# every outcome `declare --format json` reports, in its `outcome` field
CREATED, JOINED, RESOLVED, IGNORED, REFUSED = "created", "joined", "resolved", "ignored", "refused"


def main(open_ctx: Callable[[], Context], request: DeclareRequest, *, push: bool | None, fmt: str) -> int:
    """`incident declare` as the CLI runs it: under `--format json` every outcome, a refusal
    or a delivery that is not an alert included, prints one JSON document with an `outcome`
    (the error still goes to stderr as one line, with its exit code)."""
    try:
        return run(open_ctx(), request, push=push, fmt=fmt)
    except IncidentKitError as error:
        if fmt == "json":
            from incident_kit.alerts.model import NotAnAlert  # loaded already if that is what it is

            ignored = isinstance(error, NotAnAlert)
            from incident_kit.error_handler import redact

            message = redact(" ".join(error.message.split()))  # what stderr says, too
            document = no_incident(IGNORED if ignored else REFUSED, message)
            if not ignored:
                document["exit_code"] = error.exit_code
            emit_json(document)
        raise


def no_incident(outcome: str, message: str) -> dict[str, Any]:
    """The JSON of a `declare` that touched no incident."""
    return {
        "outcome": outcome,
        "id": None,
        "path": None,
        "status": None,
        "severity": None,
        "commander": None,
        "created": False,
        "deduplicated": False,
        "commit": None,
        "message": message,
    }


def check_request(request: DeclareRequest) -> None:
    """The flags that must go together, or must not (`--title` alone declares by hand)."""
    if request.alert_payload is not None and request.title is not None:
        raise InputError("--title goes with --manual-incident; an alert brings its own title")
    if request.alert_payload is not None and request.manual:
        raise InputError("give --alert-payload JSON|@FILE|- or --title 'what is broken', not both")
    if request.tracking_issue is not None and (
        request.alert_payload is not None or request.tracking_issue < 1
    ):
        raise InputError("--tracking-issue is an issue number (>= 1), for a manual incident")
    if request.alert_payload is None and request.title is None:
        raise InputError(
            "--manual-incident needs --title 'what is broken'"
            if request.manual
            else "give --alert-payload JSON|@FILE|- or --title 'what is broken' (declares by hand)"
        )


def run(ctx: Context, request: DeclareRequest, *, push: bool | None, fmt: str) -> int:
    check_request(request)
    severity = ctx.config.severity_scale.normalise(request.severity) if request.severity else None
    if request.commander:
        person_handle(request.commander, "--commander ")  # refused before anything is written
    if request.service:
        _check_service(ctx, request.service)
    when = ctx.moment(request.at)
    at = when.at
    if request.alert_payload is not None:
        delivery = _parse(ctx, request)
        if delivery.test_notification:  # a sender's test button: ignored, or a drill that says so
            request = _test_notification(ctx, delivery, request)
        operation = lambda store: _from_alert(ctx, store, request, delivery, severity, at)  # noqa: E731
    else:
        if not request.title or not request.title.strip():
            raise InputError("a manual incident needs --title 'what is broken'")
        operation = lambda store: _manual(ctx, store, request, severity, at)  # noqa: E731
    outcome = record(ctx, operation, push=push)
    _report(ctx, outcome, fmt, when)
    return 0


def _check_service(ctx: Context, typed: str) -> None:
    """A service the config does not know splits the stats: say so, with the closest name."""
    services = ctx.config.services
    name = ctx.config.canonical_service(safe_text(typed, 100))
    if not services or name in services:
        return
    from difflib import get_close_matches

    spellings = {s.lower(): s for s in services} | {
        a.lower(): service.name for service in services.values() for a in service.aliases
    }
    close = get_close_matches((name or "").lower(), list(spellings), n=1, cutoff=0.6)
    hint = (
        f"; did you mean {spellings[close[0]]}? (`--service {spellings[close[0]]}`)"
        if close
        else f"; known: {', '.join(sorted(services)[:8])}"
    )
    warn(
        f"service {name!r} is not in incidents/config.yaml{hint}; recorded as typed "
        "(add it under `services:` if it is new)"
    )


def _parse(ctx: Context, request: DeclareRequest) -> Delivery:
    from incident_kit.alerts import parse_delivery
    from incident_kit.alerts.model import ParseOptions

    assert request.alert_payload is not None
    raw = read_payload(request.alert_payload, ctx.config.max_payload_bytes)
    return parse_delivery(
        raw,
        options=ParseOptions(
            received_at=ctx.now,
            severity_maps=ctx.config.severity_maps,
            insufficient_data_as_alert=ctx.config.insufficient_data_as_alert,
            scale=ctx.config.severity_scale,
        ),
        format_name=request.alert_format,
        max_bytes=ctx.config.max_payload_bytes,
        max_depth=ctx.config.max_depth,
    )


def _test_notification(ctx: Context, delivery: Delivery, request: DeclareRequest) -> DeclareRequest:
    from incident_kit.alerts.model import NotAnAlert

    if ctx.config.test_notifications == "ignore":
        raise NotAnAlert(
            f"{delivery.test_notification}: ignored (alerts.test_notifications: ignore); nothing declared"
        )
    return request._replace(drill=True)


def _report(ctx: Context, outcome: Outcome, fmt: str, when: clock.When) -> None:
    result = dict(outcome.change.result)
    result["commit"] = outcome.commit
    for line in result.pop("warnings", ()):
        warn(line)
    if fmt == "json":
        emit_json(result)
        return
    if result.get("id") is None:
        print(result.get("message", "nothing to declare"))
    elif result.get("created"):
        print(
            f"Declared {result['id']} ({result['severity']}, commander: "
            f"{result['commander'] or 'unassigned'}) in {result['path']} at {ctx.echo(when)}"
        )
        if result.get("note"):
            print(result["note"])
    else:
        message = result.get("message") or f"Updated {result['id']}"
        print(f"{message} at {ctx.echo(when)}")


# --- new incidents -------------------------------------------------------------------------


def _manual(
    ctx: Context, store: Store, request: DeclareRequest, severity: str | None, at: datetime
) -> Change:
    title = safe_text(request.title, 200)
    service = ctx.config.canonical_service(safe_text(request.service, 100) if request.service else None)
    summary = (
        human_text(request.summary) if request.summary else "<!-- What is broken, for whom, since when. -->"
    )
    return _new(
        ctx,
        store,
        title=title,
        severity=severity or ctx.config.default_severity,
        service=service,
        source="manual",
        commander=request.commander,
        at=at,
        detected_at=at,
        drill=request.drill,
        summary=summary,
        declared_what=f"Declared by hand{' as a drill' if request.drill else ''}",
        alert=None,
        links=(),
        tracking_issue=request.tracking_issue,
    )


def _new(
    ctx: Context,
    store: Store,
    *,
    title: str,
    severity: str,
    service: str | None,
    source: str,
    commander: str | None,
    at: datetime,
    detected_at: datetime,
    drill: bool,
    summary: str,
    declared_what: str,
    alert: dict[str, Any] | None,
    links: tuple[dict[str, str], ...],
    first_entry: tuple[datetime, str, str] | None = None,
    alerts_block: Sequence[str] = (),
    warnings: list[str] | None = None,
    tracking_issue: int | None = None,
) -> Change:
    dedup_key = alert.get("dedup_key") if alert else None
    incident_id = ids.new_id(at, store.ids(ids.month_folder(at)), dedup_key=dedup_key)
    commander = person_handle(commander) if commander else None
    commander = commander or oncall.commander_for(ctx.config, service, at)
    folder = f"incidents/{ids.month_folder(at)}/{ids.folder_name(incident_id, title)}"
    who = ctx.actor.name
    entries = [first_entry] if first_entry else []
    assigned = f"commander: {commander}" if commander else "no commander assigned yet (incident assign)"
    entries.append((at, f"{declared_what}, {severity}; {assigned}{_config_note(ctx)}", who))
    if warnings:
        entries.append((at, "Note: " + md_inline("; ".join(warnings), 400), "incident-kit"))
    text = render(
        NewIncident(
            id=incident_id,
            title=title or incident_id,
            severity=severity,
            kind="drill" if drill else "incident",
            service=service,
            source=source,
            commander=commander,
            declared_at=at,
            detected_at=min(detected_at, at),
            impact_started_at=None,
            summary=summary,
            timeline=entries,
            alert=alert,
            links=links,
            alerts_block=alerts_block,
            severities=ctx.config.severity_scale.levels,
        )
    )
    if tracking_issue is not None:
        from incident_kit.markdown import frontmatter

        text = frontmatter.split(text, folder).with_values({"tracking_issue": tracking_issue}).text()
    result: dict[str, Any] = {
        "outcome": CREATED,
        "id": incident_id,
        "path": folder,
        "status": "triage",
        "severity": severity,
        "commander": commander,
        "created": True,
        "deduplicated": False,
        "declared_at": at,
    }
    if warnings:
        result["warnings"] = warnings
    if tracking_issue is not None:
        result["tracking_issue"] = tracking_issue
    return Change(
        incident_id=incident_id,
        subject=f"declare {severity} {title}"[:120],
        writes={f"{folder}/{INCIDENT_FILE}": text},
        trailers={"Action": "declare", "Transition": "none -> triage", "Severity": severity},
        result=result,
    )


def _config_note(ctx: Context) -> str:
    """Said on the declaration when the config was broken: the commander and severity it picked
    came from defaults for the broken part."""
    if not ctx.config_problems:
        return ""
    source, _, rest = ctx.config_problems[0].partition(":")
    line, _, rest = rest.partition(":")
    key = rest.split(":", 1)[0].strip() if line.isdigit() else ""
    where = f"line {line}, {key}" if key else "it does not parse"
    return f"; {source} has an error ({md_inline(where, 120)}), so defaults were used for that part"


# --- alerts --------------------------------------------------------------------------------


def _open_match(store: Store, dedup_key: str) -> tuple[IncidentFile, str | None] | None:
    """The open incident this alert joins, and the merged incident it was found through.

    Its own incident, newest first if (by hand) there are several; or, when that incident was
    merged as a duplicate, the surviving one while it is open — merged means merged.

    An incident declared from an alert has one of its dedup key's codes in its id
    (`ids.alert_codes`), so the candidates come from the folder names alone, and each is then
    checked for real: a status or key edited by hand counts at once. A candidate whose file is
    unchanged since it was last checked costs one `stat` (`summaries.alert_homes`), so the
    closed incidents of a long-lived alert are not read again at every delivery.
    """
    from incident_kit.summaries.alert_homes import Verdicts, candidates

    verdicts = Verdicts(store)  # what unchanged candidates said last time: a closed one costs a stat
    try:
        for month, name in candidates(store, dedup_key):
            folder = store.incidents / month / name
            verdict = verdicts.of(folder)
            if verdict is None or verdict[0] != dedup_key:
                continue
            status = verdict[1]
            try:
                if status == "merged":
                    merged = store.read(folder, summary_only=True)
                    survivor = _survivor(store, merged)
                    if survivor is not None:
                        return survivor, merged.id
                    continue
                if status not in OPEN_STATUSES:
                    continue
                incident = store.read(folder)
            except FileFormatError:
                continue  # a broken file is not the alert's home; validate reports it
            if _key_of(incident.data) == dedup_key and incident.data.get("status") in OPEN_STATUSES:
                return incident, None
    finally:
        verdicts.save()
    return None


MAX_MERGE_HOPS = 10  # A merged into B merged into C…: a loop typed by hand ends here


def _survivor(store: Store, merged: IncidentFile) -> IncidentFile | None:
    """Where a merged incident's alerts go: the incident it was merged into (following a chain
    of merges), while that one is open."""
    current = merged
    for _ in range(MAX_MERGE_HOPS):
        into = current.data.get("merged_into")
        if not into:
            return None
        try:
            current = store.read(store.resolve(str(into)), summary_only=True)
        except (NotFoundError, FileFormatError):
            return None
        status = current.data.get("status")
        if status in OPEN_STATUSES:
            try:
                return store.read(current.folder)
            except FileFormatError:
                return None
        if status != "merged":
            return None
    return None


def _key_of(data: Mapping[str, Any]) -> Any:
    """The dedup key, from full frontmatter or the line scanner's flat fields (`alert.dedup_key`)."""
    alert = data.get("alert")
    return alert.get("dedup_key") if isinstance(alert, Mapping) else data.get("alert.dedup_key")


def _from_alert(
    ctx: Context,
    store: Store,
    request: DeclareRequest,
    delivery: Delivery,
    severity: str | None,
    at: datetime,
) -> Change:
    match = _open_match(store, delivery.dedup_key)
    if match is not None:
        home, merged_from = match
        return _join(ctx, home, delivery, at, asked_severity=severity, merged_from=merged_from)
    service = ctx.config.canonical_service(
        safe_text(request.service, 100) if request.service else delivery.service
    )
    # alerts.grouping / alerts.storm: a related alert joins its group's incident (tests never do)
    routed = None
    if (ctx.config.grouping or ctx.config.storm.threshold) and not delivery.test_notification:
        from incident_kit import alert_routing  # only then: the plain path stays as fast as before

        routed = alert_routing.route(ctx.config, store, delivery, service, at)
    if routed is not None and routed.join is not None:
        return _join(ctx, routed.join, delivery, at, asked_severity=severity)
    if delivery.status == "resolved":
        message = f"resolved alert {delivery.dedup_key!r} has no open incident; nothing declared"
        return Change(incident_id=None, subject="", writes={}, result=no_incident(IGNORED, message))
    chosen = severity_rules.choose(
        ctx.config, severity, delivery.severity, delivery.value, delivery.threshold
    )
    started = delivery.started_at or at
    group = routed.new_group(delivery) if routed is not None else None
    listed = None
    if group or delivery.lists_alerts:
        from incident_kit import alert_list

        listed = alert_list.merge(None, delivery, at)
    warnings: list[str] = []
    if at - started > STALE_DETECTION:
        # a years-old Sentry issue or a long-silenced alert: its first-seen time is not when
        # anyone could act, and it would make the time to acknowledge years long
        warnings.append(
            f"the alert says it started {started:%Y-%m-%dT%H:%M:%SZ}, {(at - started).days} days ago; "
            "detection is taken as the declaration time (the alert's start is kept as alert.started_at)"
        )
    alert: dict[str, Any] = {
        "format": delivery.format,
        "source": delivery.source,
        "dedup_key": group.key if group else delivery.dedup_key,
        "metric": delivery.metric,
        "value": _number(delivery.value),
        "threshold": _number(delivery.threshold),
        "status": delivery.status,
        "alerts": listed.total if listed else len(delivery.alerts),
        "occurrences": 1,
        "first_seen": at,
        "last_seen": at,
        **({"grouped_by": group.why} if group else {}),
    }
    if warnings:
        alert["started_at"] = started
        started = at
    links = tuple(
        {"title": safe_text(link.title, 100), "url": url}  # plain here; the body escapes it
        for link in delivery.links[:10]
        if (url := safe_url(link.url))
    )
    first = (
        (started, f"Alert fired: {md_inline(delivery.title, 200)}", delivery.source) if started < at else None
    )
    change = _new(
        ctx,
        store,
        title=group.title if group else delivery.title,
        severity=chosen,
        service=service,
        source=delivery.source,
        commander=request.commander,
        at=at,
        detected_at=started,
        drill=request.drill,
        summary=(f"{group.preamble}\n\n" if group else "") + _alert_summary(delivery, service, listed),
        declared_what=f"Declared from {delivery.format} alert"
        + (f" ({group.why})" if group else "")
        + (f" as a drill: {delivery.test_notification}" if delivery.test_notification else ""),
        alert=alert,
        links=links,
        first_entry=first,
        alerts_block=listed.frontmatter_block() if listed else (),
        warnings=warnings,
    )
    if delivery.test_notification:  # declared as a drill (alerts.test_notifications: drill)
        note = f"{delivery.test_notification}: declared as a drill (alerts.test_notifications: drill)"
        change = change._replace(result={**change.result, "note": note})
    return change


def _number(value: float | None) -> float | int | None:
    """350.0 reads better as 350 in a file people edit."""
    if value is not None and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _alert_summary(delivery: Delivery, service: str | None, listed: Listed | None) -> str:
    where = f" on {md_inline(service, 100)}" if service else ""
    measure = ""
    if delivery.metric and delivery.value is not None:
        measure = f": {md_inline(delivery.metric, 100)} is {delivery.value:g}"
        if delivery.threshold is not None:
            measure += f" against a threshold of {delivery.threshold:g}"
    lines = [f"Alert from {md_inline(delivery.source, 100)}{where}{measure}."]
    if delivery.truncated_alerts:
        lines += ["", f"The sender left out {delivery.truncated_alerts} more alert(s) from this group."]
    if listed is not None:
        lines += ["", *listed.summary_block()]
    return "\n".join(lines)


def _join(
    ctx: Context,
    incident: IncidentFile,
    delivery: Delivery,
    at: datetime,
    *,
    asked_severity: str | None = None,
    merged_from: str | None = None,
) -> Change:
    """A re-delivery or the resolution of an alert whose incident is still open — its own, or
    (`merged_from`) the one its incident was merged into.

    A `--severity` asked for does not change the joined incident's (that is `incident severity`,
    its own audited change), but the reply says so rather than drop it silently."""
    from incident_kit import alert_list

    alert = incident.data.get("alert")
    alert = alert if isinstance(alert, Mapping) else {}
    counted = alert.get("occurrences")
    occurrences = counted if isinstance(counted, int) and not isinstance(counted, bool) else 1
    document = incident.document
    status = str(incident.data.get("status"))
    trailers = {"Action": "alert", "Dedup-Key": delivery.dedup_key}
    whose = f"Alert of merged {merged_from}" if merged_from else "Alert"
    if merged_from:
        trailers["Merged-From"] = merged_from
    # an incident listing several alerts resolves when its last firing one does (a merged
    # duplicate's alerts are told in the timeline only: the survivor's list is its own)
    listed = alert_list.read(incident.data) if not merged_from else None
    if listed is not None or (delivery.lists_alerts and not merged_from):
        listed = alert_list.merge(listed, delivery, at)
        document = alert_list.written(document, listed)
    resolves = delivery.status == "resolved" if listed is None else listed.resolves
    change = f" ({listed.change})" if listed is not None else ""
    # a new alert joining a grouped or storm incident (not a re-delivery of one it lists)
    related = delivery.dedup_key != alert.get("dedup_key") and listed is not None and listed.added > 0
    if delivery.status == "firing":
        occurrences += 1
        what = f"{whose} fired again (occurrence {occurrences}): {md_inline(delivery.title, 200)}{change}"
        subject = f"alert fired again (occurrence {occurrences})"
        message = f"Alert joined {incident.id} (occurrence {occurrences})"
        if related:
            what = f"Related alert fired: {md_inline(delivery.title, 200)}{change}"
            subject = "related alert fired"
            message = f"Alert joined {incident.id} as a related alert (occurrence {occurrences})"
    else:
        what = f"{whose} resolved at the source: {md_inline(delivery.title, 200)}{change}"
        subject = "alert resolved at the source"
        message = f"Resolved alert recorded on {incident.id}"
    # the survivor's own alert may still fire: a duplicate's resolution mitigates nothing
    if (
        resolves
        and not merged_from
        and ctx.config.resolved_marks_mitigated
        and status in TRANSITIONS["mitigate"].sources
    ):
        from incident_kit import lifecycle

        updates = lifecycle.stamps(TRANSITIONS["mitigate"], incident.data, at)
        document = document.with_values(updates)
        trailers["Transition"] = f"{status} -> mitigated"
        what += "; marked mitigated"
        subject += ", mitigated"
        status = "mitigated"
    if merged_from:
        subject = subject.replace("alert", f"alert of merged {merged_from}", 1)
        message += f", through {merged_from} (merged into it)"
    current = incident.data.get("severity")
    if asked_severity and asked_severity != current:
        message += (
            f"; --severity {asked_severity} not applied, it stays {current} "
            f"(`incident severity {incident.id} {asked_severity}` changes it)"
        )
    if alert.get("dedup_key"):  # a survivor declared by hand has no alert block to count in
        if delivery.status == "firing":
            document = document.with_value(["alert", "occurrences"], occurrences)
        if not merged_from:  # the survivor's own alert's state is its own
            still = ("firing" if listed.firing else "resolved") if listed is not None else delivery.status
            document = document.with_value(["alert", "status"], still)
        document = document.with_value(["alert", "last_seen"], at)
    # a resolution is dated when the source says it ended (never later than now)
    when = delivery.ended_at if delivery.status == "resolved" and delivery.ended_at else at
    when = min(when, at)
    document = timeline.record(document, when, what, delivery.source, incident.source)
    result: dict[str, Any] = {
        "outcome": JOINED if delivery.status == "firing" else RESOLVED,
        "id": incident.id,
        "path": incident.rel,
        "status": status,
        "severity": incident.data.get("severity"),
        "commander": incident.data.get("commander"),
        "created": False,
        "deduplicated": True,
        "occurrences": occurrences if alert.get("dedup_key") else None,
        "message": message,
        "declared_at": as_datetime(incident.data.get("declared_at")),
    }
    if merged_from:
        result["merged_from"] = merged_from
    return Change(
        incident_id=incident.id,
        subject=subject,
        writes={f"{incident.rel}/{INCIDENT_FILE}": document.text()},
        trailers=trailers,
        result=result,
    )
