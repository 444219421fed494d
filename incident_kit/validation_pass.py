"""Checking many incident folders for `incident validate`, on every core when there are many
(a whole repository with no cached results), in this process when there are few.

Workers are forked (`workers.in_order`), so they inherit the check (the store, the config)
instead of having it pickled; each checks its share of folders and sends back the results and
their cache entries (`validation_cache.checked`). The order of the answers is the order of the
folders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from incident_kit import workers
from incident_kit.validation_cache import Entry, Result, checked

Check = Callable[[Path], Result]


def check_all(folders: Sequence[Path], check: Check, started_ns: int) -> list[tuple[Result, Entry | None]]:
    def chunk(part: Sequence[Path]) -> list[tuple[Result, Entry | None]]:
        return [checked(folder, check, started_ns) for folder in part]

    return list(workers.in_order(chunk, folders))
