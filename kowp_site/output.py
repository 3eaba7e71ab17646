"""The only writer of the site: guarded paths, one owner per path, atomic replacement.

A build collects every output in an :class:`OutputSet` first (refusing two items for one path and
any path that would leave the output folder), then :func:`write_site` writes them into a fresh
folder beside the target and swaps it in with renames. A failure before the swap leaves the
previous site as it was.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kowp_site.errors import KowpError

_SAFE_PART = re.compile(r"[^\x00-\x1f\\/:*?\"<>|]+")


class OutputError(KowpError):
    """An output path that is unsafe or claimed twice."""


def check_output_path(path: str) -> str:
    """A relative POSIX path inside the output folder, or OutputError."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or path.startswith("/"):
        raise OutputError(f"output path {path!r} must be relative")
    for part in pure.parts:
        if part in (".", "..") or not _SAFE_PART.fullmatch(part):
            raise OutputError(f"output path {path!r} has an unsafe part {part!r}")
    return pure.as_posix()


@dataclass
class OutputSet:
    """Everything one build will write: path -> bytes, or path -> a file to copy."""

    files: dict[str, bytes | Path] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, data: bytes | str | Path, owner: str = "") -> None:
        path = check_output_path(path)
        if path in self.files:
            raise OutputError(
                f"two outputs for /{path}: {self.owners.get(path) or 'the site'} and {owner or 'the site'}"
                " — rename one of them"
            )
        self.files[path] = data.encode("utf-8") if isinstance(data, str) else data
        self.owners[path] = owner

    def add_tree(self, folder: Path, prefix: str, owner: str = "", *, replace: bool = False) -> None:
        """Add every file under ``folder`` at ``prefix/relative``; ``replace`` lets a theme override."""
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                full = Path(dirpath) / name
                rel = f"{prefix}{full.relative_to(folder).as_posix()}"
                if replace:
                    self.files.pop(check_output_path(rel), None)
                self.add(rel, full, owner)

    def __iter__(self) -> Iterator[tuple[str, bytes | Path]]:
        return iter(sorted(self.files.items()))

    def __len__(self) -> int:
        return len(self.files)


def guard_destination(dest: Path, root: Path) -> Path:
    """Refuse an output folder whose replacement would destroy the site's own files."""
    dest = dest.resolve()
    root = root.resolve()
    if dest == root or dest in root.parents:
        raise OutputError(f"refusing to write the site into {dest}: it contains the site root")
    for name in ("content", "themes", ".git", "kowp_site", "tests"):
        protected = root / name
        if dest == protected or protected in dest.parents:
            raise OutputError(f"refusing to write the site into {dest}: it holds the site's own files")
    return dest


def _write_file(target: Path, data: bytes | Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, Path):
        shutil.copyfile(data, target)
    else:
        target.write_bytes(data)


def write_site(dest: Path, outputs: OutputSet) -> int:
    """Write ``outputs`` as the new content of ``dest``, atomically; returns the file count.

    The new site is written to ``.<name>.new`` beside ``dest`` and moved into place with two
    renames; the old site is removed only after the new one is in place.
    """
    parent = dest.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = parent / f".{dest.name}.new"
    retired = parent / f".{dest.name}.old"
    for leftover in (staging, retired):
        if leftover.exists():
            shutil.rmtree(leftover)
    try:
        staging.mkdir()
        for path, data in outputs:
            _write_file(staging / path, data)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if dest.exists():
        os.replace(dest, retired)
    os.replace(staging, dest)
    shutil.rmtree(retired, ignore_errors=True)
    return len(outputs)
