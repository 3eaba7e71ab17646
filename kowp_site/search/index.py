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
import sys
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain, repeat

from kowp_site.search.tokenize import bigrams, chunks, korean, split_normalized, strip_ending, words

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


def _finals(run: str) -> tuple[str, ...]:
    """A Hangul run's word-final terms: its last, and the last of the run less one ending
    ("플러그인을": 인을 and 그인)."""
    last = bigrams(run)[-1]
    stem = strip_ending(run)
    return (last,) if stem == run else (last, bigrams(stem)[-1])


Chunk = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # its terms, word-initial ones, word-final ones
_TERMS, _INITIAL, _FINAL = operator.itemgetter(0), operator.itemgetter(1), operator.itemgetter(2)


def chunk_terms(chunk: str, language: str) -> Chunk:
    """The terms of a chunk of text (see :func:`~kowp_site.search.tokenize.chunks`): the other
    words, each initial and final, and the bigrams of each Hangul run, of which the first is
    initial and the :func:`_finals` final (a one-syllable run is its own term, initial and final)."""
    runs, other = split_normalized(chunk, language)
    terms = tuple(other) + tuple(chain.from_iterable(map(bigrams, runs)))
    initial = tuple(other) + tuple(bigrams(run)[0] for run in runs)
    return terms, initial, tuple(other) + tuple(chain.from_iterable(map(_finals, runs)))


MEMO_CHUNKS = 30_000  # chunks remembered (about 500 bytes each: 15 MB at most); a full memo starts again


class _Memo(dict[str, Chunk]):
    """chunk -> :func:`chunk_terms`, remembered: words repeat, within a post and across posts.
    Read through ``__getitem__`` (a missing chunk is made there), so a ``map`` stays in C."""

    def __init__(self, language: str):
        super().__init__()
        self.language = language

    def __missing__(self, chunk: str) -> Chunk:
        if len(self) >= MEMO_CHUNKS:
            self.clear()
        found = self[chunk] = chunk_terms(chunk, self.language)
        return found


_MEMOS = {True: _Memo("ko"), False: _Memo("")}  # by korean(language): the two ways to find words
_TF_WEIGHT = {tf: tf * 8 for tf in range(_TOP + 1)}  # tf -> its part of a weight; above _TOP: _TOP's


Record = tuple[int, str, bytes]  # a document's length in terms, its terms ("\n"-joined), tf * 8 + flags each


def analyse_document(doc: Document, language: str) -> Record:
    """What the index takes from one document (cached per post by kowp_site.search.outputs).

    The terms of each chunk of its title and text (:func:`chunk_terms`), counted at C speed, in
    the order they first appear. Flags: TITLE for a term of the title; INITIAL and FINAL for a
    term that is word-initial or word-final in any chunk.
    """
    made = _MEMOS[korean(language)].__getitem__
    title = chunks(doc.title)
    every = Counter(chunks(doc.text))
    every.update(title)
    found = list(map(made, every))  # each chunk's terms once, then as many times as it is written
    tf = Counter(chain.from_iterable(map(operator.mul, map(_TERMS, found), every.values())))
    initial = set(chain.from_iterable(map(_INITIAL, found)))
    final = set(chain.from_iterable(map(_FINAL, found)))
    flags = dict.fromkeys(initial, INITIAL)
    flags.update(dict.fromkeys(final, FINAL))
    flags.update(dict.fromkeys(initial & final, INITIAL | FINAL))
    for term in set(chain.from_iterable(map(_TERMS, map(made, title)))):
        flags[term] = flags.get(term, 0) | TITLE
    # min(tf, _TOP) * 8 + flags: levels stop at _TOP, nothing is lost.
    tf_weights = map(_TF_WEIGHT.get, tf.values(), repeat(_TOP * 8))
    weights = bytes(map(operator.add, tf_weights, map(flags.get, tf, repeat(0))))
    return sum(tf.values()), "\n".join(tf), weights


def index_files(records: Sequence[Record], language: str) -> dict[str, bytes]:
    """meta.json and every shard (paths under search/ -> bytes) for ``records``, numbered in order."""
    postings = collect_postings(records)
    shards = shard_count(len(records))
    tables: list[dict[str, str]] = [{} for _ in range(shards)]
    steps = [""] + [ALPHABET[gap] if gap < 32 else encode_number(gap) for gap in range(len(records))]
    for term, found in postings.items():
        tables[shard_of(term, shards)][term] = _encode_weighted(found, steps)
    files = {f"index/{i}.json": dumps(table) for i, table in enumerate(tables)}
    files["meta.json"] = meta_file(language, shards, [length for length, _, _ in records])
    return files


def meta_file(language: str, shards: int, lengths: list[int]) -> bytes:
    """meta.json: the format, the language, the shard count, the documents a documents file holds, each document's length."""
    return dumps({"v": FORMAT, "lang": language, "shards": shards, "chunk": CHUNK, "len": lengths})


_consume = deque(maxlen=0).extend  # runs an iterator to its end, keeping nothing


def collect_postings(records: Sequence[Record]) -> dict[str, array[int]]:
    """Each term's postings, in increasing document order.

    A posting is one unsigned int (document number * 256 + weight) in an array: 4 bytes a
    posting instead of a tuple of two ints (about 90), for the 2-3 million postings of a
    5,000-post site. Appended by ``map`` over each document's terms, at C speed.
    """
    postings: defaultdict[str, array[int]] = defaultdict(partial(array, "I"))
    for number, (_, terms, weights) in enumerate(records):
        if not terms:
            continue
        names = terms.split("\n")
        if len(names) != len(weights):
            raise ValueError(f"document {number}: {len(names)} terms, {len(weights)} weights")
        found = map(postings.__getitem__, names)
        _consume(map(array.append, found, map(operator.or_, repeat(number << 8), weights)))
    return postings


_CHAR = [_WEIGHT[w >> 3][w & 7] for w in range(len(_WEIGHT) * 8)]  # a record's weight -> its character
# The same as tables of bytes.translate: a gap + 1 (under 33) -> the gap's one digit, a weight -> its character.
_GAP_DIGIT = bytes.maketrans(bytes(range(1, 33)), ALPHABET[:32].encode("ascii"))
_CHAR_BYTE = bytes.maketrans(bytes(range(len(_CHAR))), "".join(_CHAR).encode("ascii"))


def _encode_weighted(postings: array[int], steps: list[str]) -> str:
    """Postings (document * 256 + weight, in increasing document order) -> the postings string.

    ``steps[d]`` is the code of the gap ``d - 1`` (from a document to the next, ``d`` apart). When
    every gap is one digit (a term of many documents: most postings), the string is two strings
    of one character a posting, interleaved: the gaps' digits and the weights' characters, each
    made by ``bytes.translate`` (the weights straight from the array's low bytes).
    """
    docs = list(map(operator.rshift, postings, repeat(8)))
    steps_apart = list(map(operator.sub, docs, chain((-1,), docs)))
    if max(steps_apart) <= 32:
        size = postings.itemsize
        low = postings.tobytes()[0 if sys.byteorder == "little" else size - 1 :: size]
        out = bytearray(2 * len(docs))
        out[0::2] = bytes(steps_apart).translate(_GAP_DIGIT)
        out[1::2] = low.translate(_CHAR_BYTE)
        return out.decode("ascii")
    chars = map(_CHAR.__getitem__, map(operator.and_, postings, repeat(255)))
    return "".join(map(operator.add, map(steps.__getitem__, steps_apart), chars))


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
