"""Degraded, not dead: a config mistake never stops the commands that record incident facts.

`declare` (also from the alert workflow), the transitions, `note`, `link`, `severity` and
`assign` load the config forgivingly: each part that fails validation is dropped, so it takes
its default (a misspelt rotation `timezone` becomes UTC, `handoff: 9am` becomes 09:00,
`push: yes please` becomes false, a rotation without members is left out), and the rest of the
file still counts. A file that is not YAML at all gives the built-in defaults. The command
prints one warning line naming file:line:key; `validate` and `sync` still fail on it.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any, NamedTuple

from incident_kit import repo_files
from incident_kit.config import loading
from incident_kit.config.reader import ConfigReader, ReaderError, parse
from incident_kit.config.settings import CONFIG_PATH, Config
from incident_kit.errors import ConfigError, FileFormatError

_MAX_REPAIRS = 100  # each drops one node: a file has fewer broken parts than this


class Loaded(NamedTuple):
    config: Config
    problems: tuple[str, ...] = ()  # `incidents/config.yaml:14: key: message`, first found first
    whole_file: bool = False  # nothing of the file could be used

    def warning(self) -> str | None:
        """The one line a command prints about a broken config, or None."""
        if not self.problems:
            return None
        fallback = "the built-in defaults" if self.whole_file else "the default for that part"
        more = len(self.problems) - 1
        extra = f"; {more} more config problem(s)" if more else ""
        return (
            f"{self.problems[0]}; using {fallback} until it is fixed{extra} (`incident validate` lists them)"
        )


def load(root: Path, cache_dir: Path | None = None) -> Loaded:
    """The repository's config; when it is broken, the parts that are not, with their problems."""
    try:
        return Loaded(loading.load(root, cache_dir))
    except ConfigError as error:
        try:  # the one safe reader again: a symlink to /dev/zero is refused, not read forever
            text = repo_files.read_text(root.resolve(), root.resolve() / CONFIG_PATH)
        except FileFormatError:
            return Loaded(Config(), (error.message,), whole_file=True)
        return lenient(text, CONFIG_PATH)


def lenient(text: str, source: str = CONFIG_PATH) -> Loaded:
    """Parse `text`, dropping each part that fails validation until the rest passes."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from incident_kit import safe_yaml  # with the YAML parser: a cached config needs neither

    try:
        return Loaded(parse(text, source))
    except ConfigError as error:
        first = error.message
    if safe_yaml.problem(text) is not None:
        # anchors (an alias bomb), tags, deep nesting: walking the tree to repair it is the
        # very thing that hangs or crashes, so none of the file is used
        return Loaded(Config(), (first,), whole_file=True)
    try:
        data = YAML(typ="rt").load(text)
    except (YAMLError, ValueError, TypeError):
        return Loaded(Config(), (first,), whole_file=True)
    problems: list[str] = []
    for _ in range(_MAX_REPAIRS):
        try:
            config = ConfigReader(source).config(data)
        except ReaderError as error:
            if error.message not in problems:  # the same fault, one level up, is one problem
                problems.append(error.message)
            if not _drop(dict(_parents(data)), error.node, error.key):
                break
            continue
        except ConfigError as error:
            problems.append(error.message)
            break
        return Loaded(config, tuple(problems) or (first,))
    return Loaded(Config(), tuple(problems) or (first,), whole_file=True)


def _parents(node: Any, parent: Any = None, key: str | int | None = None) -> Iterator[tuple[int, Any]]:
    if parent is not None:
        yield id(node), (parent, key)
    if isinstance(node, MutableMapping):
        for child_key, child in node.items():
            yield from _parents(child, node, child_key)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _parents(child, node, index)


def _drop(parents: dict[int, Any], node: Any, key: str | int | None) -> bool:
    """Remove `node[key]`; when there is no such key, the node itself is what is wrong."""
    if isinstance(node, MutableMapping) and key is not None and key in node:
        del node[key]
        return True
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        del node[key]
        return True
    if id(node) in parents:
        parent, parent_key = parents[id(node)]
        return _drop(parents, parent, parent_key)
    return False
