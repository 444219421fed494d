"""The managed steps of an installed workflow: the lines `incident init --upgrade` owns.

A workflow installed by `incident init` runs the CLI through incident-kit's own GitHub Action,
pinned by commit SHA with the release in a comment. That step sits between two marker
comments; everything outside them belongs to the team (extra steps, a changed schedule, their
own env), and an upgrade rewrites only what is between them:

    # incident-kit: managed step, rewritten by `incident init --upgrade` (edit around it)
    - name: Install incident-kit
      id: install
      uses: incident-kit/incident-kit@<40-hex commit> # v0.1.0
    # incident-kit: end of managed step

Pure text in, text out; line endings and every byte outside the blocks are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from incident_kit.errors import RefusedError

ACTION_REPOSITORY = "incident-kit/incident-kit"
BEGIN = "# incident-kit: managed step"
END = "# incident-kit: end of managed step"
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
_USES = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?uses:\s*)(?P<repo>[\w.-]+/[\w.-]+)@(?P<ref>[^\s#]+)"
    r"(?:\s+#\s*(?P<comment>\S.*?))?\s*$"
)
_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)")


@dataclass(frozen=True)
class ActionPin:
    """Which commit of the action a workflow runs, and the release it is."""

    repo: str
    ref: str
    version: str

    @property
    def pinned(self) -> bool:
        return bool(FULL_SHA.match(self.ref))

    def uses(self) -> str:
        return f"{self.repo}@{self.ref} # v{self.version.removeprefix('v')}"


@dataclass(frozen=True)
class FoundPin:
    line: int  # 1-based
    pin: ActionPin


@dataclass(frozen=True)
class _Block:
    start: int  # index of the BEGIN line
    end: int  # index of the END line


def _blocks(lines: list[str], name: str) -> list[_Block]:
    blocks: list[_Block] = []
    start: int | None = None
    for index, line in enumerate(lines):
        text = line.strip()
        if text.startswith(BEGIN):
            if start is not None:
                raise RefusedError(f"{name}:{index + 1}: a managed step starts inside another")
            start = index
        elif text.startswith(END):
            if start is None:
                raise RefusedError(f"{name}:{index + 1}: end of a managed step that never started")
            blocks.append(_Block(start, index))
            start = None
    if start is not None:
        raise RefusedError(f"{name}:{start + 1}: managed step without its end marker ({END!r})")
    return blocks


def _uses_lines(lines: list[str], blocks: list[_Block]) -> Iterator[tuple[int, re.Match[str]]]:
    for block in blocks:
        for index in range(block.start + 1, block.end):
            match = _USES.match(lines[index].rstrip("\r\n"))
            if match:
                yield index, match


def pins(text: str, name: str = "workflow") -> list[FoundPin]:
    """The action references inside the managed steps, with their line numbers."""
    lines = text.splitlines(keepends=True)
    found = []
    for index, match in _uses_lines(lines, _blocks(lines, name)):
        comment = match.group("comment") or ""
        version = _VERSION.match(comment)
        pin = ActionPin(match.group("repo"), match.group("ref"), version.group(1) if version else "")
        found.append(FoundPin(index + 1, pin))
    return found


def has_managed_steps(text: str, name: str = "workflow") -> bool:
    return bool(_blocks(text.splitlines(keepends=True), name))


def render(template: str, pin: ActionPin, name: str = "workflow") -> str:
    """`template` with every managed `uses:` pointing at `pin`."""
    lines = template.splitlines(keepends=True)
    for index, match in list(_uses_lines(lines, _blocks(lines, name))):
        ending = lines[index][len(lines[index].rstrip("\r\n")) :]
        lines[index] = f"{match.group('lead')}{pin.uses()}{ending}"
    return "".join(lines)


def upgrade(installed: str, template: str, pin: ActionPin, name: str = "workflow") -> str:
    """`installed` with each managed step replaced by the new template's, pinned to `pin`.

    Refused when the file has no managed step (written by hand, or edited past recognition)
    or a different number of them than the template: guessing would lose someone's edits.
    """
    old_lines = installed.splitlines(keepends=True)
    old_blocks = _blocks(old_lines, name)
    new_lines = render(template, pin, name).splitlines(keepends=True)
    new_blocks = _blocks(new_lines, f"{name} (template)")
    if not old_blocks:
        raise RefusedError(
            f"{name}: no managed step (the `{BEGIN}` comment) to upgrade; "
            "move the file away and run `incident init` to install the current one"
        )
    if len(old_blocks) != len(new_blocks):
        raise RefusedError(
            f"{name}: {len(old_blocks)} managed step(s) where this release has {len(new_blocks)}; "
            "move the file away and run `incident init` to install the current one"
        )
    newline = "\r\n" if old_lines and old_lines[0].endswith("\r\n") else "\n"
    out: list[str] = []
    cursor = 0
    for old, new in zip(old_blocks, new_blocks, strict=True):
        out += old_lines[cursor : old.start]
        indent = _indent(old_lines[old.start]) - _indent(new_lines[new.start])
        for line in new_lines[new.start : new.end + 1]:
            body = line.rstrip("\r\n")
            out.append((_shift(body, indent) if body else body) + newline)
        cursor = old.end + 1
    out += old_lines[cursor:]
    return "".join(out)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _shift(line: str, by: int) -> str:
    return " " * by + line if by >= 0 else line[min(-by, _indent(line)) :]


def version_tuple(version: str) -> tuple[int, ...] | None:
    """`0.2.0` → (0, 2, 0); a pre-release suffix is ignored; None when there is no number."""
    match = _VERSION.match(version.strip())
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def older(version: str, than: str) -> bool:
    mine, theirs = version_tuple(version), version_tuple(than)
    if mine is None or theirs is None:
        return False
    width = max(len(mine), len(theirs))
    return mine + (0,) * (width - len(mine)) < theirs + (0,) * (width - len(theirs))
