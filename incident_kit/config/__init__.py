"""`incidents/config.yaml`: the typed settings, reading them from YAML, and loading the file."""
