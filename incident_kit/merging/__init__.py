"""Merging incident files by what they mean, so many hands on one incident rarely conflict.

`document.merge_texts` is the pure three-way merge (text in, text out); `keys` merges the
frontmatter key by key, `body` the Markdown section by section, `items` the lists people add
to, `diff3` is the line merge underneath, and `markers` reads the conflict markers a merge
without these rules left. `git merge` reaches it through `incident merge-file`, the merge
driver (docs/merging.md).
"""
