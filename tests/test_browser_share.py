"""The share row, /subscribe/ and the Mastodon share page in a real Chromium, at 360 and 1280 px,
light and dark: buttons appear only with their API and work by keyboard, copying shows its
confirmation, nothing is requested from another host, nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import SiteBuilder
from tests.test_browser import (
    MIN_CONTRAST,
    LocalServer,
    Site,
    Watch,
    build_for,
    contrast,
    needs_chromium,
    open_page,
    watched_context,
)

pytestmark = [pytest.mark.browser, needs_chromium]

VIEWS = [(w, s) for w in (360, 1280) for s in ("light", "dark")]
CLIPBOARD = ["clipboard-read", "clipboard-write"]
FAKE_SHARE = """
Object.defineProperty(Navigator.prototype, 'share', {
  configurable: true,
  value: function (data) { window.__shared = data; return Promise.resolve(); },
});
"""


@pytest.fixture
def loose_watch() -> Watch:
    """A Watch that records what pages did; the test decides what was allowed."""
    return Watch()


@pytest.fixture
def strict_watch() -> Iterator[Watch]:
    """A Watch that fails the test on any request off loopback, console error or dialog."""
    watch = Watch()
    yield watch
    assert watch.outside == [], "requests left 127.0.0.1"
    assert watch.console_errors == [], "console errors"
    assert watch.dialogs == [], "dialogs opened"


@pytest.fixture(scope="module")
def share_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("share") / "root"
    root.mkdir()
    builder = SiteBuilder(root)
    builder.config(
        extra="""
[tool.kowp-site.accounts]
mastodon = "https://mastodon.example/@kowp"
bluesky = "https://bsky.app/profile/kowp.example"
threads = "https://www.threads.net/@kowp"
"""
    )
    builder.post(
        "first",
        ko={
            "title": "아주 긴 제목도 좁은 화면에서 옆으로 넘치지 않고 줄을 바꿔야 합니다: 워드프레스 7.2",
            "translated": "2026-08-20",
            "extra": "summary: 공유 시험용 요약입니다.",
        },
    )
    server = LocalServer(root.parent / "site")
    folder = build_for(root, server)
    try:
        yield Site(server.url, folder, {"post": "2026/08/first/", "subscribe": "subscribe/"})
    finally:
        server.close()


def _no_sideways_scroll(page) -> None:  # noqa: ANN001
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} scrolls sideways: {scroll} > {inner}"


def _status(page) -> str:  # noqa: ANN001
    status = page.locator("[data-status]").first
    status.wait_for(state="visible")
    page.wait_for_function("el => el.textContent.trim() !== ''", arg=status.element_handle())
    return status.inner_text()


@pytest.mark.parametrize(("width", "scheme"), VIEWS)
def test_copy_link_by_keyboard_shows_its_confirmation(browser, share_site: Site, strict_watch: Watch, width, scheme):
    context = watched_context(
        browser, strict_watch, viewport={"width": width, "height": 800}, color_scheme=scheme, permissions=CLIPBOARD
    )
    post_url = share_site.url + share_site.pages["post"]
    page = open_page(context, post_url)
    row = page.locator("section.share")
    copy = row.get_by_role("button", name="링크 복사")
    assert copy.is_visible()
    links = row.get_by_role("link")
    assert links.all_inner_texts() == ["Threads", "Bluesky", "Mastodon"]
    assert all(link.is_visible() for link in links.all())

    copy.focus()
    page.keyboard.press("Enter")
    assert _status(page) == "링크를 복사했습니다."
    assert page.evaluate("navigator.clipboard.readText()") == post_url
    box = page.locator("[data-status]").first.bounding_box()
    assert box is not None and box["height"] > 0  # seen, not only announced

    colours = copy.evaluate(
        "b => { const s = getComputedStyle(b); return [s.color, getComputedStyle(document.body).backgroundColor]; }"
    )
    assert contrast(*colours) >= MIN_CONTRAST
    _no_sideways_scroll(page)
    context.close()


def test_the_tab_key_reaches_every_share_control(browser, share_site: Site, strict_watch: Watch):
    context = watched_context(browser, strict_watch, permissions=CLIPBOARD, color_scheme="light")
    context.add_init_script(FAKE_SHARE)
    page = open_page(context, share_site.url + share_site.pages["post"])
    page.locator("section.share button").first.focus()
    reached = [page.evaluate("document.activeElement.textContent.trim()")]
    for _ in range(4):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert reached == ["공유하기", "링크 복사", "Threads", "Bluesky", "Mastodon"]
    context.close()


def test_web_share_button_appears_with_the_api_and_shares_the_post(browser, share_site: Site, strict_watch: Watch):
    plain = watched_context(browser, strict_watch)
    page = open_page(plain, share_site.url + share_site.pages["post"])
    has_share = page.evaluate("typeof navigator.share === 'function'")
    assert page.get_by_role("button", name="공유하기").is_visible() == has_share
    plain.close()

    context = watched_context(browser, strict_watch)
    context.add_init_script(FAKE_SHARE)
    page = open_page(context, share_site.url + share_site.pages["post"])
    button = page.get_by_role("button", name="공유하기")
    assert button.is_visible()
    button.click()
    assert page.evaluate("window.__shared") == {
        "title": "아주 긴 제목도 좁은 화면에서 옆으로 넘치지 않고 줄을 바꿔야 합니다: 워드프레스 7.2",
        "text": "공유 시험용 요약입니다.",
        "url": share_site.url + share_site.pages["post"],
    }
    context.close()


def test_without_javascript_only_the_links_remain(browser, share_site: Site, strict_watch: Watch):
    context = watched_context(browser, strict_watch, java_script_enabled=False)
    page = open_page(context, share_site.url + share_site.pages["post"])
    row = page.locator("section.share")
    assert row.locator("button").count() == 2
    assert [b.is_visible() for b in row.locator("button").all()] == [False, False]
    assert [a.inner_text() for a in row.locator("a").all() if a.is_visible()] == ["Threads", "Bluesky", "Mastodon"]
    page = open_page(context, share_site.url + "subscribe/")
    assert [b.is_visible() for b in page.locator("main button").all()] == [False, False, False]
    assert page.locator("main code").first.is_visible()
    context.close()


@pytest.mark.parametrize(("width", "scheme"), VIEWS)
def test_subscribe_page_copies_each_feed_address(browser, share_site: Site, strict_watch: Watch, width, scheme):
    context = watched_context(
        browser, strict_watch, viewport={"width": width, "height": 800}, color_scheme=scheme, permissions=CLIPBOARD
    )
    post = open_page(context, share_site.url + share_site.pages["post"])
    post.get_by_role("navigation", name="주 메뉴")  # the sample menu is tested elsewhere; here the post's footer
    post.locator("footer.post-footer").get_by_role("link", name="구독하기").click()
    post.wait_for_load_state("load")
    assert post.url == share_site.url + "subscribe/"
    page = post
    assert page.locator("h1").inner_text() == "구독하기"
    for name, path in (("RSS", "feed.xml"), ("Atom", "atom.xml"), ("JSON Feed", "feed.json")):
        button = page.get_by_role("button", name=f"{name} 주소 복사")
        assert button.is_visible()
        page.locator("[data-status]").first.evaluate("el => { el.textContent = ''; }")  # not the last one's
        button.click()
        assert _status(page) == f"{name} 주소를 복사했습니다."
        assert page.evaluate("navigator.clipboard.readText()") == share_site.url + path
    accounts = page.locator("ul.accounts a")
    assert accounts.all_inner_texts() == ["Mastodon", "Bluesky", "Threads"]
    _no_sideways_scroll(page)
    context.close()


def test_the_mastodon_page_sends_the_reader_to_their_server_only(browser, share_site: Site, loose_watch: Watch):
    watch = loose_watch
    context = watched_context(browser, watch, viewport={"width": 360, "height": 800})
    post = open_page(context, share_site.url + share_site.pages["post"])
    post.get_by_role("link", name="Mastodon").click()
    post.wait_for_load_state("load")
    assert urlsplit(post.url).path == "/share/"
    text = post.locator("#mastodon-text")
    expected = "아주 긴 제목도 좁은 화면에서 옆으로 넘치지 않고 줄을 바꿔야 합니다: 워드프레스 7.2 " + (
        share_site.url + share_site.pages["post"]
    )
    assert text.input_value() == expected
    _no_sideways_scroll(post)

    post.locator("#mastodon-server").fill("not a server")
    post.get_by_role("button", name="서버로 가서 공유하기").click()
    assert _status(post) == "서버 이름을 mastodon.social 같은 형식으로 적어 주십시오."
    assert watch.outside == []  # nothing left this site before the reader chose a server

    post.locator("#mastodon-server").fill("https://Mastodon.Example/@me")
    with post.expect_request(lambda r: urlsplit(r.url).hostname == "mastodon.example"):
        post.get_by_role("button", name="서버로 가서 공유하기").click()
    assert len(watch.outside) == 1
    went = urlsplit(watch.outside[0])
    assert (went.scheme, went.netloc, went.path) == ("https", "mastodon.example", "/share")
    assert parse_qs(went.query) == {"text": [expected]}
    assert watch.console_errors == [] or all("mastodon.example" in e for e in watch.console_errors)

    # The server is remembered in this browser only: the next visit fills it in.
    again = open_page(context, share_site.url + "share/?text=x")
    assert again.locator("#mastodon-server").input_value() == "mastodon.example"
    context.close()


REFUSED_CLIPBOARD = """
if (window.Clipboard) {  // secure contexts only (not about:blank)
  Object.defineProperty(Clipboard.prototype, 'writeText', {
    configurable: true,
    value: function () { return Promise.reject(new DOMException('refused', 'NotAllowedError')); },
  });
}
"""
SHARE_SAID = {  # (copy button, copy refused, share button, a bad server name) in the site's language
    "en": (
        "Copy link",
        "Could not copy. Select the address and copy it yourself.",
        "Go to your server and share",
        "Write the server name in the form mastodon.social.",
    ),
    "ja": (
        "リンクをコピー",
        "コピーできませんでした。アドレスを選択して、手動でコピーしてください。",
        "サーバーに移動して共有",
        "サーバー名は mastodon.social のような形式で入力してください。",
    ),
}


@pytest.mark.parametrize("lang", SHARE_SAID)
def test_share_script_speaks_the_site_language(browser, tmp_path, strict_watch: Watch, lang: str):
    """share.js rendered with the en or ja catalog: a refused copy and a bad server name."""
    from tests.test_locales import language_site

    copy_name, refused, share_name, bad_server = SHARE_SAID[lang]
    server = LocalServer(tmp_path / "served")
    try:
        build_for(language_site(tmp_path / "root", lang), server)
        context = watched_context(browser, strict_watch, permissions=CLIPBOARD)
        context.add_init_script(REFUSED_CLIPBOARD)
        post = open_page(context, server.url + "2026/06/post-1/")
        post.locator("section.share").get_by_role("button", name=copy_name).click()
        assert _status(post) == refused
        share = open_page(context, server.url + "share/?text=x")
        share.locator("#mastodon-server").fill("not a server")
        share.get_by_role("button", name=share_name).click()
        assert _status(share) == bad_server
        context.close()
    finally:
        server.close()
