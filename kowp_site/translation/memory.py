"""The translation memory: the site's own published translations, reused for new English posts.

Built from the repository alone, on demand: every published ``<language>.md`` with the en.md
its ``source_hash`` names (the current en.md, or for an outdated translation the version found
in the Git history; skipped when it cannot be found). Each pair is cut into blocks
(:mod:`kowp_site.translation.segments`); a pair whose blocks do not line up contributes
nothing. Nothing is stored: posts are read newest first and only those whose English holds
the literal text of a wanted segment (its *anchor*) are parsed, until each segment is found, so
a lookup reads the files and parses a few. The most recent translation wins (then the path).

Used by ``kowp-site fetch`` (:class:`kowp_site.translation.prefill.Filler` writes exact and
placeable matches into a new stub, each filled block marked ``<!-- kowp-tm n/m: YYYY/MM/slug -->``),
by ``kowp-site suggest`` (:mod:`kowp_site.translation.suggestions`: fuzzy matches, never written)
and by ``status`` and the /translate/ page (:func:`share`: how much of a stub still carries the
memory's markers).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from kowp_site import gitlog
from kowp_site.errors import KowpError, display_path
from kowp_site.site.config import Config
from kowp_site.site.content import Post, post_dirs, sha256_bytes
from kowp_site.translation import korean
from kowp_site.translation.segments import (
    Key,
    aligned,
    blocks,
    is_segment,
    normalise,
    parse,
    sentences,
    substitute,
)

MARKER = "kowp-tm"
# A filled block ends with this comment; a filled title has it as a YAML comment above it.
MARKER_RE = re.compile(r"<!--\s*kowp-tm (\d+)/(\d+):[^>]*?-->")
TITLE_MARKER_RE = re.compile(r"^#\s*kowp-tm (\d+)/(\d+):", re.MULTILINE)
FRONT_RE = re.compile(r"\A\ufeff?---\r?\n(.*?)\r?\n---\r?\n", re.DOTALL)
_FRONT_BYTES = re.compile(rb"\A(?:\xef\xbb\xbf)?---\r?\n(.*?)\r?\n---\r?\n", re.DOTALL)
MAX_MISSES = 25  # sources holding a key's anchor but no usable translation of it before it is given up
FUZZY_SOURCES = 300  # suggestions look at most at this many translations, the most recent first
_STATUS = re.compile(rb"^status:[ \t]*[\"']?(\w+)", re.MULTILINE)
_HASH = re.compile(rb"^source_hash:[ \t]*[\"']?(sha256:[0-9a-f]{64})", re.MULTILINE)
_DATE = re.compile(rb"^date:[ \t]*[\"']?([0-9][0-9T:+.\- ]*[0-9Z])", re.MULTILINE)


def untranslated_names(config: Config) -> tuple[str, ...]:
    """Glossary terms marked ``untranslated = true``: names kept in Latin letters, placeables."""
    try:
        terms = korean.load_glossary(config.root / config.check.glossary)
    except KowpError:
        return ()
    return tuple(sorted({t.en for t in terms if t.untranslated}))


def front_matter(data: bytes) -> dict[str, object]:
    """The front matter of a Markdown file's bytes as a mapping ({} when it has none or it is not YAML)."""
    m = _FRONT_BYTES.match(data)
    if not m:
        return {}
    try:
        meta = yaml.load(m.group(1), Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _date(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Unit:
    """One English segment and its Korean, from one published translation."""

    key: Key
    en: str
    ko: str
    post: str  # YYYY/MM/slug of the translation it comes from
    date: dt.datetime  # the English original's date: the most recent wins


@dataclass(frozen=True)
class Source:
    """A published translation that may lend its segments."""

    post: str
    en: Path
    ko: Path
    date: dt.datetime
    source_hash: str
    holds: frozenset[int] = frozenset()  # indexes of the probed keys its current English may hold

    @property
    def current(self) -> bytes:
        """en.md as it is now."""
        return self.en.read_bytes()


@dataclass(frozen=True)
class _Probe:
    """What the scan looks for in each post: the anchors of keys, or a share of their words."""

    language: str
    exclude: frozenset[str]
    anchors: tuple[bytes, ...] = ()
    words: tuple[tuple[bytes, ...], ...] = ()
    share: float = 1.0

    @cached_property
    def gates(self) -> tuple[dict[tuple[bytes, bytes, bytes], list[int]], tuple[int, ...]]:
        """Anchors by one of their inner word trigrams (three whitespace-separated words, not the
        first or last, which may be cut mid-word), and the anchors too short to have one. A
        post that holds an anchor has its trigram: a set lookup rules most posts out before the
        substring search."""
        index: dict[tuple[bytes, bytes, bytes], list[int]] = {}
        short = []
        for i, anchor in enumerate(self.anchors):
            inner = anchor.split()[1:-1]
            trigrams = list(zip(inner, inner[1:], inner[2:], strict=False))
            if not trigrams:
                short.append(i)
                continue
            best = max(trigrams, key=lambda t: (sum(map(len, t)), t))
            index.setdefault(best, []).append(i)
        return index, tuple(short)


_PROBE: _Probe | None = None  # set before the scan forks its workers (see kowp_site.parallel)


def _scan_chunk(chunk: list[tuple[str, str]]) -> list[Source]:
    """The published translations among ``chunk`` ((post, folder) pairs) whose English may
    hold part of the probe, with what it holds. Runs in a worker process; reads only the files
    (the start of each translation, for its front matter, and the English)."""
    probe = _PROBE
    assert probe is not None
    found = []
    translation = f"{probe.language}.md"
    for post, name in chunk:
        if post in probe.exclude:
            continue
        try:
            with open(os.path.join(name, translation), "rb") as f:
                data = f.read(4096)
                head = _FRONT_BYTES.match(data)
                if head is None and len(data) == 4096:
                    head = _FRONT_BYTES.match(data + f.read())
            status = _STATUS.search(head.group(1)) if head else None
            if status is None or status.group(1) != b"published":
                continue
            with open(os.path.join(name, "en.md"), "rb") as f:
                current = f.read()
        except OSError:
            continue
        if probe.words:
            holds = frozenset(
                i for i, ws in enumerate(probe.words) if ws and sum(w in current for w in ws) >= probe.share * len(ws)
            )
        else:
            index, short = probe.gates
            words = current.split()
            trigrams = set(zip(words, words[1:], words[2:], strict=False)) if index else set()
            maybe = [i for t in index.keys() & trigrams for i in index[t]] + list(short)
            holds = frozenset(i for i in maybe if probe.anchors[i] in current)
        if not holds:
            continue
        source_hash = _HASH.search(head.group(1))  # type: ignore[union-attr]
        en_head = _FRONT_BYTES.match(current)
        date = _DATE.search(en_head.group(1)) if en_head else None
        found.append(
            Source(
                post,
                Path(name, "en.md"),
                Path(name, translation),
                _date(date.group(1).decode() if date else ""),
                source_hash.group(1).decode() if source_hash else "",
                holds,
            )
        )
    return found


@dataclass
class Memory:
    """The published translations of one site and language, read lazily, newest first."""

    config: Config
    exclude: frozenset[str] = frozenset()  # posts that never lend (the one being filled)
    notes: list[str] = field(default_factory=list)  # why translations were skipped (for --verbose)
    names: tuple[str, ...] = ()
    _units: dict[str, tuple[Unit, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names = untranslated_names(self.config)

    def scan(self, probe: _Probe) -> list[Source]:
        """The published translations whose English holds part of ``probe``, newest first (then
        by path), each with what it holds; spread over worker processes when there are many."""
        global _PROBE
        from kowp_site import parallel

        if self.config.language == "en":
            return []
        folders = [(f"{y}/{m}/{s}", str(f)) for y, m, s, f in post_dirs(self.config.content_dir / "posts")]
        _PROBE = probe
        try:
            size = max(64, -(-len(folders) // (4 * parallel.workers())))
            chunks = parallel.chunked(folders, size)
            if len(folders) < 400:
                found = [s for chunk in chunks for s in _scan_chunk(list(chunk))]
            else:
                found = [s for part in parallel.map_chunks(_scan_chunk, chunks) for s in part]
        finally:
            _PROBE = None
        found.sort(key=lambda s: (-s.date.timestamp(), s.post))
        return found

    def key(self, text: str) -> Key:
        return normalise(text, self.names)

    def english(self, source: Source) -> bytes | None:
        """The en.md the translation was made from: now, or found in Git by its hash."""
        try:
            current = source.current
        except OSError:
            return None
        if sha256_bytes(current) == source.source_hash:
            return current
        where = display_path(source.ko, self.config.root)
        try:
            old = gitlog.find_version(self.config.root, source.en, source.source_hash)
        except gitlog.GitUnavailable:
            old = None
        if old is None:
            self.notes.append(f"{where}: outdated, and the en.md it was made from is not in the Git history; skipped")
            return None
        return old.data

    def units(self, source: Source) -> tuple[Unit, ...]:
        """Every aligned segment of one translation (empty when its blocks do not line up)."""
        cached = self._units.get(source.post)
        if cached is not None:
            return cached
        found: list[Unit] = []
        english = self.english(source)
        if english is not None:
            found = self._pair(source, english)
        self._units[source.post] = tuple(found)
        return self._units[source.post]

    def _pair(self, source: Source, english: bytes) -> list[Unit]:
        where = display_path(source.ko, self.config.root)
        try:
            ko_data = source.ko.read_bytes()
        except OSError:
            return []
        en_text = english.decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
        ko_text = ko_data.decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
        if MARKER in ko_text:
            self.notes.append(f"{where}: still has translation-memory markers; skipped")
            return []
        _, en_blocks, en_counts = parse(en_text)
        _, ko_blocks, ko_counts = parse(ko_text)
        why = aligned(en_blocks, ko_blocks, en_counts, ko_counts)
        if why:
            self.notes.append(f"{where}: not block-parallel to its en.md ({why}); the memory skips it")
            return []
        out: list[Unit] = []

        def add(en: str, ko: str) -> None:
            en, ko = one_line(en), one_line(ko)
            if is_segment(en) and ko and ko != en:
                out.append(Unit(self.key(en), en, ko, source.post, source.date))

        add(str(front_matter(english).get("title") or ""), str(front_matter(ko_data).get("title") or ""))
        for a, b in zip(en_blocks, ko_blocks, strict=True):
            if not a.is_segment:
                continue
            add(a.text, b.text)
            sa, sb = sentences(a.text), sentences(b.text)
            if len(sa) == len(sb) > 1:
                for x, y in zip(sa, sb, strict=True):
                    add(x, y)
        return out

    def resolve(self, keys: Iterable[Key]) -> dict[Key, tuple[Unit, str]]:
        """For each key, the unit of the most recent translation (then by path; the first in
        that post) whose Korean can be rewritten for it, with the rewritten Korean. Sources are
        read newest first; one is parsed only when its English holds the anchor of a key still
        unresolved, and the search stops when every key is resolved."""
        wanted = sorted({k for k in keys if k.anchor}, key=lambda k: (k.text, k.values, k.targets))
        pending = set(range(len(wanted)))
        probe = _Probe(self.config.language, self.exclude, anchors=tuple(k.anchor.encode() for k in wanted))
        misses: dict[int, int] = {}
        found: dict[Key, tuple[Unit, str]] = {}
        for source in self.scan(probe):
            if not pending:
                break
            live = sorted(pending & source.holds)
            if not live:
                continue
            by_text: dict[str, list[Unit]] = {}
            for unit in self.units(source):
                by_text.setdefault(unit.key.text, []).append(unit)
            for i in live:
                k = wanted[i]
                for unit in by_text.get(k.text, ()):
                    ko = substitute(unit.ko, unit.key, k)
                    if ko is not None:
                        found[k] = (unit, ko)
                        pending.discard(i)
                        break
                else:  # a short, common text no translation pairs: give up after MAX_MISSES
                    misses[i] = misses.get(i, 0) + 1
                    if misses[i] >= MAX_MISSES:
                        pending.discard(i)
        return found

    def candidates(self, keys: Iterable[Key], *, share: float = 0.5, limit: int = FUZZY_SOURCES) -> list[Source]:
        """For suggestions: up to ``limit`` sources, newest first, whose current English holds at
        least ``share`` of the words of one of ``keys``."""
        words = tuple(tuple(w.encode() for w in k.words) for k in keys)
        probe = _Probe(self.config.language, self.exclude, words=words, share=share)
        return self.scan(probe)[:limit]


def one_line(text: str) -> str:
    return re.sub(r"[ \t]*\n[ \t]*", " ", text).strip()


# --- how much of a stub came from the memory ------------------------------------------------


def segment_count(en_text: str) -> int:
    """Segments of an English post: the title and every sentence of its prose blocks."""
    _, found = blocks(en_text)
    title = str(front_matter(en_text.encode("utf-8")).get("title") or "")
    return sum(len(sentences(one_line(b.text))) for b in found if b.is_segment) + (1 if is_segment(title) else 0)


def share(ko: bytes, en: bytes) -> float:
    """The share (0-1) of the post's segments that still carry the memory's markers."""
    text = ko.decode("utf-8", "replace")
    if MARKER not in text:
        return 0.0
    filled = sum(int(m.group(1)) for m in MARKER_RE.finditer(text))
    head = FRONT_RE.match(text)
    if head:
        filled += sum(int(m.group(1)) for m in TITLE_MARKER_RE.finditer(head.group(1)))
    total = segment_count(en.decode("utf-8", "replace"))
    return round(min(1.0, filled / total), 4) if total else 0.0


def shares(posts: Iterable[Post]) -> dict[str, float]:
    """For the /translate/ page: the :func:`share` of every untranslated or in-progress post the
    memory pre-filled (posts without markers are left out). Reads only those posts' files."""
    found: dict[str, float] = {}
    for post in posts:
        t = post.translation
        if t is None or post.status == "published":
            continue
        try:
            ko = t.path.read_bytes()
            value = share(ko, post.source.path.read_bytes()) if MARKER.encode() in ko else 0.0
        except OSError:
            continue
        if value:
            found[post.key.path] = value
    return found


def marker_lines(lines: list[str] | tuple[str, ...], body_offset: int) -> list[int]:
    """1-based lines holding a memory marker: a comment in the body, or a ``# kowp-tm`` YAML
    comment in the front matter (``body_offset``: index of the first body line). For ``check``."""
    return [
        i
        for i, line in enumerate(lines, 1)
        if MARKER_RE.search(line) or (i <= body_offset and TITLE_MARKER_RE.match(line))
    ]
