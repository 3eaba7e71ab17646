"""Terminal output shared by the commands: messages, problems and progress on stderr.

Machine-readable output (``--json``) goes to stdout; everything for people goes to stderr, so
``kowp-site fetch --json > out.json`` stays clean.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from kowp_site.errors import Problem

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

T = TypeVar("T")


@functools.cache
def _console(stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def __getattr__(name: str) -> Any:
    """``ui.err`` and ``ui.out``: rich consoles, made (and rich imported) only when a command needs one.

    Plain messages do not need rich, so a build with nothing to do starts faster.
    """
    if name == "err":
        return _console(True)
    if name == "out":
        return _console(False)
    raise AttributeError(name)


def _label(word: str, colour: str) -> str:
    if sys.stderr.isatty() and not os.environ.get("NO_COLOR"):
        return f"\x1b[1;{colour}m{word}\x1b[0m"
    return word


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(problem: Problem) -> str:
    """A GitHub Actions workflow command that shows ``problem`` inline on a pull request."""
    kind = "error" if problem.severity == "error" else "warning"
    props = f"file={_escape_property(problem.path)}"
    if problem.line:
        props += f",line={problem.line}"
    message = problem.message + (f" — {problem.hint}" if problem.hint else "")
    return f"::{kind} {props}::{_escape_data(message)}"


# Commands that print JSON on stdout turn this off, so annotations never corrupt the JSON.
annotations = True


def report(problems: Iterable[Problem]) -> None:
    """Print problems as ``path:line: message — hint`` (and as annotations on GitHub Actions)."""
    for problem in problems:
        label = _label("error", "31") if problem.severity == "error" else _label("warning", "33")
        print(f"{label}: {problem}", file=sys.stderr, flush=True)
        if annotations and in_github_actions():
            print(annotation(problem), file=sys.stdout, flush=True)


def info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def warning(message: str, title: str = "") -> None:
    """A warning on stderr, and on GitHub Actions also a ``::warning::`` annotation in the job log."""
    print(f"{_label('warning', '33')}: {message}", file=sys.stderr, flush=True)
    if annotations and in_github_actions():
        props = f" title={_escape_property(title)}" if title else ""
        print(f"::warning{props}::{_escape_data(message)}", file=sys.stdout, flush=True)


def fail(message: str) -> None:
    print(f"{_label('error', '31')}: {message}", file=sys.stderr, flush=True)


def _bars(**options: Any) -> Progress:
    """rich's Progress with kowp-site's columns, on stderr, gone when done."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=_console(True), transient=True, **options)


@contextmanager
def progress(description: str, total: int | None, *, enabled: bool = True) -> Iterator[Progress]:
    """A progress bar on stderr when it is a terminal; silent in CI logs and pipes."""
    console = _console(True)
    bar = _bars(disable=not (enabled and console.is_terminal and not os.environ.get("CI")))
    with bar:
        bar.add_task(description, total=total)
        yield bar


@contextmanager
def phases() -> Iterator[Callable[[str, int], Callable[[int], None]] | None]:
    """Progress bars for a command's long phases: ``start(description, total)`` gives an
    ``advance(n)``. None (nothing shown) unless stderr is a terminal; rich is imported only
    when a phase starts, so short runs pay nothing.

    The bars are redrawn by ``advance`` itself, never by a thread: a build forks worker
    processes, and forking a process that runs other threads is unsafe.
    """
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    shown: list[Progress] = []
    drawn = [0.0]  # when the bars were last drawn: ten times a second is enough

    def start(description: str, total: int) -> Callable[[int], None]:
        if not shown:
            shown.append(_bars(auto_refresh=False))
            shown[0].start()
        bar = shown[0]
        task = bar.add_task(description, total=total)
        bar.refresh()

        def advance(n: int) -> None:
            bar.advance(task, n)
            now = time.monotonic()
            if now - drawn[0] >= 0.1 or bar.tasks[task].finished:
                drawn[0] = now
                bar.refresh()

        return advance

    try:
        yield start
    finally:
        if shown:
            shown[0].stop()


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    with progress(description, total) as bar:
        task = bar.task_ids[0]
        for item in items:
            yield item
            bar.advance(task)
