"""Typed, total accessors over untrusted JSON, so adapters never meet KeyError or TypeError.

Every reader takes a root value and a path of keys (str) or list indexes (int) and returns
a value of the promised type or a neutral default: a wrong type counts as missing. Text
readers also sanitise, so no adapter can forget to.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from incident_kit.alerts.model import Link
from incident_kit.sanitize import safe_key, safe_text, safe_url

TEXT_LEN = 200  # titles, services, label values
NAME_LEN = 100  # label keys, metric names, sources
MAX_LABELS = 64
MAX_LINKS = 10

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,4})?")

PathItem = str | int


def get(root: object, *path: PathItem) -> Any:
    """The value at `path`, or None when any step is missing or of the wrong kind."""
    node: Any = root
    for step in path:
        if isinstance(step, str) and isinstance(node, Mapping):
            node = node.get(step)
        elif isinstance(step, int) and isinstance(node, list) and -len(node) <= step < len(node):
            node = node[step]
        else:
            return None
    return node


def get_map(root: object, *path: PathItem) -> Mapping[str, Any]:
    value = get(root, *path)
    return value if isinstance(value, Mapping) else {}


def get_list(root: object, *path: PathItem) -> list[Any]:
    value = get(root, *path)
    return value if isinstance(value, list) else []


def get_str(root: object, *path: PathItem) -> str | None:
    """The raw string at `path` (unsanitised: for comparisons and keys, never for output)."""
    value = get(root, *path)
    return value if isinstance(value, str) else None


def has(root: object, *path: PathItem) -> bool:
    """True when `path` leads to something other than null."""
    return get(root, *path) is not None


def text(value: object, max_len: int = TEXT_LEN) -> str | None:
    """Sanitised text of a scalar (numbers and booleans too), None when empty or a container."""
    if value is None or isinstance(value, Mapping | list):
        return None
    out = safe_text(value, max_len)
    return out or None


def get_text(root: object, *path: PathItem, max_len: int = TEXT_LEN) -> str | None:
    return text(get(root, *path), max_len)


def first_text(root: object, *paths: tuple[PathItem, ...], max_len: int = TEXT_LEN) -> str | None:
    """The first of several candidate fields that holds usable text."""
    for path in paths:
        found = get_text(root, *path, max_len=max_len)
        if found:
            return found
    return None


def number(value: object) -> float | None:
    """A finite float from a JSON number or a plain decimal string ("0.790"), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if len(value) > 40 or not _DECIMAL.fullmatch(value):
            return None
    if not isinstance(value, int | float | str):
        return None
    try:
        result = float(value)
    except (OverflowError, ValueError):
        return None
    return result if math.isfinite(result) else None


def get_number(root: object, *path: PathItem) -> float | None:
    return number(get(root, *path))


def key(*parts: object) -> str:
    """A dedup key from raw values; only scalars count (a container is "")."""
    return safe_key(*(part if _is_scalar(part) else "" for part in parts))


def link(title: str, url: object) -> Link | None:
    safe = safe_url(url)
    return Link(title=title, url=safe) if safe else None


def links(pairs: Iterable[tuple[str, object]]) -> tuple[Link, ...]:
    """Safe links from (title, raw url) pairs: unsafe URLs dropped, duplicates removed."""
    out: list[Link] = []
    seen: set[str] = set()
    for title, url in pairs:
        found = link(title, url)
        if found and found.url not in seen:
            seen.add(found.url)
            out.append(found)
        if len(out) >= MAX_LINKS:
            break
    return tuple(out)


def labels(*sources: object) -> dict[str, str]:
    """Sanitised string labels merged from mappings (later ones win), scalars only, capped."""
    out: dict[str, str] = {}
    for source in sources:
        if not isinstance(source, Mapping):
            continue
        for raw_key, raw_value in source.items():
            name = text(raw_key, NAME_LEN)
            value = text(raw_value) if _is_scalar(raw_value) else None
            if name is None or value is None:
                continue
            if name not in out and len(out) >= MAX_LABELS:
                continue
            out[name] = value
    return out


def _is_scalar(value: object) -> bool:
    return isinstance(value, str | int | float | bool)
