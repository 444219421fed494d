"""The one entry for untrusted JSON: bounded, strict, and failing with one clear line.

Adapters can then assume plain JSON data of bounded size and depth with no duplicate keys,
no NaN/Infinity and no integers too long to convert, though not any particular shape.
"""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

from incident_kit.errors import InputError
from incident_kit.sanitize import safe_text

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32
# Long enough for any real id or epoch (Opsgenie sends 19-digit nanoseconds); short enough
# that converting never meets Python's 4300-digit limit or does quadratic work.
MAX_INT_DIGITS = 64


def load_payload(raw: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """Decode an alert delivery body into a JSON object, or raise `InputError`."""
    size = len(raw)
    if size > max_bytes:  # before decoding: never spend work on an oversized body
        raise InputError(f"alert payload is {size} bytes, over the {max_bytes}-byte limit")
    if b"\x00" in raw:
        raise InputError("alert payload contains NUL bytes: binary data or UTF-16, not JSON")
    try:
        text = bytes(raw).decode("utf-8-sig")  # tolerate a BOM, as PowerShell writes one
    except UnicodeDecodeError as exc:
        raise InputError(f"alert payload is not valid UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise InputError("alert payload is empty")
    return parse_json_text(text, max_depth=max_depth, what="alert payload")


def parse_json_text(text: str, *, max_depth: int = MAX_DEPTH, what: str) -> dict[str, Any]:
    """Parse JSON text already in memory (also a JSON document nested in a string field)."""
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_reject_constant,
            parse_int=_bounded_int,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        excerpt = safe_text(exc.doc[max(0, exc.pos - 15) : exc.pos + 15], 40)
        raise InputError(
            f"{what} is not valid JSON: {exc.msg.removesuffix(' at')}"
            f" at line {exc.lineno} column {exc.colno}" + (f" near {excerpt!r}" if excerpt else "")
        ) from None
    except RecursionError:  # json's scanner recurses per nesting level
        raise InputError(f"{what} is nested too deeply (limit {max_depth})") from None
    if not isinstance(value, dict):
        raise InputError(f"{what} must be a JSON object, not {_json_type(value)}")
    if _deeper_than(value, max_depth):
        raise InputError(f"{what} is nested too deeply (limit {max_depth})")
    return value


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # a repeated key means two parsers could read two different alerts from one payload
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InputError(f"alert payload repeats the key {safe_text(key, 40)!r}")
            seen.add(key)
    return obj


def _reject_constant(name: str) -> NoReturn:
    raise InputError(f"alert payload contains {name}, which is not valid JSON")


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise InputError(f"alert payload has an integer longer than {MAX_INT_DIGITS} digits")
    return int(digits)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses to inf without complaint
        raise InputError(f"alert payload has a number out of range ({safe_text(text, 20)})")
    return value


def _deeper_than(root: object, max_depth: int) -> bool:
    """True when containers nest more than `max_depth` levels (iterative: no recursion)."""
    stack: list[tuple[object, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
