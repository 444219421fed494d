"""Edits of one incident file as pure text-in, text-out steps (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from incident_kit import frontmatter, timeline
from incident_kit.frontmatter import Document
from incident_kit.sanitize import safe_text


def human_text(text: str, max_len: int = 1000) -> str:
    """A person's note for the timeline: one inert line; no raw HTML, pings or commands."""
    return safe_text(text, max_len).replace("<", "&lt;").replace(">", "&gt;")


def set_fields(document: Document, updates: Mapping[str, Any]) -> Document:
    text = document.frontmatter
    for key, value in updates.items():
        text = frontmatter.set_value(text, [key], value)
    return document.with_frontmatter(text)


def set_nested(document: Document, path: Sequence[str], value: Any) -> Document:
    return document.with_frontmatter(frontmatter.set_value(document.frontmatter, path, value))


def add_entry(document: Document, at: datetime, what: str, who: str, source: str) -> Document:
    return document.with_body(timeline.add_entry(document.body, at, what, who, source))
