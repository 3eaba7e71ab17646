"""Outputs declare what they read; one function derives every cache key from the declarations."""

from __future__ import annotations

import hashlib
import os

import pytest

from kowp_site.site import build as build_mod
from kowp_site.site import config as config_mod
from kowp_site.site import content, entries, groups, render
from kowp_site.site.cache import hash_text
from kowp_site.site.outputs import Keys, Output, Reads

KEYS = Keys(
    "site key ü",
    posts={"2026/08/a": "digest-a", "2026/08/b": "digest-b", "2026/08/c": "digest-c"},
    cards={"2026/08/a": "card-a"},
    entries={"2026/08/b": "entry-b"},
)


def joined_hash(*parts: str) -> str:
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()


def test_a_key_is_the_hash_of_the_site_key_the_path_and_every_declared_input():
    output = Output(
        "x/index.html",
        lambda: "",
        Reads(posts=("2026/08/a", ""), light=("2026/08/a", "2026/08/c"), entries=("2026/08/b",), values=(2, "v")),
    )
    text = "\x00".join(
        ["site key ü", "x/index.html", "(2, 'v')", "digest-a", "", "\x01", "card-a", "digest-c", "\x01", "entry-b"]
    )  # a post without a card or entry falls back to its files' digest
    assert KEYS.key(output) == joined_hash(text)


def test_a_key_changes_with_each_declared_input_and_with_nothing_else():
    reads = Reads(posts=("2026/08/a",), light=("2026/08/b",), entries=("2026/08/c",), values=(1,))
    base = KEYS.key(Output("p", b"", reads))
    changed = [
        Keys("other site", KEYS.posts, KEYS.cards, KEYS.entries),
        Keys(KEYS.site, {**KEYS.posts, "2026/08/a": "new"}, KEYS.cards, KEYS.entries),
        Keys(KEYS.site, KEYS.posts, {**KEYS.cards, "2026/08/b": "new card"}, KEYS.entries),
        Keys(KEYS.site, KEYS.posts, KEYS.cards, {**KEYS.entries, "2026/08/c": "new entry"}),
    ]
    assert all(keys.key(Output("p", b"", reads)) != base for keys in changed)
    assert KEYS.key(Output("q", b"", reads)) != base
    assert (
        KEYS.key(
            Output("p", b"", Reads(posts=("2026/08/a",), light=("2026/08/b",), entries=("2026/08/c",), values=(2,)))
        )
        != base
    )
    # A post the output does not read may change freely.
    unrelated = Keys(KEYS.site, {**KEYS.posts, "2026/08/z": "anything"}, KEYS.cards, KEYS.entries)
    assert unrelated.key(Output("p", b"", reads)) == base
    # Order is meaning: (older, newer) neighbours swapped are another page.
    assert KEYS.key(Output("p", b"", Reads(posts=("2026/08/a", "2026/08/b")))) != KEYS.key(
        Output("p", b"", Reads(posts=("2026/08/b", "2026/08/a")))
    )


def test_an_output_that_declares_nothing_has_no_key():
    with pytest.raises(ValueError, match="declares no inputs"):
        KEYS.key(Output("robots.txt", "User-agent: *\n"))


def test_every_deferred_output_of_a_build_has_the_key_of_its_declaration(site):
    """render_site computes no key of its own: each deferred output's key is Keys.key of what its
    group declared, and every output with a declaration is deferred."""
    for day in range(1, 6):
        site.post(
            f"post-{day}",
            en={"date": f"2026-08-0{day}T10:00:00+00:00", "categories": ("Releases",)},
            ko={"title": f"글 {day}", "translated": f"2026-09-0{day}"},
        )
    config, _ = config_mod.load(site.root)
    loaded, _ = content.load(config)
    views = entries.post_views(config, loaded.posts, drafts=False)
    keys = Keys("site", {v.post.key.path: f"d-{v.post.key.path}" for v in views})
    outputs = build_mod.render_site(config, loaded, views, build_mod.BuildOptions(), keys)
    data = groups.SiteData(config, loaded, views, render.Templates(config), incremental=True)
    declared = {o.path: o for group in build_mod.GROUPS for o in group(data)}
    assert sorted(declared) == sorted(outputs.files)
    deferred = {path: keys.key(o) for path, o in declared.items() if o.reads is not None}
    assert outputs.keys == deferred
    assert {"index.html", "page/2/index.html", "feed.xml", "atom.xml", "feed.json", "archive/index.html",
            "sitemap.xml", "translate/index.html", "category/releases/feed.xml"} <= set(deferred)  # fmt: skip
    assert {"robots.txt", "404.html"} <= set(declared) - set(deferred)


def test_post_pages_read_their_post_and_both_neighbours_in_order(site):
    for day in range(1, 4):
        site.post(
            f"post-{day}",
            en={"date": f"2026-08-0{day}T10:00:00+00:00"},
            ko={"title": f"글 {day}", "translated": "2026-09-01"},
        )
    config, _ = config_mod.load(site.root)
    loaded, _ = content.load(config)
    views = entries.post_views(config, loaded.posts, drafts=False)
    data = groups.SiteData(config, loaded, views, render.Templates(config))
    reads = {o.path: o.reads.posts for o in groups.post_pages(data)}
    assert reads == {
        "2026/08/post-3/index.html": ("2026/08/post-3", "2026/08/post-2", ""),
        "2026/08/post-2/index.html": ("2026/08/post-2", "2026/08/post-1", "2026/08/post-3"),
        "2026/08/post-1/index.html": ("2026/08/post-1", "", "2026/08/post-2"),
    }


def test_the_feed_order_of_the_site_data_is_the_feeds_order_with_ties_on_every_date(site):
    """Posts published on one day (the usual case: a date without a time) are ordered by their
    original date, then by address, exactly as feeds.feed_order orders them."""
    from kowp_site.site import feeds

    plan = [  # slug, original date, publication of the translation
        ("a", "2026-08-01T10:00:00+00:00", "2026-09-02"),
        ("b", "2026-08-03T10:00:00+00:00", "2026-09-02"),
        ("c", "2026-08-03T10:00:00+00:00", "2026-09-02"),  # the same original date as b: by address
        ("d", "2026-08-02T10:00:00+00:00", "2026-09-01"),
        ("e", "2026-08-05T10:00:00+00:00", "2026-09-02"),
        ("f", "2026-07-30T10:00:00+00:00", "2026-09-03"),
    ]
    for slug, date, translated in plan:
        site.post(f"post-{slug}", en={"date": date}, ko={"title": f"글 {slug}", "translated": translated})
    config, _ = config_mod.load(site.root)
    loaded, _ = content.load(config)
    views = entries.post_views(config, loaded.posts, drafts=False)
    data = groups.SiteData(config, loaded, views, render.Templates(config))
    order = [v.post.key.slug for v in data.in_feed_order]
    assert order == [v.post.key.slug for v in feeds.feed_order(data.published, len(data.published))]
    assert order == ["post-f", "post-e", "post-c", "post-b", "post-a", "post-d"]


def test_hashes_after_a_prefix_are_one_digest_of_the_prefix_a_nul_and_each_text():
    from kowp_site.site.cache import hashes_after

    found = hashes_after("settings", ["d1", "d2", ""])
    assert found == [hashlib.blake2b(f"settings\x00{t}".encode(), digest_size=16).hexdigest() for t in ("d1", "d2", "")]
    assert len(set(found)) == 3
    assert hashes_after("other", ["d1"])[0] != found[0]  # the settings are part of every key
    assert hashes_after("s", []) == []


def test_a_group_is_kept_only_whole_with_its_digest_and_a_keyed_record_of_every_output():
    from kowp_site.site.output import KeptGroup, Record
    from kowp_site.site.outputs import kept_keys, remembered

    made = [Output(f"p/{n}.png", bytes, Reads(values=(n,)), "cards") for n in range(2)]
    kept = remembered("d1", made)
    assert kept == KeptGroup("d1", "cards", ("p/0.png", "p/1.png"))
    records = {"p/0.png": Record("k0", "h0"), "p/1.png": Record("k1", "h1")}
    assert kept_keys(kept, "d1", records) == [("p/0.png", "k0"), ("p/1.png", "k1")]
    assert kept_keys(kept, "d2", records) is None  # something the group reads changed
    assert kept_keys(kept, "", records) is None
    assert kept_keys(kept, "d1", {"p/0.png": records["p/0.png"]}) is None  # an output not written
    assert kept_keys(kept, "d1", {**records, "p/1.png": Record("", "h")}) is None  # written by content
    assert kept_keys(("d1", "cards", ()), "d1", records) is None  # type: ignore[arg-type]  # not ours
    # Groups that cannot be kept as one: an output made at once, one cut from a shared value, two owners.
    assert remembered("d1", [*made, Output("p/x", b"now", None, "cards")]) is None
    assert remembered("d1", [*made, Output("p/y", bytes, Reads(), "cards", together="index")]) is None
    assert remembered("d1", [*made, Output("p/z", bytes, Reads(), "other")]) is None
    assert remembered("", made) is None
    assert remembered("d1", []) == KeptGroup("d1", "", ())


def test_a_manifest_written_before_groups_were_kept_loads_with_none(site, tmp_path):
    import pickle

    from kowp_site.site import cache

    site.post("post-1", ko={"title": "글 1"})
    out = tmp_path / "out"
    build_mod.build(site.root, build_mod.BuildOptions(output=out))
    config, _ = config_mod.load(site.root)
    manifest = cache.load_manifest(config, out)
    assert manifest is not None
    del manifest.groups  # as unpickled from a manifest of an earlier kowp-site
    cache.manifest_path(config, out).write_bytes(pickle.dumps(manifest))
    loaded = cache.load_manifest(config, out)
    assert loaded is not None and loaded.groups == {} and loaded.records == manifest.records


def test_what_an_output_does_not_read_is_an_empty_part_and_a_long_list_is_hashed_once():
    only_posts = Output("p", b"", Reads(posts=("2026/08/a",)))
    assert KEYS.key(only_posts) == joined_hash("site key ü", "p", "", "digest-a")  # nothing light, no entries
    many = [f"2026/08/p{i}" for i in range(100)]
    keys = Keys("s", {name: f"d{i}" for i, name in enumerate(many)})
    first = keys.key(Output("search/index/0.json", b"", Reads(posts=many)))
    # "*" marks the hash of a list, which no post's digest (hex) can be
    assert first == joined_hash("s", "search/index/0.json", "", "*" + hash_text("posts", [f"d{i}" for i in range(100)]))
    # The same list object is looked up once; an equal list built anew gives the same key.
    assert keys.key(Output("search/index/0.json", b"", Reads(posts=list(many)))) == first
    changed = Keys("s", {**keys.posts, "2026/08/p99": "new"})
    assert changed.key(Output("search/index/0.json", b"", Reads(posts=many))) != first


def test_outputs_cut_from_one_value_are_one_task_and_go_first():
    from kowp_site.site.output import OutputSet

    out = OutputSet()
    for i in range(5):
        out.add(f"page{i}.html", lambda: b"p", key="k")
    for name in ("search/a.json", "search/b.json"):
        out.add(name, lambda: b"s", key="k", together="search index")
    out.add("search/docs/0.json", lambda: b"d", key="k")
    out.add("made-now.txt", b"x", together="ignored: not deferred")
    assert out.together == {"search/a.json": "search index", "search/b.json": "search index"}
    paths = sorted(out.keys)
    tasks = build_mod.tasks(out, paths)
    assert tasks[0] == ["search/a.json", "search/b.json"]
    assert [p for t in tasks[1:] for p in t] == [p for p in paths if not p.startswith("search/") or "docs" in p]


def test_outputs_cut_from_one_value_count_as_one_when_choosing_to_fork_workers(monkeypatch):
    from kowp_site import parallel
    from kowp_site.site.output import OutputSet

    spread: list[int] = []
    real = parallel.map_chunks
    monkeypatch.setattr(parallel, "map_chunks", lambda fn, chunks: spread.append(len(chunks)) or real(fn, chunks))
    out = OutputSet()
    for i in range(build_mod.PARALLEL_OUTPUTS * 2):
        out.add(f"search/index/{i}.json", lambda i=i: f"{i}".encode(), key="k", together="search index")
    for i in range(build_mod.PARALLEL_OUTPUTS - 1):
        out.add(f"page{i}.html", lambda i=i: f"p{i}".encode(), key="k")
    made = build_mod.make_outputs(out, sorted(out.keys))
    assert spread == [] and made["search/index/7.json"] == b"7" and made["page3.html"] == b"p3"
    out.add("one-more.html", lambda: b"m", key="k")
    made = build_mod.make_outputs(out, sorted(out.keys))
    assert len(spread) == 1 and made["one-more.html"] == b"m" and len(made) == 3 * build_mod.PARALLEL_OUTPUTS


def test_a_parallel_build_makes_the_search_index_once(site, tmp_path, monkeypatch):
    """Each worker that made a search file used to build the whole index again."""
    from kowp_site.search import index as search_index
    from kowp_site.search import outputs as search_outputs

    for i in range(12):
        site.post(f"post-{i}", en={"date": f"2026-08-{i + 1:02d}T09:00:00+00:00"}, ko={"body": f"본문 {i} 검색어\n"})
    made = tmp_path / "index-made"
    real = search_outputs.kept_index  # called once by each process that makes the index

    def counted(*args):  # noqa: ANN002, ANN202 - the function it stands in for
        with made.open("a") as f:  # a file: the workers are other processes
            f.write(f"{os.getpid()}\n")
        return real(*args)

    monkeypatch.setattr(search_outputs, "kept_index", counted)
    monkeypatch.setattr(search_index, "DOCS_PER_SHARD", 1)  # 16 index files for 12 posts
    monkeypatch.setattr(build_mod, "PARALLEL_OUTPUTS", 1)  # spread even this small site over workers
    monkeypatch.setattr(build_mod, "OUTPUTS_PER_TASK", 2)
    monkeypatch.setenv("KOWP_WORKERS", "2")
    result = build_mod.build(site.root, build_mod.BuildOptions())
    assert len(list((result.output / "search/index").iterdir())) == 16
    assert len(made.read_text().splitlines()) == 1
