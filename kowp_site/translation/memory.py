"""The translation memory: the site's own published translations, reused for new English posts.

Built from the repository alone, on demand: every published ``<language>.md`` with the en.md
its ``source_hash`` names (the current en.md, or for an outdated translation the version found
in the Git history; skipped when it cannot be found). Each pair is cut into blocks
(:mod:`kowp_site.translation.segments`); a pair whose blocks do not line up contributes
nothing. Nothing is stored: posts are read newest first and only those whose English holds
every word of a wanted segment are parsed, so a lookup reads the files and parses a few.

Used by ``kowp-site fetch`` (:class:`Filler` writes exact and placeable matches into a new stub,
each filled block marked ``<!-- kowp-tm n/m: YYYY/MM/slug -->``), by ``kowp-site suggest``
(:func:`suggest`, fuzzy matches from rapidfuzz, never written) and by ``status`` and the
/translate/ page (:func:`share`: how much of a stub still carries the memory's markers).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kowp_site import gitlog
from kowp_site.errors import KowpError, display_path
from kowp_site.site.config import Config
from kowp_site.site.content import Post, post_dirs, sha256_bytes
from kowp_site.translation import korean
from kowp_site.translation.segments import Block, Key, blocks, is_segment, normalise, sentences, substitute

MARKER = "kowp-tm"
# A filled block ends with this comment; a filled title has it as a YAML comment above it.
MARKER_RE = re.compile(r"<!--\s*kowp-tm (\d+)/(\d+):[^>]*?-->")
TITLE_MARKER_RE = re.compile(r"^#\s*kowp-tm (\d+)/(\d+):", re.MULTILINE)
_FRONT = re.compile(r"\A\ufeff?---\r?\n(.*?)\r?\n---\r?\n", re.DOTALL)
_FRONT_BYTES = re.compile(rb"\A(?:\xef\xbb\xbf)?---\r?\n(.*?)\r?\n---\r?\n", re.DOTALL)
MIN_SCORE = 70.0  # least rapidfuzz score a suggestion needs (0-100)


def untranslated_names(config: Config) -> tuple[str, ...]:
    """Glossary terms marked ``untranslated = true``: names kept in Latin letters, placeables."""
    try:
        terms = korean.load_glossary(config.root / config.check.glossary)
    except KowpError:
        return ()
    return tuple(sorted({t.en for t in terms if t.untranslated}))


def _front(data: bytes) -> dict[str, object]:
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
    current: bytes  # en.md as it is now


@dataclass
class Memory:
    """The published translations of one site and language, read lazily, newest first."""

    config: Config
    exclude: frozenset[str] = frozenset()  # posts that never lend (the one being filled)
    notes: list[str] = field(default_factory=list)  # why translations were skipped (for --verbose)
    sources: list[Source] = field(default_factory=list)
    names: tuple[str, ...] = ()
    _units: dict[str, tuple[Unit, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names = untranslated_names(self.config)
        language = self.config.language
        found = []
        for year, month, slug, folder in post_dirs(self.config.content_dir / "posts"):
            post = f"{year}/{month}/{slug}"
            ko, en = folder / f"{language}.md", folder / "en.md"
            if post in self.exclude or language == "en":
                continue
            try:
                ko_head = ko.read_bytes()[:4096]
                current = en.read_bytes()
            except OSError:
                continue
            meta = _front(ko_head)
            if meta.get("status") != "published":
                continue
            date = _date(_front(current).get("date"))
            found.append(Source(post, en, ko, date, str(meta.get("source_hash") or ""), current))
        found.sort(key=lambda s: (-s.date.timestamp(), s.post))
        self.sources = found

    def key(self, text: str) -> Key:
        return normalise(text, self.names)

    def english(self, source: Source) -> bytes | None:
        """The en.md the translation was made from: now, or found in Git by its hash."""
        if sha256_bytes(source.current) == source.source_hash:
            return source.current
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
        _, en_blocks = blocks(en_text)
        _, ko_blocks = blocks(ko_text)
        why = _misaligned(en_blocks, ko_blocks)
        if why:
            self.notes.append(f"{where}: not block-parallel to its en.md ({why}); the memory skips it")
            return []
        out: list[Unit] = []

        def add(en: str, ko: str) -> None:
            en, ko = _one_line(en), _one_line(ko)
            if is_segment(en) and ko and ko != en:
                out.append(Unit(self.key(en), en, ko, source.post, source.date))

        add(str(_front(english).get("title") or ""), str(_front(ko_data).get("title") or ""))
        for a, b in zip(en_blocks, ko_blocks, strict=True):
            if not a.is_segment:
                continue
            add(a.text, b.text)
            sa, sb = sentences(a.text), sentences(b.text)
            if len(sa) == len(sb) > 1:
                for x, y in zip(sa, sb, strict=True):
                    add(x, y)
        return out

    def candidates(self, keys: Iterable[Key], *, share: float = 1.0) -> Iterator[Source]:
        """Sources, newest first, whose current English holds at least ``share`` of the words of
        one of ``keys`` (1.0: every word; the pre-filter that keeps lookups cheap)."""
        wanted = [[w.encode() for w in k.words] for k in keys if k.words]
        if not wanted:
            return
        for source in self.sources:
            data = source.current
            for words in wanted:
                if share >= 1.0:
                    if all(w in data for w in words):
                        break
                elif sum(1 for w in words if w in data) >= share * len(words):
                    break
            else:
                continue
            yield source

    def matches(self, keys: list[Key]) -> dict[str, list[Unit]]:
        """For each key text, the units with that key, in order of preference: an exact match
        (same values and link targets) first, then the most recent, then by path."""
        wanted = {k.text for k in keys}
        found: dict[str, list[Unit]] = {}
        for source in self.candidates(keys):
            for unit in self.units(source):
                if unit.key.text in wanted:
                    found.setdefault(unit.key.text, []).append(unit)
        return found


def _misaligned(en: list[Block], ko: list[Block]) -> str:
    from kowp_site.translation.segments import aligned

    return aligned(en, ko)


def _one_line(text: str) -> str:
    return re.sub(r"[ \t]*\n[ \t]*", " ", text).strip()


def best(units: list[Unit], key: Key) -> tuple[Unit, str] | None:
    """The preferred unit that can be rewritten for ``key``, with its rewritten Korean."""
    exact = [u for u in units if u.key == key]
    for unit in exact + [u for u in units if u.key != key]:
        ko = substitute(unit.ko, unit.key, key)
        if ko is not None:
            return unit, ko
    return None


# --- filling a new stub ---------------------------------------------------------------------


@dataclass(frozen=True)
class Filled:
    data: bytes  # the stub, with what the memory could fill
    filled: int  # segments (sentences, and the title) taken from the memory
    total: int  # segments of the post

    @property
    def share(self) -> float:
        return round(self.filled / self.total, 4) if self.total else 0.0


def marker(filled: int, total: int, posts: list[str]) -> str:
    return f"<!-- {MARKER} {filled}/{total}: {', '.join(dict.fromkeys(posts))} -->"


def fill(memory: Memory, stub: bytes) -> Filled:
    """``stub`` (a new translation file holding the English) with every exact or
    placeable-substituted match of the memory in place of its English segment. Headings, list
    shape, links and code stay as the English has them; the rest stays English."""
    text = stub.decode("utf-8")
    offset, found = blocks(text)
    lines = text.split("\n")
    head = _FRONT.match(text)
    title = str(_front(stub).get("title") or "")
    plan: list[tuple[Block, list[str]]] = []
    keys: list[Key] = []
    for block in found:
        if not block.is_segment:
            continue
        parts = sentences(_one_line(block.text))
        plan.append((block, parts))
        keys.append(memory.key(_one_line(block.text)))
        if len(parts) > 1:
            keys += [memory.key(p) for p in parts if is_segment(p)]
    title_key = memory.key(title) if title and is_segment(title) else None
    if title_key is not None:
        keys.append(title_key)
    units = memory.matches(keys)
    total = sum(len(parts) for _, parts in plan) + (1 if title_key else 0)
    filled = 0
    replaced: dict[int, tuple[int, str]] = {}  # first line -> (last line, new text)
    for block, parts in plan:
        if not block.rewritable:
            continue
        whole = memory.key(_one_line(block.text))
        hit = best(units.get(whole.text, []), whole)
        if hit is not None:
            pieces, used, posts = [hit[1]], len(parts), [hit[0].post]
        else:
            pieces, used, posts = [], 0, []
            for part in parts:
                key = memory.key(part)
                hit = best(units.get(key.text, []), key) if len(parts) > 1 and is_segment(part) else None
                pieces.append(hit[1] if hit else part)
                if hit:
                    used += 1
                    posts.append(hit[0].post)
        if not used:
            continue
        first_line = lines[block.first]
        at = first_line.find(block.text.split("\n")[0])
        if at < 0:
            continue
        new = first_line[:at] + " ".join(pieces) + " " + marker(used, len(parts), posts)
        replaced[block.first] = (block.last, new)
        filled += used
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i in replaced:
            last, new = replaced[i]
            out.append(new)
            i = last
            continue
        out.append(lines[i])
        i += 1
    body = "\n".join(out[offset:])
    front = text[: head.end()] if head else ""
    if title_key is not None and head is not None:
        hit = best(units.get(title_key.text, []), title_key)
        if hit is not None:
            meta = _front(stub)
            meta["title"] = _one_line(hit[1])
            dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=2**30, default_flow_style=False)
            front = f"---\n# {marker(1, 1, [hit[0].post]).removeprefix('<!-- ').removesuffix(' -->')}\n{dumped}---\n"
            filled += 1
    if not filled:
        return Filled(stub, 0, total)
    return Filled((front + body).encode("utf-8"), filled, total)


class Filler:
    """For ``kowp-site fetch``: fills each new stub from one memory, built on first use."""

    def __init__(self, config: Config, note: Callable[[str], None] | None = None):
        self.config = config
        self.note = note
        self._memory: Memory | None = None

    def __call__(self, stub: bytes) -> Filled:
        if self._memory is None:
            self._memory = Memory(self.config)
        result = fill(self._memory, stub)
        if self.note is not None:
            for line in dict.fromkeys(self._memory.notes):
                self.note(line)
            self._memory.notes.clear()
        return result


# --- how much of a stub came from the memory ------------------------------------------------


def segment_count(en_text: str) -> int:
    """Segments of an English post: the title and every sentence of its prose blocks."""
    _, found = blocks(en_text)
    title = str(_front(en_text.encode("utf-8")).get("title") or "")
    return sum(len(sentences(_one_line(b.text))) for b in found if b.is_segment) + (1 if is_segment(title) else 0)


def share(ko: bytes, en: bytes) -> float:
    """The share (0-1) of the post's segments that still carry the memory's markers."""
    text = ko.decode("utf-8", "replace")
    if MARKER not in text:
        return 0.0
    filled = sum(int(m.group(1)) for m in MARKER_RE.finditer(text))
    head = _FRONT.match(text)
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
            value = share(t.path.read_bytes(), post.source.path.read_bytes())
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


# --- suggestions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    score: float  # 100 for an exact or placeable match
    kind: str  # "exact", "placeable" or "fuzzy"
    ko: str
    en: str  # the English it translated
    post: str


@dataclass(frozen=True)
class Wanted:
    line: int  # 1-based line of the file
    en: str
    suggestions: tuple[Suggestion, ...]


def suggest(memory: Memory, text: str, *, limit: int = 3) -> list[Wanted]:
    """Every segment of ``text`` (a translation file) that is still English, with its best
    memory matches: exact and placeable matches first, then fuzzy ones (rapidfuzz score)."""
    from rapidfuzz import fuzz, process

    _, found = blocks(text)
    wanted: list[tuple[int, str, Key]] = []
    for block in found:
        if not block.is_segment or MARKER_RE.search(block.text):
            continue
        one = _one_line(block.text)
        if not _still_english(one):
            continue
        parts = [p for p in sentences(one) if is_segment(p) and _still_english(p)]
        for part in [one] if len(parts) <= 1 else parts:
            wanted.append((block.first + 1, part, memory.key(part)))
    if not wanted:
        return []
    keys = [w[2] for w in wanted]
    pool: list[Unit] = []
    for source in memory.candidates(keys, share=0.5):
        pool += memory.units(source)
    choices = [u.key.text for u in pool]
    out = []
    for line, en, key in wanted:
        got: list[Suggestion] = []
        exact = [u for u in pool if u.key.text == key.text]
        hit = best(exact, key)
        if hit is not None:
            got.append(Suggestion(100.0, "exact" if hit[0].key == key else "placeable", hit[1], hit[0].en, hit[0].post))
        seen = {g.ko for g in got}
        for _, score, index in process.extract(key.text, choices, scorer=fuzz.ratio, limit=limit * 4):
            unit = pool[index]
            if score < MIN_SCORE or unit.key.text == key.text or unit.ko in seen:
                continue
            seen.add(unit.ko)
            got.append(Suggestion(round(score, 1), "fuzzy", unit.ko, unit.en, unit.post))
        got.sort(key=lambda s: (-s.score, -_stamp(pool, s), s.post))
        out.append(Wanted(line, en, tuple(got[:limit])))
    return out


def _stamp(pool: list[Unit], s: Suggestion) -> float:
    return next((u.date.timestamp() for u in pool if u.post == s.post), 0.0)


def _still_english(text: str) -> bool:
    return not korean.HANGUL_RE.search(text)
