"""Severity: the team's scale, reading what people type onto it, and the precedence for an alert.

A scale is its levels, most severe first (by default SEV-1..SEV-4), each with aliases
(`P1`, `critical`). What people type is compared folded (case, spaces, `-` and `_` ignored),
so `sev 1`, `Sev_1` and `SEV1` are SEV-1; a bare number or `Pn` is the level numbered n
(`2`, `P2` → SEV-2 on the default scale, → P2 on a P0..P4 scale).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from incident_kit.errors import InputError
from incident_kit.vocabulary import SEVERITIES

if TYPE_CHECKING:
    from incident_kit.config.settings import Config

# the default scale's words, as its descriptions read (critical / major / minor / low)
DEFAULT_ALIASES: Mapping[str, tuple[str, ...]] = {
    "SEV-1": ("P1", "critical"),
    "SEV-2": ("P2", "major"),
    "SEV-3": ("P3", "minor"),
    "SEV-4": ("P4", "low"),
}
_NUMBERED = re.compile(r"^(?:SEV|P)?(\d{1,2})$")
_TRAILING_NUMBER = re.compile(r"(\d+)$")


def fold(text: str) -> str:
    """`Sev-1`, `sev_1`, `SEV 1` → `SEV1`: how spellings of one level are compared."""
    return "".join(text.upper().replace("_", "").replace("-", "").split())


class Scale(NamedTuple):
    """The team's severity levels, most severe first, and every spelling that means each."""

    levels: tuple[str, ...] = SEVERITIES
    aliases: Mapping[str, str] = {}  # folded spelling -> level
    configured: frozenset[str] = frozenset()  # folded spellings the config wrote (alerts honour them)
    descriptions: Mapping[str, str] = {}

    @classmethod
    def build(
        cls,
        levels: Sequence[str],
        aliases: Mapping[str, Sequence[str]] | None = None,
        descriptions: Mapping[str, str] | None = None,
        *,
        from_config: bool = False,
    ) -> Scale:
        """Built-in aliases of default-named levels apply unless the config gives the spelling
        to another level; a level's own name always wins."""
        aliases = aliases or {}
        table: dict[str, str] = {}
        for level in levels:
            if level in DEFAULT_ALIASES and not aliases.get(level):
                table.update((fold(a), level) for a in DEFAULT_ALIASES[level])
        # a custom scale's names are words alerts may carry (Azure's Sev0); the default names
        # are left to each format's own map (Azure's Sev1 is SEV-2 there)
        custom = from_config and tuple(levels) != SEVERITIES
        configured = {fold(level) for level in levels} if custom else set()
        for level, spellings in aliases.items():
            table.update((fold(a), level) for a in spellings)
            configured.update(fold(a) for a in spellings)
        table.update((fold(level), level) for level in levels)
        return cls(tuple(levels), table, frozenset(configured), dict(descriptions or {}))

    @property
    def worst(self) -> str:
        return self.levels[0]

    def lookup(self, text: str) -> str | None:
        """The level `text` names, or None."""
        folded = fold(text)
        if not folded:
            return None
        if folded in self.aliases:
            return self.aliases[folded]
        numbered = _NUMBERED.match(folded)
        if numbered:
            return self._numbered(int(numbered.group(1)))
        return None

    def normalise(self, text: str) -> str:
        """The level `text` names; anything else is refused, saying what works."""
        found = self.lookup(text)
        if found is not None:
            return found
        numbered = _NUMBERED.match(fold(text))
        if numbered:
            raise InputError(
                f"severity {text!r} is not on this team's scale ({', '.join(self.levels)}; "
                f"{self.worst} is the most severe); use {self.worst} for the worst, or add the level "
                "under `severities:` in incidents/config.yaml"
            )
        raise InputError(f"severity {text!r}: {self.choices()}")

    def choices(self) -> str:
        """What `normalise` accepts, for a refusal."""
        number = self._number_of(self.worst)
        forms = ""
        if number is not None and self._numbered(number) == self.worst:
            forms = f"; sev{number}, {number} and P{number} also work"
        words = [
            alias.lower()
            for level in self.levels
            for alias, named in self.aliases.items()
            if named == level and alias.isalpha() and alias != fold(level)
        ]
        also = f"; so do {', '.join(words[:8])}" if words else ""
        return f"choose one of {', '.join(self.levels)} ({self.worst} is the most severe{forms}{also})"

    def rank(self, level: str | None) -> int:
        """0 for the most severe; unknown levels after every known one."""
        return self.levels.index(level) if level in self.levels else len(self.levels)

    def onto(self, default_level: str | None) -> str | None:
        """A level of the built-in SEV-1..SEV-4 scale (what alert formats map to) on this scale:
        the same name or number, else the same position (SEV-1 is the worst level)."""
        if default_level is None:
            return None
        found = self.lookup(default_level)
        if found is not None or default_level not in SEVERITIES:
            return found
        return self.levels[min(SEVERITIES.index(default_level), len(self.levels) - 1)]

    def configured_level(self, raw: str | None) -> str | None:
        """The level an alert's own word names, when the config wrote that word."""
        if raw is None:
            return None
        folded = fold(raw)
        return self.aliases[folded] if folded in self.configured else None

    def most_severe(self, levels: Iterable[str | None]) -> str | None:
        known = [level for level in levels if level in self.levels]
        return min(known, key=self.levels.index) if known else None

    def _numbered(self, number: int) -> str | None:
        matches = [level for level in self.levels if self._number_of(level) == number]
        return matches[0] if len(matches) == 1 else None

    @staticmethod
    def _number_of(level: str) -> int | None:
        found = _TRAILING_NUMBER.search(level)
        return int(found.group(1)) if found else None


DEFAULT_SCALE = Scale.build(SEVERITIES)


def normalise(value: str, scale: Scale = DEFAULT_SCALE) -> str:
    """`SEV-2`, `sev2`, `SEV_2`, `Sev 2`, `2`, `P2` or `major` → `SEV-2` on the default scale."""
    return scale.normalise(value)


def by_rules(config: Config, value: float | None, threshold: float | None) -> str | None:
    """The configured rule for how far `value` exceeds `threshold` (the SLO), if any."""
    if value is None or threshold is None or threshold <= 0:
        return None
    ratio = value / threshold
    for rule in config.severity_rules:
        if ratio >= rule.min_ratio:
            return rule.severity
    return None


def choose(
    config: Config,
    explicit: str | None,
    from_payload: str | None,
    value: float | None,
    threshold: float | None,
) -> str:
    """An explicit --severity wins, then the payload's own, then config rules, then the default."""
    return explicit or from_payload or by_rules(config, value, threshold) or config.default_severity
