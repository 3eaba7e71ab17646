"""The only writer of the site: guarded paths, one owner per path, atomic files and folders.

A build collects every output in an :class:`OutputSet` first (refusing two items for one path and
any path that would leave the output folder). Outputs can be *deferred*: a function that makes the
bytes plus a key naming everything the bytes depend on, so an incremental build renders only the
outputs whose key changed (:func:`plan`).

Two ways to write, both leaving the previous site as it was when anything fails before the end:

- :func:`write_site` (first build, or when the previous output is unknown) writes a fresh folder
  beside the target and swaps it in with renames.
- :func:`write_changes` (incremental) writes every changed file as a temporary file beside its
  target first; only when all of them exist are they renamed over their targets, then files that
  are no longer produced are removed. A failure while writing the temporary files removes them
  again, so the site is untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kowp_site.errors import KowpError

_SAFE_PART = re.compile(r"[^\x00-\x1f\\/:*?\"<>|]+")
_PLAIN_PATH = re.compile(r"(?:[^\x00-\x1f\\/:*?\"<>|]+/)*[^\x00-\x1f\\/:*?\"<>|]+")
TEMP_SUFFIX = ".kowp-tmp"

Data = bytes | Path
Maker = Callable[[], "bytes | str"]


class OutputError(KowpError):
    """An output path that is unsafe or claimed twice."""


def check_output_path(path: str) -> str:
    """A relative POSIX path inside the output folder, or OutputError."""
    if _PLAIN_PATH.fullmatch(path):
        parts = path.split("/")
        if "." not in parts and ".." not in parts:
            return path  # already in the form the checks below would give
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or path.startswith("/"):
        raise OutputError(f"output path {path!r} must be relative")
    for part in pure.parts:
        if part in (".", "..") or not _SAFE_PART.fullmatch(part):
            raise OutputError(f"output path {path!r} has an unsafe part {part!r}")
    return pure.as_posix()


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def tree_files(folder: Path, prefix: str) -> dict[str, Path]:
    """Every file under ``folder`` (no dot-names), by ``prefix`` + its relative POSIX path, sorted."""
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                full = Path(dirpath) / name
                found[f"{prefix}{full.relative_to(folder).as_posix()}"] = full
    return found


@dataclass
class OutputSet:
    """Everything one build will write: path -> bytes, a file to copy, or a deferred maker."""

    files: dict[str, Data | Maker] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # deferred outputs: what their bytes depend on
    together: dict[str, str] = field(default_factory=dict)  # deferred outputs made in one process, by name
    groups: dict[str, KeptGroup] = field(default_factory=dict)  # groups declared from one digest, by name

    def add(
        self,
        path: str,
        data: bytes | str | Path | Maker,
        owner: str = "",
        *,
        key: str | None = None,
        together: str = "",
    ) -> None:
        """Add one output. ``data`` may be a function when ``key`` names all it depends on."""
        path = check_output_path(path)
        if path in self.files:
            raise OutputError(
                f"two outputs for /{path}: {self.owners.get(path) or 'the site'} and {owner or 'the site'}"
                " — rename one of them"
            )
        if callable(data) and key is None:
            data = data()
        self.files[path] = data.encode("utf-8") if isinstance(data, str) else data
        self.owners[path] = owner
        if key is not None and callable(data):
            self.keys[path] = key
            if together:
                self.together[path] = together

    def make(self, path: str) -> bytes:
        """The bytes of a deferred output (called by :func:`plan`, possibly in a worker process)."""
        maker = self.files[path]
        data = maker() if callable(maker) else maker
        return data.encode("utf-8") if isinstance(data, str) else data  # type: ignore[return-value]

    def __iter__(self) -> Iterator[tuple[str, Data]]:
        """Every output as bytes or a file, deferred ones made now (used by full writes)."""
        for path in sorted(self.files):
            data = self.files[path]
            yield path, (self.make(path) if callable(data) else data)  # type: ignore[misc]

    def __len__(self) -> int:
        return len(self.files)


@dataclass(frozen=True)
class Record:
    """What the manifest remembers about one written file."""

    key: str  # deferred outputs: their dependency key; others: "" (compared by content)
    hash: str  # digest of the bytes written, or "file:<size>:<mtime_ns>" of a copied source


@dataclass(frozen=True)
class KeptGroup:
    """What the manifest remembers about a group of outputs declared from one digest of all they
    read (see kowp_site.site.outputs.kept_keys): while the digest is the same, so are their keys."""

    digest: str
    owner: str  # every output of the group has this owner
    paths: tuple[str, ...]


@dataclass
class Plan:
    """The writes an incremental build needs: changed outputs and files no longer produced."""

    records: dict[str, Record]
    changed: dict[str, Data]
    stale: list[str]
    rendered: int  # deferred outputs that had to be made


def file_record(source: Path) -> str:
    st = source.stat()
    return f"file:{st.st_size}:{st.st_mtime_ns}:{source}"


def plan(
    outputs: OutputSet,
    previous: Mapping[str, Record],
    make_many: Callable[[OutputSet, list[str]], dict[str, bytes]] | None = None,
) -> Plan:
    """Compare ``outputs`` with what the previous build wrote; make only what may have changed.

    With an empty ``previous`` every output counts as changed. ``make_many`` makes a batch of
    deferred outputs (in parallel, see :mod:`kowp_site.parallel`); by default one after another.
    """
    records: dict[str, Record] = {}
    changed: dict[str, Data] = {}
    to_make: list[str] = []
    for path, data in outputs.files.items():
        old = previous.get(path)
        if callable(data):
            key = outputs.keys[path]
            if old is not None and old.key == key:
                records[path] = old
            else:
                to_make.append(path)
        elif isinstance(data, Path):
            rec = Record("", file_record(data))
            records[path] = rec
            if old != rec:
                changed[path] = data
        else:
            rec = Record("", digest(data))
            records[path] = rec
            if old != rec:
                changed[path] = data
    made = make_many(outputs, to_make) if make_many and to_make else {p: outputs.make(p) for p in to_make}
    for path in to_make:
        data = made[path]
        rec = Record(outputs.keys[path], digest(data))
        old = previous.get(path)
        records[path] = rec
        if old is None or old.hash != rec.hash:
            changed[path] = data
    stale = sorted(set(previous) - set(records))
    return Plan(records, changed, stale, len(to_make))


def guard_destination(dest: Path, root: Path) -> Path:
    """Refuse an output folder whose replacement would destroy the site's own files."""
    dest = dest.resolve()
    root = root.resolve()
    if dest == root or dest in root.parents:
        raise OutputError(f"refusing to write the site into {dest}: it contains the site root")
    for name in ("content", "themes", ".git", "kowp_site", "tests", ".kowp-cache/build"):
        protected = root / name
        if dest == protected or protected in dest.parents or dest in protected.parents:
            raise OutputError(f"refusing to write the site into {dest}: it holds the site's own files")
    return dest


def _write_file(target: Path | str, data: Data) -> None:
    """Write one file; its folder is made only when missing (most already exist)."""
    try:
        _put(target, data)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        _put(target, data)


def _put(target: Path | str, data: Data) -> None:
    if isinstance(data, Path):
        shutil.copyfile(data, target)
        return
    write_fd(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666), data)


def write_fd(fd: int, data: bytes) -> None:
    """All of ``data`` to the open file ``fd``, which is then closed (one system call a write, no buffer)."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


class Staging:
    """A fresh folder beside ``dest`` that replaces it on success (``with Staging(dest) as s``).

    Files go in with :meth:`write`, from this process or from forked workers. When the block
    ends normally the folder is swapped in with two renames and the old site removed; when it
    raises, the staging folder is deleted and ``dest`` is as it was.
    """

    def __init__(self, dest: Path):
        self.dest = dest
        self.folder = dest.parent / f".{dest.name}.new"
        self.retired = dest.parent / f".{dest.name}.old"
        self.count = 0
        self.made: set[str] = set()  # folders this process made inside the staging folder

    def __enter__(self) -> Staging:
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (self.folder, self.retired):
            if leftover.exists():
                shutil.rmtree(leftover)
        self.folder.mkdir()
        return self

    def write(self, path: str, data: Data) -> Record:
        folder, _, _ = path.rpartition("/")
        if folder and folder not in self.made:  # the staging folder starts empty: make, don't probe
            self._make(folder)
        _put(os.path.join(self.folder, path), data)
        self.count += 1
        return Record("", file_record(data) if isinstance(data, Path) else digest(data))

    def _make(self, folder: str) -> None:
        parent = folder.rpartition("/")[0]
        if parent and parent not in self.made:
            self._make(parent)
        # Made by another worker already, or a file is in the way (writing into it then fails).
        with contextlib.suppress(FileExistsError):
            os.mkdir(os.path.join(self.folder, folder))
        self.made.add(folder)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        if self.dest.exists():
            os.replace(self.dest, self.retired)
        os.replace(self.folder, self.dest)
        shutil.rmtree(self.retired, ignore_errors=True)


def write_site(dest: Path, outputs: OutputSet | Mapping[str, Data]) -> int:
    """Write ``outputs`` as the new content of ``dest``, atomically; returns the file count.

    The new site is written to ``.<name>.new`` beside ``dest`` and moved into place with two
    renames; the old site is removed only after the new one is in place.
    """
    items = sorted(outputs.items()) if isinstance(outputs, Mapping) else outputs
    with Staging(dest) as staging:
        for path, data in items:
            staging.write(path, data)
    return staging.count


def can_write_in_place(dest: Path, changed: Mapping[str, Data]) -> bool:
    """False when a changed path collides with a folder (or a file stands where a folder must be)."""
    for path in changed:
        target = dest / path
        if target.is_dir():
            return False
        for parent in target.parents:
            if parent == dest:
                break
            if parent.exists() and not parent.is_dir():
                return False
    return True


def write_changes(
    dest: Path, changed: Mapping[str, Data], stale: list[str], before_swap: Callable[[], None], writer: str = ""
) -> None:
    """Update ``dest`` in place: all temporaries first, then renames, then stale files removed.

    ``before_swap`` runs once every temporary file exists (the build forgets its manifest there,
    so an interrupted swap is repaired by the next build). ``writer`` names the temporaries of a
    second writer of the same folder (serve's saved page, beside a build), so that two writes of
    one file never share a temporary.
    """
    temps: list[tuple[Path, Path]] = []
    try:
        for path in sorted(changed):
            target = dest / path
            temp = target.with_name(f".{target.name}{writer}{TEMP_SUFFIX}")
            temps.append((temp, target))
            _write_file(temp, changed[path])
    except BaseException:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)
            _remove_empty_parents(temp.parent, dest)
        raise
    before_swap()
    for temp, target in temps:
        os.replace(temp, target)
    for path in stale:
        target = dest / path
        if target.is_file() or target.is_symlink():
            target.unlink()
        _remove_empty_parents(target.parent, dest)


def _remove_empty_parents(folder: Path, dest: Path) -> None:
    while folder != dest and dest in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
