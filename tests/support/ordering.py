"""A pytest plugin (loaded with `-p support.ordering`, see pyproject.toml): the long tests run first.

`pytest -n 2` hands tests to its workers in collection order. Collected alphabetically, the
longest tests (the storm simulation, the workflow harness runs, the team stress test) come last,
and one worker runs them alone while the other has nothing left: on the 2-core CI machine that
tail was a third of the run. Started first, they overlap with everything else and the run ends
on short tests. The order of the tests within each group is kept.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# Folders whose tests run the tool many times in subprocesses (workflow runs, releases, fault
# matrices), longest first: most of their tests take seconds, some minutes.
_LONG_FOLDERS = ("workflows", "reliability", "release", "flow", "hostile_pr")


def rank(item: pytest.Item) -> tuple[int, int]:
    """(0 for the reliability campaigns, 1 for other long tests, 2 for the rest; the folder's
    place in `_LONG_FOLDERS`)."""
    parts = Path(str(item.path)).parts
    folder = next((i for i, name in enumerate(_LONG_FOLDERS) if name in parts), len(_LONG_FOLDERS))
    if item.get_closest_marker("reliability") is not None:
        return (0, folder)
    if folder < len(_LONG_FOLDERS) or item.get_closest_marker("slow") is not None:
        return (1, folder)
    return (2, 0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=rank)  # stable: the order within a rank is the collection order
