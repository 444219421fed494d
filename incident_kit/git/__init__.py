"""Git, the only door to it: every subprocess runs through `git.process`."""
