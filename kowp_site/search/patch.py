"""The index of the previous build, patched where posts changed instead of made again.

A one-post edit of a 5,000-post site would otherwise merge and encode every posting of every
post (seconds). Documents are numbered oldest first, so an edit keeps every number and a new post
takes the next one: the previous shards stay right except for the terms of the posts that
changed. :class:`Previous` is what a build keeps in the build cache (derived, safe to delete);
:func:`patched` returns the new index files, or None when the change is too large or the
numbering moved (a post unpublished or redated), and the caller builds afresh. The result is the
same bytes a fresh build gives: the tests compare both after edits, additions and removals.
"""

from __future__ import annotations

import marshal
import os
import tempfile
from bisect import insort
from dataclasses import dataclass
from pathlib import Path

from kowp_site.search.index import (
    _WEIGHT,
    ALPHABET,
    CHUNK,
    FORMAT,
    Record,
    Shards,
    decode_weighted,
    dumps,
    encode_number,
    shard_count,
    shard_of,
)

MAX_CHANGED_SHARE = 0.2  # more changed posts than this share of all: a fresh build is as fast


@dataclass
class Previous:
    """The last index a build made: who was numbered where, and each shard's terms and bytes."""

    language: str
    paths: list[str]  # post key path by document number
    keys: list[str]  # what each document's terms were made from (see LazyIndex.post_keys)
    shards: list[dict[str, str]]  # term -> postings string, per shard
    last: dict[str, int]  # term -> the highest document number in its postings
    dumped: list[bytes]  # each shard's file bytes

    def save(self, path: Path) -> None:
        """Atomically, under a temporary name of this process's own (forked workers may save at once)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = marshal.dumps((FORMAT, self.language, self.paths, self.keys, self.shards, self.last, self.dumped))
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as f:
            f.write(data)
        os.chmod(f.name, 0o644)
        os.replace(f.name, path)

    @classmethod
    def load(cls, path: Path) -> Previous | None:
        try:
            found = marshal.loads(path.read_bytes())
            version, language, paths, keys, shards, last, dumped = found
        except (OSError, EOFError, ValueError, TypeError):
            return None
        return cls(language, paths, keys, shards, last, dumped) if version == FORMAT else None


def gap_code(gap: int) -> str:
    return ALPHABET[gap] if gap < 32 else encode_number(gap)


def encode_weighted(postings: list[tuple[int, str]]) -> str:
    """(document, weight character) pairs in increasing document order -> the postings string."""
    out, last = [], -1
    for doc, char in postings:
        out.append(gap_code(doc - last - 1))
        out.append(char)
        last = doc
    return "".join(out)


def char(w: int) -> str:
    """The weight character of a record's weight (``min(tf, top) * 8 + flags``), as index_files writes it."""
    return _WEIGHT[w >> 3][w & 7]


def weights(record: Record) -> dict[str, int]:
    _, terms, ws = record
    return dict(zip(terms.split("\n"), ws, strict=True)) if terms else {}


def fresh(language: str, paths: list[str], keys: list[str], made: Shards) -> Previous:
    """What to keep of a fresh build's index: its shards' terms, postings and bytes, each term's last document."""
    dumped = [made.files[f"index/{n}.json"] for n in range(len(made.tables))]
    return Previous(language, list(paths), list(keys), made.tables, made.last, dumped)


def patched(
    previous: Previous,
    language: str,
    paths: list[str],
    keys: list[str],
    records: list[Record],
    old_records: dict[str, Record],
    max_share: float = MAX_CHANGED_SHARE,
) -> tuple[dict[str, bytes], Previous] | None:
    """The index files for ``records`` made from ``previous``, and what to keep of them; None when
    a fresh build is needed (see the module docstring)."""
    count = len(previous.paths)
    shards_n = shard_count(len(paths))
    if previous.language != language or len(previous.shards) != shards_n or paths[:count] != previous.paths:
        return None
    changed = [i for i in range(count) if previous.keys[i] != keys[i]]
    added = range(count, len(paths))
    if len(changed) + len(added) > max_share * max(1, len(paths)):
        return None
    shards = list(previous.shards)
    copied: set[int] = set()
    last = dict(previous.last)

    def shard(term: str) -> tuple[int, dict[str, str]]:
        n = shard_of(term, shards_n)
        if n not in copied:  # copy on write: the previous shards stay as they were
            shards[n] = dict(shards[n])
            copied.add(n)
        return n, shards[n]

    for i in changed:
        old = old_records.get(previous.keys[i])
        if old is None:
            return None
        before, after = weights(old), weights(records[i])
        for term in before.keys() | after.keys():
            if before.get(term) == after.get(term):
                continue
            _, table = shard(term)
            postings = [(d, w) for d, w in decode_weighted(table.get(term, "")) if d != i]
            if term in after:
                insort(postings, (i, char(after[term])))
            if postings:
                table[term] = encode_weighted(postings)
                last[term] = postings[-1][0]
            else:
                table.pop(term, None)
                last.pop(term, None)
    for i in added:
        for term, w in weights(records[i]).items():
            _, table = shard(term)
            table[term] = table.get(term, "") + gap_code(i - last.get(term, -1) - 1) + char(w)
            last[term] = i
    dumped = [dumps(shards[n]) if n in copied else previous.dumped[n] for n in range(shards_n)]
    files = {f"index/{n}.json": data for n, data in enumerate(dumped)}
    lengths = [r[0] for r in records]
    files["meta.json"] = dumps({"v": FORMAT, "lang": language, "shards": shards_n, "chunk": CHUNK, "len": lengths})
    return files, Previous(language, list(paths), list(keys), shards, last, dumped)
