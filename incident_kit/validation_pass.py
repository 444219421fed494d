"""Checking many incident folders for `incident validate`, on every core when there are many
(a whole repository with no cached results), in this process when there are few.

Workers are forked, so they inherit the check (the store, the config) instead of having it
pickled; each checks its share of folders and sends back the results and their cache entries
(`validation_cache.checked`). The order of the answers is the order of the folders.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from incident_kit.validation_cache import Entry, Result, checked

PARALLEL_FROM = 400  # fewer folders than this are not worth starting processes for
CHUNK = 200

Check = Callable[[Path], Result]
_JOB: tuple[Check, int] | None = None  # the check and the run's start, set before forking


def _chunk(folders: Sequence[Path]) -> list[tuple[Result, Entry | None]]:
    assert _JOB is not None  # set before the workers were forked
    check, started_ns = _JOB
    return [checked(folder, check, started_ns) for folder in folders]


def check_all(folders: Sequence[Path], check: Check, started_ns: int) -> list[tuple[Result, Entry | None]]:
    global _JOB
    workers = min(os.cpu_count() or 1, 4)
    _JOB = (check, started_ns)
    try:
        if len(folders) < PARALLEL_FROM or workers < 2:
            return _chunk(folders)
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        chunks = [folders[i : i + CHUNK] for i in range(0, len(folders), CHUNK)]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return [done for part in pool.map(_chunk, chunks) for done in part]
    finally:
        _JOB = None
