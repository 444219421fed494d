"""The tool flushes its files to the disk exactly when git is set to flush a commit's objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.repos import git

from incident_kit.git import repository


@pytest.mark.parametrize(
    ("settings", "wanted"),
    [
        ({}, False),  # git's default: loose objects, the index and refs are not fsynced
        ({"core.fsync": "committed"}, True),
        ({"core.fsync": "loose-object,index"}, True),
        ({"core.fsync": "all,-loose-object"}, False),
        ({"core.fsync": "index,reference"}, False),
        ({"core.fsync": "all,none"}, False),
        ({"core.fsyncObjectFiles": "true"}, True),
        ({"core.fsyncObjectFiles": "false"}, False),
    ],
)
def test_fsync_follows_gits_setting_for_commits(repo: Path, settings: dict[str, str], wanted: bool) -> None:
    for key, value in settings.items():
        git(repo, "config", key, value)
    repository.forget_settings()
    assert repository.fsync_wanted(repo) is wanted
