"""Markdown bodies cut into the segments the translation memory pairs and matches.

A *block* is the inline text of one heading, paragraph, list item, quote paragraph or table cell,
found with the same markdown-it parser (:func:`kowp_site.translation.mdscan.parser`) that
``check``'s structure rule counts with, so a published translation that passes that rule lines
up with its en.md block by block. Inside a block, :func:`sentences` splits the text; a block is
paired sentence by sentence only when both languages have the same number of sentences.

:func:`normalise` gives the matching key of an English segment: whitespace, emphasis (``**``,
``*``, ``_``), link targets and a final full stop are ignored, and *placeables* (dates, version
numbers, other numbers, inline code, URLs and the glossary's untranslated names) become typed
holes whose values :func:`substitute` puts into the Korean, with particles made to agree.
Pure functions; nothing here reads a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kowp_site.translation import korean, mdscan

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
_MONTH = "|".join(MONTHS)
# Spans a sentence boundary never falls inside.
_PROTECTED = re.compile(r"(`+)(?:(?!\1).)+?\1|!?\[[^\]]*\]\([^)]*\)|<[^>\n]+>|https?://\S+")
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]*_]*(\s+)(?=[^\sa-z])")
_LINK_TARGET = re.compile(r"\]\(([^)]*)\)")
_WORD = re.compile(r"[^\W\d_]")
_ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
_PLACEABLE = (
    r"(?P<C>(`+)(?:(?!\2).)+?\2)"
    r"|(?P<U>https?://[^\s<>()\]]*[^\s<>()\].,;:!?'\"])"
    rf"|(?P<D>\b(?:{_MONTH}) \d{{1,2}}(?:st|nd|rd|th)?, \d{{4}}\b|\b\d{{1,2}} (?:{_MONTH}) \d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b)"
    r"|(?P<V>(?<![\d.])\d+(?:\.\d+)+(?![\d]|\.\d))"
    r"|(?P<N>(?<![\d.])\d+(?:,\d{3})*(?![\d]|\.\d))"
)
KINDS = {"C": "code", "U": "url", "D": "date", "V": "version", "N": "number", "G": "name"}


@dataclass(frozen=True)
class Block:
    """The inline text of one block, with where it sits in the file."""

    kind: str  # the path of containers and the block's own tag: "h2", "p", "bullet_list/list_item/p", …
    text: str  # the inline Markdown, as markdown-it gives it (soft line breaks kept)
    first: int  # index of its first line in the file's lines
    last: int  # index after its last line
    rewritable: bool  # a whole-line block (not a table cell) that a stub may replace

    @property
    def is_segment(self) -> bool:
        return is_segment(self.text)


def is_segment(text: str) -> bool:
    """Prose worth translating: letters left once code, URLs, images and HTML are taken out."""
    rest = re.sub(r"(`+)(?:(?!\1).)+?\1|!\[[^\]]*\]\([^)]*\)|<[^>]+>|https?://\S+", " ", text)
    return bool(_WORD.search(_LINK_TARGET.sub("]", rest)))


def blocks(text: str) -> tuple[int, list[Block]]:
    """The front matter's end (index of the first body line) and every block of the body."""
    offset, found, _ = parse(text)
    return offset, found


def parse(text: str) -> tuple[int, list[Block], dict[str, int]]:
    """:func:`blocks`, and the element counts ``check``'s structure rule compares."""
    lines, offset, keys = mdscan.split_front(text)
    tokens = mdscan.parser().parse("\n".join(lines[offset:]))
    stack: list[str] = []
    found: list[Block] = []
    for tok in tokens:
        if tok.nesting == 1:
            stack.append(tok.tag if tok.type == "heading_open" else tok.type.removesuffix("_open"))
        elif tok.nesting == -1:
            if stack:
                stack.pop()
        elif tok.type == "inline":
            kind = "/".join(stack)
            whole = tok.map is not None and "table" not in stack
            first, last = (tok.map[0] + offset, tok.map[1] + offset) if tok.map else (0, 0)
            found.append(Block(kind, tok.content, first, last, whole))
    doc = mdscan.Doc(Path("-"), tuple(lines), offset, keys, tuple(tokens), frozenset())
    return offset, found, mdscan.structure(doc).counts


def aligned(en: list[Block], ko: list[Block], en_counts: dict[str, int], ko_counts: dict[str, int]) -> str:
    """Why two parsed files do not line up block by block, or "" when they do: the counts of
    ``check``'s structure rule differ, or the blocks do not pair one to one, kind by kind."""
    for kind, a in en_counts.items():
        if ko_counts.get(kind) != a:
            return f"{ko_counts.get(kind, 0)} {kind} here, {a} in en.md"
    if len(en) != len(ko):
        return f"{len(ko)} blocks, {len(en)} in en.md"
    for i, (a, b) in enumerate(zip(en, ko, strict=True)):
        if a.kind != b.kind:
            return f"block {i + 1} is {b.kind} here and {a.kind} in en.md"
    return ""


def sentences(text: str) -> list[str]:
    """``text`` split after . ! ? … followed by a space and no lower-case letter; never inside
    code, links, HTML or URLs. One sentence when there is no boundary."""
    protected = [m.span() for m in _PROTECTED.finditer(text)]
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        at = m.start()
        if any(a <= at < b for a, b in protected):
            continue
        piece = text[start : m.start(1)].strip()
        if piece:
            out.append(piece)
        start = m.end(1)
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out or [text.strip()]


# --- matching keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """The matching key of an English segment and what it abstracts away."""

    text: str  # normalised, with "\x00" + kind letter for each placeable
    values: tuple[tuple[str, str], ...]  # (kind letter, value) of each placeable, in order
    targets: tuple[str, ...]  # link and image targets, in order
    anchor: str = field(
        default="", compare=False
    )  # the longest run of the raw text without markup or placeables (a pre-filter)

    @property
    def words(self) -> tuple[str, ...]:
        """Latin words of the key (three letters or more), longest first: the memory's pre-filter."""
        found = set(_ASCII_WORD.findall(self.text.replace("\x00", " ")))
        return tuple(sorted(found, key=lambda w: (-len(w), w)))


@lru_cache(maxsize=64)
def _placeables(names: tuple[str, ...]) -> re.Pattern[str]:
    pattern = _PLACEABLE
    if names:
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        pattern += rf"|(?P<G>(?<![A-Za-z0-9-])(?:{alternatives})(?![A-Za-z0-9-]))"
    return re.compile(pattern)


def normalise(text: str, names: tuple[str, ...] = ()) -> Key:
    """The key of ``text`` (see the module docstring); ``names`` are the untranslated names."""
    targets = tuple(m.group(1) for m in _LINK_TARGET.finditer(text))
    text = _LINK_TARGET.sub("]()", text)
    parts: list[str] = []
    values: list[tuple[str, str]] = []
    pos = 0
    for m in _placeables(names).finditer(text):
        parts.append(re.sub(r"[*_]+", "", text[pos : m.start()]))
        kind = m.lastgroup if m.lastgroup in KINDS else next(k for k in KINDS if m.group(k) is not None)
        values.append((kind, m.group(0)))
        parts.append("\x00" + kind)
        pos = m.end()
    parts.append(re.sub(r"[*_]+", "", text[pos:]))
    key = re.sub(r"\s+", " ", "".join(parts)).strip().removesuffix(".").rstrip()
    pieces = re.split(r"[\x00*_\[\]()`<>\n]", _placeables(names).sub("\x00", text))
    anchor = max((p.strip().removesuffix(".").strip() for p in pieces), key=len, default="")
    return Key(key, tuple(values), targets, anchor)


# --- putting new values into a reused translation ---------------------------------------------


def _date_parts(value: str) -> tuple[int, int, int] | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    if m:
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    m = re.fullmatch(rf"({_MONTH}) (\d{{1,2}})(?:st|nd|rd|th)?, (\d{{4}})", value)
    if m:
        return int(m.group(3)), MONTHS.index(m.group(1)) + 1, int(m.group(2))
    m = re.fullmatch(rf"(\d{{1,2}}) ({_MONTH}) (\d{{4}})", value)
    if m:
        return int(m.group(3)), MONTHS.index(m.group(2)) + 1, int(m.group(1))
    return None


def _korean_date(parts: tuple[int, int, int]) -> re.Pattern[str]:
    y, m, d = parts
    return re.compile(rf"(?<!\d){y}(년\s*){m}(월\s*){d}일|(?<!\d){y:04d}-{m:02d}-{d:02d}(?!\d)")


def _occurrences(kind: str, value: str) -> str:
    """A pattern for ``value`` in the Korean, not as part of a longer number or name."""
    body = re.escape(value)
    if kind in ("V", "N"):
        return rf"(?<![\d.]){body}(?![\d]|\.\d)"
    if kind == "G":  # ASCII edges: a Korean particle may follow at once (Trac으로)
        return rf"(?<![A-Za-z0-9-]){body}(?![A-Za-z0-9-])"
    return body


def substitute(ko: str, old: Key, new: Key) -> str | None:
    """The Korean ``ko`` of the English keyed ``old``, rewritten for the English keyed ``new``
    (same key text): new placeable values and link targets in place, the particle after each
    substituted number or name agreeing with it. None when the Korean cannot be rewritten
    safely (a value missing, ambiguous, or links that do not correspond)."""
    if old.text != new.text or len(old.values) != len(new.values):
        return None
    kept = _LINK_TARGET.findall(ko)
    if old.targets != new.targets and len(kept) != len(new.targets):
        return None
    targets = list(new.targets) if old.targets != new.targets else kept
    ko = _LINK_TARGET.sub("](\x01)", ko)  # targets stay out of the substitution below
    done = _values(ko, old, new)
    if done is None:
        return None
    it = iter(targets)
    return re.sub("\\]\\(\x01\\)", lambda _: f"]({next(it)})", done)


def _values(ko: str, old: Key, new: Key) -> str | None:
    mapping: dict[tuple[str, str], str] = {}
    for (kind, before), (_, after) in zip(old.values, new.values, strict=True):
        if mapping.setdefault((kind, before), after) != after:
            return None  # one old value becomes two new ones: which is which is unknown
    changes = {k: v for k, v in mapping.items() if k[1] != v}
    if not changes:
        return ko
    same_value: dict[str, int] = {}
    for _, before in old.values:
        same_value[before] = same_value.get(before, 0) + 1
    dates = {k: v for k, v in changes.items() if k[0] == "D"}
    for (_, before), after in dates.items():
        was, now = _date_parts(before), _date_parts(after)
        if was is None or now is None:
            return None
        pattern = _korean_date(was)
        if len(pattern.findall(ko)) != same_value[before]:
            return None
        ko = pattern.sub(
            lambda m, now=now: (
                f"{now[0]}{m.group(1)}{now[1]}{m.group(2)}{now[2]}일"
                if m.group(1) is not None
                else f"{now[0]:04d}-{now[1]:02d}-{now[2]:02d}"
            ),
            ko,
        )
    others = {k: v for k, v in changes.items() if k[0] != "D"}
    if not others:
        return ko
    patterns = []
    for kind, before in sorted(others, key=lambda k: -len(k[1])):
        pattern = _occurrences(kind, before)
        if len(re.findall(pattern, ko)) != same_value[before]:
            return None
        patterns.append(f"(?:{pattern})")
    by_value = {before: after for (_, before), after in others.items()}
    out: list[str] = []
    pos = 0
    for m in re.finditer("|".join(patterns), ko):
        after = by_value[m.group(0)]
        out.append(ko[pos : m.start()] + after)
        pos = m.end()
        particle = korean.PARTICLE_RE.match(ko, pos)
        sound = korean.final_sound(after.strip("`")) if particle else None
        if particle and sound:
            out.append(korean.particle_for(particle.group(1), sound))
            pos = particle.end(1)
    out.append(ko[pos:])
    return "".join(out)
