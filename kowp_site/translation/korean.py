"""Rules about Korean text: Hangul share, the glossary, the product name, sentence endings.

Pure functions over :class:`kowp_site.translation.mdscan.Doc`; :mod:`kowp_site.translation.checks` turns their results
into findings. The glossary file format is documented at the top of content/glossary.toml.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from kowp_site.errors import KowpError
from kowp_site.translation.mdscan import Doc

HANGUL_RE = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
# Words that stay in Latin letters in a good translation: addresses, names, identifiers.
URL_RE = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:org|com|net|tv|io|dev|kr)\b\S*", re.IGNORECASE)
LATIN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’]*")


@dataclass(frozen=True)
class Share:
    hangul: int
    latin: int

    @property
    def value(self) -> float:
        total = self.hangul + self.latin
        return self.hangul / total if total else 1.0


def _is_name_list(text: str) -> bool:
    """A run of comma-separated names (release credits), which stays in Latin letters."""
    items = [x.strip() for x in re.split(r"[,、]", text) if x.strip()]
    return len(items) >= 5 and sum(1 for x in items if len(x.split()) <= 3) >= 0.8 * len(items)


def prose(doc: Doc) -> list[str]:
    """The body's running text, one string per paragraph, heading or item: no code, addresses and
    domains, raw HTML, autolinks or comma-separated lists of names."""
    found = []
    for tok in doc.tokens:
        if tok.type != "inline" or not tok.children:
            continue
        parts: list[str] = []
        in_autolink = False
        for child in tok.children:
            if child.type == "link_open" and child.markup == "autolink":
                in_autolink = True
            elif child.type == "link_close":
                in_autolink = False
            elif (child.type == "text" and not in_autolink) or child.type == "image":
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
        text = URL_RE.sub(" ", "".join(parts))
        if not _is_name_list(text):
            found.append(text)
    return found


def hangul_share(doc: Doc) -> Share:
    """Hangul among the letters of the body's prose (see :func:`prose`).

    Latin words that start with a capital letter (product and people's names: WordPress,
    Gutenberg, Dinah) do not count. So English prose counts fully, and a Korean text with many
    names still passes.
    """
    texts = prose(doc)
    hangul = sum(len(HANGUL_RE.findall(text)) for text in texts)
    latin = sum(len(w) for text in texts for w in LATIN_WORD_RE.findall(text) if w[0].islower())
    return Share(hangul, latin)


# --- glossary -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    en: str
    ko: str
    forbidden: tuple[str, ...]
    note: str = ""
    untranslated: bool = False  # a name kept in Latin letters (ko = en): a translation-memory placeable

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        words = [re.escape(w) for w in self.en.split()]
        return re.compile(r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?:s|es)?(?![\w-])", re.IGNORECASE)


def load_glossary(path: Path) -> tuple[Term, ...]:
    """Read a glossary file; a missing file is an empty glossary. Raises KowpError when invalid."""
    if not path.is_file():
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise KowpError(f"{path.name}: not valid TOML: {exc} — fix the syntax") from None
    entries = data.get("term", [])
    if not isinstance(entries, list):
        raise KowpError(f"{path.name}: 'term' must be an array of tables ([[term]])")
    terms = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        en, ko = (
            entry.get("en") if isinstance(entry, dict) else None,
            entry.get("ko") if isinstance(entry, dict) else None,
        )
        forbidden = entry.get("forbidden", []) if isinstance(entry, dict) else None
        untranslated = entry.get("untranslated", False) if isinstance(entry, dict) else False
        if not isinstance(untranslated, bool):
            raise KowpError(f"{path.name}: term {i} ({en}): untranslated must be true or false")
        if untranslated and ko is None:
            ko = en
        if not isinstance(en, str) or not en.strip() or not isinstance(ko, str) or not ko.strip():
            raise KowpError(f"{path.name}: term {i} needs en and ko strings")
        if not isinstance(forbidden, list) or not all(isinstance(x, str) and x.strip() for x in forbidden):
            raise KowpError(f"{path.name}: term {i} ({en}): forbidden must be a list of strings")
        if en.casefold() in seen:
            raise KowpError(f"{path.name}: term {i} ({en}) is listed twice")
        seen.add(en.casefold())
        terms.append(
            Term(en.strip(), ko.strip(), tuple(x.strip() for x in forbidden), str(entry.get("note", "")), untranslated)
        )
    return tuple(terms)


def _mask(text: str, keep: tuple[str, ...]) -> str:
    """Blank out approved renderings so a forbidden variant inside one is not reported."""
    for word in keep:
        text = text.replace(word, " " * len(word))
    return text


@lru_cache(maxsize=256)
def _variants_re(variants: tuple[str, ...]) -> re.Pattern[str]:
    """Any of ``variants``, not as the tail of a longer Hangul word ("하드워프"); particles may
    follow ("워프를"). Longest first, so "블록 에디터" wins over "에디터"."""
    ordered = sorted(variants, key=len, reverse=True)
    return re.compile(r"(?<![\uac00-\ud7a3])(?:" + "|".join(re.escape(v) for v in ordered) + ")")


@dataclass(frozen=True)
class Hit:
    line: int
    found: str
    expected: str
    term: str


def glossary_hits(terms: tuple[Term, ...], english: str, lines: list[tuple[int, str]]) -> list[Hit]:
    """Forbidden variants in ``lines`` of terms that the English text uses."""
    owner: dict[str, Term] = {}
    for term in terms:
        if term.forbidden and term.pattern.search(english):
            for variant in term.forbidden:
                owner.setdefault(variant, term)
    return _hits(owner, _approved(terms), lines)


def product_name_hits(product: str, variants: tuple[str, ...], lines: list[tuple[int, str]]) -> list[Hit]:
    owner = {v: Term("WordPress", product, variants) for v in variants}
    return _hits(owner, (product,), lines)


@lru_cache(maxsize=16)
def _approved(terms: tuple[Term, ...]) -> tuple[str, ...]:
    return tuple(sorted({t.ko for t in terms}, key=len, reverse=True))


def _hits(owner: dict[str, Term], keep: tuple[str, ...], lines: list[tuple[int, str]]) -> list[Hit]:
    if not owner:
        return []
    pattern = _variants_re(tuple(sorted(owner)))
    hits = []
    for n, text in lines:
        for found in dict.fromkeys(m.group(0) for m in pattern.finditer(_mask(text, keep))):
            hits.append(Hit(n, found, owner[found].ko, owner[found].en))
    return hits


# --- sentence endings -----------------------------------------------------------------------

STYLES = ("합니다체", "해요체")
# The last word of a sentence: Hangul, then an optional closing mark, then . ! ? or the line end.
SENTENCE_END_RE = re.compile(r"([\uac00-\ud7a3]+)[)\]*_~]*(?:[.!?…]+|$)(?![\"'”’」』\w])")
HAMNIDA_RE = re.compile(r"(?:니다|니까|시오|십시다)$")
HAEYO_RE = re.compile(r"(?:요|죠)$")
# Nouns that end in 요 and can close a sentence fragment without being 해요체.
NOT_HAEYO = (
    "필요",
    "중요",
    "주요",
    "개요",
    "수요",
    "요요",
    "강요",
    "소요",
    "월요",
    "화요",
    "수요",
    "목요",
    "금요",
    "토요",
)


def ending_style(word: str) -> str | None:
    if HAMNIDA_RE.search(word):
        return "합니다체"
    if HAEYO_RE.search(word) and not word.endswith(NOT_HAEYO):
        return "해요체"
    return None


@dataclass(frozen=True)
class Ending:
    line: int
    word: str
    style: str


def sentence_endings(doc: Doc) -> list[Ending]:
    """Classified sentence endings of the body's prose (not headings, quotes, tables or code)."""
    skip: set[int] = set()
    for tok in doc.tokens:
        if tok.map and tok.type in ("heading_open", "blockquote_open", "table_open"):
            skip.update(range(doc.line_of(tok), doc.body_offset + tok.map[1] + 1))
    found = []
    for n, text in doc.body_lines():
        if n in skip:
            continue
        text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
        text = re.sub(r"<[^>]+>", " ", text)  # inline HTML
        for m in SENTENCE_END_RE.finditer(text.rstrip()):
            style = ending_style(m.group(1))
            if style:
                found.append(Ending(n, m.group(1), style))
    return found


# --- particles after a substituted word -------------------------------------------------------

# The final sound of a word decides its particle: a vowel, ㄹ, or another consonant.
VOWEL, RIEUL, CONSONANT = "vowel", "rieul", "consonant"
# Digits as read in Korean (영 일 이 삼 사 오 육 칠 팔 구): the sound each ends in.
DIGIT_FINAL = {
    "0": CONSONANT,  # 영
    "1": RIEUL,  # 일
    "2": VOWEL,  # 이
    "3": CONSONANT,  # 삼
    "4": VOWEL,  # 사
    "5": VOWEL,  # 오
    "6": CONSONANT,  # 육
    "7": RIEUL,  # 칠
    "8": RIEUL,  # 팔
    "9": VOWEL,  # 구
}
# A number ending in zeros is read by its last power of ten: 십 (10), 백 (100), 천 (1000), 만 (10⁴).
POWER_FINAL = {1: CONSONANT, 2: CONSONANT, 3: CONSONANT, 4: CONSONANT}
# Latin letters spelled out (acronyms such as PHP, HTML): 엘 and 알 end in ㄹ, 엠 and 엔 in a consonant.
LETTER_FINAL = {"l": RIEUL, "r": RIEUL, "m": CONSONANT, "n": CONSONANT}
# Each pair: (after a consonant, after a vowel); ㄹ takes the vowel form only for 으로/로.
PARTICLES: tuple[tuple[str, str], ...] = (
    ("으로", "로"),
    ("이나", "나"),
    ("이", "가"),
    ("은", "는"),
    ("을", "를"),
    ("과", "와"),
)
PARTICLE_RE = re.compile(
    "(" + "|".join(sorted({p for pair in PARTICLES for p in pair}, key=len, reverse=True)) + r")(?![\uac00-\ud7a3])"
)


def final_sound(word: str) -> str | None:
    """How ``word`` ends when read aloud: VOWEL, RIEUL or CONSONANT; None when unknown.

    Hangul by its last syllable's final consonant; numbers and versions (7.0.3, RC1) by their
    last digits read in Korean; Latin names by their spoken final sound as Korean writes it
    (WordPress 워드프레스 → vowel, Gutenberg 구텐베르크 → vowel, Jetpack 젯팩 → consonant,
    Seoul → ㄹ), acronyms letter by letter (PHP 피에이치피 → vowel, HTML …엘 → ㄹ).
    """
    word = word.rstrip(" )]\"'’”*_`")
    if not word:
        return None
    last = word[-1]
    if "\uac00" <= last <= "\ud7a3":
        jong = (ord(last) - 0xAC00) % 28
        return VOWEL if jong == 0 else RIEUL if jong == 8 else CONSONANT
    if last.isdigit():
        digits = re.search(r"\d+$", word).group(0)  # type: ignore[union-attr]
        stripped = digits.rstrip("0")
        zeros = len(digits) - len(stripped)
        if not stripped or zeros == 0:
            return DIGIT_FINAL[digits[-1]]
        return POWER_FINAL.get(zeros, CONSONANT)  # 십 백 천 만; 십만, 백만 … also end in ㄴ or ㄱ
    if not last.isascii() or not last.isalpha():
        return None
    letters = re.search(r"[A-Za-z]+$", word).group(0)  # type: ignore[union-attr]
    if letters.isupper() and (len(letters) <= 5 or not re.search(r"[AEIOU]", letters)):
        return LETTER_FINAL.get(letters[-1].lower(), VOWEL)
    low = letters.lower()
    if low.endswith(("ng", "m", "n", "me", "ne")):
        return CONSONANT  # -ng ㅇ, -m ㅁ, -n ㄴ (also before a silent e: Time 타임, Online 온라인)
    if low.endswith("l") or low.endswith("le"):
        return RIEUL
    if re.search(r"[aeiou](?:ck|c|k|p|t)$", low) and not low.endswith(("ght", "ait", "eat", "oot", "eet")):
        return CONSONANT  # a short vowel and a stop: Jetpack 젯팩, Trac 트랙, Laptop 랩톱
    return VOWEL  # a vowel, a silent e, or a final consonant written with 으: Press 프레스, Gutenberg 구텐베르크


def particle_for(particle: str, sound: str) -> str:
    """The form of ``particle`` (any form of a pair) that agrees with a word ending in ``sound``."""
    for after_consonant, after_vowel in PARTICLES:
        if particle in (after_consonant, after_vowel):
            if sound == VOWEL or (sound == RIEUL and after_consonant == "으로"):
                return after_vowel
            return after_consonant
    return particle


def agree(word: str, following: str) -> str:
    """``following`` (the text right after ``word``) with its leading particle made to agree with
    ``word``'s final sound: agree("7.0.3", "가 출시") == "이 출시". Unchanged when it does not start
    with a particle or the sound is unknown."""
    m = PARTICLE_RE.match(following)
    sound = final_sound(word) if m else None
    if m is None or sound is None:
        return following
    return particle_for(m.group(1), sound) + following[m.end(1) :]
