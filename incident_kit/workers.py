"""Work on every core: a pass over many files shared among forked worker processes.

The one home of how the tool goes parallel (`validate`'s folders, the site's pages, the cold
`list`, `stats` and `index`): below `PARALLEL_FROM` items, or on one core, the work runs in
this process; above, the items are cut into chunks of `CHUNK` and each chunk is handed to a
forked worker. Workers are forked, so they inherit the work (a closure: the store, the config,
the settings) instead of having it pickled; only the chunk and its results cross. Results come
back in the order of the items, and at most a few chunks ahead of the caller, so a caller that
streams (writes a cache line by line, keeps tallies) holds no more than that.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import TypeVar

PARALLEL_FROM = 400  # fewer items than this are not worth starting processes for
CHUNK = 200
MAX_WORKERS = 4  # more did not pay on the machines measured (and the disk is shared)

Item = TypeVar("Item")
Result = TypeVar("Result")

# the work of each running pass, by token, set before its workers are forked
_WORK: dict[int, Callable[[Sequence[object]], list[object]]] = {}


def worker_count() -> int:
    return min(os.cpu_count() or 1, MAX_WORKERS)


def parallel(count: int) -> bool:
    """Whether a pass over `count` items is shared among workers."""
    return count >= PARALLEL_FROM and worker_count() >= 2


def _run(token: int, chunk: Sequence[object]) -> list[object]:
    return _WORK[token](chunk)


def in_order(
    work: Callable[[Sequence[Item]], list[Result]],
    items: Sequence[Item],
    *,
    initializer: Callable[[], object] | None = None,
) -> Iterator[Result]:
    """`work(chunk)` for consecutive chunks of `items`, its results one by one in order:
    in this process when `parallel(len(items))` is false, else in forked workers (each started
    with `initializer`), no more than two chunks per worker ahead of the caller."""
    if not parallel(len(items)):
        yield from work(items)
        return
    chunks = [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]
    yield from _pooled(work, chunks, initializer)


def by_group(
    work: Callable[[Sequence[Item]], list[Result]], groups: Sequence[Item], *, items: int
) -> Iterator[Result]:
    """`in_order` for work that comes in groups (a month's folders), one group to a chunk:
    shared among workers when the `items` in all the groups make it worth it."""
    if not parallel(items):
        yield from work(groups)
        return
    yield from _pooled(work, [groups[index : index + 1] for index in range(len(groups))], None)


def _pooled(
    work: Callable[[Sequence[Item]], list[Result]],
    chunks: Sequence[Sequence[Item]],
    initializer: Callable[[], object] | None,
) -> Iterator[Result]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    token = max(_WORK, default=0) + 1
    _WORK[token] = work  # type: ignore[assignment]  # called only with `items`' own chunks
    workers = worker_count()
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=initializer)
    try:
        ahead: deque[Future[list[object]]] = deque()
        for chunk in chunks:
            ahead.append(pool.submit(_run, token, chunk))
            if len(ahead) >= 2 * workers:
                yield from ahead.popleft().result()  # type: ignore[misc]
        while ahead:
            yield from ahead.popleft().result()  # type: ignore[misc]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        del _WORK[token]
