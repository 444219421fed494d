"""The hostile pull requests: each finding of the security review, as the files a PR commits.

A case writes into a clone of the base repository (`Base`): the config, the index, or the files
of the *victim* incident, which the pull request edits. The *healthy* incident, with a
post-mortem and one action item, is never touched: whatever the pull request did, `sync` must
still open its GitHub issue (unless the case breaks the config every command needs).

Files outside the repository that symlinks point at hold `SENTINEL`; it must never appear in
any output or commit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SENTINEL = "planted-beyond-the-repository-5b0c"
LONG = 200_000  # one line this long: 40 KB of it took a minute before the parsers were linear


@dataclass(frozen=True)
class Base:
    root: Path
    healthy: str  # id of the incident with a post-mortem and an action item
    victim: str  # id of the incident the pull requests edit
    victim_folder: str  # its folder, relative to the root

    @property
    def victim_md(self) -> str:
        return f"{self.victim_folder}/incident.md"

    @property
    def victim_pm(self) -> str:
        return f"{self.victim_folder}/postmortem.md"


@dataclass(frozen=True)
class Case:
    finding: str  # what the review found, in its words
    apply: Callable[[Base, Path], None]  # (base, the folder outside the repository) -> None
    # the file validate's annotation must name, and its line when the file has lines (worked
    # out on the base, before the case is applied)
    where: Callable[[Base], tuple[str, int | None]]
    breaks_config: bool = False  # commands that need the config refuse (cleanly) instead


# --- building blocks ------------------------------------------------------------------------------


def write(base: Base, rel: str, text: str | bytes) -> None:
    path = base.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(path):
        path.unlink()
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)


def symlink(base: Base, rel: str, target: str | Path) -> None:
    path = base.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(path):
        path.unlink()
    path.symlink_to(target)


def frontmatter_line(base: Base, key: str) -> int:
    """The file line of a top-level key of the victim's incident.md (line 1 is the fence)."""
    lines = (base.root / base.victim_md).read_text("utf-8").split("\n")
    return next(n for n, line in enumerate(lines, 1) if line.startswith(f"{key}:"))


def add_to_frontmatter(base: Base, lines: list[str]) -> None:
    """Insert lines just before the closing fence of the victim's frontmatter."""
    text = (base.root / base.victim_md).read_text("utf-8")
    head, _, body = text.partition("\n---\n")
    write(base, base.victim_md, head + "\n" + "\n".join(lines) + "\n---\n" + body)


def victim_line_after_frontmatter(base: Base) -> int:
    """The line number the first line added by `add_to_frontmatter` gets."""
    text = (base.root / base.victim_md).read_text("utf-8")
    return text.partition("\n---\n")[0].count("\n") + 2


def add_to_body(base: Base, line: str) -> None:
    path = base.root / base.victim_md
    write(base, base.victim_md, path.read_text("utf-8").rstrip("\n") + "\n\n" + line + "\n")


def victim_postmortem(base: Base, item_line: str) -> None:
    """A hand-written post-mortem for the victim whose one action item is `item_line` (line 8)."""
    write(base, base.victim_pm, f"# Post-mortem\n\n## Summary\n\nWritten.\n\n## Action items\n{item_line}\n")


def config_lines(base: Base) -> int:
    return (base.root / "incidents/config.yaml").read_text("utf-8").count("\n")


def append_to_config(base: Base, text: str) -> None:
    path = base.root / "incidents/config.yaml"
    write(base, "incidents/config.yaml", path.read_text("utf-8") + text)


def replace_in_config(base: Base, old: str, new: str) -> None:
    path = base.root / "incidents/config.yaml"
    text = path.read_text("utf-8")
    assert old in text, old
    write(base, "incidents/config.yaml", text.replace(old, new))


def alias_bomb(prefix: str = "") -> list[str]:
    """Ten lines that expand to 9^10 (3.5 billion) strings: the "billion laughs"."""
    lines = [f"{prefix}lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, 10):
        lines.append(f"{prefix}lol{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    return lines


# --- the cases ------------------------------------------------------------------------------------

CONFIG = "incidents/config.yaml"
INDEX = "incidents/README.md"
ACTION_ITEM_LINE = 8  # of `victim_postmortem`


def _config_alias_bomb(base: Base, outside: Path) -> None:
    append_to_config(base, "\n".join(alias_bomb()) + "\n")


def _config_tag(base: Base, outside: Path) -> None:
    append_to_config(base, "hook: !!python/object/apply:os.system ['touch pwned-by-a-tag']\n")


def _config_symlink_outside(base: Base, outside: Path) -> None:
    symlink(base, CONFIG, outside / "decoy-config.yaml")


def _config_symlink_passwd(base: Base, outside: Path) -> None:
    symlink(base, CONFIG, "/etc/passwd")


def _config_symlink_zero(base: Base, outside: Path) -> None:
    symlink(base, CONFIG, "/dev/zero")


def _index_symlink_zero(base: Base, outside: Path) -> None:
    symlink(base, INDEX, "/dev/zero")


def _index_symlink_outside(base: Base, outside: Path) -> None:
    symlink(base, INDEX, outside / "decoy-readme.md")


def _incident_symlink_zero(base: Base, outside: Path) -> None:
    symlink(base, base.victim_md, "/dev/zero")


def _postmortem_symlink_outside(base: Base, outside: Path) -> None:
    symlink(base, base.victim_pm, outside / "decoy-postmortem.md")


def _month_symlink_outside(base: Base, outside: Path) -> None:
    symlink(base, "incidents/2026-10", outside / "month")


def _announcement_channel(base: Base, outside: Path) -> None:
    replace_in_config(
        base,
        '  announcement_channel: "#incidents"',
        '  announcement_channel: "#incidents\\n::warning::forged by a pull request"',
    )


def _frontmatter_alias_bomb(base: Base, outside: Path) -> None:
    add_to_frontmatter(base, alias_bomb("x_"))


def _frontmatter_deep_nesting(base: Base, outside: Path) -> None:
    add_to_frontmatter(base, ["x_nest:", "  " + "- " * 50_000 + "deep"])  # segfaulted the C parser


def _frontmatter_flow_nesting(base: Base, outside: Path) -> None:
    add_to_frontmatter(base, ["x_flow: " + "[" * 100_000 + "]" * 100_000])


def _frontmatter_tag(base: Base, outside: Path) -> None:
    add_to_frontmatter(base, ["x_blob: !!binary aGVsbG8="])


def _frontmatter_broken(base: Base, outside: Path) -> None:
    add_to_frontmatter(base, ["x_list: [unclosed"])


def _incident_oversized(base: Base, outside: Path) -> None:
    text = (base.root / base.victim_md).read_text("utf-8")
    entry = "- 2026-11-26T15:01:00Z — a padding entry of a plausible length, over and over — bob\n"
    write(base, base.victim_md, text + entry * (3 * 1024 * 1024 // len(entry)))


def _heading_of_hashes(base: Base, outside: Path) -> None:
    add_to_body(base, "# " + "#" * LONG + "x")


def _heading_of_spaces_and_hashes(base: Base, outside: Path) -> None:
    add_to_body(base, "## " + "# " * (LONG // 2) + "x")


def _separator_spaces(base: Base, outside: Path) -> None:
    victim_postmortem(
        base, "- [ ] AI-1: x" + " " * LONG + "y — owner: @alice — due: 2026-12-10 — type: prevent"
    )


def _separator_issue_fields(base: Base, outside: Path) -> None:
    victim_postmortem(
        base,
        "- [ ] AI-1: x — owner: @alice — due: 2026-12-10 — type: prevent" + " -- issue:" * (LONG // 10) + "—",
    )


def _comment_runs(base: Base, outside: Path) -> None:
    victim_postmortem(base, "- [ ] AI-1: x " + "<!--" * (LONG // 4))


def _backtick_runs(base: Base, outside: Path) -> None:
    add_to_body(base, "`" * LONG)


def _owner_mentions(base: Base, outside: Path) -> None:
    victim_postmortem(
        base,
        "- [ ] AI-1: Rotate the keys — owner: @alice @bob @acme/security-team "
        "![x](https://tracker.example/p.png) — due: 2026-12-10 — type: prevent",
    )


def _non_utf8_name(base: Base, outside: Path) -> None:
    folder = os.fsencode(base.root / "incidents" / "2026-11")
    with open(os.path.join(folder, b"caf\xe9-notes.md"), "wb") as handle:
        handle.write(b"notes\n")


def _config_end(base: Base) -> tuple[str, int | None]:
    return CONFIG, config_lines(base) + 1  # the first line a case appends


def _config_key(key: str) -> Callable[[Base], tuple[str, int | None]]:
    def where(base: Base) -> tuple[str, int | None]:
        lines = (base.root / CONFIG).read_text("utf-8").split("\n")
        return CONFIG, next(n for n, line in enumerate(lines, 1) if line.strip().startswith(f"{key}:"))

    return where


def _file(rel: str) -> Callable[[Base], tuple[str, int | None]]:
    return lambda base: (rel, 1)


def _victim_frontmatter_end(base: Base) -> tuple[str, int | None]:
    return base.victim_md, victim_line_after_frontmatter(base)


def _victim_frontmatter_end_plus(offset: int) -> Callable[[Base], tuple[str, int | None]]:
    return lambda base: (base.victim_md, victim_line_after_frontmatter(base) + offset)


def _victim_body_end(base: Base) -> tuple[str, int | None]:
    text = (base.root / base.victim_md).read_text("utf-8")
    return base.victim_md, text.rstrip("\n").count("\n") + 3  # after one blank line


def _victim_md(line: int | None) -> Callable[[Base], tuple[str, int | None]]:
    return lambda base: (base.victim_md, line)


def _victim_pm(line: int | None) -> Callable[[Base], tuple[str, int | None]]:
    return lambda base: (base.victim_pm, line)


CASES: dict[str, Case] = {
    # -- the config: every command reads it --------------------------------------------------------
    "config-alias-bomb": Case(
        "High: a YAML alias bomb in incidents/config.yaml hangs every command that loads the config",
        _config_alias_bomb,
        _config_end,
        breaks_config=True,
    ),
    "config-tag": Case("a YAML tag in the config", _config_tag, _config_end, breaks_config=True),
    "config-symlink-outside": Case(
        "Medium: a symlinked config.yaml reads outside the repository",
        _config_symlink_outside,
        _file(CONFIG),
        breaks_config=True,
    ),
    "config-symlink-etc-passwd": Case(
        "Medium: config.yaml -> /etc/passwd", _config_symlink_passwd, _file(CONFIG), breaks_config=True
    ),
    "config-symlink-dev-zero": Case(
        "Medium: config.yaml -> /dev/zero grows to gigabytes",
        _config_symlink_zero,
        _file(CONFIG),
        breaks_config=True,
    ),
    "announcement-channel": Case(
        "Low: slack.announcement_channel printed raw (a ::warning line, Markdown in the job summary)",
        _announcement_channel,
        _config_key("announcement_channel"),
        breaks_config=True,
    ),
    # -- the index ----------------------------------------------------------------------------------
    "index-symlink-dev-zero": Case(
        "Medium: README.md -> /dev/zero grows to gigabytes", _index_symlink_zero, _file(INDEX)
    ),
    "index-symlink-outside": Case(
        "Medium: a symlinked README.md reads outside the repository", _index_symlink_outside, _file(INDEX)
    ),
    # -- symlinks among the incidents -----------------------------------------------------------------
    "incident-symlink-dev-zero": Case("incident.md -> /dev/zero", _incident_symlink_zero, _victim_md(1)),
    "postmortem-symlink-outside": Case(
        "postmortem.md -> a file outside", _postmortem_symlink_outside, _victim_pm(1)
    ),
    "month-symlink-outside": Case(
        "a month folder -> a folder outside", _month_symlink_outside, _file("incidents/2026-10")
    ),
    # -- YAML in frontmatter ------------------------------------------------------------------------
    "frontmatter-alias-bomb": Case(
        "Medium: an alias bomb in incident.md frontmatter hangs validate and show --format json",
        _frontmatter_alias_bomb,
        _victim_frontmatter_end,
    ),
    "frontmatter-deep-block-nesting": Case(
        "50,000 nested block lists (crashed the C parser)",
        _frontmatter_deep_nesting,
        _victim_frontmatter_end_plus(1),
    ),
    "frontmatter-deep-flow-nesting": Case(
        "100,000 nested flow lists (crashed the C parser)", _frontmatter_flow_nesting, _victim_frontmatter_end
    ),
    "frontmatter-tag": Case("a YAML tag in frontmatter", _frontmatter_tag, _victim_frontmatter_end),
    "frontmatter-broken": Case(
        "Robustness: one broken incident.md stops sync for every incident",
        _frontmatter_broken,
        _victim_md(None),
    ),
    "incident-oversized": Case(
        "Robustness: one oversized incident.md stops sync for every incident",
        _incident_oversized,
        _victim_md(1),
    ),
    # -- long lines for the Markdown scanners ---------------------------------------------------------
    "heading-of-hashes": Case(
        "Medium: quadratic regexes on Markdown headings (a run of #)", _heading_of_hashes, _victim_body_end
    ),
    "heading-of-spaced-hashes": Case(
        "Medium: quadratic regexes on Markdown headings (# # # …)",
        _heading_of_spaces_and_hashes,
        _victim_body_end,
    ),
    "backtick-runs": Case("a line of backticks", _backtick_runs, _victim_body_end),
    "action-item-separator-spaces": Case(
        "Medium: quadratic regexes on action-item separators (a run of spaces)",
        _separator_spaces,
        _victim_pm(ACTION_ITEM_LINE),
    ),
    "action-item-issue-fields": Case(
        "Medium: quadratic regexes on action-item fields (-- issue: …)",
        _separator_issue_fields,
        _victim_pm(ACTION_ITEM_LINE),
    ),
    "comment-runs": Case(
        "Medium: quadratic regexes on <!-- runs", _comment_runs, _victim_pm(ACTION_ITEM_LINE)
    ),
    # -- what reaches people --------------------------------------------------------------------------
    "owner-mentions": Case(
        "Low-medium: an action item's owner with team mentions and a tracking image reaches the issue body",
        _owner_mentions,
        _victim_pm(ACTION_ITEM_LINE),
    ),
    "non-utf8-file-name": Case(
        "Low: a non-UTF-8 file name makes validate --changed-since exit 3",
        _non_utf8_name,
        lambda base: ("incidents/2026-11/caf\\xe9-notes.md", 1),
    ),
}


def decoys(outside: Path) -> None:
    """What the symlinks point at: valid-looking files that carry `SENTINEL`."""
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "decoy-config.yaml").write_text(
        f"slack:\n  announcement_channel: '#{SENTINEL}'\nservices:\n  {SENTINEL}: {{}}\n", "utf-8"
    )
    (outside / "decoy-readme.md").write_text(f"# {SENTINEL}\n", "utf-8")
    (outside / "decoy-postmortem.md").write_text(
        f"# Post-mortem\n\n## Action items\n\n- [ ] AI-1: {SENTINEL} — owner: @alice — due: 2026-12-10"
        " — type: prevent\n",
        "utf-8",
    )
    folder = outside / "month" / "inc-20261001-dcy1-decoy"
    folder.mkdir(parents=True, exist_ok=True)
    frontmatter = f"id: inc-20261001-dcy1\ntitle: {SENTINEL}\nstatus: triage\nseverity: SEV-1\n"
    (folder / "incident.md").write_text(f"---\n{frontmatter}---\n\n## Timeline\n", "utf-8")
