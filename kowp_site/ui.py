"""Terminal output shared by the commands: messages, problems and progress on stderr.

Machine-readable output (``--json``) goes to stdout; everything for people goes to stderr, so
``kowp-site fetch --json > out.json`` stays clean.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kowp_site.errors import Problem

T = TypeVar("T")

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


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
        label = "[bold red]error[/]" if problem.severity == "error" else "[yellow]warning[/]"
        err.print(f"{label}: ", end="")
        err.print(str(problem), markup=False)
        if annotations and in_github_actions():
            print(annotation(problem), file=sys.stdout, flush=True)


def info(message: str) -> None:
    err.print(message, markup=False)


def fail(message: str) -> None:
    err.print("[bold red]error[/]: ", end="")
    err.print(message, markup=False)


@contextmanager
def progress(description: str, total: int | None, *, enabled: bool = True) -> Iterator[Progress]:
    """A progress bar on stderr when it is a terminal; silent in CI logs and pipes."""
    show = enabled and err.is_terminal and not os.environ.get("CI")
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
        transient=True,
    )
    with bar:
        bar.add_task(description, total=total)
        yield bar


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    with progress(description, total) as bar:
        task = bar.task_ids[0]
        for item in items:
            yield item
            bar.advance(task)
