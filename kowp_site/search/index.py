"""The static search index: built from published posts, split into shards by a stable hash of the
term, read back by the same rules the client (search.js) uses.

Files, all compact JSON with sorted keys (the same posts give the same bytes):

- ``search/meta.json``: ``{"v", "lang", "shards", "chunk", "len"}``: format version, the
  tokenizer's language, the shard count (a power of two), documents per documents file, and each
  document's length in terms (for BM25), by document number.
- ``search/index/<n>.json``: ``{term: postings}`` for the terms whose FNV-1a hash (32-bit, of the
  UTF-8 bytes) modulo ``shards`` is ``n``. Postings are a string over :data:`ALPHABET`: for each
  document containing the term, in increasing number, the gap from the previous number (base-32
  digits, most significant first; the last digit from the first half of the alphabet, the others
  from the second) and one character ``level * 8 + flags`` (term-frequency level, see
  :data:`TF_LEVELS`, and the TITLE, INITIAL and FINAL flags).
- ``search/docs/<k>.json``: ``[[title, path, iso date, shown date, excerpt], ...]`` for documents
  ``k * chunk`` to ``k * chunk + chunk - 1``; ``path`` is relative to the site's base path.

Documents are numbered oldest first, so a new post is appended and changes no other number.
"""

from __future__ import annotations

import json
import math
import operator
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from kowp_site.search.tokenize import bigrams, korean, split, strip_ending, words

FORMAT = 1
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
_DECODE = {c: i for i, c in enumerate(ALPHABET)}
TITLE, INITIAL, FINAL = 1, 2, 4
TF_LEVELS = (1, 2, 3, 4, 6, 8, 12, 16)
CHUNK = 16  # documents per documents file: a page of results fetches a few small files
EXCERPT_CHARS = 120
DOCS_PER_SHARD = 12  # the shard count is the power of two at or above documents / this
MAX_SHARDS = 4096
MAX_QUERY_WORDS = 12  # a longer query is cut here (a pasted paragraph must not fetch every shard)

# Ranking (search.js uses the same numbers).
K1, B = 1.2, 0.75
TITLE_BOOST = 2.0
INITIAL_BOOST = 1.5
WHOLE_BOOST = 1.3
STRIPPED_FORM = 0.8


@dataclass(frozen=True)
class Document:
    """What the index reads of one published post."""

    title: str
    path: str  # relative to the site's base path, e.g. "2026/08/slug/"
    date: str  # ISO date
    shown_date: str  # as the site prints it
    excerpt: str
    text: str  # summary, body text and category names


def fnv1a(term: str) -> int:
    h = 0x811C9DC5
    for byte in term.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def shard_count(documents: int) -> int:
    n = 1
    while n * DOCS_PER_SHARD < documents and n < MAX_SHARDS:
        n *= 2
    return n


def shard_of(term: str, shards: int) -> int:
    return fnv1a(term) & (shards - 1)


def tf_level(tf: int) -> int:
    level = 0
    while level + 1 < len(TF_LEVELS) and TF_LEVELS[level + 1] <= tf:
        level += 1
    return level


def encode_number(n: int) -> str:
    digits = [ALPHABET[n & 31]]
    n >>= 5
    while n:
        digits.append(ALPHABET[32 + (n & 31)])
        n >>= 5
    return "".join(reversed(digits))


_WEIGHT = [[ALPHABET[tf_level(max(tf, 1)) * 8 + fl] for fl in range(8)] for tf in range(TF_LEVELS[-1] + 1)]
_TOP = TF_LEVELS[-1]


def encode_postings(postings: Iterable[tuple[int, int, int]]) -> str:
    """(document, tf, flags) in increasing document order -> the postings string."""
    out, last = [], -1
    for doc, tf, flags in postings:
        gap = doc - last - 1
        out.append(ALPHABET[gap] if gap < 32 else encode_number(gap))
        out.append(_WEIGHT[tf if tf < _TOP else _TOP][flags])
        last = doc
    return "".join(out)


def decode_weighted(text: str) -> list[tuple[int, str]]:
    """A postings string -> (document, weight character) pairs: the inverse of :func:`encode_weighted`."""
    found, doc, gap, i = [], -1, 0, 0
    while i < len(text):
        v = _DECODE[text[i]]
        i += 1
        if v >= 32:
            gap = gap * 32 + v - 32
            continue
        doc += gap * 32 + v + 1
        gap = 0
        found.append((doc, text[i]))
        i += 1
    return found


def decode_postings(text: str) -> list[tuple[int, int, int]]:
    """The postings string -> (document, tf level's frequency, flags)."""
    found = []
    for doc, char in decode_weighted(text):
        w = _DECODE[char]
        found.append((doc, TF_LEVELS[w >> 3], w & 7))
    return found


_EDGES: dict[str, tuple[str, tuple[str, ...]]] = {}


def edges(word: str) -> tuple[str, tuple[str, ...]]:
    """A Hangul run's word-initial bigram and its word-final ones: the run's last, and the last of
    the run less one ending ("플러그인을": 인을 and 그인). Remembered: words repeat."""
    found = _EDGES.get(word)
    if found is None:
        terms = bigrams(word)
        finals = (terms[-1],)
        stem = strip_ending(word)
        if stem != word:
            finals += (bigrams(stem)[-1],)
        found = (terms[0], finals)
        if len(_EDGES) > 500_000:
            _EDGES.clear()
        _EDGES[word] = found
    return found


def analyse(text: str, language: str, base_flags: int, tf: dict[str, int], flags: dict[str, int]) -> int:
    """Add the terms of ``text`` to ``tf`` and ``flags``; return how many terms it has.

    The same terms as :func:`~kowp_site.search.tokenize.bigrams` of every Hangul run, counted at
    C speed: the runs joined by a separator, every adjacent pair counted, pairs across runs dropped.
    """
    hangul, other = split(text, language)
    count = len(other)
    whole = base_flags | INITIAL | FINAL
    for word, n in Counter(other).items():
        tf[word] = tf.get(word, 0) + n
        flags[word] = flags.get(word, 0) | whole
    if not hangul:
        return count
    joined = "\0".join(hangul)
    for pair, n in Counter(map(operator.add, joined, joined[1:])).items():
        if "\0" in pair:
            continue
        tf[pair] = tf.get(pair, 0) + n
        flags[pair] = flags.get(pair, 0) | base_flags
        count += n
    for word, n in Counter(hangul).items():
        if len(word) == 1:
            tf[word] = tf.get(word, 0) + n
            flags[word] = flags.get(word, 0) | whole
            count += n
            continue
        first, finals = edges(word)
        flags[first] |= INITIAL
        for term in finals:
            flags[term] |= FINAL
    return count


Record = tuple[int, str, bytes]  # a document's length in terms, its terms ("\n"-joined), tf * 8 + flags each


def analyse_document(doc: Document, language: str) -> Record:
    """What the index takes from one document (cached per post by kowp_site.search.outputs)."""
    tf: dict[str, int] = {}
    flags: dict[str, int] = {}
    length = analyse(doc.title, language, TITLE, tf, flags)
    length += analyse(doc.text, language, 0, tf, flags)
    terms = sorted(tf)
    weights = bytes(min(tf[t], _TOP) * 8 + flags[t] for t in terms)  # levels stop at _TOP: nothing lost
    return length, "\n".join(terms), weights


def index_files(records: Sequence[Record], language: str) -> dict[str, bytes]:
    """meta.json and every shard (paths under search/ -> bytes) for ``records``, numbered in order.

    Each term's postings are kept as one unsigned int each (document number * 256 + weight) in
    an array: 4 bytes a posting instead of a tuple of two ints (about 90), for the 2-3 million
    postings of a 5,000-post site.
    """
    postings: dict[str, array[int]] = {}
    lengths = []
    for number, (length, terms, weights) in enumerate(records):
        lengths.append(length)
        if not terms:
            continue
        base = number << 8
        for term, w in zip(terms.split("\n"), weights, strict=True):
            found = postings.get(term)
            if found is None:
                found = postings[term] = array("I")
            found.append(base | w)
    shards = shard_count(len(records))
    by_shard: list[dict[str, str]] = [{} for _ in range(shards)]
    for term, found in postings.items():
        by_shard[shard_of(term, shards)][term] = _encode_weighted(found)
    files = {f"index/{i}.json": dumps(shard) for i, shard in enumerate(by_shard)}
    files["meta.json"] = dumps({"v": FORMAT, "lang": language, "shards": shards, "chunk": CHUNK, "len": lengths})
    return files


def _encode_weighted(postings: Iterable[int]) -> str:
    """Postings (document * 256 + weight, in increasing document order) -> the postings string."""
    out, last = [], -1
    for posting in postings:
        doc, w = posting >> 8, posting & 255
        gap = doc - last - 1
        out.append(ALPHABET[gap] if gap < 32 else encode_number(gap))
        out.append(_WEIGHT[w >> 3][w & 7])
        last = doc
    return "".join(out)


def build_index(documents: Sequence[Document], language: str) -> dict[str, bytes]:
    """Every index file (path under search/ -> bytes) for ``documents``, numbered in order."""
    files = index_files([analyse_document(d, language) for d in documents], language)
    files.update(document_files(documents))
    return files


def document_files(documents: Sequence[Document]) -> dict[str, bytes]:
    files = {}
    for k in range(max(1, math.ceil(len(documents) / CHUNK))):
        rows = [[d.title, d.path, d.date, d.shown_date, d.excerpt] for d in documents[k * CHUNK : (k + 1) * CHUNK]]
        files[f"docs/{k}.json"] = dumps(rows)
    return files


def file_names(documents: int) -> list[str]:
    """The index files for ``documents`` documents (known before the index is built)."""
    names = ["meta.json"] + [f"index/{i}.json" for i in range(shard_count(documents))]
    return names + [f"docs/{k}.json" for k in range(max(1, math.ceil(documents / CHUNK)))]


def dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


# --- reading the index back: the rules search.js follows --------------------------------------------


def query_words(query: str, language: str) -> list[list[tuple[str, ...]]]:
    """Each query word's forms (the word, then the word less one ending), each form its terms."""
    found: list[list[tuple[str, ...]]] = []
    seen = set()
    ko = korean(language)
    for word, hangul in words(query, language):
        if word in seen:
            continue
        seen.add(word)
        if len(found) == MAX_QUERY_WORDS:
            break
        if ko and hangul:
            forms = [tuple(dict.fromkeys(bigrams(word)))]
            stem = strip_ending(word)
            if stem != word:
                forms.append(tuple(dict.fromkeys(bigrams(stem))))
        else:
            forms = [(word,)]
        found.append(forms)
    return found


@dataclass(frozen=True)
class Hit:
    doc: int
    score: float


class Searcher:
    """Queries an index through ``load`` (a file name under search/ -> bytes), as the client does."""

    def __init__(self, load: Callable[[str], bytes]):
        self.load = load
        self.meta = json.loads(load("meta.json"))
        self.lengths = self.meta["len"]
        self.avgdl = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0
        self.shards: dict[int, Mapping[str, str]] = {}
        self.fetched: list[int] = []

    def postings(self, term: str) -> dict[int, tuple[int, int]]:
        n = shard_of(term, self.meta["shards"])
        if n not in self.shards:
            self.shards[n] = json.loads(self.load(f"index/{n}.json"))
            self.fetched.append(n)
        text = self.shards[n].get(term)
        return {doc: (tf, fl) for doc, tf, fl in decode_postings(text)} if text else {}

    def search(self, query: str) -> list[Hit]:
        words_ = query_words(query, self.meta["lang"])
        if not words_:
            return []
        total = len(self.lengths)
        scores: dict[int, float] | None = None
        for forms in words_:
            best: dict[int, float] = {}
            for f, terms in enumerate(forms):
                lists = [self.postings(t) for t in terms]
                if not all(lists):
                    continue
                docs = set(min(lists, key=len))
                for p in lists:
                    docs &= p.keys()
                for doc in docs:
                    s = 0.0
                    for p in lists:
                        df = len(p)
                        tf, fl = p[doc]
                        idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
                        norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * self.lengths[doc] / self.avgdl))
                        s += idf * norm * (TITLE_BOOST if fl & TITLE else 1.0)
                    first, last = lists[0][doc][1], lists[-1][doc][1]
                    if first & INITIAL:
                        s *= INITIAL_BOOST
                        if last & FINAL:
                            s *= WHOLE_BOOST
                    if f:
                        s *= STRIPPED_FORM
                    if s > best.get(doc, 0.0):
                        best[doc] = s
            scores = best if scores is None else {d: s + best[d] for d, s in scores.items() if d in best}
            if not scores:
                return []
        ranked = sorted(scores.items(), key=lambda item: (-item[1], -item[0]))
        return [Hit(doc, score) for doc, score in ranked]
