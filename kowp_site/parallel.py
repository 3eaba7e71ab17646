"""Run a function over chunks of work in forked worker processes.

Workers are forked *after* the build has everything in memory (configuration, templates, the
views of every post), so a task sends only its chunk number and returns only its results: no
large pickles go to the workers. Where fork is unavailable, or the work is small, the chunks run
in this process, with the same results; so does a process that runs other threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def workers() -> int:
    """Worker processes to use: ``KOWP_WORKERS`` if set, else the CPUs this process may use."""
    wanted = os.environ.get("KOWP_WORKERS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def chunked(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _run(index: int) -> Any:
    assert _JOB is not None
    fn, chunks = _JOB
    return fn(chunks[index])


def map_chunks(fn: Callable[[Sequence[T]], R], chunks: Sequence[Sequence[T]], count: int | None = None) -> Iterator[R]:
    """``fn(chunk)`` for every chunk, in order; in ``count`` forked processes when that helps."""
    global _JOB
    import multiprocessing  # with concurrent.futures, imported only when there is work to spread
    from concurrent.futures import ProcessPoolExecutor

    count = min(count or workers(), len(chunks))
    # Forking a process that runs other threads (the dev server) can deadlock the child.
    if count <= 1 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield fn(chunk)
        return
    _JOB = (fn, chunks)
    try:
        with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_run, range(len(chunks)))
    finally:
        _JOB = None
