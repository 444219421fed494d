"""Three versions of an incident file in, the merged file out (pure: text in, text out).

The frontmatter is merged key by key (`keys`), the body section by section (`body`); a file
that does not split into frontmatter and body on every side is merged line by line. The result
keeps our side's conventions (line endings, BOM, fences); nothing is re-rendered.
"""

from __future__ import annotations

from incident_kit.errors import FileFormatError
from incident_kit.markdown import frontmatter
from incident_kit.markdown.frontmatter import Document
from incident_kit.merging import body, keys
from incident_kit.merging.result import Markers, Merged, Output


def merge_texts(base: str, ours: str, theirs: str, markers: Markers | None = None) -> Merged:
    """Merge `theirs` into `ours` given their common `base` ("" when both sides added the file)."""
    markers = markers or Markers()
    documents = [_document(text, allow_empty=index == 0) for index, text in enumerate((base, ours, theirs))]
    b, o, t = documents
    if b is None or o is None or t is None:
        return _merge_plain(base, ours, theirs, markers, newline="\r\n" if "\r\n" in ours else "\n")
    head = Output(markers)
    b_lines, o_lines, t_lines = (_lines(d.frontmatter) for d in (b, o, t))
    if not keys.merge(b_lines, o_lines, t_lines, head):
        body.merge_lines("the frontmatter", b_lines, o_lines, t_lines, head)
    tail = Output(markers)
    body.merge(b.body.split("\n"), o.body.split("\n"), t.body.split("\n"), tail)
    merged = o.with_frontmatter("".join(line + "\n" for line in head.lines)).with_body("\n".join(tail.lines))
    return Merged(merged.text(), (*head.conflicts, *tail.conflicts))


def _document(text: str, *, allow_empty: bool) -> Document | None:
    if allow_empty and not text:
        return Document(frontmatter="", body="")
    try:
        return frontmatter.split(text, "merge")
    except FileFormatError:
        return None


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _merge_plain(base: str, ours: str, theirs: str, markers: Markers, newline: str) -> Merged:
    """Files without frontmatter on every side: by section when they are Markdown, line by line
    where sections do not apply."""
    out = Output(markers)
    sides = [
        text.removeprefix(frontmatter.BOM).replace("\r\n", "\n").split("\n") for text in (base, ours, theirs)
    ]
    body.merge(sides[0], sides[1], sides[2], out)
    bom = frontmatter.BOM if ours.startswith(frontmatter.BOM) else ""
    return Merged(bom + "\n".join(out.lines).replace("\n", newline), tuple(out.conflicts))
