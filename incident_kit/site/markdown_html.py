"""Markdown (post-mortems, incident bodies, public updates) to HTML that cannot run anything.

mistune parses; this renderer decides what comes out:
- raw HTML, block or inline, is shown as text (escaped), and HTML comments (the template's
  hints) are dropped;
- a link keeps its target only for http(s) (through `sanitize.safe_url`), `mailto:` and
  in-page `#anchors`; anything else (`javascript:`, `data:`, `vbscript:`, relative paths into
  the repository) keeps only its text;
- images become links to the image (the pages load nothing from another origin);
- headings move one level down (the page has its own `h1`);
- task-list boxes are text (☐ / ☑), not form controls;
- a ```mermaid block is shown as its source, labelled (no script draws it).
Text and code are escaped by mistune; entities such as `&lt;` (which `incident note` writes
for `<`) show as the character they name.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from incident_kit.sanitize import safe_url

_MAILTO = re.compile(r"^mailto:[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}$")
_ANCHOR = re.compile(r"^#[A-Za-z0-9_-]{1,100}$")
_COMMENT = re.compile(r"^\s*<!--.*?-->\s*$", re.S)

_block: Any = None
_inline: Any = None


def allowed_url(url: str) -> str | None:
    """`url` if a page may link to it, else None."""
    url = url.strip()
    if _ANCHOR.match(url) or _MAILTO.match(url):
        return url
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return safe_url(url) if scheme in ("http", "https") else None


def _renderer_class() -> type[Any]:
    from mistune.renderers.html import HTMLRenderer
    from mistune.util import escape

    class SafeRenderer(HTMLRenderer):
        def link(self, text: str, url: str, title: str | None = None) -> str:
            target = allowed_url(url)
            if target is None:
                return f'<span class="dropped-link">{text}</span>'
            extra = f' title="{escape(title)}"' if title else ""
            rel = ' rel="noopener noreferrer"' if not target.startswith("#") else ""
            return f'<a href="{escape(target)}"{extra}{rel}>{text}</a>'

        def image(self, text: str, url: str, title: str | None = None) -> str:
            label = f"image: {text}" if text else "image"
            target = allowed_url(url)
            if target is None or target.startswith("#"):
                return f'<span class="dropped-image">[{label}]</span>'
            return f'<a href="{escape(target)}" rel="noopener noreferrer">[{label}]</a>'

        def block_html(self, html: str) -> str:
            if _COMMENT.match(html):
                return ""
            return f'<p class="raw-html">{escape(html.strip())}</p>\n'

        def inline_html(self, html: str) -> str:
            return "" if _COMMENT.match(html) else escape(html)

        def heading(self, text: str, level: int, **attrs: Any) -> str:
            level = min(level + 1, 6)
            return f"<h{level}>{text}</h{level}>\n"

        def block_code(self, code: str, info: str | None = None) -> str:
            language = (info or "").strip().split(None, 1)[0] if (info or "").strip() else ""
            body = f'<pre tabindex="0"><code>{escape(code)}</code></pre>'
            if language == "mermaid":
                return (
                    '<figure class="mermaid-source"><figcaption>Mermaid diagram, shown as its source'
                    f"</figcaption>{body}</figure>\n"
                )
            return body + "\n"

    return SafeRenderer


def _task_list_item(renderer: Any, text: str, checked: bool = False, **attrs: Any) -> str:
    box = (
        '<span class="task done" role="img" aria-label="done">☑</span>'
        if checked
        else ('<span class="task" role="img" aria-label="to do">☐</span>')
    )
    return f'<li class="task-list-item">{box} {text}</li>\n'


def _parsers() -> tuple[Any, Any]:
    global _block, _inline
    if _block is None:
        import mistune

        renderer = _renderer_class()(escape=False)
        _block = mistune.create_markdown(
            renderer=renderer, plugins=["table", "strikethrough", "task_lists", "url"]
        )
        _block.renderer.register("task_list_item", _task_list_item)
        _inline = mistune.create_markdown(renderer=_renderer_class()(escape=False), plugins=["strikethrough"])
    return _block, _inline


_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_BLOCK_START = re.compile(r"^(?:[ \t]|[-*+>|<`~=_]|\d{1,9}[.)]|#(?!#{0,5}[ \t]))")


def _simple(markdown: str) -> str | None:
    """Headings and plain paragraphs rendered without the parser (most of an incident file
    outside its timeline); None when anything else is there."""
    out: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{inline_html(chr(10).join(paragraph))}</p>\n")
            paragraph.clear()

    for line in markdown.split("\n"):
        if not line.strip():
            flush()
            continue
        if line.endswith(("  ", "\\")) or "\t" in line or "<" in line:
            return None
        heading = _HEADING.match(line)
        if heading:
            flush()
            level = min(len(heading.group(1)) + 1, 6)
            out.append(f"<h{level}>{inline_html(heading.group(2))}</h{level}>\n")
        elif _BLOCK_START.match(line):
            return None
        else:
            paragraph.append(line)
    flush()
    return "".join(out)


def to_html(markdown: str) -> str:
    """A Markdown document as safe HTML."""
    simple = _simple(markdown)
    if simple is not None:
        return simple
    block, _ = _parsers()
    return str(block(markdown))


# What the inline parser could turn into markup (or an entity): without any of these, after
# backslash escapes, a line is plain text and needs no parser (most timeline entries).
_MARKUP = re.compile(r"[*_\[\]<>&!~`]")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def inline_html(markdown: str) -> str:
    """One line of Markdown (a timeline note, a public update) as safe inline HTML."""
    if not _MARKUP.search(_ESCAPED.sub("", markdown)):
        from html import escape

        return escape(_ESCAPED.sub(r"\1", markdown).strip(), quote=False)
    _, inline = _parsers()
    html = str(inline(markdown)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
