"""`incident site --out DIR`: the internal incident site and the public status page."""

from __future__ import annotations

import sys
from pathlib import Path

from incident_kit.context import Context


def run(ctx: Context, *, out: Path, public_only: bool, full: bool, url: str | None) -> int:
    from incident_kit.errors import InputError
    from incident_kit.sanitize import safe_url
    from incident_kit.site.build import build

    config = ctx.config
    if url is not None:
        if safe_url(url) != url:
            raise InputError(f"--url {url!r}: give the http(s) address the status page is published at")
        config = config._replace(site=config.site._replace(url=url))
    from incident_kit.errors import RefusedError

    try:
        result = build(
            ctx.root, config, out=out, now=ctx.now, public_only=public_only, full=full, env=ctx.env
        )
    except OSError as error:  # a full disk, a folder we may not write: say so in one line
        raise RefusedError(f"cannot write the site to {out}: {error.strerror or error}") from None
    what = "public status page" if result.kind == "public" else "incident site and status page"
    how = "built" if result.full else "updated"
    print(
        f"{how} the {what} in {result.out}: {result.incidents} incident(s), {result.public} public; "
        f"{result.read} read, {result.written} file(s) written, {result.removed} removed"
    )
    if result.skipped:
        sys.stderr.write(f"incident: {len(result.skipped)} unreadable incident(s) left out\n")
    return 0
