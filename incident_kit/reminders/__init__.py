"""`incident remind`: which reminders are due (`plan`), their state in the files (`record`) and
their wording (`messages`). Pure: no git, no HTTP; `commands/remind.py` claims, sends, records."""
