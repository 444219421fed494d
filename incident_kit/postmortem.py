"""The blameless post-mortem: a template prefilled from the incident, and its completeness.

A section counts as written once it holds something besides the template's HTML-comment
prompts (which GitHub does not render) and blank lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from incident_kit.markdown import sections
from incident_kit.markdown.frontmatter import format_timestamp, render_scalar
from incident_kit.timeline import Entry

# The template, one section after another: its title and the prompt a writer sees (an HTML
# comment, which GitHub does not render). `{commander}` and `{due}` are filled in.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("Summary", "<!-- Two or three sentences: what happened, who was affected, how it ended. -->"),
    ("Impact", "<!-- Users, requests or revenue affected; SLOs and error budget consumed. -->"),
    ("Timeline", ""),
    (
        "Root cause",
        "<!-- Five whys: ask why until you reach a cause you can act on.\n"
        "1. Why did the service fail?\n2. Why ...?\n3. Why ...?\n4. Why ...?\n5. Why ...? -->",
    ),
    ("Trigger", "<!-- The change or event that set it off (a deploy, a traffic spike, a config push). -->"),
    ("Detection", "<!-- Could we have detected it sooner? -->"),
    ("Resolution", "<!-- What fixed it, and how we verified the fix. -->"),
    ("Contributing factors", "<!-- Conditions that made it possible or worse. -->"),
    ("What went well", "<!-- -->"),
    ("What went wrong", "<!-- -->"),
    ("Where we got lucky", "<!-- -->"),
    (
        "Action items",
        "<!-- One task per line; sync opens a GitHub issue for each and adds its reference:\n"
        "- [ ] AI-1: Add a circuit breaker to the client — owner: @{commander} — due: {due} — type: prevent\n"
        "     type is one of prevent / mitigate / detect / process. -->",
    ),
    ("Lessons learned", "<!-- -->"),
)

PHASES = (
    ("Impact before detection", "impact_started_at", "detected_at"),
    ("Detection to acknowledgement", "detected_at", "acknowledged_at"),
    ("Investigation to mitigation", "acknowledged_at", "mitigated_at"),
    ("Mitigation to resolution", "mitigated_at", "resolved_at"),
)


def duration_text(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def phase_diagram(times: Mapping[str, datetime | None], title: str = "Incident phases (UTC)") -> str:
    """A Mermaid gantt chart of the response phases that have both ends."""
    rows = []
    for label, start_key, end_key in PHASES:
        start, end = times.get(start_key), times.get(end_key)
        if start is None or end is None or end <= start:
            continue
        rows.append(f"    {label} :{_ts(start)}, {_ts(end)}")
    lines = [
        "```mermaid",
        "gantt",
        f"    title {title}",
        "    dateFormat YYYY-MM-DD HH:mm:ss",
        "    axisFormat %H:%M",
        "    section Response",
    ]
    if not rows:
        declared = times.get("declared_at") or times.get("detected_at")
        if declared is not None:
            rows.append(f"    Declared :milestone, {_ts(declared)}, 0s")
    lines += rows
    lines.append("```")
    return "\n".join(lines)


def _ts(value: datetime) -> str:
    return format_timestamp(value).replace("T", " ").removesuffix("Z")


def render(
    fields: Mapping[str, Any],
    times: Mapping[str, datetime | None],
    entries: Sequence[Entry],
    *,
    author: str,
    now: datetime,
) -> str:
    """The post-mortem for an incident whose frontmatter values are `fields`."""
    incident_id = str(fields.get("id"))
    title = str(fields.get("title") or incident_id)
    severity = str(fields.get("severity") or "")
    service = fields.get("service") or "unknown"
    commander = fields.get("commander") or "unassigned"
    start = times.get("impact_started_at") or times.get("detected_at") or times.get("declared_at")
    end = times.get("resolved_at")
    duration = duration_text((end - start).total_seconds()) if start and end else "unknown"
    detected = times.get("detected_at")
    acknowledged = times.get("acknowledged_at")
    tta = duration_text((acknowledged - detected).total_seconds()) if detected and acknowledged else "unknown"
    due = (now + timedelta(days=14)).date().isoformat()
    timeline_lines = [entry.raw for entry in entries] or ["<!-- no timeline entries -->"]
    source = fields.get("source") or "a person"
    facts = {
        "Impact": [
            f"- {fact}: {value}"
            for fact, value in zip(IMPACT_FACTS, (severity, service, duration, commander), strict=True)
        ],
        "Timeline": [phase_diagram(times), "", *timeline_lines],
        "Detection": [
            f"- Detected by: {source}",
            f"- Detected at: {format_timestamp(detected) if detected else 'unknown'}",
            f"- Time to acknowledge: {tta}",
        ],
    }
    lines = [
        "---",
        f"incident: {incident_id}",
        f"title: {render_scalar(title)}",
        f"severity: {severity}",
        f"authors: [{render_scalar(author)}]",
        f"created_at: {format_timestamp(now)}",
        "---",
        "",
        f"# Post-mortem: {title}",
        "",
        "> Blameless: we describe what happened and why it made sense to the people involved",
        "> at the time. We look for causes in systems and processes, not for someone to blame.",
        "",
    ]
    for section, prompt in SECTIONS:
        lines += [f"## {section}", "", *facts.get(section, [])]
        if prompt:
            lines += prompt.replace("{commander}", str(commander)).replace("{due}", due).split("\n")
        lines.append("")
    return "\n".join(lines)


# the facts the template fills into Impact: the impact itself is still for a person to write
IMPACT_FACTS = ("Severity", "Service", "Duration (impact start to resolution)", "Incident Commander")
_IMPACT_FACT_LINE = re.compile(
    r"^- (?:" + "|".join(re.escape(fact) for fact in IMPACT_FACTS) + r"): .*$", re.M
)


class Unwritten(NamedTuple):
    """A required section that is not written yet: where, and why it does not count."""

    title: str
    line: int  # 1-based: the placeholder's line, else the heading's (1 when the section is absent)
    message: str


# what people type for "later": a section holding only these (one per line, as a list item,
# in bold…) is not written. Lower-case, without trailing punctuation.
PLACEHOLDERS = frozenset(
    {
        "tbd", "tba", "tbc", "todo", "to do", "fixme", "xxx", "wip", "n/a", "na", "placeholder",
        "pending", "later", "coming soon", "to be determined", "to be written", "to be done",
        "to be confirmed", "fill in", "fill me in", "write me",
    }
)  # fmt: skip
_PLACEHOLDER_START = re.compile(r"^(?:todo|tbd|fixme|xxx)[ \t]*(?:[:(]|$)")  # "TODO: write this"
_LINE_MARKERS = re.compile(r"^(?:[-*+>][ \t]+|\d{1,3}[.)][ \t]+|\[[ xX]\][ \t]*)+")
_WRAPPERS = "*_`~ \t"


def placeholder(line: str) -> bool:
    """Is this line only a stand-in for text still to come (`TBD`, `- TODO`, `?`, `**n/a**`, `…`)?"""
    text = _LINE_MARKERS.sub("", line.strip() + " ").strip(_WRAPPERS).lower()
    if not any(ch.isalnum() for ch in text):
        return True  # "-", "?", "…", "---", "**"
    text = text.rstrip(".:!;,… ")
    if text in PLACEHOLDERS:
        return True
    return _PLACEHOLDER_START.match(text) is not None


def unwritten_sections(text: str, required: Sequence[str], source: str) -> list[Unwritten]:
    """Required sections that are absent, still only the template's prompts (and, in Impact,
    the facts the template filled in), or only placeholders such as `TBD`."""
    lines = text.split("\n")
    found = []
    all_headings = sections.headings(lines)
    for title in required:
        section = sections.find_section(lines, title, source, found=all_headings)
        if section is None:
            found.append(Unwritten(title, 1, f"section '## {title}' is missing; add it and fill in {title}"))
            continue
        written = _written_lines(lines, section.heading + 1, section.end, title)
        if not written:
            found.append(
                Unwritten(
                    title, section.heading + 1, f"fill in {title}: it holds only the template's prompts"
                )
            )
        elif all(placeholder(line) for _, line in written):
            number, first = written[0]
            shown = first.strip()[:40]
            found.append(Unwritten(title, number, f"fill in {title}: {shown!r} is a placeholder, not text"))
    return found


def _written_lines(lines: list[str], start: int, end: int, title: str) -> list[tuple[int, str]]:
    """(1-based line number, text) of the non-blank lines a person wrote in a section: the
    template's comments, its Mermaid chart and the facts it filled into Impact left out."""
    content = "\n".join(lines[start:end])
    content = without_spans(content, "<!--", "-->", keep_lines=True)
    if title == "Timeline":
        content = without_spans(content, "```mermaid", "```", keep_lines=True)
    elif title == "Impact":
        content = _IMPACT_FACT_LINE.sub("", content)
    return [(start + 1 + index, line) for index, line in enumerate(content.split("\n")) if line.strip()]


def missing_sections(text: str, required: Sequence[str], source: str) -> list[str]:
    """The titles of the required sections that are not written (see `unwritten_sections`)."""
    return [item.title for item in unwritten_sections(text, required, source)]


def without_spans(text: str, opening: str, closing: str, *, keep_lines: bool = False) -> str:
    """`text` without each `opening … closing` span (HTML comments, Mermaid blocks), each
    replaced by its newlines when `keep_lines` (so every other line keeps its number); an
    unclosed opening keeps the rest. What `re.sub(r"<!--.*?-->", "", text, flags=re.S)` does,
    in linear time: that pattern rescans to the end from every unclosed `<!--` (40 KB of
    them took seconds)."""
    out: list[str] = []
    position = 0
    while True:
        start = text.find(opening, position)
        end = text.find(closing, start + len(opening)) if start >= 0 else -1
        if end < 0:
            out.append(text[position:])
            return "".join(out)
        out.append(text[position:start])
        if keep_lines:
            out.append("\n" * text.count("\n", start, end))
        position = end + len(closing)
