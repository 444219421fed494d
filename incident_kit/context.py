"""What every command needs: the repository, its configuration, who acts, and when."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from datetime import datetime, tzinfo
from functools import cached_property
from pathlib import Path
from typing import Any

from incident_kit import clock
from incident_kit.config.settings import Config
from incident_kit.errors import InputError
from incident_kit.git import merge_driver, repository


class Context:
    """What a command runs with: the repository, its config, the time and the environment.

    A plain class (a dataclass costs every command ~1 ms to create; its `cached_property`s
    need an instance `__dict__`, which rules out a NamedTuple); nothing changes it once made.
    """

    def __init__(
        self,
        root: Path,
        config: Config,
        now: datetime,
        env: Mapping[str, str],
        by: str | None = None,
        config_problems: tuple[str, ...] = (),  # what was wrong with the config (`config.degraded`)
    ) -> None:
        self.root = root
        self.config = config
        self.now = now
        self.env = env
        self.by = by
        self.config_problems = config_problems

    @cached_property
    def actor(self) -> repository.Actor:
        """Who acts (asked of git only by the commands that write)."""
        actor = repository.resolve_actor(self.root, self.by, self.env)
        if actor is repository.DEFAULT_ACTOR:
            warn(
                "no --by, git user.name or GITHUB_ACTOR, so this is recorded as incident-kit; "
                "run `git config user.name 'Your Name'` or pass --by WHO"
            )
        return actor

    @cached_property
    def zone(self) -> tzinfo:
        """The team's zone: times typed without one are read in it, and said back in it."""
        from incident_kit.clock.zones import team_zone

        return team_zone(self.config.timezone, self.env.get("TZ"))

    def moment(self, at: str | None) -> clock.When:
        """The time an action happened (`--at`, else now), and the zone to say it back in."""
        if at is None:
            return clock.When(self.now, self.zone)
        if not at.strip():  # `--at "$WHEN"` with WHEN unset: not "now" by accident
            raise InputError("--at is empty; leave it out for now, or give a time ('20m ago', 14:05)")
        when = clock.parse(at, self.now, self.zone)
        if when.note:
            warn(when.note, "note")
        return when

    def when(self, at: str | None) -> datetime:
        """The time an action happened: `--at`, else now."""
        return self.moment(at).at

    def echo(self, when: clock.When | datetime) -> str:
        """`14:05 PST = 2026-11-26T22:05:00Z, 55 minutes ago`: what was stored, said back."""
        from incident_kit.clock.echo import describe

        if isinstance(when, datetime):
            return describe(when, self.zone, self.now)
        return describe(when.at, when.zone, self.now)

    def wants_push(self, push: bool | None) -> bool:
        return self.config.push if push is None else push


def open_context(
    repo: Path | None, by: str | None = None, *, need_config: bool = True, forgiving: bool = False
) -> Context:
    """`forgiving`: a broken config gives its defaults for the broken part and one warning line
    instead of stopping the command (the commands that record incident facts)."""
    repository.forget_settings()
    root = repository.toplevel(repo or Path.cwd())
    merge_driver.ensure_registered(root)
    env = dict(os.environ)
    config = Config()
    problems: tuple[str, ...] = ()
    if need_config:
        cache = repository.git_dir(root) / "incident-kit"
        if forgiving:
            from incident_kit.config import degraded

            loaded = degraded.load(root, cache)
            config, problems = loaded.config, loaded.problems
            if loaded.warning():
                warn(str(loaded.warning()))
        else:
            from incident_kit.config.loading import load as load_config

            config = load_config(root, cache)
    return Context(root=root, config=config, now=clock.now(), env=env, by=by, config_problems=problems)


def warn(message: str, kind: str = "warning") -> None:
    """One line on stderr that does not stop the command."""
    sys.stderr.write(f"incident: {kind}: {' '.join(message.split())}\n")


def check_format(fmt: str, allowed: tuple[str, ...] = ("text", "json")) -> str:
    """`--format JSON` is `json`; anything else is refused naming the choices."""
    folded = fmt.strip().lower()
    if folded not in allowed:
        raise InputError(f"--format {fmt!r}: choose one of {', '.join(allowed)}")
    return folded


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
