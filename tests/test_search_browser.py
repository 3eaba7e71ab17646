"""Search through the real client (themes/default/templates/js/search.js, rendered to static/js/) in Chromium.

The search corpus (tests/search_corpus.py) is built and served on 127.0.0.1; every query of its
table runs through ``/search/?q=...`` and must give what the index gives when read back in Python
(tests/test_search.py). Requests to any other host, console errors and dialogs fail the tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest

from tests import search_corpus as corpus
from tests import test_browser as tb
from tests.conftest import SiteBuilder
from tests.test_browser import (
    MIN_CONTRAST,
    LocalServer,
    Site,
    Watch,
    _luminance,
    _rgb,
    build_for,
    contrast,
    needs_chromium,
    watched_context,
)
from tests.test_search import Reader

# The fixtures of tests/test_browser.py, shared (the session-scoped sample site is built once).
watch, clean_watch, sample_site = tb.watch, tb.clean_watch, tb.sample_site

pytestmark = [pytest.mark.browser, needs_chromium]

DONE = """() => { const s = document.getElementById('search-status').textContent;
                  return s !== '' && s !== '검색하는 중…'; }"""
SLUGS = """() => Array.from(document.querySelectorAll('#search-results a'))
                  .map(a => new URL(a.href).pathname.replace(/\\/$/, '').split('/').pop())"""


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("search-corpus") / "root"
    root.mkdir()
    corpus.write_corpus(SiteBuilder(root))
    server = LocalServer(root.parent / "site")
    folder = build_for(root, server)
    try:
        yield Site(server.url, folder, {"search": "search/"})
    finally:
        server.close()


def run_query(page, site: Site, query: str) -> list[str]:  # noqa: ANN001 - playwright Page
    page.goto(site.url + "search/?q=" + quote(query), wait_until="load")
    page.wait_for_function(DONE)
    return page.evaluate(SLUGS)


def test_query_table_through_the_client(browser, corpus_site: Site, clean_watch: Watch) -> None:
    reader = Reader(corpus_site.folder)
    context = watched_context(browser, clean_watch)
    page = context.new_page()
    found_by_client = {}
    for query in corpus.QUERIES:
        found = run_query(page, corpus_site, query.text)
        found_by_client[query.text] = found
        assert query.must <= set(found), f"{query.text}: missing {sorted(query.must - set(found))}"
        assert not (query.must_not & set(found)), f"{query.text}: wrongly found {sorted(query.must_not & set(found))}"
        assert found == reader(query.text)[:20], f"{query.text}: the client ranks unlike the index rules"
        status = page.locator("#search-status").inner_text()
        if not found:
            assert "없" in status and "검색 결과가 없습니다" in status, query.text
        else:
            assert status == f"검색 결과 {len(found)}건입니다.", query.text
        assert page.locator("#search-page-q").input_value() == query.text
        assert page.locator("#site-search-q").input_value() == query.text
    scores = corpus.measure(lambda text: found_by_client[text])
    assert scores["recall"] == 1.0 and scores["precision_at_10"] >= 0.9
    context.close()


def test_a_result_shows_title_date_and_highlighted_excerpt(browser, corpus_site: Site, clean_watch: Watch) -> None:
    context = watched_context(browser, clean_watch)
    page = context.new_page()
    assert run_query(page, corpus_site, "플러그인을") == ["plugin-security"]
    hit = page.locator("#search-results li a")
    assert hit.get_attribute("href") == "/2026/01/plugin-security/"
    assert hit.locator(".search-hit-title").inner_text() == "플러그인 보안 업데이트 안내"
    assert hit.locator(".search-hit-title mark").all_inner_texts() == ["플러그인"]
    time = hit.locator("time")
    assert (time.get_attribute("datetime"), time.inner_text()) == ("2026-01-20", "2026년 1월 20일")
    assert hit.locator(".search-hit-excerpt mark").all_inner_texts() == ["플러그인", "플러그인을"]
    assert hit.locator(".search-hit-excerpt").inner_text().startswith("보안 팀은 인기 플러그인의 취약점을")
    # The link works; back returns to the same query.
    hit.click()
    page.wait_for_url("**/2026/01/plugin-security/")
    page.go_back()
    page.wait_for_function(DONE)
    assert page.evaluate(SLUGS) == ["plugin-security"]
    context.close()


def test_hostile_titles_and_bodies_are_inert(browser, corpus_site: Site, clean_watch: Watch) -> None:
    context = watched_context(browser, clean_watch)
    page = context.new_page()
    assert run_query(page, corpus_site, "위험한") == ["hostile"]
    assert page.locator(".search-hit-title").inner_text() == corpus.HOSTILE_TITLE
    assert page.locator("#search-results script, #search-results img, #search-results [onerror]").count() == 0
    assert run_query(page, corpus_site, "<img src=x onerror=alert(1)> 제목") == ["hostile"]
    assert page.locator("#search-results img").count() == 0
    context.close()  # clean_watch: no dialog opened, no console error


@pytest.mark.parametrize("query", ["가" * 10_000, "!!! ??? ... ---", "constructor toString __proto__ hasOwnProperty"])
def test_long_and_punctuation_queries(browser, corpus_site: Site, clean_watch: Watch, query: str) -> None:
    context = watched_context(browser, clean_watch)
    page = context.new_page()
    page.goto(corpus_site.url + "search/", wait_until="load")
    assert page.locator("#search-status").inner_text() == ""
    page.locator("#search-page-q").fill(query)
    page.locator("#search-page-q").press("Enter")
    page.wait_for_function(DONE)
    assert page.evaluate(SLUGS) == []
    assert "없" in page.locator("#search-status").inner_text()
    context.close()


def test_header_box_by_keyboard_from_any_page(browser, corpus_site: Site, clean_watch: Watch) -> None:
    context = watched_context(browser, clean_watch)
    page = context.new_page()
    page.goto(corpus_site.url + "2026/02/wordpress-6-8/", wait_until="load")
    page.keyboard.press("Tab")  # the skip link
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search-q":
            break
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    page.keyboard.type("보안 업데이트")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    page.wait_for_function(DONE)
    assert urlsplit(page.url).path == "/search/"
    assert page.evaluate(SLUGS) == ["plugin-security"]
    page.keyboard.press("Tab")
    context.close()


def test_only_the_needed_shards_are_fetched(browser, corpus_site: Site, clean_watch: Watch) -> None:
    reader = Reader(corpus_site.folder)
    searcher = reader.searcher()
    searcher.search("보안 업데이트")
    context = watched_context(browser, clean_watch)
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: "/search/" in r.url and r.url.endswith(".json") and asked.append(urlsplit(r.url).path))
    assert run_query(page, corpus_site, "보안 업데이트") == ["plugin-security"]
    shards = sorted(p for p in asked if p.startswith("/search/index/"))
    assert shards == sorted(f"/search/index/{n}.json" for n in searcher.fetched)
    assert sorted(set(asked) - set(shards)) == ["/search/docs/0.json", "/search/meta.json"]
    assert len(asked) == len(set(asked))
    context.close()


def test_without_javascript_the_page_says_so(browser, corpus_site: Site, clean_watch: Watch) -> None:
    context = watched_context(browser, clean_watch, java_script_enabled=False)
    page = context.new_page()
    page.goto(corpus_site.url + "search/?q=보안", wait_until="load")
    notice = page.locator(".search-noscript")
    assert notice.is_visible() and "자바스크립트" in notice.inner_text()
    assert notice.locator("a").get_attribute("href") == "/archive/"
    assert page.locator("#search-results li").count() == 0
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_results_fit_a_phone_and_follow_dark_mode(browser, corpus_site: Site, clean_watch: Watch, scheme: str) -> None:
    context = watched_context(browser, clean_watch, color_scheme=scheme, viewport={"width": 360, "height": 740})
    page = context.new_page()
    assert len(run_query(page, corpus_site, "워드")) == 3
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    colours = page.evaluate(
        """() => { const c = e => getComputedStyle(document.querySelector(e));
        return {bg: c('body').backgroundColor, title: c('.search-hit-title').color, date: c('.search-hit-date').color,
                text: c('.search-hit-excerpt').color, mark: c('.search-hit-excerpt mark, .search-hit-title mark').color,
                markBg: c('.search-hit-excerpt mark, .search-hit-title mark').backgroundColor}; }"""
    )
    dark = _luminance(_rgb(colours["bg"])[:3]) < 0.2
    assert dark == (scheme == "dark")
    for name in ("title", "date", "text"):
        assert contrast(colours[name], colours["bg"]) >= MIN_CONTRAST, name
    assert contrast(colours["mark"], colours["markBg"]) >= MIN_CONTRAST
    context.close()


def test_axe_finds_nothing_serious_on_the_search_page(browser, corpus_site: Site, watch: Watch) -> None:
    from axe_playwright_python.sync_playwright import Axe

    failures = []
    for scheme in ("light", "dark"):
        context = watched_context(browser, watch, color_scheme=scheme)
        page = context.new_page()
        run_query(page, corpus_site, "플러그인")
        for v in Axe().run(page).response["violations"]:
            if v["impact"] in ("serious", "critical"):
                failures.append(f"{scheme}: {v['id']} {v['help']}")
        context.close()
    assert failures == [] and watch.outside == []


def test_the_sample_site_finds_its_posts(browser, sample_site: Site, clean_watch: Watch) -> None:
    reader = Reader(sample_site.folder)
    context = watched_context(browser, clean_watch)
    page = context.new_page()
    for query in ("테마를", "블록 테마", "접근성"):
        found = run_query(page, sample_site, query)
        assert found and found == reader(query)[:20], query
    assert "accessible-block-themes" in run_query(page, sample_site, "테마를")
    context.close()


SEARCHED = {  # query -> what the status says once the search is done, in the site's language
    "en": (
        "Searching…",
        {"Words": "1 result.", "footnote": "3 results.", "zzzq": "No results for ‘zzzq’."},
    ),
    "ja": (
        "検索しています…",
        {
            "日本語の文章です": "検索結果は1件です。",
            "日本語の本文です": "検索結果は3件です。",
            "zzzq": "「zzzq」に一致する記事は見つかりませんでした。",
        },
    ),
}
SAID = """searching => { const s = document.getElementById('search-status').textContent;
                         return s !== '' && s !== searching; }"""


@pytest.mark.parametrize("lang", SEARCHED)
def test_a_ja_or_en_site_s_search_says_its_language_with_its_plural_forms(
    browser, tmp_path, clean_watch: Watch, lang: str
) -> None:
    """search.js rendered with the ja or en catalog (the sites of tests/test_locales.py)."""
    from tests.test_locales import language_site

    searching, said = SEARCHED[lang]
    server = LocalServer(tmp_path / "served")
    try:
        build_for(language_site(tmp_path / "root", lang), server)
        page = watched_context(browser, clean_watch).new_page()
        statuses, counts = {}, []
        for query in said:
            page.goto(server.url + "search/?q=" + quote(query), wait_until="load")
            page.wait_for_function(SAID, arg=searching)
            statuses[query] = page.locator("#search-status").inner_text()
            counts.append(page.locator("#search-results li").count())
        assert statuses == said
        assert counts == [1, 3, 0]
        page.locator("#search-page-q").fill("")
        page.locator("#search-page-q").press("Enter")  # an empty query is answered at once
        empty = {"en": "Type what you are looking for.", "ja": "検索キーワードを入力してください。"}[lang]
        page.wait_for_function("t => document.getElementById('search-status').textContent === t", arg=empty)
        assert page.locator("#search-results li").count() == 0
    finally:
        server.close()
