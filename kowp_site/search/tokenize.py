"""Turn text into index terms; the client (themes/default/templates/js/search.js) does exactly the same.

Korean (``language`` ko): Hangul runs become overlapping syllable bigrams (a one-syllable run is
its own term) and the first bigram of a run is *word-initial*; ASCII is lowercased; version
numbers stay whole, so "워드프레스6.8은" gives 워드프레스's bigrams, "6.8" and "은". Letters of
other scripts become plain words. Every other language: plain lowercased words.

:func:`words` gives the written words and whether each is a Hangul run; the index
(:mod:`kowp_site.search.index`) cuts a text into :func:`chunks` at white space (no word spans
it), takes each chunk's words with :func:`split`, turns them into terms and marks word-initial
and word-final ones.
"""

from __future__ import annotations

import re
import unicodedata

HANGUL = "\uac00-\ud7a3"
# Hangul runs | version numbers | other letters and digits (not Hangul, not "_").
_KOREAN = re.compile(rf"([{HANGUL}]+)|([0-9]+(?:\.[0-9]+)+)|((?:(?![{HANGUL}])[^\W_])+)")
_WORDS = re.compile(r"[^\W_]+")
# The two kinds of :data:`_KOREAN` on their own, for :func:`split`: a Hangul run is never part of
# another word, so each finds the same words in the same order as the combined pattern. The other
# words' pattern starts with the one set of characters every such word starts with (a version
# number when that is a digit and one follows, else letters and digits): the regular expression
# engine then skips to the next such character in a tight loop.
_HANGUL_RUNS = re.compile(f"[{HANGUL}]+")
_OTHER = re.compile(rf"[^\W_{HANGUL}](?:(?<=[0-9])[0-9]*(?:\.[0-9]+)+|[^\W_{HANGUL}]*)")

# One trailing particle or ending, longest first; stripping never leaves fewer than 2 syllables.
ENDINGS = (
    "하였습니다",
    "했습니다",
    "합니다",
    "하였다",
    "했다",
    "한다",
    "하다",
    "하는",
    "하고",
    "하여",
    "해서",
    "하며",
    "에서",
    "으로",
    "을",
    "를",
    "이",
    "가",
    "은",
    "는",
    "의",
    "에",
    "로",
    "와",
    "과",
    "도",
    "만",
)
MIN_STEM = 2


def normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def bigrams(run: str) -> tuple[str, ...]:
    """Overlapping syllable bigrams of a Hangul run; a one-syllable run is itself."""
    if len(run) < 2:
        return (run,)
    return tuple(run[i : i + 2] for i in range(len(run) - 1))


def strip_ending(word: str) -> str:
    """``word`` without one trailing particle or 하다 ending, if at least 2 syllables remain."""
    if len(word) <= MIN_STEM or not word.endswith(ENDINGS):
        return word
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def words(text: str, language: str) -> list[tuple[str, bool]]:
    """The words of ``text`` as (word, is_hangul), normalized."""
    text = normalize(text)
    if not korean(language):
        return [(w, False) for w in _WORDS.findall(text)]
    return [(h, True) if h else (v or w, False) for h, v, w in _KOREAN.findall(text)]


def korean(language: str) -> bool:
    return language.split("-")[0].lower() == "ko"


def chunks(text: str) -> list[str]:
    """``text`` normalized and cut at white space. No word holds white space (a letter or digit is
    never white space), so the words of the chunks, in order, are the words of ``text``."""
    return normalize(text).split()


def split(text: str, language: str) -> tuple[list[str], list[str]]:
    """The Hangul runs and the other words of ``text`` (the index's fast path of :func:`words`)."""
    return split_normalized(normalize(text), language)


def split_normalized(text: str, language: str) -> tuple[list[str], list[str]]:
    """:func:`split` of a text already normalized (a chunk)."""
    if not korean(language):
        return [], _WORDS.findall(text)
    return _HANGUL_RUNS.findall(text), _OTHER.findall(text)
