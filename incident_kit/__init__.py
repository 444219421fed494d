"""incident-kit: production incidents as Markdown files in git, every change a commit."""

__version__ = "0.1.0"
