"""`severities:` in the config: the team's scale — levels most severe first, with aliases."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from incident_kit.severity import DEFAULT_SCALE, Scale, fold

if TYPE_CHECKING:
    from incident_kit.config.reader import ConfigReader

_LEVEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,19}$")


def read_scale(reader: ConfigReader, node: Mapping[str, Any]) -> Scale:
    """The levels in file order; a level is a description or `{description, aliases}`. No
    spelling may mean two levels; without `severities:` the default SEV-1..SEV-4 scale."""
    if not node:
        return DEFAULT_SCALE
    levels: list[str] = []
    aliases: dict[str, tuple[str, ...]] = {}
    descriptions: dict[str, str] = {}
    owner: dict[str, str] = {}  # folded spelling -> the level it means
    for name, value in node.items():
        where = f"severities.{name}"
        level = str(name)
        if not _LEVEL_NAME.match(level):
            raise reader.fail(node, name, where, "a level name is 1-20 letters, digits, spaces, - or _")
        if fold(level) in owner:
            raise reader.fail(node, name, where, f"is the same level as {owner[fold(level)]}")
        owner[fold(level)] = level
        levels.append(level)
        if isinstance(value, Mapping):
            descriptions[level] = str(value.get("description") or "")
            aliases[level] = reader.strings(value, "aliases", f"{where}.aliases")
            for index, alias in enumerate(aliases[level]):
                taken = owner.get(fold(alias))
                if taken is not None and taken != level:
                    raise reader.fail(
                        value, "aliases", f"{where}.aliases[{index}]", f"{alias!r} already means {taken}"
                    )
                owner[fold(alias)] = level
        elif value is not None and not isinstance(value, (str, int, float)):
            raise reader.fail(node, name, where, "must be a description or {description, aliases}")
        else:
            descriptions[level] = str(value or "")
    return Scale.build(levels, aliases, descriptions, from_config=True)
