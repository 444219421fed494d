"""The one place untrusted text (alert payloads, mostly) is neutralised.

Everything a payload says ends up in YAML frontmatter, Markdown, Slack messages, commit
messages and workflow logs. Rather than escaping for each sink in each caller, every field is
reduced here to one bounded line of inert text (`safe_text`); sinks that need more (Markdown,
file names) apply one extra function (`md_inline`, `slugify`). URLs get their own gate
(`safe_url`) and dedup keys theirs (`safe_key`), because those must stay usable, not just
harmless.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from urllib.parse import quote, urlsplit, urlunsplit

from incident_kit.errors import InputError


def _lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A regular expression compiled on its first use: most commands meet no text that needs
    most of these, and compiling all of them at import cost every command ~1-2 ms of CPU."""
    return cache(lambda: re.compile(pattern, flags))


ELLIPSIS = "…"
ZWSP = "\u200b"  # our only inserted character: breaks tokens without changing what people read

_WHITESPACE = re.compile(r"\s+")
# Categories dropped outright: control (C0, C1, DEL), format (bidi overrides, zero-width
# joiners, BOM, soft hyphen, tag characters used for "ASCII smuggling") and lone surrogates
# (JSON can carry "\ud800", which no UTF-8 writer can encode).
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})

_SLACK_SPECIAL = _lazy(r"<!(here|channel|everyone|group)(?:\|[^>]*)?>", re.IGNORECASE)
_SLACK_SUBTEAM = _lazy(r"<!subteam\^[^>|]*(?:\|@?([^>]*))?>", re.IGNORECASE)
_SLACK_USER = _lazy(r"<@([A-Za-z0-9]+)(?:\|@?([^>]*))?>")
_SLACK_ANGLE = _lazy(r"<(?=[!@])")
_MASS_MENTION = _lazy(r"@(?=(?:here|channel|everyone|group)\b)", re.IGNORECASE)

_COLON_PAIR = _lazy(r":(?=:)")

_MD_ESCAPE = _lazy(r"([\\`*_\[\]<>|~])")
_MD_ENTITY = _lazy(r"&(?=#?[A-Za-z0-9]+;)")
# what would open a block if the text began a line (or a list item): heading, quote, list,
# thematic break / setext underline, ordered list
_MD_LEADING = _lazy(r"^([#>+=-])|^(\d{1,9})([.)])")

_NETLOC = _lazy(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.\-_~]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
# characters that are legal in a URL path/query but can end a Markdown link or start HTML
_URL_UNSAFE = "<>\"'`{}|\\^()[] "
_URL_KEEP = "".join(ch for ch in "!#$%&*+,-./:;=?@_~" if ch not in _URL_UNSAFE)


def clean_line(text: object, max_len: int = 200) -> str:
    """One line of printable text, at most `max_len` characters (an ellipsis marks the cut).

    Control and format characters (NUL, ANSI escapes, bidi overrides, zero-width joiners) are
    dropped, and every run of whitespace, newlines included, becomes one space.
    """
    raw = _to_str(text)
    if raw.isascii() and raw.isprintable():
        out = raw  # fast path: only whitespace runs to collapse
    else:
        out = "".join(
            ch
            for ch in _WHITESPACE.sub(" ", raw)
            if ch == ZWSP or unicodedata.category(ch) not in _DROPPED_CATEGORIES
        )
    out = _WHITESPACE.sub(" ", out).strip()
    if max_len <= 0:
        return ""
    if len(out) > max_len:
        out = out[: max_len - 1].rstrip() + ELLIPSIS
    return out


def neutralise_mentions(text: str) -> str:
    """Make Slack pings inert but readable: `<!here>` → `@​here`, `@channel` → `@​channel`."""
    if "<" not in text and "@" not in text:
        return text  # every ping starts with one of them
    text = _SLACK_SPECIAL().sub(lambda m: "@" + ZWSP + m.group(1), text)
    text = _SLACK_SUBTEAM().sub(lambda m: "@" + ZWSP + (m.group(1) or "subteam"), text)
    text = _SLACK_USER().sub(lambda m: "@" + ZWSP + (m.group(2) or m.group(1)), text)
    text = _SLACK_ANGLE().sub("<" + ZWSP, text)
    return _MASS_MENTION().sub("@" + ZWSP, text)


def workflow_safe(text: str) -> str:
    """Break GitHub Actions workflow commands (`::cmd::`, legacy `##[cmd]`).

    The runner only honours them at the start of a line, but a field may well be printed on a
    line of its own, so every `::` is broken, not just a leading one.
    """
    # a lookahead, not str.replace: "::::" must not become ":\u200b::\u200b:"
    if "::" in text:
        text = _COLON_PAIR().sub(":" + ZWSP, text)
    return text.replace("##[", "##" + ZWSP + "[")


def safe_text(text: object, max_len: int = 200) -> str:
    """What every text field of an alert gets: one bounded, inert line."""
    # the inserted zero-width spaces add a few characters; truncate after so the bound holds
    out = workflow_safe(neutralise_mentions(clean_line(text, max_len)))
    if len(out) > max_len:
        # cutting inside an inserted `:\u200b:` or `@\u200bhere` leaves it broken, never whole
        out = out[: max_len - 1] + ELLIPSIS
    return out


def human_text(text: str, max_len: int = 1000) -> str:
    """A person's note for the timeline: one inert line; no raw HTML, pings or commands."""
    return safe_text(text, max_len).replace("<", "&lt;").replace(">", "&gt;")


def md_inline(text: object, max_len: int = 1000) -> str:
    """Text that stays literal inside one Markdown list item or table cell (GFM).

    No raw HTML, links, emphasis, code spans or cell breaks; nothing that would open a block
    (heading, quote, list, thematic break) when the text starts a line.
    """
    out = _MD_ESCAPE().sub(r"\\\1", safe_text(text, max_len))
    if "&" in out:
        out = _MD_ENTITY().sub(r"\\&", out)  # `&#8238;` would render a bidi override
    return _MD_LEADING().sub(_escape_leading, out)


def slugify(text: object, max_len: int = 40) -> str:
    """`a-z0-9-` only, transliterated where NFKD can, at most `max_len`; may be "".

    Callers fall back to something of their own when the slug is empty (a title in a
    non-Latin script, say). The result can never be `.` or `..` or contain a path separator.
    """
    if max_len <= 0:
        return ""
    decomposed = unicodedata.normalize("NFKD", clean_line(text, max_len=max(200, 4 * max_len)))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_len:
        head = slug[:max_len]
        # cut at a word boundary when that keeps most of the text
        if slug[max_len] != "-" and head.rfind("-") >= max_len // 2:
            head = head[: head.rfind("-")]
        slug = head.strip("-")
    return slug


def safe_url(url: object, max_len: int = 2000) -> str | None:
    """An http(s) URL fit for a link, or None.

    Refused: other schemes (`javascript:`, `data:`, `file:`), whitespace or control
    characters, credentials in the URL (they would be committed), odd hosts, over `max_len`.
    Characters that could close a Markdown link or open HTML are percent-encoded.
    """
    if not isinstance(url, str) or not url or len(url) > max_len:
        return None
    if not url.isprintable() or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not _NETLOC().match(parts.netloc):
        return None
    path = quote(parts.path, safe=_URL_KEEP)
    query = quote(parts.query, safe=_URL_KEEP)
    fragment = quote(parts.fragment, safe=_URL_KEEP)
    out = urlunsplit((parts.scheme.lower(), parts.netloc, path, query, fragment))
    return out if len(out) <= max_len else None


def safe_key(*parts: object, max_len: int = 200) -> str:
    """A dedup key from raw payload values: readable when harmless, else hashed.

    Deterministic (same parts, same key) and distinct (different raw parts never share a key,
    short of a SHA-256 collision), unlike `safe_text`, which may map two strings to one.
    """
    # an empty part reads as "-", so a missing field does not make a "::" (hashed otherwise)
    raw = ":".join(_to_str(part) or "-" for part in parts)
    if len(raw) <= max_len and safe_text(raw, max_len) == raw and "\u200b" not in raw:
        return raw
    import hashlib  # only alerts need it; not every command's start-up

    prefix = safe_text(_to_str(parts[0]), 40) if parts else ""
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{prefix}:sha256:{digest}" if prefix else f"sha256:{digest}"


def _to_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        return str(value)
    except (ValueError, RecursionError):  # a huge int, a cyclic structure: nothing usable
        return ""


def _escape_leading(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)


_HANDLE = _lazy(r"^\w[\w.+@-]{0,63}$")
_MASS = frozenset(("here", "channel", "everyone"))


def is_handle(value: str) -> bool:
    """One person's handle, `@` already removed: no spaces, markup, team (`org/team`) or mass
    mention (`here`, `channel`, `everyone`)."""
    return bool(_HANDLE().match(value)) and value.lower() not in _MASS


def person_handle(value: str, option: str = "") -> str:
    """`@alice` or `alice` → `alice`; refused for what is not one person's handle (spaces,
    markup, `@here` and the other mass mentions). `option` names where it was given."""
    handle = value.strip().removeprefix("@")
    if not is_handle(handle):
        raise InputError(
            f"{option}{safe_text(value, 64)!r}: not a person's handle (one name, e.g. alice or @alice)"
        )
    return handle


_INLINE_ESCAPES = _lazy(r"\\([\\`*_\[\]<>|~#+=.)&!-])|&(lt|gt);")


def plain(markdown: str) -> str:
    """What a person reads in one inline Markdown line the tool wrote (`md_inline`,
    `human_text`): escapes and the `&lt;`/`&gt;` entities undone, for JSON and plain text."""
    return _INLINE_ESCAPES().sub(lambda m: m.group(1) or {"lt": "<", "gt": ">"}[m.group(2)], markdown)
