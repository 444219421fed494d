"""The declare-incident issue form, read back from the issue GitHub made of it.

GitHub writes a form's answers into the issue body as `### <label>` sections, with
`_No response_` for a field left empty. The form (`data/issue_templates/declare-incident.yml`)
asks for the severity, the service and a summary; the issue's title is the incident's. The
answers are checked against the team's config here, so a bad form is answered with one line
before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from incident_kit.errors import InputError
from incident_kit.severity import Scale

SEVERITY, SERVICE, SUMMARY = "Severity", "Service", "Summary"
LABELS = (SEVERITY, SERVICE, SUMMARY)  # the form's fields, in its order
TITLE_PREFIX = "Incident:"  # the form's default title, left in place by people in a hurry
NO_RESPONSE = "_No response_"
MAX_BODY = 20_000  # characters: the form's fields are short
MAX_TITLE = 200

_HEADING = re.compile(r"^### (.+?)\s*$", re.M)


@dataclass(frozen=True)
class FormDeclare:
    title: str
    severity: str | None  # normalised onto the team's scale; None: the configured default
    service: str | None
    summary: str | None


def is_form(body: str) -> bool:
    """Was this issue opened from the declare-incident form (its sections, in its order)?"""
    found = [label for label in _HEADING.findall(body[:MAX_BODY]) if label in LABELS]
    return found == list(LABELS)


def sections(body: str) -> dict[str, str]:
    """`### Label` → the text under it (empty for `_No response_`)."""
    text = body.replace("\r\n", "\n")
    heads = list(_HEADING.finditer(text))
    found: dict[str, str] = {}
    for index, head in enumerate(heads):
        end = heads[index + 1].start() if index + 1 < len(heads) else len(text)
        value = text[head.end() : end].strip()
        found.setdefault(head.group(1), "" if value == NO_RESPONSE else value)
    return found


def parse(
    title: str, body: str, *, scale: Scale, services: Collection[str], aliases: Mapping[str, str]
) -> FormDeclare:
    """The declare the form asks for; InputError (one line) when an answer cannot be used.

    `services`: the configured service names (none configured: any name is taken);
    `aliases`: other spellings (lower-cased) → the service they mean.
    """
    if len(body) > MAX_BODY:
        raise InputError(f"the issue body is {len(body)} characters; the form's answers fit in {MAX_BODY}")
    answers = sections(body)
    name = " ".join(title.split())
    if name.lower().startswith(TITLE_PREFIX.lower()):
        name = name[len(TITLE_PREFIX) :].strip()
    if not name:
        raise InputError("the issue needs a title saying what is broken (after 'Incident:')")
    if len(name) > MAX_TITLE:
        raise InputError(f"the title is {len(name)} characters; keep it under {MAX_TITLE}")
    typed_severity = " ".join(answers.get(SEVERITY, "").split())
    severity = scale.normalise(typed_severity) if typed_severity else None
    service = _service(" ".join(answers.get(SERVICE, "").split()), services, aliases)
    summary = " ".join(answers.get(SUMMARY, "").split()) or None
    return FormDeclare(name, severity, service, summary)


def _service(typed: str, services: Collection[str], aliases: Mapping[str, str]) -> str | None:
    if not typed:
        return None
    if not services:
        return typed
    by_name = {name.lower(): name for name in services} | dict(aliases)
    found = by_name.get(typed.lower())
    if found is None:
        known = ", ".join(sorted(services)[:8])
        raise InputError(f"service {typed[:60]!r} is not in incidents/config.yaml (known: {known})")
    return found
