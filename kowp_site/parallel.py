"""Run a function over chunks of work in forked worker processes.

Workers are forked *after* the build has everything in memory (configuration, templates, the
views of every post), so a task sends only its chunk number and returns only its results: no
large pickles go to the workers. Where fork is unavailable, or the work is small, the chunks run
in this process, with the same results; so does a process that runs other threads, unless each
of them is a thread *beside the workers* (:func:`beside`): one that runs Python code only inside
:func:`awake`, so that no worker is forked while it may hold a lock (serve's file watcher).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
_GATE = threading.Lock()  # held while workers are forked, and by a thread beside them while it is awake
_BESIDE: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def beside(thread: threading.Thread) -> None:
    """Let workers be forked while ``thread`` runs: it promises to run Python code only inside
    :func:`awake` (between waits that hold no lock, e.g. for file changes in native code)."""
    _BESIDE.add(thread)


@contextmanager
def awake() -> Iterator[None]:
    """What a thread :func:`beside` the workers does between its waits: no worker is forked meanwhile."""
    with _GATE:
        yield


def _alone() -> bool:
    """Whether every other thread of this process is one beside the workers."""
    me = threading.current_thread()
    return all(t is me or t in _BESIDE for t in threading.enumerate())


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
    count = min(count or workers(), len(chunks))
    started = _fork(fn, chunks, count) if count > 1 else None
    if started is None:
        for chunk in chunks:
            yield fn(chunk)
        return
    pool, results = started
    try:
        yield from results
    finally:
        pool.shutdown(cancel_futures=True)  # stopped early (Ctrl-C): the chunks not begun are dropped
        _JOB = None


def _fork(fn: Callable[[Sequence[T]], R], chunks: Sequence[Sequence[T]], count: int) -> tuple[Any, Iterator[R]] | None:
    """A pool of ``count`` forked workers, already given every chunk; None where forking is unsafe."""
    global _JOB
    import multiprocessing  # with concurrent.futures, imported only when there is work to spread
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    with _GATE:  # threads beside the workers are asleep: none holds a lock a worker could need
        # Forking a process that runs other threads (the dev server) can deadlock the child.
        if not _alone():
            return None
        _JOB = (fn, chunks)
        pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
        try:
            return pool, pool.map(_run, range(len(chunks)))  # submitted at once: every worker is forked now
        except BaseException:
            pool.shutdown(cancel_futures=True)
            _JOB = None
            raise
