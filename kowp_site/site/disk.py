"""What is on disk: the stat of the files of content folders, taken before anything is read.

A build compares every post folder's :data:`Signature` (name, size, mtime and inode of each
file) with the one its cache entry was made with. Listing a folder costs more system calls than
statting the files it holds, so :class:`FolderMemo` keeps each folder's file names with the
folder's own mtime and inode: while those stay, no file was added, removed or renamed there, and
the known files are statted directly. A folder changed less than :data:`RACY_SECONDS` before it
was listed is not kept (a file added in the same clock tick would leave its mtime as it was);
it is listed again next time, as Git treats racily clean index entries.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import time
from pathlib import Path

Signature = tuple[tuple[str, int, int, int], ...]

FOLDERS_FILE = "folders.pickle"  # in the build cache: the FolderMemo
RACY_SECONDS = 2


def signature(folder: str | Path) -> Signature:
    """Name, size, mtime and inode of every file in ``folder``: changes when any file may have."""
    try:
        with os.scandir(folder) as it:  # a no-change build does this for every post folder
            found = [(e.name, st.st_size, st.st_mtime_ns, st.st_ino) for e in it for st in (e.stat(),)]
        found.sort()
        return tuple(found)
    except FileNotFoundError:  # the folder, or a file in it, went away meanwhile
        pass
    found = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return ()
    for entry in entries:
        try:
            st = entry.stat()
        except FileNotFoundError:
            continue
        found.append((entry.name, st.st_size, st.st_mtime_ns, st.st_ino))
    found.sort()
    return tuple(found)


def signature_tree(folder: Path) -> Signature:
    """:func:`signature` of every file below ``folder`` (theme static files), names relative."""
    found = []
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            st = os.stat(os.path.join(dirpath, name))
            found.append((os.path.relpath(os.path.join(dirpath, name), folder), st.st_size, st.st_mtime_ns, st.st_ino))
    found.sort()
    return tuple(found)


def post_folders(posts_dir: Path) -> list[tuple[str, str, str, str]]:
    """(year, month, slug, folder) of every post folder, as :func:`kowp_site.site.content.post_dirs`
    finds them (folders only, no dot-names, sorted), with plain strings: a no-change build stats
    thousands of folders and makes no Path for them."""

    def folders(path: str) -> list[os.DirEntry[str]]:
        try:
            found = [e for e in os.scandir(path) if not e.name.startswith(".") and e.is_dir()]
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(found, key=lambda e: e.name)

    return [
        (year.name, month.name, slug.name, slug.path)
        for year in folders(str(posts_dir))
        for month in folders(year.path)
        for slug in folders(month.path)
    ]


class FolderMemo:
    """Each post folder's file names, by the folder's mtime and inode (see the module's docstring).

    Kept in one file of the build cache, read once and written only when it changed; a missing or
    damaged file only means every folder is listed.
    """

    def __init__(self, path: Path):
        self.path = path
        self.known: dict[str, tuple[int, int, tuple[str, ...]]] = {}
        self.changed = False
        self.seen: set[str] = set()
        self.trusted_before = time.time_ns() - RACY_SECONDS * 1_000_000_000
        try:
            with path.open("rb") as f:
                loaded = pickle.load(f)
            if isinstance(loaded, dict):
                self.known = loaded
        except Exception:  # noqa: BLE001 - none kept yet, or damaged: list every folder
            pass

    def signature(self, folder: str) -> Signature:
        """:func:`signature` of ``folder``, statting its known files when it is unchanged."""
        self.seen.add(folder)
        try:
            st = os.stat(folder)
        except OSError:
            return self._listed(folder, None)
        known = self.known.get(folder)
        if known is not None and known[0] == st.st_mtime_ns and known[1] == st.st_ino:
            prefix = folder + os.sep  # the names are a listing's: plain names, so no os.path.join
            try:
                return tuple(
                    [(name, f.st_size, f.st_mtime_ns, f.st_ino) for name in known[2] for f in (os.stat(prefix + name),)]
                )
            except OSError:  # a known file went away although the folder did not change: list it
                pass
        return self._listed(folder, st)

    def _listed(self, folder: str, st: os.stat_result | None) -> Signature:
        found = signature(folder)
        if st is not None and st.st_mtime_ns < self.trusted_before:
            entry = (st.st_mtime_ns, st.st_ino, tuple(name for name, *_ in found))
            if self.known.get(folder) != entry:
                self.known[folder] = entry
                self.changed = True
        elif self.known.pop(folder, None) is not None:
            self.changed = True
        return found

    def save(self) -> None:
        """Write the memo if it changed, without the folders not asked for since it was read (atomically;
        a cache that cannot be written is no error)."""
        gone = self.known.keys() - self.seen
        for folder in gone:
            del self.known[folder]
        if not self.changed and not gone:
            return
        with contextlib.suppress(OSError):  # a memo that cannot be written only costs the next scan its listings
            write_atomic(self.path, pickle.dumps(self.known, protocol=pickle.HIGHEST_PROTOCOL))
        self.changed = False


def write_atomic(path: Path, data: bytes) -> None:
    """``data`` into ``path`` under a temporary name of this process's own, then renamed: a reader
    sees the old file or the new one, never half of one (the build cache's writer)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)
