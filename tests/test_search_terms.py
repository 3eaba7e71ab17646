"""The index's terms, made at C speed from chunks of text, are those of the plain rules.

The reference here is the index's rules written out word by word (as search.js reads a query):
the words of the whole text (:func:`words`), each Hangul run's bigrams, its first word-initial,
its last and its stem's last word-final, every other word whole. Texts mix Hangul, Latin letters,
digits and version numbers, other scripts, punctuation and every kind of white space.
"""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from kowp_site.search import index as idx
from kowp_site.search.outputs import excerpt, squeeze
from kowp_site.search.tokenize import bigrams, chunks, split, split_normalized, strip_ending, words

PIECES = ["플러그인을", "워드프레스", "보안", "가", "은", "에서", "했습니다", "6.8", "6.", ".8", "v2", "PHP", "a_b"]
PIECES += ["Ünïcode", "ΑΒΓ", "日本語", "١٢٣", "x²", "ﬁ", "İ", "\u1100\u1161", "e\u0301"]
SPACES = [" ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u2028", "\x1c", "\u200b", ""]
PUNCT = [".", ",", "!", "(", ")", "'", "-", "_", "·", "…", "«", "»"]
texts = st.lists(st.sampled_from(PIECES + SPACES + PUNCT), max_size=40).map("".join)
languages = st.sampled_from(["ko", "ko-KR", "en", "ja"])


def reference(title: str, text: str, language: str) -> tuple[int, dict[str, int]]:
    """A document's length in terms and each term's weight (min(tf, 16) * 8 + flags), word by word."""
    tf: Counter[str] = Counter()
    flags: dict[str, int] = {}
    for part, base in ((title, idx.TITLE), (text, 0)):
        for word, hangul in words(part, language):
            terms = bigrams(word) if hangul else (word,)
            tf.update(terms)
            for term in terms:
                flags[term] = flags.get(term, 0) | base
            finals = {terms[-1]}
            if hangul and strip_ending(word) != word:
                finals.add(bigrams(strip_ending(word))[-1])
            flags[terms[0]] |= idx.INITIAL
            for term in finals:
                flags[term] |= idx.FINAL
    return sum(tf.values()), {t: min(n, 16) * 8 + flags[t] for t, n in tf.items()}


def as_weights(record: idx.Record) -> tuple[int, dict[str, int]]:
    length, terms, weights = record
    names = terms.split("\n") if terms else []
    assert len(names) == len(weights) == len(set(names))
    return length, dict(zip(names, weights, strict=True))


@settings(max_examples=400, deadline=None)
@given(title=texts, text=texts, language=languages)
def test_a_documents_terms_and_weights_follow_the_word_by_word_rules(title: str, text: str, language: str) -> None:
    doc = idx.Document(title, "p/", "2026-01-01", "2026년 1월 1일", "", text)
    assert as_weights(idx.analyse_document(doc, language)) == reference(title, text, language)


@settings(max_examples=300, deadline=None)
@given(text=texts, language=languages)
def test_the_words_of_the_chunks_are_the_words_of_the_text(text: str, language: str) -> None:
    found = [split_normalized(chunk, language) for chunk in chunks(text)]
    runs = [run for chunk_runs, _ in found for run in chunk_runs]
    other = [word for _, chunk_other in found for word in chunk_other]
    written = words(text, language)
    assert runs == [w for w, hangul in written if hangul]
    assert other == [w for w, hangul in written if not hangul]
    assert split(text, language) == (runs, other)


def test_a_long_rare_or_repeated_word_gives_the_same_terms_after_the_memo_is_emptied(monkeypatch) -> None:
    monkeypatch.setattr(idx, "MEMO_CHUNKS", 2)  # emptied again and again within one document
    doc = idx.Document(
        "보안 업데이트", "p/", "2026-01-01", "", "", "플러그인을 보안 6.8 플러그인을 가 워드프레스에서 보안"
    )
    assert as_weights(idx.analyse_document(doc, "ko")) == reference(doc.title, doc.text, "ko")
    assert len(idx._MEMOS[True]) <= 2


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_squeeze_is_one_space_for_each_run_of_white_space(text: str) -> None:
    assert squeeze(text) == re.sub(r"\s+", " ", text).strip()
    assert excerpt(text, 10) == excerpt(re.sub(r"\s+", " ", text).strip(), 10)
