"""Markdown files with YAML frontmatter: reading, scanning and surgical edits (pure)."""
