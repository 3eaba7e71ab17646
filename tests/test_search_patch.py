"""A patched index is byte for byte the index a fresh build makes; a change it cannot patch says so."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from kowp_site.search.index import index_files, shard_of
from kowp_site.search.kept import Store
from kowp_site.search.patch import (
    changes,
    char,
    columns,
    decode_weighted,
    encode_weighted,
    fresh,
    last_document,
    patched,
    with_posting,
)

VOCAB = ["워드", "드프", "프레", "레스", "플러", "러그", "그인", "6.8", "gutenberg", "보안", "업데", "데이", "이트"]
term_sets = st.dictionaries(st.sampled_from(VOCAB), st.integers(min_value=0, max_value=127), max_size=8)


def record(terms: dict[str, int], length: int = 10):
    names = sorted(terms)
    return (length, "\n".join(names), bytes(terms[t] for t in names))


def index(records):
    return index_files(records, "ko")


def kept(paths, keys, records):
    return fresh("ko", paths, keys, records, index(records))


def patch(previous, paths, keys, records, known, max_share=0.2):
    """The index files and what to keep, as a build patches them; None when it builds afresh."""
    numbers = changes(previous, "ko", paths, keys, max_share)
    if numbers is None:
        return None
    old = {i: known.get(previous.keys[i]) for i in numbers if i < len(previous.paths)}
    if None in old.values():
        return None
    files, after, touched = patched(previous, paths, keys, {i: records[i] for i in numbers}, old)
    assert all(after.dumped[n] != previous.dumped[n] for n in touched)
    assert all(after.dumped[n] == previous.dumped[n] for n in range(len(after.dumped)) if n not in touched)
    return files, after


@settings(max_examples=150, deadline=None)
@given(
    start=st.lists(term_sets, min_size=1, max_size=30),
    edits=st.dictionaries(st.integers(min_value=0, max_value=29), term_sets, max_size=4),
    added=st.lists(term_sets, max_size=4),
)
def test_patching_edits_and_new_posts_gives_the_fresh_index(tmp_path_factory, start, edits, added):
    records = [record(t, 5 + i) for i, t in enumerate(start)]
    paths = [f"2026/01/p{i}" for i in range(len(records))]
    keys = [f"k{i}" for i in range(len(records))]
    previous = kept(paths, keys, records)
    known = dict(zip(keys, records, strict=True))
    new_records, new_keys = list(records), list(keys)
    for i, terms in edits.items():
        if i < len(new_records):
            new_records[i], new_keys[i] = record(terms, 7), f"k{i}-edited"
    for j, terms in enumerate(added):
        new_records.append(record(terms, 3))
        new_keys.append(f"new{j}")
    new_paths = paths + [f"2026/02/n{j}" for j in range(len(added))]
    made = patch(previous, new_paths, new_keys, new_records, known, max_share=1.0)  # a build stops at 0.2
    expected = index(new_records)
    if made is None:  # only when too much changed, or the shard count moved
        changed = sum(1 for a, b in zip(keys, new_keys, strict=False) if a != b) + len(added)
        assert changed > 0.2 * len(new_records) or len(previous.dumped) != len(
            kept(new_paths, new_keys, new_records).dumped
        )
        return
    files, after = made
    assert files == expected
    # What is kept patches the next change as well: a round trip through the files changes nothing.
    store = Store(tmp_path_factory.mktemp("kept") / "ko-settings")
    store.save(after, range(len(after.dumped)))
    assert Store(store.folder).load() == after == kept(new_paths, new_keys, new_records)


def test_a_removed_redated_or_renumbered_post_is_built_afresh():
    records = [record({"워드": 8, "보안": 9}), record({"워드": 16}), record({"보안": 8})]
    paths, keys = ["a", "b", "c"], ["ka", "kb", "kc"]
    previous = kept(paths, keys, records)
    known = dict(zip(keys, records, strict=True))
    assert changes(previous, "ko", ["a", "c"], ["ka", "kc"]) is None  # removed
    assert changes(previous, "ko", ["b", "a", "c"], ["kb", "ka", "kc"]) is None  # redated
    assert changes(previous, "ja", paths, keys) is None  # another language
    assert changes(previous, "ko", paths, ["ka2", "kb2", "kc"], max_share=0.5) is None  # too much changed
    assert changes(previous, "ko", paths, ["ka", "kb2", "kc"], max_share=0.5) == [1]
    assert changes(previous, "ko", [*paths, "d"], [*keys, "kd"], max_share=0.5) == [3]  # a new post
    assert changes(previous, "ko", paths, keys) == []
    # An edit whose old terms are not known (a damaged terms file) cannot be patched either.
    assert patch(previous, paths, ["ka", "kb2", "kc"], records, {}, max_share=0.5) is None
    assert patch(previous, paths, ["ka", "kb2", "kc"], records, known, max_share=0.5) is not None


def test_postings_round_trip_through_their_characters():
    postings = [(0, "a"), (1, "b"), (40, "c"), (5000, "d")]
    assert decode_weighted(encode_weighted(postings)) == postings
    assert decode_weighted("") == []


@settings(max_examples=100, deadline=None)
@given(sparse=st.dictionaries(st.integers(min_value=0, max_value=3000), term_sets, max_size=12))
def test_shards_hold_each_terms_postings_with_long_gaps(sparse):
    """Documents far apart (gaps of several base-32 digits), most of them without terms."""
    count = max(sparse, default=-1) + 1
    records = [record(sparse.get(i, {}), i % 7) for i in range(count)]
    files = index(records)
    wanted: dict[str, list[tuple[int, str]]] = {}
    for number in sorted(sparse):
        for term, w in sorted(sparse[number].items()):
            wanted.setdefault(term, []).append((number, char(w)))
    meta = json.loads(files["meta.json"])
    shards = meta["shards"]
    tables = [json.loads(files[f"index/{n}.json"]) for n in range(shards)]
    found = {t: decode_weighted(p) for table in tables for t, p in table.items()}
    assert found == wanted
    assert all(shard_of(t, shards) == n for n, table in enumerate(tables) for t in table)
    assert {t: last_document(p) for table in tables for t, p in table.items()} == {
        t: postings[-1][0] for t, postings in wanted.items()
    }
    assert meta["len"] == [i % 7 for i in range(count)]
    for term, postings in wanted.items():  # the same characters the patcher writes
        text = tables[shard_of(term, shards)][term]
        assert text == encode_weighted(postings)
        assert columns(text) == ([d for d, _ in postings], "".join(c for _, c in postings))


@settings(max_examples=200, deadline=None)
@given(
    docs=st.sets(st.integers(min_value=0, max_value=2000), max_size=40),
    doc=st.integers(min_value=0, max_value=2100),
    weight=st.sampled_from([None, "a", "Z", "0", "_"]),
)
def test_one_posting_set_or_taken_out_is_the_postings_encoded_again(docs, doc, weight):
    """Dense postings (every gap one digit: the fast path) and sparse ones alike."""
    for numbers in (sorted({d // 50 for d in docs}), sorted(docs)):  # gaps under 32, then any
        postings = [(d, "k") for d in numbers]
        text = encode_weighted(postings)
        wanted = dict(postings)
        if weight is None:
            wanted.pop(doc, None)
        else:
            wanted[doc] = weight
        assert with_posting(text, doc, weight) == encode_weighted(sorted(wanted.items()))
        assert last_document(text) == (postings[-1][0] if postings else -1)
