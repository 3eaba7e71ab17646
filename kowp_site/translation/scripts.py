"""Is a published body written in the site's language? One test for any language, by its script.

Korean counts Hangul against lowercase Latin words (:func:`kowp_site.translation.korean.hangul_share`);
Japanese counts Kana and Han, Chinese Han; a language written in Latin letters, where letters
cannot tell it from English, counts its own common words against English ones. Pure functions
over :class:`kowp_site.translation.mdscan.Doc`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kowp_site.translation.korean import prose
from kowp_site.translation.mdscan import Doc

# Letters of each language's own script (ranges of Unicode blocks).
SCRIPT_LETTERS = {
    "ko": "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f",  # Hangul
    "ja": "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f\u4e00-\u9fff\u3400-\u4dbf",  # Kana and Han
    "zh": "\u4e00-\u9fff\u3400-\u4dbf",  # Han
}
SCRIPT_NAMES = {"ko": "Hangul", "ja": "Kana and Han", "zh": "Han"}
LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’]*")
# Common words: frequent in running text of the language, rare in English (and the reverse).
COMMON_WORDS = {
    "en": [
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "that",
        "for",
        "it",
        "with",
        "as",
        "on",
        "be",
        "this",
        "are",
        "by",
        "was",
        "from",
        "at",
        "which",
        "have",
        "has",
        "not",
    ],
    "es": [
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "que",
        "y",
        "en",
        "un",
        "una",
        "es",
        "por",
        "para",
        "con",
        "se",
        "su",
        "al",
        "lo",
        "como",
        "más",
        "pero",
        "sus",
        "le",
    ],
    "fr": [
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "et",
        "un",
        "une",
        "est",
        "pour",
        "que",
        "qui",
        "dans",
        "sur",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "il",
        "elle",
        "pas",
        "plus",
    ],
    "de": [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "mit",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "zu",
        "auf",
        "für",
        "sich",
        "auch",
        "es",
        "von",
        "im",
    ],
    "pt": [
        "o",
        "os",
        "as",
        "de",
        "do",
        "da",
        "dos",
        "das",
        "que",
        "e",
        "em",
        "um",
        "uma",
        "é",
        "para",
        "com",
        "não",
        "se",
        "por",
        "mais",
        "ao",
        "na",
        "no",
    ],
    "it": [
        "il",
        "lo",
        "la",
        "gli",
        "le",
        "di",
        "del",
        "della",
        "che",
        "e",
        "è",
        "un",
        "una",
        "per",
        "con",
        "non",
        "si",
        "da",
        "nel",
        "alla",
        "più",
        "sono",
    ],
    "nl": [
        "de",
        "het",
        "een",
        "en",
        "van",
        "is",
        "dat",
        "op",
        "te",
        "in",
        "voor",
        "met",
        "zijn",
        "niet",
        "aan",
        "er",
        "ook",
        "als",
        "bij",
    ],
}


@dataclass(frozen=True)
class Share:
    """How much of a body is in the site's language: ``own`` against ``other`` (English) units."""

    own: int
    other: int
    unit: str  # what was counted, for the message: "Hangul", "Kana and Han", "common Spanish words"

    @property
    def value(self) -> float:
        total = self.own + self.other
        return self.own / total if total else 1.0


def supported(language: str) -> bool:
    """Whether the script test knows ``language`` (other languages skip it)."""
    return language in SCRIPT_LETTERS or (language in COMMON_WORDS and language != "en")


def script_share(doc: Doc, language: str) -> Share:
    """The share of the body in ``language`` (see the module docstring)."""
    texts = prose(doc)
    if language in SCRIPT_LETTERS:
        own = re.compile(f"[{SCRIPT_LETTERS[language]}]")
        mine = sum(len(own.findall(t)) for t in texts)
        # Lowercase Latin words are English prose; capitalised ones are names (WordPress, Gutenberg).
        latin = sum(len(w) for t in texts for w in LATIN_WORD.findall(t) if w[0].islower())
        return Share(mine, latin, SCRIPT_NAMES[language])
    words = [w.lower() for t in texts for w in LATIN_WORD.findall(t)]
    own_words, english = set(COMMON_WORDS[language]) - set(COMMON_WORDS["en"]), set(COMMON_WORDS["en"])
    return Share(
        sum(1 for w in words if w in own_words),
        sum(1 for w in words if w in english and w not in own_words),
        f"common {language} words",
    )
