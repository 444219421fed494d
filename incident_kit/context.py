"""What every command needs: the repository, its configuration, who acts, and when."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from incident_kit import clock
from incident_kit.config.loading import load as load_config
from incident_kit.config.settings import Config
from incident_kit.errors import InputError
from incident_kit.git import merge_driver, repository


@dataclass(frozen=True)
class Context:
    root: Path
    config: Config
    now: datetime
    env: Mapping[str, str]
    by: str | None = None

    @cached_property
    def actor(self) -> repository.Actor:
        """Who acts (asked of git only by the commands that write)."""
        return repository.resolve_actor(self.root, self.by, self.env)

    def when(self, at: str | None) -> datetime:
        """The time an action happened: `--at`, else now."""
        if at is None:
            return self.now
        if not at.strip():  # `--at "$WHEN"` with WHEN unset: not "now" by accident
            raise InputError("--at is empty; leave it out for now, or give a time ('20m ago', 14:05)")
        return clock.parse_when(at, self.now)

    def wants_push(self, push: bool | None) -> bool:
        return self.config.push if push is None else push


def open_context(repo: Path | None, by: str | None = None, *, need_config: bool = True) -> Context:
    repository.forget_settings()
    root = repository.toplevel(repo or Path.cwd())
    merge_driver.ensure_registered(root)
    env = dict(os.environ)
    config = load_config(root, repository.git_dir(root) / "incident-kit") if need_config else Config()
    return Context(root=root, config=config, now=clock.now(), env=env, by=by)


def check_format(fmt: str, allowed: tuple[str, ...] = ("text", "json")) -> str:
    if fmt not in allowed:
        raise InputError(f"--format {fmt!r}: choose one of {', '.join(allowed)}")
    return fmt


def emit_json(document: Any) -> None:
    """The one JSON document a `--format json` command prints on stdout.

    Indented for a person at a terminal; compact when piped (10,000 incidents print in half
    the time and memory).
    """
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(document, indent=indent, ensure_ascii=False, default=_jsonable) + "\n")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        from incident_kit.markdown.frontmatter import format_timestamp

        # a naive time (typed by hand without a zone) is shown as written; validate flags it
        return format_timestamp(value) if value.tzinfo else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
