"""The scopes `incident doctor` asks a Slack token for are the ones notify/slack.py documents
and the README's app manifest requests: one list, kept in step."""

from __future__ import annotations

import re
from pathlib import Path

from incident_kit.notify import slack
from incident_kit.notify.slack_scopes import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[2]


def test_the_documented_scopes_are_the_checked_ones() -> None:
    documented = re.search(r"Bot scopes: ([\s\S]+?)\.\n", slack.__doc__ or "")
    assert documented is not None
    assert sorted(s.strip() for s in documented.group(1).split(",")) == sorted(BOT_SCOPES)


def test_the_readme_manifest_asks_for_exactly_these_scopes() -> None:
    readme = (ROOT / "README.md").read_text()
    manifest = readme.split("```yaml\ndisplay_information:", 1)[1].split("```", 1)[0]
    bot = manifest.split("    bot:\n", 1)[1]
    asked = re.findall(r"^\s+- ([a-z:._]+)$", bot, flags=re.M)
    assert sorted(asked) == sorted(BOT_SCOPES)
