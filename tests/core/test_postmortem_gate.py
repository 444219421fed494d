"""One post-mortem gate: `close` refuses exactly what `validate` rejects, naming each line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import postmortems
from support.cli import declare, run_cli
from support.repos import git

from incident_kit.postmortem import placeholder, unwritten_sections

REQUIRED_SEV2 = ("Summary", "Impact", "Root cause", "Action items")
GOOD_ITEM = "- [ ] AI-1: Fix — owner: @bob — due: 2026-12-01 — type: prevent"


@pytest.mark.parametrize(
    "line",
    [
        "TBD",
        "tbd.",
        "- TODO",
        "**TODO**",
        "TODO: write this",
        "?",
        "-",
        "n/a",
        "N/A",
        "…",
        "...",
        "- [ ] TBD",
    ],
)
def test_a_placeholder_line_is_not_text(line: str) -> None:
    assert placeholder(line)


@pytest.mark.parametrize(
    "line",
    ["Written.", "Some.", "None of the users noticed.", "Todo list service crashed", "1,200 failed logins"],
)
def test_a_line_a_person_wrote_is_text(line: str) -> None:
    assert not placeholder(line)


def test_unwritten_sections_name_the_placeholder_line_or_the_heading() -> None:
    text = (
        "# PM\n\n## Summary\n\nTBD\n\n## Impact\n\n- Severity: SEV-2\n<!-- prompt -->\n\n"
        "## Root cause\n\nA pool too small.\n"
    )
    found = unwritten_sections(text, ("Summary", "Impact", "Root cause", "Resolution"), "pm.md")
    assert [(u.title, u.line) for u in found] == [("Summary", 5), ("Impact", 7), ("Resolution", 1)]
    assert "'TBD' is a placeholder" in found[0].message
    assert "only the template's prompts" in found[1].message
    assert "missing" in found[2].message


def _in_postmortem(repo: Path, severity: str = "SEV-2") -> tuple[str, Path]:
    incident_id = str(declare(repo, severity=severity)["id"])
    for step in ("resolve", "postmortem"):
        result = run_cli([step, incident_id, "--repo", str(repo)])
        assert result.code == 0, result.stderr
    return incident_id, next((repo / "incidents").glob(f"*/{incident_id}*/postmortem.md"))


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("stand_in", ["TBD", "todo", "?", "-", "n/a", "…"])
def test_close_refuses_a_placeholder_summary_naming_its_line(repo: Path, stand_in: str) -> None:
    incident_id, pm = _in_postmortem(repo)
    text = postmortems.fill(pm.read_text())
    text = text.replace("## Summary\n\nWritten.", f"## Summary\n\n{stand_in}", 1)
    pm.write_text(text)
    before = git(repo, "rev-parse", "HEAD")
    result = run_cli(["close", incident_id, "--repo", str(repo)])
    assert result.code == 1 and result.stderr.count("\n") == 1, result.stderr
    line = _line_of(text, f"## Summary\n\n{stand_in}") + 2
    assert f"postmortem.md:{line}: fill in Summary: {stand_in!r} is a placeholder" in result.stderr
    assert git(repo, "rev-parse", "HEAD") == before  # nothing committed


@pytest.mark.parametrize(
    ("item", "says"),
    [
        (GOOD_ITEM + "\n" + GOOD_ITEM.replace("Fix", "Again"), "id AI-1 is also used on line"),
        ("- [ ] Fix the pool — owner: @bob — due: 2026-12-01 — type: prevent", "must start with an id"),
        (GOOD_ITEM.replace("2026-12-01", "2026-02-30"), "due date '2026-02-30' is not YYYY-MM-DD"),
        (GOOD_ITEM.replace("prevent", "prevnet"), "needs '— type: prevent/mitigate/detect/process'"),
        (GOOD_ITEM.replace(" — owner: @bob", ""), "needs '— owner: @someone'"),
        (GOOD_ITEM.replace(" — due: 2026-12-01", ""), "needs '— due: YYYY-MM-DD'"),
    ],
)
def test_close_refuses_each_broken_action_item_naming_its_line(repo: Path, item: str, says: str) -> None:
    incident_id, pm = _in_postmortem(repo)
    text = postmortems.fill(pm.read_text(), action_item=item + "\n")
    pm.write_text(text)
    result = run_cli(["close", incident_id, "--repo", str(repo)])
    assert result.code == 1, result.stderr
    last = item.split("\n")[-1]
    assert f"postmortem.md:{_line_of(text, last)}: " in result.stderr and says in result.stderr, result.stderr


def test_a_severity_without_required_sections_still_closes_only_with_sound_action_items(repo: Path) -> None:
    incident_id, pm = _in_postmortem(repo, severity="SEV-4")
    pm.write_text(pm.read_text().replace("## Action items\n\n", "## Action items\n\n- [ ] no id here\n"))
    refused = run_cli(["close", incident_id, "--repo", str(repo)])
    assert refused.code == 1 and "must start with an id" in refused.stderr
    pm.write_text(pm.read_text().replace("- [ ] no id here\n", ""))
    assert run_cli(["close", incident_id, "--repo", str(repo)]).code == 0


CORPUS: dict[str, str] = {
    "written": "",
    "summary TBD": "summary:TBD",
    "impact n/a": "impact:n/a",
    "root cause ?": "root:?",
    "summary only a dash": "summary:-",
    "impact left as the facts": "impact:",
    "ellipsis everywhere": "summary:…|impact:…|root:…",
    "duplicate ids": "items:" + GOOD_ITEM + "\n" + GOOD_ITEM,
    "no id": "items:- [ ] Fix it — owner: @bob — due: 2026-12-01 — type: prevent",
    "impossible date": "items:" + GOOD_ITEM.replace("2026-12-01", "2026-02-30"),
    "misspelt type": "items:" + GOOD_ITEM.replace("prevent", "prevnt"),
    "todo with words": "root:TODO: ask the DB team",
}
_SECTION = {"summary": "Summary", "impact": "Impact", "root": "Root cause"}


def _corpus_text(template: str, recipe: str) -> str:
    text = postmortems.fill(template)
    for part in filter(None, recipe.split("|")):
        key, _, value = part.partition(":")
        if key == "items":
            text = text.replace(postmortems.ACTION_ITEM, value + "\n")
        else:
            title = _SECTION[key]
            text = re.sub(
                rf"(## {title}\n\n(?:- [^\n]*\n)*)Written\.",
                lambda m, value=value: m.group(1) + value,
                text,
                count=1,
            )
    return text


def test_close_and_validate_agree_on_a_corpus_of_post_mortems(repo: Path) -> None:
    """Whatever `close` accepts passes `validate`; whatever it refuses, `validate` rejects once the
    incident is closed by hand — on exactly the lines `close` named."""
    for name, recipe in CORPUS.items():
        incident_id, pm = _in_postmortem(repo)
        pm.write_text(_corpus_text(pm.read_text(), recipe))
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"post-mortem: {name}")
        closed = run_cli(["close", incident_id, "--repo", str(repo)])
        if closed.code != 0:
            incident = pm.parent / "incident.md"
            text = incident.read_text().replace("status: postmortem", "status: closed", 1)
            incident.write_text(text.replace("closed_at: null", "closed_at: 2026-11-26T15:00:00Z", 1))
        report = json.loads(run_cli(["validate", "--format", "json", "--repo", str(repo)]).stdout)
        rel = str(pm.relative_to(repo))
        errors = [p for p in report["problems"] if p["path"] == rel and p["level"] == "error"]
        if closed.code == 0:
            assert errors == [], (name, errors)
            continue
        assert closed.code == 1 and errors, (name, closed.stderr)
        named = {int(n) for n in re.findall(rf"{re.escape(rel)}:(\d+): ", closed.stderr)}
        assert named == {p["line"] for p in errors}, (name, closed.stderr, errors)
        for problem in errors:
            assert problem["message"] in closed.stderr, (name, problem)
        git(repo, "checkout", "-q", "--", ".")  # the hand-closed file back, for the next case
    assert sum(1 for _ in (repo / "incidents").glob("*/*/postmortem.md")) == len(CORPUS)
