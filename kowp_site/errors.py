"""Errors a user can cause and fix, reported without a traceback.

Every lower module raises these; only the CLI turns them into messages and exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class KowpError(Exception):
    """A mistake the user can fix: bad configuration, bad content, a bad argument."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, at one line when it is known.

    Rendered as ``path:line: message — hint`` so editors and CI annotations can jump to it.
    """

    path: str
    line: int | None
    message: str
    hint: str = ""
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text


class ProblemsError(KowpError):
    """Several problems found in one pass; the build reports all of them at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(ProblemsError):
    """Problems in ``[tool.kowp-site]``."""


class ContentError(ProblemsError):
    """Problems in files under ``content/``."""


def split_problems(problems: list[Problem], strict: bool) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of ``problems``; with ``strict`` every warning counts as an error."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    if strict:
        return errors + [Problem(w.path, w.line, w.message, w.hint) for w in warnings], []
    return errors, warnings


def display_path(path: Path, root: Path) -> str:
    """A path as the user knows it: relative to the site root when it is inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
