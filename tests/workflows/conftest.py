"""Fixtures only: incident-kit's own action, as a pinned commit GitHub could serve, and the
cache service the workflow runs share (so the locked dependencies are installed once a test run:
the pytest-xdist workers share it too, as the jobs of one repository share GitHub's)."""

from __future__ import annotations

import pytest
from gha_actions import ActionUnderTest
from harness import REPO_ROOT, ActionsCache, snapshot_commit


@pytest.fixture(scope="session")
def incident_kit_action(tmp_path_factory: pytest.TempPathFactory) -> ActionUnderTest:
    git_dir = tmp_path_factory.mktemp("action") / "incident-kit.git"
    return ActionUnderTest(git_dir, snapshot_commit(REPO_ROOT, git_dir))


@pytest.fixture(scope="session")
def actions_cache(tmp_path_factory: pytest.TempPathFactory) -> ActionsCache:
    base = tmp_path_factory.getbasetemp()
    # under xdist each worker's base is popen-gwN in one run's folder: the cache sits beside them
    # (saves are atomic renames, so two workers saving one key at once is fine)
    shared = base.parent if base.name.startswith("popen-gw") else base
    return ActionsCache(shared / "actions-cache")
