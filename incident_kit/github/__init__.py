"""GitHub through PyGithub."""
