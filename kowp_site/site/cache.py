"""The persistent build cache in ``.kowp-cache/build/`` (git-ignored; CI may restore it).

Two kinds of files of its own, both safe to delete at any time (the next build is then a full one):

- ``posts-<fingerprint>/<YYYY-MM>.pickle``: one :class:`PostEntry` per post folder of that month,
  i.e. the loaded :class:`~kowp_site.site.content.Post` without its Markdown bodies, its problems, and
  what lists and feeds need of its rendered Markdown (summary, image, length); every build reads
  all of them. ``posts-<fingerprint>/bodies/<YYYY-MM>.pickle`` holds the month's :class:`Body`
  records (the rendered HTML), read only for the outputs that are made again (see
  :class:`BodyStore`). The
  fingerprint covers the kowp-site version and source files, Python and library versions, and the
  whole configuration, so any of those changing starts a fresh cache. An entry is reused while the
  folder's files keep their name, size, mtime and inode (stat first; nothing is read).
- ``outputs-<hash of the output folder>.pickle``: the :class:`Manifest` of the last build written
  there — for every output file the key of what it depended on and a digest of its bytes.

Other modules keep derived files beside them, each safe to delete in the same way: ``catalogs/``
(compiled message catalogs, :mod:`kowp_site.site.locale`), ``cards/`` and ``card-decisions.pickle``
(:mod:`kowp_site.site.cards`), ``search/`` (:mod:`kowp_site.search.patch`).

Entries never depend on ``--drafts``: whether a post is shown is decided per build, and each
output folder has its own manifest, so a preview build cannot leak into a production one.
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
import io
import marshal
import os
import pickle
import shutil
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PosixPath
from typing import TYPE_CHECKING

from kowp_site import __version__
from kowp_site.errors import Problem
from kowp_site.site.config import Config
from kowp_site.site.disk import (  # write_atomic: every cache file is written with it
    FOLDERS_FILE,
    FolderMemo,
    Signature,
    post_folders,
    signature,
    signature_tree,
    write_atomic,
)
from kowp_site.site.output import KeptGroup, Record

if TYPE_CHECKING:
    from kowp_site.site.content import Post
    from kowp_site.site.images import ImageInfo
    from kowp_site.site.markdown import Rendered
    from kowp_site.site.render import PostView

FORMAT = "6"
CACHE_DIR = ".kowp-cache"
KEEP_FINGERPRINTS = 3  # e.g. a local build, a --base-url CI build and serve


def cache_root(config: Config) -> Path:
    return config.root / CACHE_DIR / "build"


def catalogs_dir(config: Config) -> Path:
    """Where the site's compiled message catalogs are kept (see :func:`kowp_site.site.locale.load_kept`)."""
    return cache_root(config) / "catalogs"


def hash_text(*parts: object) -> str:
    return hash_more(hashlib.blake2b(digest_size=16), parts)


def hash_more(state: hashlib.blake2b, parts: Iterable[object]) -> str:
    """:func:`hash_text` continued from ``state`` (a blake2b that already took some parts)."""
    for part in parts:
        state.update(repr(part).encode("utf-8", "surrogatepass"))
        state.update(b"\x00")
    return state.hexdigest()


def hashes_after(prefix: str, texts: Iterable[str]) -> list[str]:
    """The digest of ``prefix``, a NUL and each of ``texts``: one hash call each (thousands a build)."""
    blake2b, head = hashlib.blake2b, prefix + "\x00"
    return [blake2b((head + text).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest() for text in texts]


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many long-lived objects (much faster)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def git_signature(root: Path) -> Signature:
    """Stat of the Git files that move with every commit (HEAD, its branch, packed refs, the index).

    Post pages of outdated translations show when the English last changed *in Git*, so a commit
    must count as an input even when no file under content/ changed.
    """
    for folder in (root, *root.parents):
        git = folder / ".git"
        if git.exists():
            break
    else:
        return ()
    if git.is_file():  # a worktree: "gitdir: <path>"
        text = git.read_text(encoding="utf-8", errors="replace").strip()
        git = (folder / text.removeprefix("gitdir:").strip()).resolve()
    names = ["HEAD", "packed-refs", "index"]
    try:
        head = (git / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        head = ""
    if head.startswith("ref: "):
        names.append(head[5:])
    found = []
    for name in names:
        try:
            st = (git / name).stat()
        except OSError:
            continue
        found.append((name, st.st_size, st.st_mtime_ns, st.st_ino))
    return (("HEAD=" + head, 0, 0, 0), *found)


@dataclass(frozen=True)
class Scan:
    """The stat of every content file, taken before anything is read."""

    folders: dict[str, tuple[str, str, str, str]]  # "YYYY/MM/slug" -> (year, month, slug, folder)
    signatures: dict[str, Signature]
    pages: Signature
    key: str  # changes when any content file may have changed
    partial: bool = False  # only some post folders (build.newest): the cache keeps the others


def scan(config: Config) -> Scan:
    """The stat of every post folder's files and of the pages (see :mod:`kowp_site.site.disk`)."""
    folders: dict[str, tuple[str, str, str, str]] = {}
    for year, month, slug, folder in post_folders(config.content_dir / "posts"):
        folders[f"{year}/{month}/{slug}"] = (year, month, slug, folder)
    memo = FolderMemo(cache_root(config) / FOLDERS_FILE)
    sigs = {name: memo.signature(where[3]) for name, where in folders.items()}
    memo.save()
    pages = signature(config.content_dir / "pages")
    # marshal version 2 writes no back-references, so equal values give equal bytes (and it is
    # several times faster than repr for 5,000 signatures)
    key = hashlib.blake2b(marshal.dumps((sorted(sigs.items()), pages), 2), digest_size=16).hexdigest()
    return Scan(folders, sigs, pages, key)


PACKAGE = Path(__file__).resolve().parent.parent  # kowp_site: every module may decide what an output holds
LIBRARIES = ("markdown_it", "mdit_py_plugins", "nh3", "jinja2", "markupsafe", "feedgen", "yaml", "frontmatter", "babel")


def tool_fingerprint() -> str:
    """kowp-site's version and every module of it, Python, and the libraries whose output we cache
    (their installed files' stat: no import needed)."""
    import importlib.util

    sources = []
    for dirpath, dirnames, filenames in os.walk(PACKAGE):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and d != "themes")
        for name in sorted(filenames):
            if name.endswith(".py"):
                st = os.stat(os.path.join(dirpath, name))
                sources.append((os.path.relpath(os.path.join(dirpath, name), PACKAGE), st.st_size, st.st_mtime_ns))
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        if origin is not None and origin.exists():
            st = origin.stat()
            sources.append((library, st.st_size, st.st_mtime_ns))
    return hash_text(FORMAT, __version__, sys.version, sources)


def theme_signature(config: Config) -> Signature:
    """Stat of every file of the site's themes and of the bundled theme (templates and static)."""
    folders = [config.root / "themes", PACKAGE / "themes" / "default", PACKAGE.parent / "themes" / "default"]
    found: list[tuple[str, int, int, int]] = []
    for folder in folders:
        if folder.is_dir():
            found.append((str(folder), 0, 0, 0))
            found.extend(signature_tree(folder))
    return tuple(found)


@dataclass(frozen=True)
class PostEntry:
    """One post folder as the loader saw it; reused while ``signature`` (stat) or, failing that,
    ``digest`` (content) still matches.

    Entries kept by :class:`PostCache` are light (see :func:`light`): the Post's Markdown
    bodies and the HTML are "", and live in the :class:`BodyStore`.
    """

    folder: str  # "YYYY/MM/slug"
    signature: Signature
    post: Post | None
    problems: tuple[Problem, ...]
    assets: tuple[tuple[str, Path], ...]
    digest: str  # of the folder's Markdown bytes and file names: what the post's outputs depend on
    rendered: Rendered | None  # the translation body rendered, once a build has shown the post
    view: PostView | None = None  # the light view of the post (made with ``rendered``)
    card: str = ""  # digest of the light post: what the translation progress pages depend on
    view_card: str = ""  # digest of the post's archive entry: what the archive depends on
    images: tuple[tuple[str, ImageInfo], ...] = ()  # file name -> size of each good image in the folder


@dataclass(frozen=True)
class Body:
    """The rendered HTML of one shown post: what :class:`PostEntry` leaves out.

    The Markdown bodies are not kept: outputs need only the HTML, and a post whose Markdown is
    needed again (it changed, or a preview shows a draft) is read from its files.
    """

    digest: str  # the entry's digest: a body is used only with the entry it was made with
    html: str


def light(post: Post) -> Post:
    """``post`` without its Markdown bodies: what every build reads (see :class:`Body`)."""
    translation = post.translation
    return replace(
        post,
        source=replace(post.source, body=""),
        translation=replace(translation, body="") if translation else None,
    )


class BodyStore:
    """Body records by post folder, one file per month, each read on first use.

    Forked worker processes read the months they need themselves; only the main process saves.
    """

    def __init__(self, folder: Path):
        self.dir = folder
        self.months: dict[str, dict[str, Body]] = {}
        self.dirty: set[str] = set()

    def month(self, shard: str) -> dict[str, Body]:
        found = self.months.get(shard)
        if found is None:
            found = {}
            try:
                with no_gc(), (self.dir / f"{shard}.pickle").open("rb") as f:
                    loaded = pickle.load(f)
                if isinstance(loaded, dict):
                    found = loaded
            except FileNotFoundError:
                pass
            except Exception:  # a damaged file: its posts are rendered again when needed
                self.dirty.add(shard)
            self.months[shard] = found
        return found

    def get(self, folder: str, digest: str) -> Body | None:
        body = self.month(shard_of(folder)).get(folder)
        return body if body is not None and body.digest == digest else None

    def put(self, folder: str, body: Body) -> None:
        shard = shard_of(folder)
        self.month(shard)[folder] = body
        self.dirty.add(shard)

    def put_month(self, shard: str, bodies: dict[str, Body] | None, saved: bool) -> None:
        """Bodies of one month from a worker; ``saved``: it wrote the month's whole file (read when needed)."""
        if saved:
            self.months.pop(shard, None)
            self.dirty.discard(shard)
            return
        self.month(shard).update(bodies or {})
        self.dirty.add(shard)

    def save(self, wanted: Iterable[str]) -> None:
        """Rewrite the changed months, keeping only the folders in ``wanted``."""
        keep = set(wanted)
        for shard in sorted(self.dirty):
            bodies = {k: v for k, v in self.month(shard).items() if k in keep}
            path = self.dir / f"{shard}.pickle"
            if bodies:
                write_atomic(path, pickle.dumps(bodies, protocol=pickle.HIGHEST_PROTOCOL))
            else:
                path.unlink(missing_ok=True)
        self.dirty.clear()


def folder_content(folder: str | Path, sig: Signature, read: dict[str, bytes] | None = None) -> str:
    """Hash of the bytes of every file in ``folder`` (as ``sig`` lists them; a picture's size shows
    on its page): compared when the stat changed but the content may not have (a restored CI
    cache, a fresh checkout, a touched file). ``read``: bytes already read, by file name."""
    parts = []
    for name, *_ in sig:
        digest = ""
        if not name.startswith("."):
            data = read.get(name) if read else None
            try:
                if data is None:
                    with open(os.path.join(folder, name), "rb") as f:
                        data = f.read()
                digest = hashlib.blake2b(data, digest_size=16).hexdigest()
            except OSError:
                digest = "missing"
        parts.append((name, digest))
    return hash_text(parts)


def shard_of(folder: str) -> str:
    return folder[:7].replace("/", "-")  # "2026/08/slug" -> "2026-08"


class PostCache:
    """Post entries by folder, stored in monthly shards; only changed shards are rewritten."""

    def __init__(self, config: Config, fingerprint: str):
        self.dir = cache_root(config) / f"posts-{fingerprint[:16]}"
        self.bodies = BodyStore(self.dir / "bodies")
        self.entries: dict[str, PostEntry] = {}
        self.dirty: set[str] = set()
        self.saved: set[str] = set()  # shards already written by a worker during this build

    def load(self) -> None:
        if not self.dir.is_dir():
            return
        with no_gc():
            for path in sorted(self.dir.glob("*.pickle")):
                try:
                    with path.open("rb") as f:
                        self.entries.update(pickle.load(f))
                except Exception:  # a damaged shard is rebuilt, never trusted
                    self.dirty.add(path.stem)

    def get(self, folder: str, sig: Signature) -> PostEntry | None:
        entry = self.entries.get(folder)
        return entry if entry is not None and entry.signature == sig else None

    def put(self, entry: PostEntry) -> None:
        self.entries[entry.folder] = entry
        self.dirty.add(shard_of(entry.folder))

    def put_shard(self, shard: str, data: bytes, saved: bool) -> None:
        """Entries of one shard as a worker pickled them (``saved``: it also wrote the shard file)."""
        entries: dict[str, PostEntry] = pickle.loads(data)
        self.entries.update(entries)
        (self.saved if saved else self.dirty).add(shard)

    def keep_only(self, folders: Iterable[str]) -> None:
        wanted = set(folders)
        for name in [f for f in self.entries if f not in wanted]:
            del self.entries[name]
            self.dirty.add(shard_of(name))
            self.bodies.dirty.add(shard_of(name))

    def save(self) -> None:
        """Rewrite the shards that changed (atomically) and forget old fingerprints."""
        if self.bodies.dirty:
            self.bodies.save(self.entries)
        todo = self.dirty - self.saved
        if not todo:
            if self.saved:
                self.saved.clear()
                self.dirty.clear()
                self._prune()
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        by_shard: dict[str, dict[str, PostEntry]] = {s: {} for s in todo}
        for name, entry in self.entries.items():
            shard = shard_of(name)
            if shard in by_shard:
                by_shard[shard][name] = entry
        for shard, entries in by_shard.items():
            path = self.dir / f"{shard}.pickle"
            if entries:
                write_atomic(path, dumps(entries))
            else:
                path.unlink(missing_ok=True)
        self.dirty.clear()
        self.saved.clear()
        self._prune()

    def _prune(self) -> None:
        others = [d for d in self.dir.parent.glob("posts-*") if d != self.dir]
        others.sort(key=lambda d: d.stat().st_mtime_ns, reverse=True)
        for old in others[KEEP_FINGERPRINTS - 1 :]:
            shutil.rmtree(old, ignore_errors=True)


@dataclass
class Manifest:
    """What the last build wrote into one output folder, and with which inputs."""

    inputs: str = ""  # key of every input (content stat, config, theme, tool, options)
    records: dict[str, Record] = field(default_factory=dict)
    summary: tuple[int, int, int, tuple[Problem, ...]] = (0, 0, 0, ())  # files, posts, pages, warnings
    groups: dict[str, KeptGroup] = field(default_factory=dict)  # groups declared from one digest, by name


def manifest_path(config: Config, dest: Path) -> Path:
    return cache_root(config) / f"outputs-{hash_text(str(dest))[:16]}.pickle"


def load_manifest(config: Config, dest: Path) -> Manifest | None:
    """The manifest of ``dest``, or None when there is none, it is damaged or ``dest`` is gone."""
    path = manifest_path(config, dest)
    if not dest.is_dir() or not path.is_file():
        return None
    try:
        with no_gc(), path.open("rb") as f:
            found = pickle.load(f)
    except Exception:
        return None
    if not isinstance(found, Manifest):
        return None
    if not isinstance(getattr(found, "groups", None), dict):  # written before groups were kept
        found.groups = {}
    return found


def save_manifest(config: Config, dest: Path, manifest: Manifest) -> None:
    """The manifest, then beside it its inputs and summary (what a build with nothing to do reads)."""
    write_atomic(manifest_path(config, dest), pickle.dumps(manifest, protocol=pickle.HIGHEST_PROTOCOL))
    save_inputs(config, dest, manifest)


def save_inputs(config: Config, dest: Path, manifest: Manifest) -> None:
    """The inputs and summary of ``manifest`` alone (see :func:`unchanged_summary`)."""
    summary = (manifest.inputs, manifest.summary)
    write_atomic(
        manifest_path(config, dest).with_suffix(".inputs"), pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL)
    )


def unchanged_summary(config: Config, dest: Path, inputs: str) -> tuple[int, int, int, tuple[Problem, ...]] | None:
    """The summary of the last build of ``dest`` when it was made from ``inputs`` and its manifest
    is still there; None otherwise. Read from the small file :func:`save_manifest` writes last, so
    a build stopped between the two files finds the older inputs and reads the manifest."""
    path = manifest_path(config, dest)
    try:
        stored, summary = pickle.loads(path.with_suffix(".inputs").read_bytes())
    except Exception:  # noqa: BLE001 - none yet, or damaged: the manifest decides
        return None
    if stored != inputs or not dest.is_dir() or not path.is_file():
        return None
    return summary  # type: ignore[no-any-return]


def forget_manifest(config: Config, dest: Path) -> None:
    path = manifest_path(config, dest)
    path.with_suffix(".inputs").unlink(missing_ok=True)
    path.unlink(missing_ok=True)


def _path(text: str) -> Path:
    """The PosixPath of an absolute, normalised path string (``str`` of one), made without parsing
    it again where the running Python allows (a cache holds thousands)."""
    if _FROM_PARTS is not None and text.startswith("/") and "//" not in text:
        parts = ["/", *text[1:].split("/")] if text != "/" else ["/"]
        return _FROM_PARTS("", "/", parts)
    return PosixPath(text)


# Python 3.11's private constructor from parsed parts (absent or different in other versions).
_FROM_PARTS = getattr(PosixPath, "_from_parsed_parts", None) if sys.version_info[:2] == (3, 11) else None


class _Pickler(pickle.Pickler):
    # A path is stored as one string: it is made back much faster than from its parts.
    dispatch_table = {
        **copyreg.dispatch_table,
        PosixPath: lambda p: (_path, (str(p),)) if p.is_absolute() else (PosixPath, (str(p),)),
    }


def dumps(value: object) -> bytes:
    """Pickle ``value`` for the cache."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()
