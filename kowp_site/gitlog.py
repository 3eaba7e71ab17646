"""Read-only access to the Git history of the site, through the ``git`` command.

Used by ``status`` (how much the English changed), ``diff`` (the en.md a translation was made
from), ``check --changed-since`` (which files a pull request touches) and the build (the date an
outdated post's English changed, with one ``git log`` for the whole site). Nothing here writes.
Every function degrades to "unknown" when the root is not a Git work tree or git is missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class GitUnavailable(Exception):
    """git is not installed, or the root is not inside a Git work tree."""


def _git(root: Path, *args: str) -> bytes:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "-c", "core.quotePath=false", *args], capture_output=True, env=env, check=False
        )
    except OSError as exc:
        raise GitUnavailable(f"git could not run: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitUnavailable(message[0] if message else f"git {args[0]} failed")
    return done.stdout


def is_work_tree(root: Path) -> bool:
    try:
        return _git(root, "rev-parse", "--is-inside-work-tree").strip() == b"true"
    except GitUnavailable:
        return False


def is_shallow(root: Path) -> bool:
    try:
        return _git(root, "rev-parse", "--is-shallow-repository").strip() == b"true"
    except GitUnavailable:
        return False


def rel(root: Path, path: Path) -> str:
    """``path`` as a pathspec relative to ``root`` (git runs with ``-C root``)."""
    return path.resolve().relative_to(root.resolve()).as_posix()


def history(root: Path, path: Path) -> list[str]:
    """Commits that touched ``path``, newest first."""
    out = _git(root, "log", "--format=%H", "--", rel(root, path))
    return out.decode().split()


def show(root: Path, commit: str, path: Path) -> bytes | None:
    """The bytes of ``path`` at ``commit``; None when it did not exist there."""
    try:
        return _git(root, "show", f"{commit}:./{rel(root, path)}")
    except GitUnavailable:
        return None


@dataclass(frozen=True)
class Version:
    """One version of a file found in the history."""

    commit: str
    data: bytes


def find_version(root: Path, path: Path, wanted_hash: str) -> Version | None:
    """The newest committed version of ``path`` whose ``sha256:<hex>`` is ``wanted_hash``.

    Raises GitUnavailable when there is no history to search.
    """
    for commit in history(root, path):
        data = show(root, commit, path)
        if data is not None and "sha256:" + hashlib.sha256(data).hexdigest() == wanted_hash:
            return Version(commit, data)
    return None


def changed_files(root: Path, ref: str) -> list[str]:
    """Files changed since ``ref`` (from its merge base with HEAD), committed or not, relative to ``root``.

    Raises GitUnavailable when ``ref`` is unknown.
    """
    base = _git(root, "merge-base", ref, "HEAD").decode().strip()
    names = _git(root, "diff", "--name-only", "--no-renames", "--relative", base, "--").decode().splitlines()
    names += _git(root, "ls-files", "--others", "--exclude-standard").decode().splitlines()
    return sorted({n for n in names if n})


def last_changes(root: Path, pathspecs: Iterable[str]) -> dict[str, dt.datetime]:
    """When each file matching ``pathspecs`` last changed in a commit (committer time), with one
    ``git log``; keys are paths relative to ``root``."""
    specs = sorted(pathspecs)
    if not specs:
        return {}
    out = _git(root, "log", "--format=%x00%ct", "--name-only", "--no-renames", "--relative", "--", *specs)
    found: dict[str, dt.datetime] = {}
    when: dt.datetime | None = None
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("\x00"):
            when = dt.datetime.fromtimestamp(int(line[1:]), dt.UTC)
        elif line and when is not None:
            found.setdefault(line, when)
    return found


class ChangeDates:
    """For templates: the date an outdated post's English source last changed, or None.

    The first lookup runs one ``git log`` for every en.md under content/posts (only a build with
    an outdated published post ever asks); later lookups are dictionary reads.
    """

    def __init__(self, root: Path):
        self.root = root
        self._dates: dict[str, dt.datetime] | None = None
        self._lock = threading.Lock()

    def load(self) -> dict[str, dt.datetime]:
        with self._lock:
            if self._dates is None:
                self._dates = {}
                if (self.root / "content" / "posts").is_dir() and is_work_tree(self.root):
                    try:
                        self._dates = last_changes(self.root, [":(glob)content/posts/*/*/*/en.md"])
                    except (GitUnavailable, ValueError):
                        self._dates = {}
            return self._dates

    def __call__(self, path: Path) -> dt.datetime | None:
        try:
            return self.load().get(rel(self.root, path))
        except ValueError:  # not under the root
            return None
