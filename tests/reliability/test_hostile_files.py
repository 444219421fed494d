"""Hostile hand-edited files: every command answers in one clear line, and nothing escapes the repo.

Each case puts one broken (or merely unusual) `incident.md` next to a healthy incident, commits
it as a pull request would, and runs every read and write command against the repository. What
each command owes the person, by kind of case:

- **unreadable** (not YAML, not a mapping, not closed, binary, not UTF-8, 50 MB, tab-indented,
  duplicate keys, empty, a directory, a symlink out of the repository):
  commands on the broken incident (`show`, `ack`, `note`, `severity`, `link`, `postmortem`)
  exit 1 or 2 with one `incident: ` line naming the file (and its line, where the format
  has one); `log` reads only git history and may succeed. Commands over every incident
  (`list`, `stats`, `index --check`) either fail the same way or succeed and warn in one
  line naming the file. `validate` exits 1 and reports the file (and line).
- **invalid but readable** (wrong types for each field, time stamps without a time zone, the
  timeline missing or duplicated, entries without a time stamp, an id that is not its folder's):
  `validate` exits 1 and reports the key's line; other commands either work or refuse in one
  line; never exit 3, never a traceback.
- **tolerated** (BOM, CRLF, tabs in the body): everything works and validates.

In every case: a write command on the *healthy* incident works (`note`, a manual `declare`,
and a `declare` from an alert — an alert must never be lost to an unrelated broken file); a
refused write commits nothing and leaves every byte as it was; no file outside the repository
changes (a decoy folder that the symlinks point into is checksummed before and after).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.alerts import SEED_ALERT
from support.cli import run_cli
from support.repos import git

pytestmark = pytest.mark.reliability

FOLDER = "incidents/2026-11/inc-20261120-bad1-hostile"
REL = f"{FOLDER}/incident.md"
NATIVE_ALERT = json.dumps(SEED_ALERT)

FRONTMATTER = [
    "id: inc-20261120-bad1",
    "title: Payments double charge",
    "status: triage  # the tool keeps this comment",
    "severity: SEV-3",
    "kind: incident",
    "service: payments",
    "source: manual",
    "commander: alice",
    "roles: {}",
    "impact_started_at: null",
    "detected_at: 2026-11-20T10:00:00Z",
    "declared_at: 2026-11-20T10:00:00Z",
    "acknowledged_at: null",
    "mitigated_at: null",
    "resolved_at: null",
    "postmortem_at: null",
    "closed_at: null",
    "cancel_reason: null",
    "merged_into: null",
    "links: []",
]
BODY = [
    "",
    "## Summary",
    "",
    "Customers were charged twice.",
    "",
    "## Timeline",
    "",
    "- 2026-11-20T10:00:00Z — Declared by hand, SEV-3; commander: alice — alice",
    "",
    "## Links",
    "",
]


def document(fm: list[str] | None = None, body: list[str] | None = None) -> str:
    return "\n".join(["---", *(FRONTMATTER if fm is None else fm), "---", *(BODY if body is None else body)])


def replace_key(key: str, line: str) -> list[str]:
    return [line if entry.split(":", 1)[0] == key else entry for entry in FRONTMATTER]


def line_of(key: str) -> int:
    """The file line of a top-level key in the default frontmatter (line 1 is the fence)."""
    return 2 + next(i for i, entry in enumerate(FRONTMATTER) if entry.split(":", 1)[0] == key)


BODY_START = len(FRONTMATTER) + 3  # first body line


@dataclass(frozen=True)
class Case:
    kind: str  # unreadable | invalid | tolerated
    content: bytes | None = None  # the incident.md bytes (None: `setup` builds it)
    lines: tuple[int, ...] = ()  # the line(s) an error may name, where the format has one
    setup: Callable[[Path, Path], None] | None = None  # (repo, outside) -> None
    validate_line: int | None = None  # the line validate reports (default: `line`)
    reports: tuple[str, ...] = field(default_factory=tuple)  # words validate's message contains


def text(value: str) -> bytes:
    return value.encode("utf-8")


def _symlink_file(repo: Path, outside: Path) -> None:
    folder = repo / FOLDER
    folder.mkdir(parents=True)
    (folder / "incident.md").symlink_to(outside / "decoy.md")


def _symlink_folder(repo: Path, outside: Path) -> None:
    (repo / FOLDER).parent.mkdir(parents=True, exist_ok=True)
    (repo / FOLDER).symlink_to(outside / "folder", target_is_directory=True)


def _symlink_month(repo: Path, outside: Path) -> None:
    (repo / "incidents" / "2026-10").symlink_to(outside / "month", target_is_directory=True)


def _symlink_postmortem(repo: Path, outside: Path) -> None:
    folder = repo / FOLDER
    folder.mkdir(parents=True)
    resolved = replace_key("status", "status: resolved")
    for key in ("acknowledged_at", "mitigated_at", "resolved_at"):
        resolved = [f"{key}: 2026-11-20T10:30:00Z" if e.startswith(f"{key}:") else e for e in resolved]
    (folder / "incident.md").write_text(document(resolved))
    (folder / "postmortem.md").symlink_to(outside / "decoy-postmortem.md")


def _directory(repo: Path, outside: Path) -> None:
    (repo / FOLDER / "incident.md").mkdir(parents=True)
    (repo / FOLDER / "incident.md" / "keep").write_text("a folder where the file should be\n")


def _huge(repo: Path, outside: Path) -> None:
    path = repo / FOLDER / "incident.md"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        handle.write(text(document()))
        chunk = b"- 2026-11-20T10:00:00Z \xe2\x80\x94 padding line " + b"x" * 200 + b"\n"
        handle.write(chunk * (50 * 1024 * 1024 // len(chunk) + 1))


WRONG_TYPES = {
    "id": ("id: [1, 2]", "id"),
    "title": ("title: {a: b}", "title"),
    "status": ("status: 5", "status"),
    "status-unknown": ("status: on-fire", "status"),
    "severity": ("severity: 3", "severity"),
    "severity-unknown": ("severity: SEV-9", "severity"),
    "kind": ("kind: [drill]", "kind"),
    "service": ("service: {name: payments}", "service"),
    "source": ("source: [manual]", "source"),
    "commander": ("commander: [alice, bob]", "commander"),
    "roles": ("roles: scribe", "roles"),
    "detected_at": ("detected_at: yesterday", "detected_at"),
    "declared_at": ("declared_at: 12345", "declared_at"),
    "acknowledged_at": ("acknowledged_at: true", "acknowledged_at"),
    "mitigated_at": ("mitigated_at: [2026-11-20]", "mitigated_at"),
    "resolved_at": ("resolved_at: {at: now}", "resolved_at"),
    "closed_at": ("closed_at: 2026-11-31T10:00:00Z", "closed_at"),  # November has 30 days
    "cancel_reason": ("cancel_reason: {why: test}", "cancel_reason"),
    "merged_into": ("merged_into: 5", "merged_into"),
    "links": ("links: https://example.com", "links"),
    "links-items": ("links: [1, 2]", "links"),
}

CASES: dict[str, Case] = {
    # -- unreadable -------------------------------------------------------------------------------
    # the parser notices the unclosed list on the next line
    "invalid-yaml": Case(
        "unreadable",
        text(document(replace_key("title", "title: [unclosed"))),
        (line_of("title"), line_of("title") + 1),
    ),
    "frontmatter-list": Case("unreadable", text(document(["- id", "- title"])), (2,)),
    "frontmatter-scalar": Case("unreadable", text(document(["just a sentence"])), (2,)),
    "no-closing-fence": Case("unreadable", text("\n".join(["---", *FRONTMATTER, *BODY])), (1,)),
    "no-frontmatter": Case("unreadable", text("\n".join(BODY[1:])), (1,)),
    "binary": Case("unreadable", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" + bytes(range(256)) * 8),
    "nul-in-utf8": Case("unreadable", text(document()).replace(b"Customers", b"Cust\x00omers")),
    "latin-1": Case("unreadable", text(document()).replace(b"double charge", b"caf\xe9 charge"), (3,)),
    "50-mb": Case("unreadable", None, setup=_huge),
    "tab-indented": Case(
        "unreadable", text(document([*FRONTMATTER, "alert:", "\tformat: native"])), (len(FRONTMATTER) + 3,)
    ),
    "duplicate-keys": Case(
        "unreadable", text(document([*FRONTMATTER, "status: resolved"])), (len(FRONTMATTER) + 2,)
    ),
    "empty-file": Case("unreadable", b"", (1,)),
    "directory": Case("unreadable", None, setup=_directory),
    "symlink-out-of-repo": Case("unreadable", None, setup=_symlink_file),
    # -- invalid but readable ---------------------------------------------------------------------
    **{
        f"wrong-type-{name}": Case(
            "invalid", text(document(replace_key(key, line))), validate_line=line_of(key), reports=(key,)
        )
        for name, (line, key) in WRONG_TYPES.items()
    },
    "wrong-type-alert": Case(
        "invalid", text(document([*FRONTMATTER, "alert: not a mapping"])), validate_line=len(FRONTMATTER) + 2
    ),
    "wrong-type-alert-occurrences": Case(
        "invalid",
        text(document([*FRONTMATTER, "alert:", "  dedup_key: k", "  occurrences: many"])),
        validate_line=len(FRONTMATTER) + 2,
        reports=("occurrences",),
    ),
    "naive-timestamps": Case(
        "invalid",
        text(document(replace_key("declared_at", "declared_at: 2026-11-20T10:00:00"))),
        validate_line=line_of("declared_at"),
        reports=("time zone",),
    ),
    "naive-entry": Case(
        "invalid",
        text(document(body=[*BODY[:8], "- 2026-11-20T10:05:00 — a naive entry — bob", *BODY[8:]])),
        validate_line=BODY_START + 8,
        reports=("timestamp",),
    ),
    "entry-without-timestamp": Case(
        "invalid",
        text(document(body=[*BODY[:8], "- somebody restarted the pods", *BODY[8:]])),
        validate_line=BODY_START + 8,
        reports=("timestamp",),
    ),
    "timeline-missing": Case(
        "invalid", text(document(body=[*BODY[:5], *BODY[9:]])), validate_line=None, reports=("Timeline",)
    ),
    "timeline-duplicated": Case(
        "invalid",
        text(document(body=[*BODY, "## Timeline", "", "- 2026-11-20T11:00:00Z — again — bob", ""])),
        validate_line=BODY_START + len(BODY),
        reports=("more than once",),
    ),
    "id-not-its-folder": Case(
        "invalid",
        text(document(replace_key("id", "id: inc-20261120-zzzz"))),
        validate_line=line_of("id"),
        reports=("folder",),
    ),
    "empty-mapping": Case("invalid", text(document([])), validate_line=1, reports=("missing",)),
    "symlinked-folder": Case("invalid", None, setup=_symlink_folder, validate_line=1, reports=("symlink",)),
    "symlinked-month": Case("invalid", None, setup=_symlink_month, validate_line=1, reports=("symlink",)),
    "symlinked-postmortem": Case(
        "invalid", None, setup=_symlink_postmortem, validate_line=1, reports=("symlink",)
    ),
    # -- tolerated --------------------------------------------------------------------------------
    "bom": Case("tolerated", b"\xef\xbb\xbf" + text(document())),
    "crlf": Case("tolerated", text(document()).replace(b"\n", b"\r\n")),
    "bom-and-crlf": Case("tolerated", b"\xef\xbb\xbf" + text(document()).replace(b"\n", b"\r\n")),
    "tabs-in-body": Case(
        "tolerated",
        text(document(body=[*BODY[:4], "\tindented\twith tabs", *BODY[4:]])),
    ),
}

READS = [
    ["show", "bad1"],
    ["show", "bad1", "--format", "json"],
    ["log", "bad1"],
]
SCANS = [
    ["list"],
    ["list", "--format", "json"],
    ["stats"],
    ["stats", "--format", "json"],
    ["index"],  # regenerates incidents/README.md (a write, over every incident)
    ["index", "--check"],
]
WRITES = [
    ["ack", "bad1"],
    ["note", "bad1", "looked at the broken file"],
    ["severity", "bad1", "SEV-1"],
    ["link", "bad1", "https://status.example.com"],
    ["assign", "bad1", "--commander", "bob"],
    ["postmortem", "bad1"],
]


def _tree_digest(folder: Path) -> dict[str, str]:
    digest = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in sorted(filenames + dirnames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            digest[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def _outside(tmp_path: Path) -> Path:
    """A folder outside the repository holding valid-looking files the symlinks point at."""
    outside = tmp_path / "outside"
    for rel in ("decoy.md", "folder/incident.md", "month/inc-20261001-dcy1-decoy/incident.md"):
        path = outside / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        content = document().replace("inc-20261120-bad1", "inc-20261001-dcy1" if "month" in rel else "x")
        path.write_text(content if rel != "decoy.md" else document())
    (outside / "decoy-postmortem.md").write_text("# Post-mortem\n\n## Summary\n\nkeep me\n")
    return outside


@pytest.fixture
def hostile_repo(repo: Path, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Path, Path, str, Case]:
    name = request.param
    case = CASES[name]
    outside = _outside(tmp_path)
    healthy = run_cli(
        ["declare", "--manual-incident", "--title", "Healthy one", "--format", "json", "--repo", str(repo)]
    )
    assert healthy.code == 0, healthy.stderr
    if case.setup is not None:
        case.setup(repo, outside)
    else:
        path = repo / REL
        path.parent.mkdir(parents=True)
        path.write_bytes(case.content or b"")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"hand-edited incident: {name}")
    return repo, outside, json.loads(healthy.stdout)["id"], case


def _cli(repo: Path, args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    result = run_cli([*args, "--repo", str(repo)], stdin=stdin)
    return result.code, result.stdout, result.stderr


def _names_file(stderr: str, case: Case, name: str) -> bool:
    rel = "postmortem.md" if name == "symlinked-postmortem" else REL
    if rel not in stderr:
        return False
    return not case.lines or any(f"{rel}:{line}:" in stderr for line in case.lines)


def _head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.mark.parametrize("hostile_repo", list(CASES), indirect=True)
def test_every_command_answers_a_hostile_file_in_one_clear_line(
    hostile_repo: tuple[Path, Path, str, Case], request: pytest.FixtureRequest
) -> None:
    repo, outside, healthy_id, case = hostile_repo
    name = request.node.callspec.params["hostile_repo"]
    decoy_before = _tree_digest(outside)
    problems: list[str] = []

    def check(args: list[str], code: int, stdout: str, stderr: str, *, may_pass: bool) -> None:
        where = f"`incident {' '.join(args)}` -> exit {code}, stderr {stderr!r}"
        if code == 3 or "Traceback" in stderr or "internal error" in stderr:
            problems.append(f"{where}: an internal error")
            return
        if code == 0:
            if not may_pass:
                problems.append(f"{where}: succeeded on a broken file")
            elif stderr and not (stderr.startswith("incident: ") and stderr.count("\n") == 1):
                problems.append(f"{where}: a warning must be one `incident: ` line")
            return
        if code not in (1, 2):
            problems.append(f"{where}: exit code should be 1 or 2")
        if not (stderr.startswith("incident: ") and stderr.count("\n") == 1):
            problems.append(f"{where}: not exactly one `incident: ` line")
        elif case.kind == "unreadable" and not _names_file(stderr, case, name):
            expected = " or ".join(f"{REL}:{line}" for line in case.lines) or REL
            problems.append(f"{where}: does not name {expected}")

    unreadable = case.kind == "unreadable"
    tolerated = case.kind == "tolerated"
    for args in READS:
        code, out, err = _cli(repo, args)
        check(args, code, out, err, may_pass=not unreadable or args[0] == "log")
        if tolerated and code != 0:
            problems.append(f"`incident {' '.join(args)}` failed on a tolerated file: {err!r}")
    index_failed = False
    for args in SCANS:
        code, out, err = _cli(repo, args)
        if args == ["index"]:
            index_failed = code != 0
        if args == ["index", "--check"] and code == 1 and index_failed and "out of date" in out:
            code, err = 0, err  # the index could not be written, so it is out of date: the contract
        check(args, code, out, err, may_pass=True)
        if code == 0 and unreadable and not _names_file(err, case, name):
            problems.append(f"`incident {' '.join(args)}` passed over {REL} without a word")
        if code == 0 and args == ["list", "--format", "json"]:
            ids = [item["id"] for item in json.loads(out)]
            if healthy_id not in ids:
                problems.append("`list --format json` dropped the healthy incident")
        if tolerated and code != 0:
            problems.append(f"`incident {' '.join(args)}` failed on a tolerated file: {err!r}")

    problems += _validate_reports(repo, case, name, healthy_id)

    for args in WRITES:
        before = _head(repo)
        status_before = git(repo, "status", "--porcelain")
        content_before = (repo / REL).read_bytes() if (repo / REL).is_file() else None
        code, out, err = _cli(repo, args)
        check(args, code, out, err, may_pass=not unreadable)
        after = _head(repo)
        if code != 0:
            if after != before:
                problems.append(f"`incident {' '.join(args)}` was refused but made a commit")
            if git(repo, "status", "--porcelain") != status_before:
                problems.append(f"`incident {' '.join(args)}` was refused but left changes behind")
            if (repo / REL).is_file() and (repo / REL).read_bytes() != content_before:
                problems.append(f"`incident {' '.join(args)}` was refused but changed {REL}")
        else:
            count = int(git(repo, "rev-list", "--count", f"{before}..{after}"))
            if count != 1:
                problems.append(f"`incident {' '.join(args)}` succeeded with {count} commits")
            if tolerated:
                problems += _kept_conventions(repo, case, args)

    # the rest of the repository keeps working
    for args, stdin in (
        (["note", healthy_id, "still working on the healthy one"], None),
        (["declare", "--manual-incident", "--title", "Another outage"], None),
        (["declare", "--alert-payload", "-", "--format", "json"], NATIVE_ALERT),
    ):
        code, out, err = _cli(repo, args, stdin)
        if code != 0:
            problems.append(f"`incident {' '.join(args)}` on another incident -> exit {code}: {err!r}")

    if _tree_digest(outside) != decoy_before:
        problems.append("a file outside the repository changed (written through a symlink)")
    assert not problems, f"case {name}:\n" + "\n".join(problems)


def _validate_reports(repo: Path, case: Case, name: str, healthy_id: str) -> list[str]:
    problems = []
    code, out, err = _cli(repo, ["validate"])
    json_code, json_out, _ = _cli(repo, ["validate", "--format", "json"])
    if err:
        problems.append(f"validate wrote to stderr: {err!r}")
    if case.kind == "tolerated":
        if code != 0:
            problems.append(f"validate refused a tolerated file: {out}")
        return problems
    if code != 1 or json_code != 1:
        problems.append(f"validate -> exit {code} (json: {json_code}); expected 1:\n{out}")
        return problems
    reported = json.loads(json_out)["problems"]
    mine = [p for p in reported if p["path"].startswith(FOLDER) or p["path"].startswith("incidents/2026-10")]
    if not mine:
        problems.append(f"validate does not report {REL}: {reported}")
        return problems
    lines = (case.validate_line,) if case.kind == "invalid" and case.validate_line else case.lines
    if lines and not any(p["line"] in lines for p in mine):
        problems.append(f"validate does not name line {' or '.join(map(str, lines))}: {mine}")
    for word in case.reports:
        if not any(word.lower() in p["message"].lower() for p in mine):
            problems.append(f"validate's message does not mention {word!r}: {mine}")
    if any(healthy_id in p["path"] for p in reported):
        problems.append(f"validate blames the healthy incident: {reported}")
    return problems


def _kept_conventions(repo: Path, case: Case, args: list[str]) -> list[str]:
    raw = (repo / REL).read_bytes()
    problems = []
    original = case.content or b""
    if original.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf"):
        problems.append(f"`incident {' '.join(args)}` dropped the BOM")
    if b"\r\n" in original and raw.count(b"\r\n") != raw.count(b"\n"):
        problems.append(f"`incident {' '.join(args)}` mixed line endings into a CRLF file")
    if b"\t" in original and b"\tindented\twith tabs" not in raw:
        problems.append(f"`incident {' '.join(args)}` changed the tabs in the body")
    return problems
