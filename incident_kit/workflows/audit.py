"""Supply-chain facts about a workflow's text: every action pinned by a full commit SHA, and no
package installed by bare name from an index.

A tag (`@v4`) or a branch can be moved to other code after review; a 40-hex commit cannot.
A `pip install some-name` in a job that holds write tokens runs whatever owns that name on the
index that day. The one acceptable install is from a lock file with hashes
(`--require-hashes -r <lock>`). Text in, findings out; used by `incident doctor` and the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*['\"]?(?P<ref>[^\s'\"#]+)")
_PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")
# package managers' install / run-from-index verbs
_INSTALL = re.compile(
    r"(?:^|[\s;&|(`])(?:"
    r"(?:python3?\s+-m\s+)?pip3?\s+install"
    r"|uv\s+(?:pip\s+install|tool\s+(?:install|run)|add)"
    r"|uvx|pipx\s+(?:install|run)|poetry\s+add|conda\s+install"
    r"|npm\s+(?:install|i|add)|npx|pnpm\s+(?:install|add|dlx)|yarn\s+(?:add|dlx)"
    r"|gem\s+install|go\s+install|cargo\s+install"
    r")(?=\s|$)"
)


@dataclass(frozen=True)
class Finding:
    line: int  # 1-based
    text: str  # the offending reference or command


def unpinned_uses(text: str) -> list[Finding]:
    """`uses:` references not pinned to a full commit SHA (local `./` actions are exempt)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        match = _USES.match(line)
        if match is None:
            continue
        ref = match.group("ref")
        if ref.startswith("./") or (ref.startswith("docker://") and "@sha256:" in ref):
            continue
        if not _PINNED.match(ref):
            found.append(Finding(number, ref))
    return found


def bare_installs(text: str) -> list[Finding]:
    """Install commands that do not install from a lock file with hashes."""
    found = []
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        start = number
        command = lines[number]
        # a command continued over several lines with `\` is one command
        while command.rstrip().endswith("\\") and number + 1 < len(lines):
            number += 1
            command = command.rstrip()[:-1] + " " + lines[number].strip()
        number += 1
        code = command.split(" #", 1)[0]
        if code.lstrip().startswith("#") or not _INSTALL.search(code):
            continue
        if "--require-hashes" in code and re.search(r"(?:^|\s)(?:-r|--requirement)[\s=]", code):
            continue
        found.append(Finding(start + 1, " ".join(code.split())))
    return found
