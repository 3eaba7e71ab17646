"""`kowp-site fetch` against a real HTTP server on 127.0.0.1, serving WordPress-style feeds."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from werkzeug import Request, Response

from kowp_site import __version__
from kowp_site.errors import KowpError
from kowp_site.fetch.network import BACKOFF, MAX_RETRY_AFTER, FetchError, Options, fetch
from kowp_site.site import content as content_module
from tests.fetch_support import FEED_PATH, NEWS_PATHS, Sleeps, content_files, feed, load_config, snapshot

NEWS = feed("wordpress-news.xml")
RSS = "application/rss+xml; charset=UTF-8"


def options(url: str, **kw) -> Options:
    return Options(feed=url, **{"timeout": 5.0, **kw})


def run(root: Path, url: str, sleeps: Sleeps | None = None, **kw):
    return fetch(load_config(root), options(url, **kw), sleep=sleeps if sleeps is not None else Sleeps())


def serve(httpserver, body: bytes = NEWS, **headers: str) -> str:
    httpserver.expect_request(FEED_PATH).respond_with_data(body, content_type=RSS, headers=headers)
    return httpserver.url_for(FEED_PATH)


def test_first_fetch_writes_stubs_that_load_cleanly(site, httpserver):
    url = serve(httpserver, ETag='"v1"', **{"Last-Modified": "Tue, 15 Jul 2025 19:13:41 GMT"})
    summary = run(site.root, url)

    assert [i.path for i in summary.new] == NEWS_PATHS
    assert [i.title for i in summary.new][:3] == [
        "WordPress 6.8.2 Maintenance Release",
        "WordCamp Seoul: 워드캠프 서울 – a recap",
        "WordPress 6.8 “Cecil”",
    ]
    assert summary.changed and not summary.updated and not summary.unchanged and not summary.skipped
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == f"kowp-site/{__version__} (+https://github.com/example/kowp)"
    assert "gzip" in request.headers["Accept-Encoding"]

    state = json.loads((site.root / "content/.fetch-state.json").read_text())
    assert state == {"feeds": {url: {"etag": '"v1"', "last_modified": "Tue, 15 Jul 2025 19:13:41 GMT"}}}
    assert not (site.root / "content/.fetch.lock").exists()

    config = load_config(site.root)
    loaded, problems = content_module.load(config)
    assert problems == []
    by_path = {f"content/posts/{p.key.path}": p for p in loaded.posts}
    assert sorted(by_path) == sorted(NEWS_PATHS)
    for post in loaded.posts:
        assert post.translation is not None
        assert post.translation.status == "untranslated"
        assert post.translation.translators == ()
        assert post.translation.source_hash == post.source.hash
        assert post.translation.title == post.source.title
        assert post.translation.body == post.source.body
        assert not post.outdated
    seoul = by_path[NEWS_PATHS[1]]
    assert seoul.key.slug == "워드캠프-서울"
    assert seoul.source.categories == ("Community", "Events", "WordCamp")
    assert seoul.source.guid == "https://wordpress.org/news/?p=18820"
    assert seoul.source.author == "Hyun Lee"
    en_text = (site.root / NEWS_PATHS[1] / "en.md").read_text()
    assert "date: '2025-06-21T18:30:00+09:00'" in en_text  # the feed's own offset is kept
    excerpt = by_path[NEWS_PATHS[3]]
    assert excerpt.source.excerpt_only is True
    assert (
        excerpt.source.body
        == "In this series we share some of the inspiring stories of how people’s lives can change & grow […]\n"
    )
    assert by_path[NEWS_PATHS[0]].source.excerpt_only is False


def test_second_fetch_answered_304_changes_no_byte(site, httpserver):
    url = serve(httpserver, ETag='"v1"', **{"Last-Modified": "Tue, 15 Jul 2025 19:13:41 GMT"})
    run(site.root, url)
    before = snapshot(site.root)
    httpserver.clear()
    httpserver.expect_request(
        FEED_PATH, headers={"If-None-Match": '"v1"', "If-Modified-Since": "Tue, 15 Jul 2025 19:13:41 GMT"}
    ).respond_with_data(b"", status=304)

    summary = run(site.root, url)

    assert summary.not_modified and not summary.changed
    assert summary.as_json()["changed"] is False
    assert len(httpserver.log) == 1 and httpserver.log[0][1].status_code == 304
    assert snapshot(site.root) == before


def test_second_fetch_with_same_body_changes_no_byte(site, httpserver):
    url = serve(httpserver)  # no ETag or Last-Modified: a full download every time
    run(site.root, url)
    before = snapshot(site.root)

    summary = run(site.root, url)

    assert [i.path for i in summary.unchanged] == NEWS_PATHS
    assert not summary.new and not summary.updated and not summary.changed
    assert summary.written == ()
    assert snapshot(site.root) == before  # bytes and inodes: nothing was even rewritten
    assert not (site.root / "content/.fetch-state.json").exists()


def test_upstream_edit_rewrites_en_md_and_never_touches_translations(site, httpserver):
    url = serve(httpserver)
    run(site.root, url)
    release = site.root / NEWS_PATHS[0]
    hand_made = (
        "---\ntitle: 워드프레스 6.8.2 유지보수 릴리스\nstatus: draft\ntranslators: [mina]\n"
        f"source_hash: {content_module.sha256_bytes((release / 'en.md').read_bytes())}\n---\n\n번역 중입니다.\n"
    ).encode()
    (release / "ko.md").write_bytes(hand_made)
    seoul_stub = (site.root / NEWS_PATHS[1] / "ko.md").read_bytes()
    cecil_before = snapshot(site.root / NEWS_PATHS[2])

    edited = NEWS.replace(b"fixes for 20 bugs throughout Core", b"fixes for 21 bugs throughout Core").replace(
        b"for the first <em>WordCamp Seoul</em>", b"for the second <em>WordCamp Seoul</em>"
    )
    httpserver.clear()
    url = serve(httpserver, edited)
    summary = run(site.root, url)

    assert [i.path for i in summary.updated] == NEWS_PATHS[:2]
    assert [i.path for i in summary.unchanged] == NEWS_PATHS[2:]
    assert "fixes for 21 bugs throughout Core" in (release / "en.md").read_text()
    assert (release / "ko.md").read_bytes() == hand_made
    assert (site.root / NEWS_PATHS[1] / "ko.md").read_bytes() == seoul_stub
    assert snapshot(site.root / NEWS_PATHS[2]) == cecil_before
    loaded, problems = content_module.load(load_config(site.root))
    assert problems == []
    outdated = sorted(f"content/posts/{p.key.path}" for p in loaded.posts if p.outdated)
    assert outdated == sorted(NEWS_PATHS[:2])


def _paged(pages: dict[str | None, bytes | int]):
    def handler(request: Request) -> Response:
        answer = pages.get(request.args.get("paged"), 404)
        if isinstance(answer, int):
            return Response("<html><body>Not found</body></html>", status=answer, content_type="text/html")
        return Response(answer, content_type=RSS)

    return handler


def test_all_walks_the_archive_until_a_404(site, httpserver):
    httpserver.expect_request(FEED_PATH).respond_with_handler(
        _paged({None: NEWS, "2": feed("archive-page-2.xml"), "3": 404})
    )
    summary = run(site.root, httpserver.url_for(FEED_PATH), all_pages=True)

    assert [r.args.get("paged") for r, _ in httpserver.log] == [None, "2", "3"]
    assert [i.path for i in summary.new] == [
        *NEWS_PATHS,
        "content/posts/2024/11/rollins",
        "content/posts/2023/12/state-of-the-word-2023",
    ]
    _, problems = content_module.load(load_config(site.root))
    assert problems == []


def test_all_stops_at_an_empty_page_and_pages_limits_requests(site, httpserver):
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>WordPress News</title></channel></rss>'
    httpserver.expect_request(FEED_PATH).respond_with_handler(
        _paged({None: NEWS, "2": feed("archive-page-2.xml"), "3": empty})
    )
    url = httpserver.url_for(FEED_PATH)
    assert len(run(site.root, url, all_pages=True).new) == 6
    assert [r.args.get("paged") for r, _ in httpserver.log] == [None, "2", "3"]

    httpserver.clear_log()
    run(site.root, url, pages=2, dry_run=True)
    assert [r.args.get("paged") for r, _ in httpserver.log] == [None, "2"]


def test_since_stops_paging_once_posts_are_older(site, httpserver):
    httpserver.expect_request(FEED_PATH).respond_with_handler(
        _paged({None: NEWS, "2": feed("archive-page-2.xml"), "3": 404})
    )
    summary = run(site.root, httpserver.url_for(FEED_PATH), all_pages=True, since=dt.date(2025, 4, 15))

    assert [i.path for i in summary.new] == NEWS_PATHS[:3]
    assert [r.args.get("paged") for r, _ in httpserver.log] == [None, "2"]


def _sequence(*answers: Response):
    queue = list(answers)

    def handler(request: Request) -> Response:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def test_500_then_200_is_retried_after_backoff(site, httpserver):
    httpserver.expect_request(FEED_PATH).respond_with_handler(
        _sequence(Response("oops", status=500), Response(NEWS, content_type=RSS))
    )
    sleeps = Sleeps()
    summary = run(site.root, httpserver.url_for(FEED_PATH), sleeps)

    assert len(summary.new) == 4
    assert [r.status_code for _, r in httpserver.log] == [500, 200]
    assert sleeps == [BACKOFF]


@pytest.mark.parametrize(("header", "wait"), [("7", 7.0), ("86400", MAX_RETRY_AFTER), ("soon", BACKOFF)])
def test_429_honours_retry_after_with_a_cap(site, httpserver, header, wait):
    httpserver.expect_request(FEED_PATH).respond_with_handler(
        _sequence(Response("slow down", status=429, headers={"Retry-After": header}), Response(NEWS, content_type=RSS))
    )
    sleeps = Sleeps()
    summary = run(site.root, httpserver.url_for(FEED_PATH), sleeps)

    assert len(summary.new) == 4
    assert sleeps == [wait]


def test_server_error_every_time_gives_up_and_writes_nothing(site, httpserver):
    httpserver.expect_request(FEED_PATH).respond_with_data("down", status=503)
    sleeps = Sleeps()
    with pytest.raises(FetchError, match=r"answered 503 .* 4 times"):
        run(site.root, httpserver.url_for(FEED_PATH), sleeps)
    assert sleeps == [BACKOFF, BACKOFF * 2, BACKOFF * 4]
    assert content_files(site.root) == []


def test_server_slower_than_the_timeout(site, httpserver):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response(NEWS, content_type=RSS)

    httpserver.expect_request(FEED_PATH).respond_with_handler(slow)
    sleeps = Sleeps()
    with pytest.raises(FetchError, match="did not answer in time, 2 attempts"):
        run(site.root, httpserver.url_for(FEED_PATH), sleeps, timeout=0.1, retries=1)
    assert sleeps == [BACKOFF]
    assert content_files(site.root) == []


def test_body_over_the_size_limit(site, httpserver):
    url = serve(httpserver)
    with pytest.raises(FetchError, match="larger than the limit of 2,000 bytes"):
        run(site.root, url, max_bytes=2000)
    assert content_files(site.root) == []


def test_gzip_is_decoded_and_a_gzip_bomb_is_stopped(site, httpserver):
    httpserver.expect_request(FEED_PATH).respond_with_data(
        gzip.compress(NEWS), content_type=RSS, headers={"Content-Encoding": "gzip"}
    )
    assert len(run(site.root, httpserver.url_for(FEED_PATH)).new) == 4

    httpserver.clear()
    bomb = gzip.compress(b"<rss>" + b" " * 5_000_000)
    assert len(bomb) < 10_000
    httpserver.expect_request(FEED_PATH).respond_with_data(bomb, content_type=RSS, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="larger than the limit"):
        run(site.root, httpserver.url_for(FEED_PATH), max_bytes=1_000_000)


def test_connection_reset_mid_body_writes_nothing(site):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    served = []

    def serve_half() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                + f"Content-Length: {len(NEWS)}\r\n\r\n".encode()
                + NEWS[: len(NEWS) // 2]
            )
            conn.close()
            served.append(1)

    thread = threading.Thread(target=serve_half, daemon=True)
    thread.start()
    sleeps = Sleeps()
    try:
        with pytest.raises(FetchError, match="connection broke off"):
            run(site.root, f"http://127.0.0.1:{port}{FEED_PATH}", sleeps, retries=1)
    finally:
        thread.join(5)
        listener.close()
    assert served == [1, 1]
    assert content_files(site.root) == []


def test_two_fetches_at_once(site, httpserver):
    entered = threading.Event()
    release = threading.Event()

    def blocking(request: Request) -> Response:
        entered.set()
        release.wait(10)
        return Response(NEWS, content_type=RSS)

    httpserver.expect_request(FEED_PATH).respond_with_handler(blocking)
    url = httpserver.url_for(FEED_PATH)
    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(run(site.root, url)))
    first.start()
    try:
        assert entered.wait(10)
        with pytest.raises(KowpError, match="another `kowp-site fetch` is running"):
            run(site.root, url)
    finally:
        release.set()
        first.join(10)
    assert len(results[0].new) == 4  # type: ignore[attr-defined]
    assert len(httpserver.log) == 1  # the second fetch stopped before any download
    assert not (site.root / "content/.fetch.lock").exists()
    assert len(run(site.root, url).unchanged) == 4  # and the lock is free again


BAD_BODIES = {
    "html": (b"<!DOCTYPE html><html><head><title>News</title></head><body><p>Hi</p></body></html>", "HTML page"),
    "empty": (b"", "the download is empty"),
    "garbage": (b'{"posts": [1, 2, 3]}', "not an RSS or Atom feed"),
    "no entries": (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>', "no posts"),
    "cut off": (NEWS[: len(NEWS) * 2 // 3], "ends early"),
}


@pytest.mark.parametrize("kind", BAD_BODIES)
def test_unusable_feed_is_an_error_and_leaves_content_as_it_was(site, httpserver, kind):
    url = serve(httpserver, ETag='"v1"')
    run(site.root, url)
    before = snapshot(site.root)
    body, message = BAD_BODIES[kind]
    httpserver.clear()
    url = serve(httpserver, body, ETag='"v2"')

    with pytest.raises(KowpError, match=message):
        run(site.root, url)
    assert snapshot(site.root) == before


def test_malformed_xml_that_still_has_entries_is_used_with_a_warning(site, httpserver):
    summary = run(site.root, serve(httpserver, feed("malformed.xml")))
    assert [i.title for i in summary.new] == ["Plugins & Themes"]
    assert any("not well-formed" in w.message for w in summary.warnings)


def test_wrong_declared_charset_is_read_as_utf8(site, httpserver):
    httpserver.expect_request(FEED_PATH).respond_with_data(NEWS, content_type="application/rss+xml; charset=ISO-8859-1")
    summary = run(site.root, httpserver.url_for(FEED_PATH))
    assert summary.new[1].title == "WordCamp Seoul: 워드캠프 서울 – a recap"
    assert [w.message for w in summary.warnings] == [
        "the server declares charset=iso-8859-1 but the feed is UTF-8; read it as UTF-8"
    ]
    body = (site.root / NEWS_PATHS[1] / "en.md").read_text()
    assert "감사합니다!" in body


def test_bad_entries_are_skipped_and_the_rest_imported(site, httpserver):
    summary = run(site.root, serve(httpserver, feed("bad-entries.xml")))

    assert [i.path for i in summary.new] == ["content/posts/2025/05/a-good-post", "content/posts/2025/05/no-guid"]
    reasons = {i.title: i.reason for i in summary.skipped}
    assert reasons == {
        "No link": "the entry has no link, so its folder is unknown",
        "No date": "the entry has no date",
        "No content": "the entry has neither content nor a description",
        "Climbing out": "unsafe or unusual link: slug '../../../../escaped' may hold only letters, digits, '-' and '_'",
        "Dot dot": "unsafe or unusual link: link 'https://wordpress.org/news/2025/05/../../../../tmp/' "
        "does not end in /YYYY/MM/slug/",
        "Control character": "unsafe or unusual link: slug contains control or invisible characters",
        "Not a post address": "unsafe or unusual link: link 'https://wordpress.org/news/about/' "
        "does not end in /YYYY/MM/slug/",
    }
    files = sorted(p.relative_to(site.root).as_posix() for p in site.root.parent.rglob("*") if p.is_file())
    assert files == [
        "content/posts/2025/05/a-good-post/en.md",
        "content/posts/2025/05/a-good-post/ko.md",
        "content/posts/2025/05/no-guid/en.md",
        "content/posts/2025/05/no-guid/ko.md",
        "pyproject.toml",
    ]
    loaded, problems = content_module.load(load_config(site.root))
    assert problems == []
    no_guid = next(p for p in loaded.posts if p.key.slug == "no-guid")
    assert no_guid.source.guid == "https://wordpress.org/news/2025/05/no-guid/"
    assert any("no guid; its link is used instead" in w.message for w in summary.warnings)
