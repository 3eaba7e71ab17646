"""Search: the tokenizer, the index files a build writes, and the index read back by the client's rules."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import lxml.html
import pytest

from kowp_site.search import index as idx
from kowp_site.search.outputs import body_text
from kowp_site.search.tokenize import bigrams, strip_ending, words
from kowp_site.site.build import BuildOptions, build
from tests import search_corpus as corpus
from tests.conftest import SiteBuilder


def index_files(out: Path) -> dict[str, bytes]:
    folder = out / "search"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.json"))}


def documents(files: dict[str, bytes]) -> list[list[str]]:
    meta = json.loads(files["meta.json"])
    rows: list[list[str]] = []
    for k in range((len(meta["len"]) + meta["chunk"] - 1) // meta["chunk"]):
        rows += json.loads(files[f"docs/{k}.json"])
    return rows


class Reader:
    """The index of a built site, queried as search.js queries it; results as post slugs."""

    def __init__(self, out: Path):
        self.files = index_files(out)
        self.rows = documents(self.files)

    def searcher(self) -> idx.Searcher:
        return idx.Searcher(self.files.__getitem__)

    def __call__(self, query: str) -> list[str]:
        return [self.rows[hit.doc][1].rstrip("/").rsplit("/", 1)[-1] for hit in self.searcher().search(query)]


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("search") / "root"
    root.mkdir()
    corpus.write_corpus(SiteBuilder(root))
    build(root, BuildOptions())
    return root


@pytest.fixture(scope="module")
def reader(corpus_site: Path) -> Reader:
    return Reader(corpus_site / "site")


# --- tokenizer --------------------------------------------------------------------------------------


def test_words_split_hangul_runs_versions_and_ascii() -> None:
    assert words("워드프레스6.8은 Gutenberg와 REST-API, php8.3!", "ko") == [
        ("워드프레스", True),
        ("6.8", False),
        ("은", True),
        ("gutenberg", False),
        ("와", True),
        ("rest", False),
        ("api", False),
        ("php8", False),
        ("3", False),
    ]
    assert words("Ｇｕｔｅｎｂｅｒｇ 日本語テキスト", "ko") == [
        ("ｇｕｔｅｎｂｅｒｇ", False),
        ("日本語テキスト", False),
    ]
    assert words("...!!! ---", "ko") == []
    # Decomposed Hangul (NFD) is the same word.
    import unicodedata

    assert words(unicodedata.normalize("NFD", "플러그인을"), "ko") == [("플러그인을", True)]


def test_other_languages_get_plain_words() -> None:
    assert words("WordPress 6.8 est là, ça marche", "fr") == [
        ("wordpress", False),
        ("6", False),
        ("8", False),
        ("est", False),
        ("là", False),
        ("ça", False),
        ("marche", False),
    ]
    assert words("한국어 문장", "en") == [("한국어", False), ("문장", False)]


def test_bigrams_and_one_syllable_runs() -> None:
    assert bigrams("워드프레스") == ("워드", "드프", "프레", "레스")
    assert bigrams("책") == ("책",)
    assert bigrams("보안") == ("보안",)


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("플러그인을", "플러그인"),
        ("플러그인에서", "플러그인"),
        ("플러그인으로", "플러그인"),
        ("업데이트했습니다", "업데이트"),
        ("개선합니다", "개선"),
        ("수정하다", "수정"),
        ("테마로", "테마"),
        ("사이", "사이"),  # stripping 이 would leave one syllable
        ("책을", "책을"),
        ("보안", "보안"),
        ("공유합니다", "공유"),
        ("에서", "에서"),
    ],
)
def test_strip_ending_keeps_two_syllables(word: str, stem: str) -> None:
    assert strip_ending(word) == stem


# --- encoding -----------------------------------------------------------------------------------------


def test_fnv1a_matches_the_reference_vectors() -> None:
    assert idx.fnv1a("") == 0x811C9DC5
    assert idx.fnv1a("a") == 0xE40C292C
    assert idx.fnv1a("foobar") == 0xBF9CF968


def test_postings_round_trip() -> None:
    rng = random.Random(7)
    for _ in range(200):
        docs = sorted(rng.sample(range(100_000), rng.randint(1, 60)))
        postings = [(d, rng.choice(idx.TF_LEVELS), rng.randint(0, 7)) for d in docs]
        text = idx.encode_postings(postings)
        assert set(text) <= set(idx.ALPHABET)
        assert idx.decode_postings(text) == postings
    # Frequencies between levels round down; beyond the top they stay at the top.
    assert idx.decode_postings(idx.encode_postings([(0, 5, 1), (40, 99, 0)])) == [(0, 4, 1), (40, 16, 0)]


def test_shard_count_grows_in_powers_of_two() -> None:
    assert [idx.shard_count(n) for n in (0, 1, 12, 13, 100, 5000)] == [1, 1, 1, 2, 16, 512]


def test_body_text_drops_markup_and_code_blocks() -> None:
    html = '<h2>제목</h2><p>첫 <a href="/x">링크</a>&amp;문단</p><pre><code>비밀 코드</code></pre><ul><li>하나</li><li>둘</li></ul>'
    assert body_text(html) == "제목 첫 링크&문단 하나 둘"


# --- the files a build writes ---------------------------------------------------------------------------


def test_index_holds_published_posts_only_numbered_oldest_first(corpus_site: Path, reader: Reader) -> None:
    meta = json.loads(reader.files["meta.json"])
    published = [p for p in corpus.POSTS if p.status == "published"]
    assert meta["v"] == 1 and meta["lang"] == "ko" and meta["shards"] == idx.shard_count(len(published))
    assert len(meta["len"]) == len(published) == len(reader.rows)
    assert [r[1] for r in reader.rows][:3] == [
        "2026/01/plugin-security/",
        "2026/02/wordpress-6-8/",
        "2026/03/keyword-research/",
    ]
    first = reader.rows[0]
    assert first == [
        "플러그인 보안 업데이트 안내",
        "2026/01/plugin-security/",
        "2026-01-20",
        "2026년 1월 20일",
        "보안 팀은 인기 플러그인의 취약점을 수정했습니다. 사이트 관리자는 플러그인을 바로 업데이트해야 합니다.",
    ]
    terms = {}
    for name, data in reader.files.items():
        if name.startswith("index/"):
            shard = json.loads(data)
            n = int(name.split("/")[1].split(".")[0])
            assert all(idx.shard_of(t, meta["shards"]) == n for t in shard), name
            terms.update(shard)
    # Drafts, posts in review and code blocks are never indexed; inline text is.
    for absent in ("공개초", "초안", "중단", "밀코", "hidden", "echo"):
        assert absent not in terms
    assert "예제" in terms and "gutenberg" in terms and "6.8" in terms
    # The hostile post's title is kept as text (shown with text nodes), its body's markup is gone.
    hostile = next(r for r in reader.rows if r[1].endswith("/hostile/"))
    assert hostile[0] == corpus.HOSTILE_TITLE
    assert hostile[4] == "위험한 본문입니다. 안전하게 보여야 합니다."  # the site's summary: the script's text is gone
    # "alert" twice, in the title only: the body's script and onerror= never reach the index.
    number = reader.rows.index(hostile)
    assert idx.decode_postings(terms["alert"]) == [(number, 2, idx.TITLE | idx.INITIAL | idx.FINAL)]
    assert "3" not in terms


def test_index_files_are_compact_sorted_json(reader: Reader) -> None:
    for name, data in reader.files.items():
        value = json.loads(data)
        assert data == json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(), name


def test_same_posts_give_the_same_bytes(corpus_site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(corpus_site, copy, ignore=shutil.ignore_patterns(".kowp-cache", "site"))
    build(copy, BuildOptions())
    assert index_files(copy / "site") == index_files(corpus_site / "site")


def test_drafts_preview_indexes_published_posts_only(corpus_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "preview"
    build(corpus_site, BuildOptions(drafts=True, output=out))
    assert (out / "2026/12/draft-post/index.html").is_file()  # the preview shows the draft…
    assert Reader(out)("비공개초안") == []  # …but search never finds it
    assert index_files(out) == index_files(corpus_site / "site")


# --- queries ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", corpus.QUERIES, ids=lambda q: q.text)
def test_query_table(reader: Reader, query: corpus.Query) -> None:
    found = reader(query.text)
    assert query.must <= set(found), f"{query.text}: missing {sorted(query.must - set(found))}"
    assert not (query.must_not & set(found)), f"{query.text}: wrongly found {sorted(query.must_not & set(found))}"


def test_measured_recall_and_precision(reader: Reader) -> None:
    scores = corpus.measure(reader)
    assert scores["queries"] == sum(1 for q in corpus.QUERIES if q.must)
    assert scores["recall"] == 1.0
    assert scores["precision_at_10"] >= 0.9


def test_word_initial_and_title_matches_rank_first(reader: Reader) -> None:
    found = reader("워드")
    assert found.index("wordpress-6-8") < found.index("keyword-research")
    assert found.index("wordcamp-asia") < found.index("keyword-research")
    # "접근성" is the whole title of one post and a body word of another.
    assert reader("접근성")[:2] == ["accessibility-day", "theme-directory"]


def test_stripped_form_finds_other_particles_and_bare_form_ranks_higher(reader: Reader) -> None:
    searcher = reader.searcher()
    hits = searcher.search("플러그인을")
    assert [reader.rows[h.doc][1] for h in hits] == ["2026/01/plugin-security/"]
    assert idx.query_words("플러그인을", "ko") == [[("플러", "러그", "그인", "인을"), ("플러", "러그", "그인")]]


def test_a_query_fetches_only_the_shards_of_its_terms(reader: Reader) -> None:
    searcher = reader.searcher()
    searcher.search("보안 업데이트")
    meta = json.loads(reader.files["meta.json"])
    wanted = {idx.shard_of(t, meta["shards"]) for t in ("보안", "업데", "데이", "이트")}
    assert sorted(searcher.fetched) == sorted(wanted)


@pytest.mark.parametrize(
    "query",
    [
        "가" * 10_000,
        "플러그인 " * 2_000,
        "!!! ??? ... ---",
        "",
        "   ",
        "<script>",
        "\x00\ud7a3",
        "constructor __proto__",
    ],
)
def test_long_and_punctuation_queries_give_no_error(reader: Reader, query: str) -> None:
    hits = reader.searcher().search(query)
    assert isinstance(hits, list)
    assert len(idx.query_words(query, "ko")) <= idx.MAX_QUERY_WORDS
    if not any(ch.isalnum() for ch in query):
        assert hits == []


def test_long_query_is_cut_at_max_words() -> None:
    query = " ".join(f"단어{n}" for n in range(50))
    assert len(idx.query_words(query, "ko")) == idx.MAX_QUERY_WORDS
    assert idx.query_words("보안 보안 보안", "ko") == [[("보안",)]]


# --- the page ------------------------------------------------------------------------------------------


def test_search_page_and_every_header_carry_the_form(corpus_site: Path) -> None:
    out = corpus_site / "site"
    page = lxml.html.fromstring((out / "search/index.html").read_bytes())
    assert page.get_element_by_id("search-results").tag == "ol"
    status = page.get_element_by_id("search-status")
    assert status.get("role") == "status" and status.get("aria-live") == "polite"
    box = page.get_element_by_id("search-page-q")
    assert box.get("type") == "search" and box.get("name") == "q"
    assert page.xpath('//label[@for="search-page-q"]')[0].text_content() == "검색어"
    noscript = page.xpath("//noscript")[0]
    inner = lxml.html.fromstring(noscript.text_content()) if len(noscript) == 0 else noscript
    assert "자바스크립트" in inner.text_content() and inner.xpath(".//a/@href") == ["/kowp/archive/"]
    assert page.xpath("//script/@src") == ["/kowp/static/js/search.js"]
    assert page.get_element_by_id("search").get("data-index") == "/kowp/search/"
    for html in sorted(out.rglob("*.html")):
        doc = lxml.html.fromstring(html.read_bytes())
        forms = doc.xpath('//header//form[@role="search"]')
        assert len(forms) == 1, html
        assert forms[0].get("action") == "/kowp/search/"
        inputs = forms[0].xpath('.//input[@type="search"][@name="q"]')
        assert len(inputs) == 1 and doc.xpath(f'//label[@for="{inputs[0].get("id")}"]'), html
        if html != out / "search/index.html":
            assert not doc.xpath("//script[contains(@src, '/search.js')]"), (
                f"{html}: search.js belongs to the search page only"
            )
    assert (out / "static/js/search.js").is_file()


def test_search_lives_under_the_base_url_subpath(tmp_path: Path) -> None:
    builder = SiteBuilder(tmp_path)
    corpus.write_corpus(builder)
    out = tmp_path / "out"
    build(tmp_path, BuildOptions(output=out, base_url="https://example.org/sub/dir/"))
    page = lxml.html.fromstring((out / "search/index.html").read_bytes())
    assert page.xpath('//form[@role="search"]/@action') == ["/sub/dir/search/", "/sub/dir/search/"]
    root = page.get_element_by_id("search")
    assert (root.get("data-index"), root.get("data-base")) == ("/sub/dir/search/", "/sub/dir/")
    assert page.xpath('//link[@rel="canonical"]/@href') == ["https://example.org/sub/dir/search/"]
    assert Reader(out)("플러그인을") == ["plugin-security"]
