"""The cycle collector paused for a whole-repository pass.

A pass over 10,000 incidents holds many small objects at once (the site's records, a report's
month counts and tallies) that form no cycles and are freed by their reference counts; each
full collection would still scan them all, and allocating them triggers several (about 50 ms of
a site rebuild, and a tenth of a warm `stats`, at 10,000). What one pass allocates is bounded,
so it runs with the collector off and turns it back on after (in-process callers, the tests,
keep theirs). Forked workers collect as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
