"""What ``kowp-site fetch`` writes, decided before anything is written, then written all at once.

:func:`plan` compares converted posts with the files on disk (no writes); :func:`apply` writes the
whole batch: every file to a temporary file first, then ``os.replace`` each into place, so an
error half-way leaves ``content/`` as it was. Translation files are created only when absent,
and never replaced. Also here: the lock that keeps two fetches apart, the state file, and the
warnings of a plan (what was skipped or left out).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kowp_site.errors import KowpError, Problem
from kowp_site.fetch.importer import Converted, Skipped
from kowp_site.paths import UnsafePath, inside
from kowp_site.site.config import Config
from kowp_site.site.content import post_dirs

STATE_FILE = ".fetch-state.json"
LOCK_FILE = ".fetch.lock"
_FRONT = re.compile(rb"\A(?:\xef\xbb\xbf)?---\r?\n(.*?)\r?\n---\r?\n", re.DOTALL)


@dataclass(frozen=True)
class Item:
    """One post in the summary: its title and folder (relative to the site root, "" if unknown)."""

    title: str
    path: str
    reason: str = ""  # why it was skipped
    link: str = ""  # the entry's link, for skipped entries
    pretranslated: float | None = None  # share of a new stub filled from the translation memory


@dataclass(frozen=True)
class Write:
    path: Path
    data: bytes
    create_only: bool = False  # a translation stub: never replaces an existing file


@dataclass(frozen=True)
class Plan:
    writes: tuple[Write, ...]
    new: tuple[Item, ...]
    updated: tuple[Item, ...]
    unchanged: tuple[Item, ...]
    skipped: tuple[Item, ...]


# --- the lock and the state file ------------------------------------------------------------


@contextmanager
def lock(content_dir: Path) -> Iterator[None]:
    """Hold ``content/.fetch.lock`` for the whole run; a second fetch stops at once."""
    path = content_dir / LOCK_FILE
    busy = KowpError(
        f"{path}: another `kowp-site fetch` is running on this site — wait for it to finish"
        " (if none is, delete this file)"
    )
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no flock (Windows): an exclusive-create lock file
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            raise busy from None
        try:
            yield
        finally:
            os.close(fd)
            path.unlink(missing_ok=True)
        return
    for _ in range(10):
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise busy from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the previous holder removed the file after we opened it: open it again
    else:  # pragma: no cover - only under heavy contention
        raise busy
    try:
        yield
    finally:
        # Removed while still held, so no lock file is left behind for Git to see.
        path.unlink(missing_ok=True)
        os.close(fd)


def read_states(content_dir: Path) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]], list[str]]:
    """Validators per feed URL and, per image address, its validators and the file it became."""
    path = content_dir / STATE_FILE
    if not path.is_file():
        return {}, {}, []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        feeds = _validators(data["feeds"], ("etag", "last_modified"))
        images = _validators(data.get("images", {}), ("etag", "last_modified", "file"))
        return feeds, images, []
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return {}, {}, [f"{STATE_FILE} is unreadable ({type(exc).__name__}: {exc}); it will be rewritten"]


def _validators(table: dict[str, Any], keys: tuple[str, ...]) -> dict[str, dict[str, str]]:
    return {str(url): {k: str(v) for k, v in values.items() if k in keys and v} for url, values in table.items()}


def state_bytes(feeds: dict[str, dict[str, str]], images: dict[str, dict[str, str]] | None = None) -> bytes:
    """The state file: only validators, sorted, so an unchanged feed leaves it byte-identical."""

    def clean(table: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        return {url: {k: v for k, v in sorted(values.items()) if v} for url, values in sorted(table.items())}

    state: dict[str, Any] = {"feeds": clean(feeds)}
    if images:
        state["images"] = clean(images)
    return (json.dumps(state, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def state_write(
    content_dir: Path, new_state: dict[str, dict[str, str]], new_images: dict[str, dict[str, str]]
) -> Write | None:
    """The state file's new bytes, when they differ from the file's (None: nothing to write)."""
    state_path = content_dir / STATE_FILE
    data = state_bytes(new_state, new_images) if new_state or new_images or state_path.exists() else b""
    old = state_path.read_bytes() if state_path.is_file() else None
    return Write(state_path, data) if data and data != old else None


# --- planning -------------------------------------------------------------------------------


def guids_on_disk(config: Config) -> dict[str, str]:
    """guid -> ``YYYY/MM/slug`` of every en.md already in content/posts."""
    found: dict[str, str] = {}
    for year, month, slug, folder in post_dirs(config.content_dir / "posts"):
        try:
            match = _FRONT.match((folder / "en.md").read_bytes())
            meta = yaml.load(match.group(1), Loader=yaml.CSafeLoader) if match else None
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(meta, dict):
            guid = meta.get("guid") or meta.get("link")
            if isinstance(guid, str) and guid:
                found.setdefault(guid, f"{year}/{month}/{slug}")
    return found


def plan(
    config: Config, results: list[Converted | Skipped], fill: Callable[[bytes], tuple[bytes, float]] | None = None
) -> Plan:
    """Decide every write by comparing bytes with the files on disk. Reads only.

    ``fill`` (the translation memory) rewrites a stub that will be created, and says how much of
    it came from the memory; an existing translation file is never read or written."""
    on_disk = guids_on_disk(config)
    planned: dict[str, str] = {}  # key path -> guid, for this run
    planned_guids: dict[str, str] = {}  # guid -> key path, for this run
    writes: list[Write] = []
    new: list[Item] = []
    updated: list[Item] = []
    unchanged: list[Item] = []
    skipped: list[Item] = []
    for result in results:
        if isinstance(result, Skipped):
            skipped.append(Item(result.title, "", result.reason, result.link))
            continue
        key = result.key.path
        if planned_guids.get(result.guid) == key:
            continue  # the same post on two feed pages
        refused = _refused(result, planned, planned_guids, on_disk)
        if refused is not None:
            skipped.append(refused)
            continue
        try:
            folder = inside(
                config.content_dir, "posts", f"{result.key.year:04d}", f"{result.key.month:02d}", result.key.slug
            )
        except UnsafePath as exc:
            skipped.append(Item(result.title, "", f"unsafe folder: {exc}", result.link))
            continue
        planned[key] = result.guid
        planned_guids[result.guid] = key
        item, post_writes, is_new = _post_writes(config, result, folder, fill)
        writes += post_writes
        (new if is_new else updated if post_writes else unchanged).append(item)
    return Plan(tuple(writes), tuple(new), tuple(updated), tuple(unchanged), tuple(skipped))


def _refused(
    result: Converted, planned: dict[str, str], planned_guids: dict[str, str], on_disk: dict[str, str]
) -> Item | None:
    """Why ``result`` is skipped: its folder or guid is another entry's, or the post is in another folder."""
    key = result.key.path
    shown = f"content/posts/{key}"
    if key in planned:
        return Item(result.title, shown, "another entry of the feed has the same folder", result.link)
    if result.guid in planned_guids:
        return Item(result.title, shown, f"guid {result.guid} is also used by another entry", result.link)
    elsewhere = on_disk.get(result.guid)
    if elsewhere and elsewhere != key:
        return Item(
            result.title,
            shown,
            f"this post (guid {result.guid}) is already in content/posts/{elsewhere}; "
            f"if its address changed, move that folder with `git mv` to {shown}",
            result.link,
        )
    return None


def _post_writes(
    config: Config, result: Converted, folder: Path, fill: Callable[[bytes], tuple[bytes, float]] | None
) -> tuple[Item, list[Write], bool]:
    """(the post as listed, its writes, whether it is new): en.md when its bytes change, and the
    translation stub (filled from the memory) when there is no translation file yet."""
    shown = f"content/posts/{result.key.path}"
    source = folder / "en.md"
    translation = folder / f"{config.language}.md"
    old = source.read_bytes() if source.is_file() else None
    item = Item(result.title, shown)
    post_writes = []
    if old != result.source:
        post_writes.append(Write(source, result.source))
    if not translation.exists():
        stub = result.stub
        if fill is not None:
            stub, share = fill(stub)
            item = Item(result.title, shown, pretranslated=share)
        post_writes.append(Write(translation, stub, create_only=True))
    return item, post_writes, old is None


def left_out(results: list[Converted | Skipped], decided: Plan) -> list[tuple[str, tuple[str, ...]]]:
    """(post folder, what its Markdown left out) of each post written with something left out."""
    written = {item.path for item in (*decided.new, *decided.updated)}
    return [
        (f"content/posts/{result.key.path}", result.dropped)
        for result in results
        if isinstance(result, Converted) and result.dropped and f"content/posts/{result.key.path}" in written
    ]


def problems(where: str, decided: Plan, dropped: list[tuple[str, tuple[str, ...]]]) -> list[Problem]:
    """The warnings of a plan: what each written post's Markdown left out, then each skipped entry."""
    found = [
        Problem(
            f"{folder}/en.md",
            None,
            "left out of the Markdown: " + "; ".join(what),
            "add what is missing by hand if readers need it (a video as a file in the post folder)",
            "warning",
        )
        for folder, what in dropped
    ]
    found += [
        Problem(
            where,
            None,
            f"skipped {item.title!r} ({item.path or item.link or 'no link'}): {item.reason}",
            "fix the entry upstream or add the post by hand",
            "warning",
        )
        for item in decided.skipped
    ]
    return found


# --- writing --------------------------------------------------------------------------------


def _make_parents(path: Path, made: list[Path]) -> None:
    missing: list[Path] = []
    folder = path.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir()
        made.append(folder)


def apply(writes: tuple[Write, ...] | list[Write]) -> None:
    """Write the batch all-or-nothing: every temporary file first, then one rename each.

    If any temporary file cannot be written, they are all removed (with the folders made for
    them) and content/ is as it was.
    """
    staged: list[tuple[Path, Write]] = []
    made: list[Path] = []
    try:
        for write in writes:
            _make_parents(write.path, made)
            fd, name = tempfile.mkstemp(prefix=f".{write.path.name}.", suffix=".tmp", dir=write.path.parent)
            staged.append((Path(name), write))
            with os.fdopen(fd, "wb") as handle:
                handle.write(write.data)
            os.chmod(name, 0o644)
    except OSError as exc:
        _discard(staged, made)
        raise KowpError(f"could not write {exc.filename or ''}: {exc.strerror or exc}; nothing was changed") from None
    except BaseException:
        _discard(staged, made)
        raise
    for temp, write in staged:
        if write.create_only:
            try:
                os.link(temp, write.path)  # fails if a translator created the file meanwhile
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                if not write.path.exists():
                    os.replace(temp, write.path)
            finally:
                temp.unlink(missing_ok=True)
        else:
            os.replace(temp, write.path)


def _discard(staged: list[tuple[Path, Write]], made: list[Path]) -> None:
    for temp, _ in staged:
        temp.unlink(missing_ok=True)
    for folder in reversed(made):
        with suppress(OSError):
            folder.rmdir()
