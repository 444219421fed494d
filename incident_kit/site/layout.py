"""The frame every page shares, and the escaping every value from a file goes through.

Pages load nothing from another origin and run nothing inline: a strict Content-Security-Policy
(`default-src 'none'`, styles, images and scripts from the site itself only, no `<base>`, no
form posts) in a `<meta>` tag, since GitHub Pages sets no headers. Every page reads without
JavaScript; the one script (`assets/site.js`, internal site only) adds the table filter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)
NO_VALUE = "—"
# A table that may scroll sideways on a phone: focusable, so a keyboard can scroll it too.
TABLE_WRAP = '<div class="table-wrap" tabindex="0" role="region" aria-label="Scrollable table">'


def esc(value: object) -> str:
    """Text for HTML content or a double-quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def when(moment: datetime | None) -> str:
    """`<time>` for a UTC moment (— when unknown)."""
    if moment is None:
        return NO_VALUE
    moment = moment.astimezone(UTC)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f'<time datetime="{stamp}">{stamp[:10]} {stamp[11:16]} UTC</time>'


def page(
    *,
    title: str,
    body: str,
    root: str,
    site_name: str,
    nav: list[tuple[str, str]],
    script: bool = False,
    head_extra: str = "",
    footer: str = "",
) -> str:
    """A whole HTML document; `root` leads from the page to the site's folder (`""`, `"../"`).

    `title`, `site_name` and the nav labels are plain text (escaped here); `body`, `head_extra`
    and `footer` are HTML the caller built from escaped values.
    """
    links = "".join(f'<li><a href="{esc(root + href)}">{esc(label)}</a></li>' for label, href in nav)
    script_tag = f'<script src="{esc(root)}assets/site.js" defer></script>\n' if script else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)} · {esc(site_name)}</title>\n"
        f'<link rel="stylesheet" href="{esc(root)}assets/site.css">\n'
        f'<link rel="icon" href="{esc(root)}favicon.svg" type="image/svg+xml">\n'
        f"{head_extra}{script_tag}</head>\n<body>\n"
        '<a class="skip" href="#main">Skip to the content</a>\n'
        f'<header class="site"><p class="site-name">{esc(site_name)}</p>'
        f'<nav aria-label="Site"><ul>{links}</ul></nav></header>\n'
        f'<main id="main">\n{body}\n</main>\n'
        f"<footer>{footer}</footer>\n</body>\n</html>\n"
    )
