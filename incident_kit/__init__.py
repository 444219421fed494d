"""incident-kit: production incidents as Markdown files in git, every change a commit."""

# The one home of the version: pyproject.toml reads it (setuptools `attr:`), `incident --version`
# prints it, and the workflows `incident init` writes carry it next to their pinned commit.
__version__ = "0.1.0"
