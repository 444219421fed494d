"""The rules `incident validate` checks, over one file's text at a time (no I/O).

Each rule reports `Problem`s with the file and line, so the CLI can print them as text,
JSON or GitHub workflow annotations.
"""

# No `from __future__ import annotations` here: typing.NamedTuple compiles every string
# annotation into a ForwardRef when the class is made, which `close` would pay for.

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from itertools import pairwise
from typing import Any, NamedTuple

from incident_kit import action_items, lifecycle, postmortem, timeline
from incident_kit.errors import FileFormatError
from incident_kit.ids import alert_codes, code_of, day_of, id_from_folder
from incident_kit.markdown import frontmatter
from incident_kit.markdown.frontmatter import as_datetime
from incident_kit.vocabulary import OPEN_STATUSES, SEVERITIES

ERROR = "error"
WARNING = "warning"

# status -> lifecycle fields that must be set, and fields that must still be empty
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "investigating": ("acknowledged_at",),
    "mitigated": ("mitigated_at",),
    "resolved": ("mitigated_at", "resolved_at"),
    "postmortem": ("resolved_at", "postmortem_at"),
    "closed": ("resolved_at", "closed_at"),
    "cancelled": ("closed_at", "cancel_reason"),
    "merged": ("closed_at", "merged_into"),
}
EMPTY_FIELDS: dict[str, tuple[str, ...]] = {
    "triage": ("mitigated_at", "resolved_at", "postmortem_at", "closed_at"),
    "investigating": ("mitigated_at", "resolved_at", "postmortem_at", "closed_at"),
    "mitigated": ("resolved_at", "postmortem_at", "closed_at"),
    "resolved": ("postmortem_at", "closed_at"),
    "postmortem": ("closed_at",),
}


# NamedTuples, not dataclasses: `close` builds these for its post-mortem gate, and a frozen
# dataclass costs ~1 ms to create on Python 3.11 (plus importing `dataclasses`)
class Problem(NamedTuple):
    path: str
    line: int
    message: str
    level: str = ERROR
    rule: str = "incident"


class Checked(NamedTuple):
    """What one incident.md check learned, for the repository-wide rules."""

    incident_id: str | None
    status: str | None
    severity: str | None
    problems: list[Problem]
    service: str | None = None


@cache
def schema(severities: tuple[str, ...] = SEVERITIES) -> dict[str, Any]:
    """The shipped schema, with the team's severity levels in place of the default scale's."""
    from importlib import resources  # ~9 ms (tempfile, random) that `close`'s post-mortem gate spares

    text = resources.files("incident_kit").joinpath("data/incident.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    loaded["properties"]["severity"]["enum"] = list(severities)
    return loaded


_ZERO = timedelta(0)
_AS_IS = frozenset([str, int, float, bool])  # exactly these types: carried as they are


def _plain(value: Any) -> Any:
    """Frontmatter data as JSON would carry it (timestamps as their text form)."""
    if value is None or type(value) in _AS_IS:
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%dT%H:%M:%S")  # fails the schema: no time zone
        if value.year >= 1000 and value.utcoffset() == _ZERO:  # `format_timestamp`'s answer, sooner
            return (
                f"{value.year}-{value.month:02d}-{value.day:02d}"
                f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"
            )
        return frontmatter.format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


_CONFLICT_START = re.compile(r"^<{7}(?: |$)", re.M)
_CONFLICT_END = re.compile(r"^>{7}(?: |$)", re.M)


def conflict_markers(rel: str, text: str) -> list[Problem]:
    """`<<<<<<<` … `>>>>>>>` left by a merge (a lone `=======` is a Markdown heading underline)."""
    start = _CONFLICT_START.search(text)
    if start is None or _CONFLICT_END.search(text, start.end()) is None:
        return []
    line = text.count("\n", 0, start.start()) + 1
    return [Problem(rel, line, "unresolved git merge conflict markers (<<<<<<< … >>>>>>>)", rule="conflict")]


MAX_LINE = 20_000  # characters: a long paragraph is a few thousand


def long_lines(rel: str, text: str) -> list[Problem]:
    """The first line longer than `MAX_LINE`: no person writes one, and every later command
    would scan it (linearly, but a 2 MB line still costs each of them)."""
    if len(text) <= MAX_LINE:
        return []
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > MAX_LINE:
            message = f"line is {len(line):,} characters long; keep lines under {MAX_LINE:,}"
            return [Problem(rel, number, message, rule="line-length")]
    return []


def check_incident(
    rel: str, folder_name: str, text: str, severities: tuple[str, ...] = SEVERITIES, *, many: bool = False
) -> Checked:
    """Every per-file rule for one incident.md (`rel` is its repository path), against the
    team's severity scale. `many`: one of many files checked in a row (a whole repository),
    worth the schema's compiled accept path (`fast_schema_check`, ≈ 30 ms to build once)."""
    markers = conflict_markers(rel, text) + long_lines(rel, text)
    if markers:  # whatever else looks wrong follows from them (and is not worth scanning for)
        return Checked(None, None, None, markers)
    try:
        document = frontmatter.split(text, rel)
        data = load_frontmatter(document.frontmatter, rel)
    except FileFormatError as error:
        return Checked(None, None, None, [problem_from_message(rel, error.message, "format")])
    problems: list[Problem] = []
    fm_text = document.frontmatter

    def line_of(key: str) -> int:
        return frontmatter.key_line(fm_text, key) or 1

    problems += _schema_problems(rel, data, line_of, severities, many=many)
    incident_id = data.get("id") if isinstance(data.get("id"), str) else None
    folder_id = id_from_folder(folder_name)
    if incident_id and folder_id and incident_id != folder_id:
        problems.append(
            Problem(
                rel, line_of("id"), f"id {incident_id} does not match its folder {folder_name}", rule="id"
            )
        )
    status = data.get("status") if isinstance(data.get("status"), str) else None
    if status:
        problems += _lifecycle_problems(rel, data, status, line_of)
    problems += _dedup_problems(rel, data, status, folder_id, line_of)
    body_offset = fm_text.count("\n") + 2  # the two fence lines
    problems += _timeline_problems(rel, document.body, body_offset)
    severity = data.get("severity") if isinstance(data.get("severity"), str) else None
    service = data.get("service") if isinstance(data.get("service"), str) else None
    return Checked(incident_id, status, severity, problems, service)


def _dedup_problems(
    rel: str, data: Mapping[str, Any], status: str | None, folder_id: str | None, line_of: Any
) -> list[Problem]:
    """An open incident is found by its alerts through its id (`ids.alert_codes`): a dedup key
    edited or added by hand that the id does not carry would silently stop the joining."""
    alert = data.get("alert")
    key = alert.get("dedup_key") if isinstance(alert, Mapping) else None
    if not isinstance(key, str) or not folder_id or status not in OPEN_STATUSES:
        return []
    if code_of(folder_id) in alert_codes(key, day_of(folder_id)):
        return []
    message = (
        "alert.dedup_key is not the key this incident was declared for (its id does not carry it): "
        "a new alert with this key would declare another incident instead of joining this one"
    )
    return [Problem(rel, line_of("alert"), message, rule="dedup")]


def problem_from_message(rel: str, message: str, rule: str = "format") -> Problem:
    """An error message of the form `path:line: text` as a Problem."""
    rest = message.removeprefix(rel)
    line = 1
    if rest.startswith(":"):
        head, _, tail = rest[1:].partition(":")
        if head.isdigit():
            line, rest = int(head), tail
        else:
            rest = rest[1:]
    return Problem(rel, line, rest.strip(), rule=rule)


@cache
def _validator(severities: tuple[str, ...]) -> Any:
    """The schema's validator, built once, with its local `$ref`s inlined: resolving a
    reference costs more than the check it leads to (half the time of a whole-repository
    validate). The errors are the same: the same subschemas, reached by the same paths."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(inline_refs(schema(severities)))


def inline_refs(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with every `{"$ref": "#/$defs/name"}` (a reference alone) replaced by the
    definition it names."""
    definitions = document.get("$defs", {})

    def inline(node: Any, within: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if len(node) == 1 and isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name in definitions and name not in within:  # a recursive one stays a reference
                    return inline(definitions[name], (*within, name))
            return {key: inline(value, within) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value, within) for value in node]
        return node

    inlined: dict[str, Any] = inline(document, ())
    return inlined


def load_frontmatter(fm_text: str, rel: str) -> dict[str, Any]:
    """The frontmatter's data: read by the line scanner when it has the tool's own shape (the
    same answer, ≈ 50 × faster), else by YAML (`frontmatter.load`, which refuses unsafe YAML
    first)."""
    from incident_kit.markdown import frontmatter_scan

    scanned = frontmatter_scan.load(fm_text)  # it reads no anchor, tag or nesting `load` refuses
    return scanned if scanned is not None else frontmatter.load(fm_text, rel)


@cache
def fast_schema_check(severities: tuple[str, ...]) -> Any:
    """A compiled check of the schema (`fastjsonschema`, draft-07: the schema's keywords mean
    the same there once its `$ref`s are inlined) that raises on the first error it finds. Only
    an accept path: when it raises, `jsonschema` explains (the problems reported are always
    jsonschema's). It is stricter than jsonschema where the two differ (its patterns end at
    `\\Z`, not before a final newline), never looser (a property test holds that)."""
    import fastjsonschema

    def strip(node: Any) -> Any:  # a subschema without what does not validate: faster to build
        if isinstance(node, list):
            return [strip(value) for value in node]
        if not isinstance(node, dict):
            return node
        unused = ("description", "title", "$defs", "$id", "$schema")
        kept = {key: strip(value) for key, value in node.items() if key not in unused}
        if isinstance(node.get("properties"), dict):  # names of properties, not keywords
            kept["properties"] = {name: strip(sub) for name, sub in node["properties"].items()}
        return kept

    compiled = strip(inline_refs(schema(severities)))
    compiled["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(compiled, detailed_exceptions=False)


def _schema_problems(
    rel: str,
    data: Mapping[str, Any],
    line_of: Any,
    severities: tuple[str, ...] = SEVERITIES,
    *,
    many: bool = False,
) -> list[Problem]:
    plain = _plain(data)
    if many:
        try:
            fast_schema_check(tuple(severities))(plain)
        except Exception:
            pass
        else:
            return []
    validator = _validator(tuple(severities))
    problems = []
    for error in sorted(validator.iter_errors(plain), key=lambda e: list(map(str, e.path))):
        path = ".".join(str(p) for p in error.absolute_path)
        key = str(error.absolute_path[0]) if error.absolute_path else ""
        message = _schema_message(error)
        where = f"{path}: " if path else ""
        problems.append(Problem(rel, line_of(key) if key else 1, f"{where}{message}", rule="schema"))
    return problems


def _schema_message(error: Any) -> str:
    if error.validator == "oneOf" and error.context:
        # "null or a timestamp" reads better than jsonschema's oneOf dump
        best = [e for e in error.context if e.validator != "type"] or list(error.context)
        return _schema_message(best[0])
    if error.validator == "pattern" and "RFC 3339" in str(error.schema.get("description", "")):
        return f"{error.instance!r} is not an RFC 3339 timestamp with a time zone (e.g. 2026-11-26T15:30:00Z)"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "required":
        return str(error.message).replace("is a required property", "is missing")
    text = str(error.message)
    return text if len(text) <= 200 else text[:199] + "…"


def _lifecycle_problems(rel: str, data: Mapping[str, Any], status: str, line_of: Any) -> list[Problem]:
    problems = []
    for key in REQUIRED_FIELDS.get(status, ()):
        if data.get(key) in (None, ""):
            problems.append(
                Problem(rel, line_of(key), f"status is {status} but {key} is empty", rule="lifecycle")
            )
    for key in EMPTY_FIELDS.get(status, ()):
        if data.get(key) not in (None, ""):
            problems.append(
                Problem(rel, line_of(key), f"status is {status} but {key} is set", rule="lifecycle")
            )
    times = {key: as_datetime(data.get(key)) for key in (*lifecycle.ORDER, "declared_at")}
    order = ("impact_started_at", "detected_at", "declared_at")
    for earlier, later in [*pairwise(order), *pairwise(lifecycle.ORDER)]:
        problems += _order(rel, times, earlier, later, line_of)
    return _unique(problems)


def _order(
    rel: str, times: Mapping[str, datetime | None], earlier: str, later: str, line_of: Any
) -> list[Problem]:
    a, b = times.get(earlier), times.get(later)
    if a is None or b is None or a <= b:
        return []
    return [Problem(rel, line_of(later), f"{later} is before {earlier}", rule="lifecycle")]


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[tuple[int, str]] = set()
    out = []
    for problem in problems:
        if (problem.line, problem.message) not in seen:
            seen.add((problem.line, problem.message))
            out.append(problem)
    return out


def _timeline_problems(rel: str, body: str, offset: int) -> list[Problem]:
    try:
        lines = body.split("\n")
        from incident_kit.markdown import sections

        section = sections.find_section(lines, timeline.SECTION, rel, offset + 1)
    except FileFormatError as error:
        return [problem_from_message(rel, error.message, "timeline")]
    if section is None:
        return [Problem(rel, offset, "no '## Timeline' section", rule="timeline")]
    return [
        Problem(
            rel,
            offset + line,
            "timeline entry needs a UTC timestamp first: '- 2026-11-26T15:30:00Z — what — who'",
            rule="timeline",
        )
        for line in timeline.undated(lines, section)  # the entries `timeline.entries` leaves undated
    ]


def check_postmortem(
    rel: str, incident_id: str, text: str, status: str | None, required: Sequence[str]
) -> list[Problem]:
    """Action-item lines, and completeness once the incident is closed (a warning before).

    The one post-mortem gate: `incident validate` reports these and `incident close` refuses on
    any error among them, judging the post-mortem as if the incident were closed."""
    problems = conflict_markers(rel, text) + long_lines(rel, text)
    try:
        problems += [
            Problem(rel, p.line, p.message, rule="action-items")
            for p in action_items.parse(incident_id, text, rel)[1]
        ]
        unwritten = postmortem.unwritten_sections(text, required, rel) if status in _JUDGED else []
    except FileFormatError as error:  # a section written twice: which one would count?
        return [*problems, problem_from_message(rel, error.message, "postmortem")]
    level = ERROR if status == "closed" else WARNING
    problems += [Problem(rel, item.line, item.message, level=level, rule="postmortem") for item in unwritten]
    return problems


_JUDGED = ("postmortem", "closed")
