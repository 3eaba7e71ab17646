"""What a build keeps of its search index in the build cache, so that the next build patches it.

One folder per language and site settings under ``.kowp-cache/build/search/`` (derived, safe to
delete), in files small enough that a one-post edit reads and writes only what it touches:

- ``state.marshal``: :data:`KEPT_FORMAT`, the language, each document's post path, key and
  length by number, and each shard's size, CRC-32 (checked when read) and digest (what the
  shard's output is keyed by: see :attr:`Store.kept`), a few hundred KB for 5,000 posts;
- ``index/<n>.json``: shard ``n`` as the site has it, checked against its CRC when read;
- ``terms/<YYYY-MM>.marshal``: ``{post key: Record}`` for the posts of one month (their terms).

An edit reads the state and the shards' bytes (the build writes every shard, so they are read
anyway), decodes only the shards it changes, reads one month of terms and writes back the state,
the changed shards and that month. A file missing or damaged makes :meth:`Store.load` return None
or its month read as empty: the caller then builds afresh what it cannot patch.
"""

from __future__ import annotations

import marshal
import os
import re
import shutil
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping
from fnmatch import fnmatch
from pathlib import Path

from kowp_site.search.index import Record, index_files
from kowp_site.search.patch import Previous, changes, fresh, patched
from kowp_site.site.output import write_fd

KEPT_FORMAT = 3  # the layout of these files; another number and the kept files are ignored
KEEP_FOLDERS = 4  # the newest kept indexes (production, preview, a setting tried and undone)
LEGACY = ("terms-*.marshal", "index-*.marshal")  # the one-file layout of KEPT_FORMAT 1
_MONTH = re.compile(r"\d{4}/\d{2}/")


def month_of(path: str) -> str:
    """The terms file of a post key path (``YYYY/MM/slug``)."""
    return path[:7].replace("/", "-") if _MONTH.match(path) else "other"


def write_atomically(path: Path, data: bytes) -> None:
    """Under a name of this process's and thread's own (forked workers may write at once), then renamed."""
    temporary = f"{path}.{os.getpid()}-{threading.get_ident()}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    write_fd(fd, data)
    os.replace(temporary, path)


def read(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def read_shards(folder: Path, sizes: list[int]) -> list[bytes] | None:
    """``index/<n>.json`` for each of ``sizes``, when each is that size (a few system calls a file:
    an edit reads them all, as the build writes every shard)."""
    try:
        at = os.open(folder / "index", os.O_RDONLY)
    except OSError:
        return None
    found = []
    try:
        for n, size in enumerate(sizes):
            fd = os.open(f"{n}.json", os.O_RDONLY, dir_fd=at)
            try:
                data = os.read(fd, size + 1)
            finally:
                os.close(fd)
            if len(data) != size:
                return None
            found.append(data)
    except OSError:
        return None
    finally:
        os.close(at)
    return found


class Store:
    """The kept index of one language and site settings, in ``folder``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.months: dict[str, dict[str, Record]] = {}  # the terms files read, as read
        self.sums: list[int] = []  # the CRC-32 of each shard as kept
        self.kept: Previous | None = None  # the index as this store keeps it now, once made or patched

    def load(self) -> Previous | None:
        """The kept index, or None when a file of it is missing, damaged or of another format."""
        try:
            state = marshal.loads(read(self.folder / "state.marshal") or b"")
            version, language, paths, keys, lengths, sizes, sums, digests = state
            if version != KEPT_FORMAT or not (len(paths) == len(keys) == len(lengths)) or len(digests) != len(sizes):
                return None
            dumped = read_shards(self.folder, sizes)
        except (EOFError, ValueError, TypeError):
            return None
        if dumped is None or list(map(zlib.crc32, dumped)) != sums:
            return None
        self.sums = sums
        return Previous(language, paths, keys, lengths, dumped, digests)

    def save(self, kept: Previous, shards: Iterable[int]) -> None:
        """The state of ``kept`` and the bytes of its ``shards`` (the others are on disk already)."""
        sums = self.sums if len(self.sums) == len(kept.dumped) else [zlib.crc32(data) for data in kept.dumped]
        for n in shards:
            write_atomically(self.folder / "index" / f"{n}.json", kept.dumped[n])
            sums[n] = zlib.crc32(kept.dumped[n])
        sizes = list(map(len, kept.dumped))
        state = (KEPT_FORMAT, kept.language, kept.paths, kept.keys, kept.lengths, sizes, sums, kept.digests)
        write_atomically(self.folder / "state.marshal", marshal.dumps(state))  # last: it names the shards' bytes
        prune(self.folder.parent)

    def month(self, name: str) -> dict[str, Record]:
        found = self.months.get(name)
        if found is None:
            try:
                kept = marshal.loads(read(self.folder / "terms" / f"{name}.marshal") or b"")
            except (EOFError, ValueError, TypeError):
                kept = None
            valid = isinstance(kept, tuple) and len(kept) == 2 and kept[0] == KEPT_FORMAT and isinstance(kept[1], dict)
            found = self.months[name] = kept[1] if valid else {}  # type: ignore[index]
        return found

    def record(self, path: str, key: str) -> Record | None:
        """The terms kept for the post at ``path`` made from ``key`` (see LazyIndex.post_keys)."""
        return self.month(month_of(path)).get(key)

    def keep_records(self, paths: list[str], keys: list[str], made: Mapping[int, Record], months: set[str]) -> None:
        """Write the terms files of ``months``: each holds the records of its posts among ``paths``
        (from ``made`` by document number, else as read), when that is not what it holds already."""
        wanted: dict[str, dict[str, Record]] = {name: {} for name in months}
        for i, (path, key) in enumerate(zip(paths, keys, strict=True)):
            name = month_of(path)
            if name in wanted:
                record = made.get(i) or self.record(path, key)
                if record is not None:
                    wanted[name][key] = record
        for name, records in wanted.items():
            self.keep_month(name, records)

    def replace_records(self, paths: list[str], keys: list[str], was: list[str], new: Mapping[int, Record]) -> None:
        """After a patch: in the terms file of each document of ``new``, its record under its key
        in ``keys`` instead of the one in ``was`` (the previous keys by number)."""
        wanted: dict[str, dict[str, Record]] = {}
        for i, record in new.items():
            name = month_of(paths[i])
            records = wanted.get(name)
            if records is None:
                records = wanted[name] = dict(self.month(name))
            if i < len(was):
                records.pop(was[i], None)
            records[keys[i]] = record
        for name, records in wanted.items():
            self.keep_month(name, records)

    def keep_month(self, name: str, records: dict[str, Record]) -> None:
        """The terms file of month ``name`` holds ``records``, written when it held other posts."""
        if records.keys() != self.month(name).keys():
            write_atomically(self.folder / "terms" / f"{name}.marshal", marshal.dumps((KEPT_FORMAT, records)))
            self.months[name] = records


def prune(folder: Path) -> None:
    """Keep the newest :data:`KEEP_FOLDERS` kept indexes in ``folder``, and no file of the older layout."""
    found = []
    for candidate in folder.iterdir():
        if candidate.is_dir():
            try:
                found.append(((candidate / "state.marshal").stat().st_mtime_ns, candidate))
            except OSError:  # another worker removed it meanwhile, or a folder without a state
                found.append((0, candidate))
        elif any(fnmatch(candidate.name, pattern) for pattern in LEGACY):
            candidate.unlink(missing_ok=True)
    for _, old in sorted(found, reverse=True)[KEEP_FOLDERS:]:
        shutil.rmtree(old, ignore_errors=True)


def kept_index(
    store: Store, language: str, paths: list[str], keys: list[str], analyse: Callable[[int], Record]
) -> dict[str, bytes]:
    """meta.json and every shard of the documents ``paths`` (oldest first), each made from ``keys``:
    the kept index patched where it can be (kowp_site.search.patch), else made afresh from the kept
    terms of each post, or from ``analyse(number)`` for a post whose terms are not kept."""
    previous = store.load()
    files = patch_kept(store, previous, language, paths, keys, analyse) if previous is not None else None
    if files is not None:
        return files
    records = [store.record(path, key) or analyse(i) for i, (path, key) in enumerate(zip(paths, keys, strict=True))]
    files = index_files(records, language)
    store.keep_records(paths, keys, dict(enumerate(records)), {month_of(path) for path in paths})
    kept = store.kept = fresh(language, paths, keys, records, files)
    store.save(kept, range(len(kept.dumped)))
    return files


def patched_index(
    store: Store, language: str, paths: list[str], keys: list[str], analyse: Callable[[int], Record], most: int
) -> dict[str, bytes] | None:
    """The index files of :func:`kept_index` when the kept index is patched by at most ``most``
    changed documents (an edit: cheap enough to do at once); None otherwise, having analysed and
    written nothing."""
    previous = store.load()
    return patch_kept(store, previous, language, paths, keys, analyse, most) if previous is not None else None


def patch_kept(
    store: Store,
    previous: Previous,
    language: str,
    paths: list[str],
    keys: list[str],
    analyse: Callable[[int], Record],
    most: int | None = None,
) -> dict[str, bytes] | None:
    """The index files patched from ``previous``, and the changes kept; None when it cannot be
    patched (see :func:`~kowp_site.search.patch.changes`), the old terms of a changed post are
    lost, or more than ``most`` documents changed."""
    numbers = changes(previous, language, paths, keys)
    if numbers is not None and most is not None and len(numbers) > most:
        return None
    old = old_records(store, previous, numbers) if numbers is not None else None
    if numbers is None or old is None:
        return None
    new = {i: store.record(paths[i], keys[i]) or analyse(i) for i in numbers}
    files, kept, touched = patched(previous, paths, keys, new, old)
    store.kept = kept
    if numbers:
        store.replace_records(paths, keys, previous.keys, new)
        store.save(kept, touched)
    return files


def old_records(store: Store, previous: Previous, numbers: list[int]) -> dict[int, Record] | None:
    """The kept terms of the documents ``numbers`` that ``previous`` numbered, as they were; None
    when one of them is not kept (its month's terms file missing or damaged)."""
    found = {}
    for i in numbers:
        if i < len(previous.paths):
            record = store.record(previous.paths[i], previous.keys[i])
            if record is None:
                return None
            found[i] = record
    return found
