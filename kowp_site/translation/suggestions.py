"""``kowp-site suggest``: translation-memory matches for the segments of a post still in English.

Exact and placeable matches come from :meth:`Memory.resolve` (as ``fetch`` would write them);
fuzzy ones are scored by rapidfuzz over the segments of the most recent translations that share
half the words of a wanted segment. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from kowp_site.translation import korean
from kowp_site.translation.memory import MARKER_RE, Memory, Unit, one_line
from kowp_site.translation.segments import Key, blocks, is_segment, sentences

MIN_SCORE = 70.0  # least rapidfuzz score a suggestion needs (0-100)


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
        one = one_line(block.text)
        if not _still_english(one):
            continue
        parts = [p for p in sentences(one) if is_segment(p) and _still_english(p)]
        for part in [one] if len(parts) <= 1 else parts:
            wanted.append((block.first + 1, part, memory.key(part)))
    if not wanted:
        return []
    keys = [w[2] for w in wanted]
    hits = memory.resolve(keys)
    pool: list[Unit] = []
    for source in memory.candidates(keys, share=0.5):
        pool += memory.units(source)
    choices = [u.key.text for u in pool]
    out = []
    for line, en, key in wanted:
        got: list[Suggestion] = []
        hit = hits.get(key)
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
