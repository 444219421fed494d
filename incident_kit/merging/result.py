"""What a merge returns: the merged text, and each contradiction it left marked in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Conflict:
    """Both sides changed one thing differently: a key (`severity`, `alert.status`) or a
    section (`## Summary`), with each side's value as it reads in the file."""

    where: str
    ours: str
    theirs: str

    def describe(self) -> str:
        return f"{self.where}: {self.ours!r} (ours) vs {self.theirs!r} (theirs)"


@dataclass(frozen=True)
class Merged:
    text: str
    conflicts: tuple[Conflict, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.conflicts


@dataclass(frozen=True)
class Markers:
    """git's conflict markers: `<<<<<<< ours` … `=======` … `>>>>>>> theirs`."""

    size: int = 7
    ours: str = "ours"
    theirs: str = "theirs"

    def wrap(self, ours: Sequence[str], theirs: Sequence[str]) -> list[str]:
        return [
            f"{'<' * self.size} {self.ours}",
            *ours,
            "=" * self.size,
            *theirs,
            f"{'>' * self.size} {self.theirs}",
        ]


@dataclass
class Output:
    """Lines being merged, with the conflicts marked in them so far."""

    markers: Markers
    lines: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def add(self, lines: Sequence[str]) -> None:
        self.lines.extend(lines)

    def clash(self, where: str, ours: Sequence[str], theirs: Sequence[str], *, keyed: bool = False) -> None:
        """Mark a contradiction: both sides' lines between markers, and a report of it."""
        shown = key_value if keyed else lines_text
        self.conflicts.append(Conflict(where, shown(ours), shown(theirs)))
        self.lines.extend(self.markers.wrap(ours, theirs))

    def take(self, other: Output) -> None:
        self.lines.extend(other.lines)
        self.conflicts.extend(other.conflicts)


def key_value(lines: Sequence[str]) -> str:
    """A frontmatter key's value as a report shows it: `SEV-1`, not `severity: SEV-1  # …`."""
    content = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    if len(content) == 1:
        value = content[0].split(":", 1)[1] if ":" in content[0] else content[0]
        comment = value.find(" #")
        return (value[:comment] if comment >= 0 else value).strip() or "(empty)"
    return lines_text(content[1:] if content else content)


def lines_text(lines: Sequence[str]) -> str:
    """Lines as a report shows them: joined, without blank ones, cut short."""
    shown = [line.strip() for line in lines if line.strip()]
    text = " / ".join(shown) if shown else "(removed)"
    return text if len(text) <= 120 else text[:119] + "…"
