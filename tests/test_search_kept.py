"""The kept search index in the build cache: an edit reads and writes only what it touches, and a
missing, damaged or older kept file gives a fresh build of the same bytes."""

from __future__ import annotations

import json
import marshal
import os

import pytest

from kowp_site.search import kept as kept_mod
from kowp_site.search.index import index_files, shard_of
from kowp_site.search.kept import KEEP_FOLDERS, KEPT_FORMAT, Store, kept_index, month_of

WORDS = ["워드", "드프", "프레", "레스", "플러", "러그", "그인", "보안", "업데", "데이", "이트", "gutenberg"]


def record(n: int, extra: tuple[str, ...] = ()):
    """Post ``n``'s terms: a few of WORDS, picked by its number, and ``extra``."""
    terms = sorted({WORDS[n % 12], WORDS[(n * 7) % 12], WORDS[(n // 3) % 12], *extra})
    return (len(terms) + n % 5, "\n".join(terms), bytes((8 + (n + i) % 3 * 8) | (i % 8) for i in range(len(terms))))


class Site:
    """Posts over three months, their terms made by :func:`record`; ``analysed`` lists who was read."""

    def __init__(self, folder, count=60):
        self.store_folder = folder / "search" / "ko-settings"
        self.paths = [f"2026/{1 + i * 3 // count:02d}/post-{i}" for i in range(count)]
        self.keys = [f"key-{i}" for i in range(count)]
        self.records = [record(i) for i in range(count)]
        self.analysed: list[int] = []

    def analyse(self, i):
        self.analysed.append(i)
        return self.records[i]

    def build(self):
        self.analysed.clear()
        return kept_index(Store(self.store_folder), "ko", self.paths, self.keys, self.analyse)

    def edit(self, i, *extra):
        self.records[i] = record(i, extra)
        self.keys[i] += "-edited"

    def fresh(self):
        return index_files(self.records, "ko")


@pytest.fixture
def site(tmp_path):
    found = Site(tmp_path)
    assert found.build() == found.fresh()
    assert found.analysed == list(range(60))
    return found


@pytest.fixture
def writes(monkeypatch):
    """The kept files written, relative to the kept folder."""
    written: list[str] = []
    real = kept_mod.write_atomically

    def counting(path, data):  # noqa: ANN001, ANN202 - stands in for write_atomically
        written.append(f"{path.parent.name}/{path.name}")
        real(path, data)

    monkeypatch.setattr(kept_mod, "write_atomically", counting)
    return written


def test_an_edit_reads_one_post_and_writes_its_shards_its_month_and_the_state(site, writes):
    old = site.fresh()
    site.edit(25, "새낱", "낱말")
    files = site.build()
    assert files == site.fresh()
    assert site.analysed == [25]
    shards = json.loads(files["meta.json"])["shards"]
    changed = sorted(n for n in range(shards) if files[f"index/{n}.json"] != old[f"index/{n}.json"])
    assert shard_of("새낱", shards) in changed and shard_of("낱말", shards) in changed
    assert sorted(writes) == sorted(
        [*(f"index/{n}.json" for n in changed), "terms/2026-02.marshal", "ko-settings/state.marshal"]
    )
    # The files on disk are the new index: a second edit patches it again.
    writes.clear()
    site.edit(59, "보안")
    site.paths.append("2026/03/post-60")
    site.keys.append("key-60")
    site.records.append(record(60, ("새낱",)))
    assert site.build() == site.fresh()
    assert site.analysed == [59, 60]
    assert "terms/2026-01.marshal" not in writes and "terms/2026-02.marshal" not in writes


def test_no_change_writes_nothing(site, writes):
    assert site.build() == site.fresh()
    assert site.analysed == [] and writes == []


def test_the_kept_terms_are_a_file_a_month(site):
    folder = site.store_folder / "terms"
    assert sorted(p.name for p in folder.iterdir()) == ["2026-01.marshal", "2026-02.marshal", "2026-03.marshal"]
    version, records = marshal.loads((folder / "2026-02.marshal").read_bytes())
    assert version == KEPT_FORMAT
    assert records == {site.keys[i]: site.records[i] for i in range(20, 40)}
    assert month_of("2026/02/post") == "2026-02" and month_of("odd") == "other"


def biggest_shard(folder):
    return max((folder / "index").iterdir(), key=lambda p: p.stat().st_size)


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: biggest_shard(f).write_bytes(b"{}"),  # another size
        lambda f: biggest_shard(f).write_bytes(bytes(biggest_shard(f).stat().st_size)),  # the same size
        lambda f: biggest_shard(f).unlink(),
        lambda f: (f / "state.marshal").write_bytes(b"\x00not marshal"),
        lambda f: (f / "state.marshal").write_bytes(
            marshal.dumps((KEPT_FORMAT - 1, *marshal.loads((f / "state.marshal").read_bytes())[1:]))
        ),
        lambda f: (f / "state.marshal").unlink(),
    ],
    ids=["shard-resized", "shard-zeroed", "shard-missing", "state-damaged", "state-older", "state-missing"],
)
def test_a_damaged_or_missing_kept_index_is_made_afresh_from_the_kept_terms(site, damage, writes):
    damage(site.store_folder)
    site.edit(10, "새낱")
    assert site.build() == site.fresh()
    assert site.analysed == [10]  # the others' terms were kept
    assert sum(w.startswith("index/") for w in writes) == len(site.fresh()) - 1  # every shard written again
    site.edit(11, "낱말")
    assert site.build() == site.fresh()
    assert site.analysed == [11]  # and patched again from what it wrote


@pytest.mark.parametrize("damage", [b"\x00not marshal", marshal.dumps({"key-20": "no"}), b""])
def test_a_damaged_terms_file_reads_its_month_again(site, damage):
    (site.store_folder / "terms" / "2026-02.marshal").write_bytes(damage)
    site.edit(25, "새낱")  # its old terms are lost with the file: the index is made afresh
    assert site.build() == site.fresh()
    assert site.analysed == list(range(20, 40))
    site.edit(26, "낱말")
    assert site.build() == site.fresh()
    assert site.analysed == [26]


def test_the_older_layout_is_removed_and_only_the_newest_kept_indexes_stay(tmp_path):
    search = tmp_path / "search"
    search.mkdir()
    for name in ("terms-ko-0123456789abcdef.marshal", "index-ko-0123456789abcdef.marshal"):
        (search / name).write_bytes(b"the one-file layout")
    made = []
    for n in range(KEEP_FOLDERS + 2):
        site = Site(tmp_path, count=5)
        site.store_folder = search / f"ko-settings-{n}"
        assert site.build() == site.fresh()
        made.append(site.store_folder.name)
        os.utime(site.store_folder / "state.marshal", ns=(n * 10**9, n * 10**9))  # older, in order of making
    assert sorted(p.name for p in search.iterdir()) == sorted(made[-KEEP_FOLDERS:])
