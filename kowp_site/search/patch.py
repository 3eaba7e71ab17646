"""The index of the previous build, patched where posts changed instead of made again.

A one-post edit of a 5,000-post site would otherwise merge and encode every posting of every
post (seconds). Documents are numbered oldest first, so an edit keeps every number and a new post
takes the next one: the previous shards stay right except for the terms of the posts that
changed. :class:`Previous` is what a build keeps of its index (kowp_site.search.kept stores it in
the build cache: derived, safe to delete); :func:`changes` names the documents to patch, or None
when the change is too large or the numbering moved (a post unpublished or redated) and the
caller builds afresh; :func:`patched` returns the new index files. The result is the same bytes
a fresh build gives: the tests compare both after edits, additions and removals.

Only the shards holding a changed term are decoded (``json.loads`` of their bytes) and encoded
again; the postings of one term are decoded and encoded at C speed when every gap is one digit
(the long postings of common terms), by the rule of :func:`columns`.
"""

from __future__ import annotations

import json
import operator
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate, chain, repeat

from kowp_site.search.index import (
    _GAP_DIGIT,
    _WEIGHT,
    ALPHABET,
    Record,
    decode_weighted,
    dumps,
    encode_number,
    meta_file,
    shard_count,
    shard_of,
)
from kowp_site.site.output import digest

MAX_CHANGED_SHARE = 0.2  # more changed posts than this share of all: a fresh build is as fast
# A postings string's characters -> their values (0-63), and a one-digit gap -> the step to the next document.
_VALUE = bytes.maketrans(ALPHABET.encode("ascii"), bytes(range(len(ALPHABET))))
_STEP = bytes.maketrans(bytes(range(32)), bytes(range(1, 33)))


@dataclass
class Previous:
    """The last index a build made: who was numbered where, each document's length, each shard's bytes."""

    language: str
    paths: list[str]  # post key path by document number
    keys: list[str]  # what each document's terms were made from (see LazyIndex.post_keys)
    lengths: list[int]  # each document's length in terms, as meta.json lists them
    dumped: list[bytes]  # each shard's file bytes
    digests: list[str]  # each shard's digest (kowp_site.site.output.digest): what its output's key is made of


def gap_code(gap: int) -> str:
    return ALPHABET[gap] if gap < 32 else encode_number(gap)


def encode_weighted(postings: list[tuple[int, str]]) -> str:
    """(document, weight character) pairs in increasing document order -> the postings string."""
    return encode_columns([doc for doc, _ in postings], "".join(char for _, char in postings))


def columns(text: str) -> tuple[list[int], str]:
    """A postings string -> its documents, in increasing order, and their weight characters.

    When every character at an even place is a last gap digit (value under 32), every gap is one
    digit: a gap of more digits would start at an even place (all before it are pairs) with a
    first digit of 32 or more. Then the gaps are the even characters and the weights the odd ones.
    """
    values = text.encode("ascii").translate(_VALUE)
    gaps = values[0::2]
    if len(text) % 2 or (gaps and max(gaps) >= 32):
        found = decode_weighted(text)
        return [doc for doc, _ in found], "".join(char for _, char in found)
    docs = list(accumulate(gaps.translate(_STEP), initial=-1))
    return docs[1:], text[1::2]


def encode_columns(docs: list[int], chars: str) -> str:
    """Documents in increasing order and their weight characters -> the postings string."""
    steps = list(map(operator.sub, docs, chain((-1,), docs)))
    if not steps:
        return ""
    if max(steps) <= 32:  # every gap one digit: two interleaved strings of one character a posting
        out = bytearray(2 * len(steps))
        out[0::2] = bytes(steps).translate(_GAP_DIGIT)
        out[1::2] = chars.encode("ascii")
        return out.decode("ascii")
    return "".join(map(operator.add, map(gap_code, map(operator.sub, steps, repeat(1))), chars))


def last_document(text: str) -> int:
    """The highest document number in a postings string (-1 for none)."""
    gaps = text.encode("ascii").translate(_VALUE)[0::2]
    if len(text) % 2 or (gaps and max(gaps) >= 32):
        return decode_weighted(text)[-1][0]
    return sum(gaps) + len(gaps) - 1


def with_posting(text: str, doc: int, weight: str | None) -> str:
    """``text`` with document ``doc`` given the weight character ``weight``, or taken out for None."""
    docs, chars = columns(text)
    k = bisect_left(docs, doc)
    present = k < len(docs) and docs[k] == doc
    if present:
        del docs[k]
    chars = chars[:k] + chars[k + present :]
    if weight is not None:
        docs.insert(k, doc)
        chars = chars[:k] + weight + chars[k:]
    return encode_columns(docs, chars)


def char(w: int) -> str:
    """The weight character of a record's weight (``min(tf, top) * 8 + flags``), as index_files writes it."""
    return _WEIGHT[w >> 3][w & 7]


def weights(record: Record) -> dict[str, int]:
    _, terms, ws = record
    return dict(zip(terms.split("\n"), ws, strict=True)) if terms else {}


def fresh(language: str, paths: list[str], keys: list[str], records: list[Record], files: dict[str, bytes]) -> Previous:
    """What to keep of a fresh build's index (``files``, made from ``records``)."""
    dumped = [files[f"index/{n}.json"] for n in range(shard_count(len(records)))]
    return Previous(language, list(paths), list(keys), [r[0] for r in records], dumped, list(map(digest, dumped)))


def changes(
    previous: Previous, language: str, paths: list[str], keys: list[str], max_share: float = MAX_CHANGED_SHARE
) -> list[int] | None:
    """The documents whose terms changed or that are new, in increasing order; None when the
    previous index cannot be patched into the index of ``paths`` (see the module docstring)."""
    count = len(previous.paths)
    if previous.language != language or len(previous.dumped) != shard_count(len(paths)):
        return None
    if paths[:count] != previous.paths:
        return None
    changed = [i for i, (was, now) in enumerate(zip(previous.keys, keys[:count], strict=True)) if was != now]
    changed.extend(range(count, len(paths)))
    return changed if len(changed) <= max_share * max(1, len(paths)) else None


def patched(
    previous: Previous, paths: list[str], keys: list[str], new: Mapping[int, Record], old: Mapping[int, Record]
) -> tuple[dict[str, bytes], Previous, list[int]]:
    """The index files of ``paths`` made from ``previous``, what to keep of them, and the shards
    that changed. ``new`` holds the records of the documents :func:`changes` named, ``old`` the
    previous records of those among them that ``previous`` numbered."""
    shards_n, count = len(previous.dumped), len(previous.paths)
    tables: dict[int, dict[str, str]] = {}  # the shards touched, decoded from their previous bytes

    def table(term: str) -> dict[str, str]:
        n = shard_of(term, shards_n)
        found = tables.get(n)
        if found is None:
            found = tables[n] = json.loads(previous.dumped[n])
        return found

    lengths = previous.lengths[:count]
    for i in sorted(new):  # the changed documents, then the new ones in their order
        after = weights(new[i])
        if i < count:
            before = weights(old[i])
            lengths[i] = new[i][0]
            changed = [t for t in before.keys() | after.keys() if before.get(t) != after.get(t)]
            for term in changed:
                found = table(term)
                w = after.get(term)
                postings = with_posting(found.get(term, ""), i, None if w is None else char(w))
                if postings:
                    found[term] = postings
                else:
                    del found[term]
            continue
        lengths.append(new[i][0])
        for term, w in after.items():
            found = table(term)
            text = found.get(term, "")
            found[term] = text + gap_code(i - last_document(text) - 1) + char(w)
    dumped = list(previous.dumped)
    for n, found in tables.items():
        dumped[n] = dumps(found)
    files = {f"index/{n}.json": data for n, data in enumerate(dumped)}
    files["meta.json"] = meta_file(previous.language, shards_n, lengths)
    touched = sorted(n for n in tables if dumped[n] != previous.dumped[n])
    digests = list(previous.digests)
    for n in touched:
        digests[n] = digest(dumped[n])
    return files, Previous(previous.language, list(paths), list(keys), lengths, dumped, digests), touched
