"""GitHub as an interface: what an issue form or a slash command in a comment asks for.

Pure: event data in, typed requests out (`events`), the form's sections read into a declare
(`form`), one comment read into one command (`slash`). `commands/github_event.py` acts on them.
"""
