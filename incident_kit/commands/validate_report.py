"""How `incident validate` reports what it found: text, GitHub annotations (and the job
summary), or one JSON document.

Messages quote the files a pull request wrote, so each format escapes for where it lands: the
annotation data and properties as the runner parses them, the job summary as Markdown.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from incident_kit.validation import ERROR, WARNING, Problem


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def report(problems: list[Problem], fmt: str, *, checked: int) -> None:
    errors = sum(1 for p in problems if p.level == ERROR)
    warnings = sum(1 for p in problems if p.level == WARNING)
    if fmt == "json":
        document = {
            "ok": errors == 0,
            "checked": checked,
            "errors": errors,
            "warnings": warnings,
            "problems": [
                {"path": p.path, "line": p.line, "level": p.level, "rule": p.rule, "message": p.message}
                for p in problems
            ],
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    for p in problems:
        if fmt == "github":
            title = _escape_property(f"incident validate ({p.rule})")
            where = f"file={_escape_property(p.path)},line={p.line},title={title}"
            print(f"::{p.level} {where}::{_escape_data(p.message)}")
        else:
            print(f"{p.path}:{p.line}: {p.level}: {p.message}")
    verdict = "ok" if errors == 0 else "failed"
    counts = f"{checked} incident(s) checked, {errors} error(s), {warnings} warning(s)"
    print(f"incident validate: {verdict}: {counts}")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary:
        _step_summary(Path(summary), problems, checked, errors, warnings)


def _step_summary(path: Path, problems: list[Problem], checked: int, errors: int, warnings: int) -> None:
    from incident_kit.sanitize import md_inline

    lines = [
        "### incident validate",
        "",
        f"{checked} incident(s) checked: {errors} error(s), {warnings} warning(s).",
        "",
    ]
    if problems:
        lines += ["| file | line | level | problem |", "|---|---|---|---|"]
        lines += [
            f"| {md_inline(p.path)} | {p.line} | {p.level} | {md_inline(p.message)} |" for p in problems[:200]
        ]
        lines.append("")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
