"""Markdown files with YAML frontmatter: split, read fast, and edit without clobbering.

Reads use ruamel's safe loader (C parser when ruamel.yaml.clib is installed). Writes never
re-render a person's file: a changed scalar has only its value text replaced on its own line
(comments, spacing, quoting style and every other byte stay), and only a structural change
(a new mapping or list) goes through ruamel's round-trip dumper, whose output is spliced in
for that one top-level key alone.

Why this module is long: reading and both kinds of writing share one line model of the
frontmatter (fences, top-level keys, scalar spans, block ends); the banners below keep the
reading, the scalar edits and the structural edits apart.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from incident_kit.errors import FileFormatError

BOM = "\ufeff"
_FENCE = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?=[ \t]|$)")
_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9 _./@+()-]*$")
# plain words YAML 1.1 readers (PyYAML, many editors) take for booleans or null: quote them
_YAML11_WORDS = frozenset(["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"])


class Document(NamedTuple):
    """A file split into frontmatter and body, with its byte conventions remembered."""

    frontmatter: str  # between the fences, "\n" newlines, ends with "\n" (or is empty)
    body: str  # after the closing fence line, "\n" newlines
    newline: str = "\n"  # the file's own line ending, restored on write
    bom: str = ""
    open_fence: str = "---"
    close_fence: str = "---"

    def text(self) -> str:
        out = f"{self.open_fence}\n{self.frontmatter}{self.close_fence}\n{self.body}"
        if self.newline != "\n":
            out = out.replace("\n", self.newline)
        return self.bom + out

    def with_frontmatter(self, frontmatter: str) -> Document:
        return self._replace(frontmatter=frontmatter)

    def with_body(self, body: str) -> Document:
        return self._replace(body=body)

    def with_values(self, updates: Mapping[str, Any]) -> Document:
        """Top-level keys set to new values, each edited in place (`set_value`)."""
        text = self.frontmatter
        for key, value in updates.items():
            text = set_value(text, [key], value)
        return self.with_frontmatter(text)

    def with_value(self, path: Sequence[str], value: Any) -> Document:
        """One (possibly nested) key set to a new value, edited in place (`set_value`)."""
        return self.with_frontmatter(set_value(self.frontmatter, path, value))


def split(text: str, source: str) -> Document:
    """Split a file's text; `source` names the file in errors."""
    bom = BOM if text.startswith(BOM) else ""
    text = text[len(bom) :]
    if "\x00" in text:
        raise FileFormatError(f"{source}: binary content (NUL byte); not an incident file")
    first_end = text.find("\n")
    newline = "\r\n" if first_end > 0 and text[first_end - 1] == "\r" else "\n"
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        raise FileFormatError(f"{source}:1: missing frontmatter: the file must start with '---'")
    for index in range(1, len(lines)):
        if _CLOSE.match(lines[index]):
            frontmatter = "".join(line + "\n" for line in lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return Document(
                frontmatter=frontmatter,
                body=body,
                newline=newline,
                bom=bom,
                open_fence=lines[0],
                close_fence=lines[index],
            )
    raise FileFormatError(f"{source}:1: frontmatter is not closed: no '---' line after line 1")


# --- reading -------------------------------------------------------------------------------

_SAFE: Any = None


def _safe_yaml() -> Any:
    global _SAFE
    if _SAFE is None:
        from ruamel.yaml import YAML

        _SAFE = YAML(typ="safe", pure=False)
    return _SAFE


def load(frontmatter: str, source: str, first_line: int = 2) -> dict[str, Any]:
    """Parse frontmatter into plain data; errors name the file and line.

    Anchors, aliases, tags and deep nesting are refused before parsing (`safe_yaml`).
    """
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    refuse_unsafe_yaml(frontmatter, source, first_line)
    try:
        data = _safe_yaml().load(frontmatter)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark is not None else 0)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise FileFormatError(f"{source}:{line}: invalid YAML frontmatter: {problem}") from None
    except (YAMLError, ValueError, TypeError, OverflowError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        bad = _bad_timestamp(frontmatter)
        if bad is not None:  # a value that looks like a date but is none (2026-11-31)
            index, key, value = bad
            raise FileFormatError(
                f"{source}:{first_line + index}: {key}: {value!r} is not a valid date and time ({detail})"
            ) from None
        raise FileFormatError(f"{source}:{first_line}: invalid YAML frontmatter: {detail}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise FileFormatError(f"{source}:{first_line}: frontmatter must be a mapping of keys, not a {kind}")
    return data


def refuse_unsafe_yaml(frontmatter: str, source: str, first_line: int = 2) -> None:
    # imported here: only a YAML parse needs it, and writes edit frontmatter without one
    from incident_kit import safe_yaml

    found = safe_yaml.problem(frontmatter)
    if found is not None:
        raise FileFormatError(f"{source}:{first_line + found.line}: {found.message}")


# compiled on first use (re caches it): only a frontmatter parse looks for bad dates
_STAMP_LINE = (
    r"^\s*([A-Za-z_][A-Za-z0-9_-]*):\s+['\"]?"
    r"(\d{4}-\d{1,2}-\d{1,2}(?:[Tt ][0-9:.]+)?(?:Z|[+-][0-9:]+)?)['\"]?\s*(?:#.*)?$"
)


def _bad_timestamp(frontmatter: str) -> tuple[int, str, str] | None:
    """(line index, key, value) of the first date-like value that is no real date."""
    for index, line in enumerate(frontmatter.split("\n")):
        match = re.match(_STAMP_LINE, line)
        if not match:
            continue
        value = match.group(2)
        text = value.replace(" ", "T", 1).replace("t", "T")
        text = text[:-1] + "+00:00" if text.endswith("Z") else text
        try:
            if "T" in text:
                datetime.fromisoformat(text)
            else:
                date.fromisoformat(text)
        except ValueError:
            return index, match.group(1), value
    return None


def key_line(frontmatter: str, key: str, first_line: int = 2) -> int | None:
    """The file line number of a top-level key (for error messages), if present."""
    for index, line in enumerate(frontmatter.split("\n")):
        match = _TOP_KEY.match(line)
        if match and match.group(1) == key:
            return first_line + index
    return None


# --- writing: scalars ----------------------------------------------------------------------


def format_timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("timestamps must be time-zone aware")
    value = value.astimezone(UTC).replace(microsecond=0)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def as_datetime(value: Any) -> datetime | None:
    """A frontmatter timestamp as an aware UTC datetime (naive values are taken as UTC); the
    reverse of `format_timestamp`, lenient: None for what is no timestamp."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, str) and len(value) == 20 and value[10] == "T" and value[19] == "Z":
        try:  # the canonical form the caches hold: the fast path for 10,000 incidents
            return datetime.fromisoformat(value)  # a `Z` reads as UTC (`datetime.UTC` itself)
        except ValueError:
            pass
        try:  # a time zone before the `Z`, which the first 19 characters may hold: ignored
            return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC)
        except ValueError:
            pass
    if isinstance(value, str) and len(value.strip()) > 10:  # a date alone is not a timestamp
        text = value.strip().replace(" ", "T", 1)
        try:
            parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            return None
        return as_datetime(parsed)
    return None


def render_scalar(value: Any, style: str = "plain") -> str:
    """YAML text for a scalar, in the requested quoting style when that is safe."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else "null"
    text = str(value)
    if style == "single" and "\n" not in text and text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    if style in ("plain", "single") and _plain_is_string(text):
        return text
    return _double_quoted(text)


def _double_quoted(text: str) -> str:
    out = ['"']
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif not char.isprintable() or char in "\u2028\u2029\ufeff":
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _plain_is_string(text: str) -> bool:
    if not text or not _PLAIN_SAFE.match(text) or text != text.strip():
        return False
    if " #" in text or text.endswith(":") or text.lower() in _YAML11_WORDS:
        return False
    # the line scanner resolves plain scalars exactly as the YAML 1.2 loader does (and declines
    # numbers and anything unusual): no YAML library is imported to write a status
    from incident_kit.markdown import field_scan as fastscan

    try:
        return bool(fastscan.resolve_plain(text) == text)
    except fastscan.Unsure:
        return False


class _ScalarSpan(NamedTuple):
    line_index: int
    start: int  # column where the value text starts
    end: int  # column where it ends (before spacing and comment)
    style: str


def _scalar_span(line: str, value_start: int) -> _ScalarSpan | None:
    """Locate a single-line scalar value on `line` from `value_start`; None if not simple."""
    rest = line[value_start:]
    stripped = rest.lstrip(" \t")
    start = value_start + (len(rest) - len(stripped))
    if not stripped or stripped.startswith("#"):
        return _ScalarSpan(0, start if stripped else len(line), start if stripped else len(line), "plain")
    head = stripped[0]
    if head in "|>[{&*!%@`":
        return None
    if head == "'":
        index = 1
        while index < len(stripped):
            if stripped[index] == "'":
                if index + 1 < len(stripped) and stripped[index + 1] == "'":
                    index += 2
                    continue
                return _ScalarSpan(0, start, start + index + 1, "single")
            index += 1
        return None
    if head == '"':
        index = 1
        while index < len(stripped):
            if stripped[index] == "\\":
                index += 2
                continue
            if stripped[index] == '"':
                return _ScalarSpan(0, start, start + index + 1, "double")
            index += 1
        return None
    comment = re.search(r"[ \t]#", stripped)
    value = stripped[: comment.start()] if comment else stripped
    value = value.rstrip(" \t")
    return _ScalarSpan(0, start, start + len(value), "plain")


def _block_end(lines: Sequence[str], start: int, indent: int) -> int:
    """Index after the last line belonging to the key on line `start` (indented deeper)."""
    end = start + 1
    last_content = start
    while end < len(lines):
        line = lines[end]
        if line.strip() == "" or line.lstrip().startswith("#"):
            end += 1
            continue
        width = len(line) - len(line.lstrip(" "))
        if width <= indent and not (width == indent and line.lstrip().startswith("- ")):
            break
        last_content = end
        end += 1
    return last_content + 1


def _find_key(lines: Sequence[str], key: str, lo: int, hi: int, indent: int) -> int | None:
    pattern = re.compile(r"^" + " " * indent + re.escape(key) + r"[ \t]*:(?=[ \t]|$)")
    for index in range(lo, hi):
        if pattern.match(lines[index]):
            return index
    return None


def _child_indent(lines: Sequence[str], parent: int, end: int) -> int | None:
    for index in range(parent + 1, end):
        line = lines[index]
        if line.strip() and not line.lstrip().startswith("#"):
            return len(line) - len(line.lstrip(" "))
    return None


def set_value(frontmatter: str, path: Sequence[str], value: Any) -> str:
    """Set a scalar at `path` (one or two keys deep), touching only that value's text.

    A missing key is added (at the end of the frontmatter, or of its parent mapping);
    anything not a plain one-line scalar goes through `set_structure`.
    """
    if isinstance(value, (Mapping, list, tuple)):
        return set_structure(frontmatter, path[0], _nested(path[1:], value, frontmatter, path[0]))
    lines = frontmatter.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(path) == 1:
        index = _find_key(lines, path[0], 0, len(lines), 0)
        if index is None:
            lines.append(f"{path[0]}: {render_scalar(value)}")
            return "\n".join(lines) + "\n"
        updated = _replace_scalar(lines, index, value)
        if updated is not None:
            return updated
        return set_structure(frontmatter, path[0], value)
    if len(path) == 2:
        parent = _find_key(lines, path[0], 0, len(lines), 0)
        if parent is not None and _inline_value(lines[parent]):
            # `alert: null` or `alert: {}` style parent: rebuild structurally
            parent = None
        if parent is not None:
            end = _block_end(lines, parent, 0)
            indent = _child_indent(lines, parent, end)
            if indent is not None:
                child = _find_key(lines, path[1], parent + 1, end, indent)
                if child is not None:
                    updated = _replace_scalar(lines, child, value)
                    if updated is not None:
                        return updated
                else:
                    lines.insert(end, " " * indent + f"{path[1]}: {render_scalar(value)}")
                    return "\n".join(lines) + "\n"
    return set_structure(frontmatter, path[0], _nested(path[1:], value, frontmatter, path[0]))


def _inline_value(line: str) -> bool:
    """True when a `key:` line carries its value on the same line (not a block)."""
    rest = line[line.index(":") + 1 :].strip()
    return bool(rest) and not rest.startswith("#")


def _nested(rest: Sequence[str], value: Any, frontmatter: str, top: str) -> Any:
    if not rest:
        return value
    current = load(frontmatter, "frontmatter").get(top)
    container: dict[str, Any] = dict(current) if isinstance(current, dict) else {}
    node = container
    for key in rest[:-1]:
        child = node.get(key)
        node[key] = dict(child) if isinstance(child, dict) else {}
        node = node[key]
    node[rest[-1]] = value
    return container


def _replace_scalar(lines: list[str], index: int, value: Any) -> str | None:
    line = lines[index]
    colon = line.index(":")
    span = _scalar_span(line, colon + 1)
    if span is None:
        return None
    indent = len(line) - len(line.lstrip(" "))
    end = _block_end(lines, index, indent)
    if end != index + 1:
        return None  # a multi-line value (continuation lines): not a simple scalar
    new_text = render_scalar(value, span.style)
    rest = line[colon + 1 :]
    if span.start == len(line):
        new_line = line.rstrip(" \t") + " " + new_text
    elif rest.lstrip(" \t").startswith("#"):  # `key:   # comment` with no value yet
        new_line = line[: colon + 1] + " " + new_text + rest
    else:
        new_line = line[: span.start] + new_text + line[span.end :]
    lines[index] = new_line
    return "\n".join(lines) + "\n"


# --- writing: structures -------------------------------------------------------------------


def _rt_yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)

    def represent_datetime(representer: Any, data: datetime) -> Any:
        return representer.represent_scalar("tag:yaml.org,2002:timestamp", format_timestamp(data))

    def represent_none(representer: Any, data: None) -> Any:
        return representer.represent_scalar("tag:yaml.org,2002:null", "null")

    yaml.representer.add_representer(datetime, represent_datetime)
    yaml.representer.add_representer(type(None), represent_none)
    return yaml


def replace_block(frontmatter: str, key: str, block: Sequence[str]) -> str:
    """Replace (or add at the end) one top-level key's whole block with lines the caller
    rendered (`key:` first); other bytes untouched, no YAML library involved."""
    lines = frontmatter.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    index = _find_key(lines, key, 0, len(lines), 0)
    if index is None:
        lines.extend(block)
    else:
        lines[index : _block_end(lines, index, 0)] = block
    return "\n".join(lines) + "\n"


def set_structure(frontmatter: str, key: str, value: Any) -> str:
    """Replace (or add) one top-level key's whole block via ruamel; other bytes untouched."""
    refuse_unsafe_yaml(frontmatter, "frontmatter")
    yaml = _rt_yaml()
    data = yaml.load(frontmatter) if frontmatter.strip() else None
    from ruamel.yaml.comments import CommentedMap

    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise FileFormatError("frontmatter must be a mapping of keys")
    existing = data.get(key)
    if isinstance(existing, CommentedMap) and isinstance(value, Mapping):
        _merge_into(existing, value)
    else:
        data[key] = value
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    dumped = buffer.getvalue().split("\n")
    new_block = _extract_block(dumped, key)
    lines = frontmatter.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    index = _find_key(lines, key, 0, len(lines), 0)
    if index is None:
        lines.extend(new_block)
    else:
        end = _block_end(lines, index, 0)
        lines[index:end] = new_block
    return "\n".join(lines) + "\n"


def _merge_into(target: Any, value: Mapping[str, Any]) -> None:
    from ruamel.yaml.comments import CommentedMap

    for key in list(target.keys()):
        if key not in value:
            del target[key]
    for key, item in value.items():
        if isinstance(target.get(key), CommentedMap) and isinstance(item, Mapping):
            _merge_into(target[key], item)
        elif target.get(key) != item or type(target.get(key)) is not type(item):
            target[key] = item


def _extract_block(dumped: list[str], key: str) -> list[str]:
    while dumped and dumped[-1] == "":
        dumped.pop()
    index = _find_key(dumped, key, 0, len(dumped), 0)
    if index is None:  # pragma: no cover - ruamel always dumps the key we set
        raise FileFormatError(f"could not render frontmatter key {key!r}")
    end = _block_end(dumped, index, 0)
    return dumped[index:end]
