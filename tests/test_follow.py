"""The share row of post pages, /subscribe/ (구독하기), /share/ (Mastodon) and the accounts table."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html

from kowp_site.cli import main
from kowp_site.errors import ConfigError
from kowp_site.site.config import AccountsConfig
from kowp_site.site.config import load as load_config

ACCOUNTS = """
[tool.kowp-site.accounts]
mastodon = "https://mastodon.example/@kowp"
bluesky = "https://bsky.app/profile/kowp.example"
threads = "https://www.threads.net/@kowp"
"""
URL = "https://example.org/kowp/2026/08/first/"


def _doc(out: Path, path: str) -> html.HtmlElement:
    return html.parse(str(out / path / "index.html")).getroot()


def test_the_share_row_holds_hidden_buttons_and_plain_links_without_tracking(site, build_site):
    site.post("first", ko={"title": "공유할 글 & <제목>", "translated": "2026-08-20", "extra": "summary: 요약입니다."})
    doc = _doc(build_site(site.root), "2026/08/first")
    row = doc.xpath("//footer[@class='post-footer']/section[@class='share']")
    assert len(row) == 1
    row = row[0]
    assert row.xpath("string(h2)") == "이 글 공유하기"
    assert row.get("aria-labelledby") == row.xpath("h2/@id")[0]

    items = row.xpath("ul/li")
    share, copy = items[0].xpath("button")[0], items[1].xpath("button")[0]
    # Buttons wait, hidden, for the script to find their API; links work without it.
    assert [li.get("hidden") is not None for li in items] == [True, True, False, False, False]
    assert [li.get("data-needs") for li in items[:2]] == ["share", "clipboard"]
    assert (share.get("type"), share.text) == ("button", "공유하기")
    assert (share.get("data-share-url"), share.get("data-share-title"), share.get("data-share-text")) == (
        URL,
        "공유할 글 & <제목>",
        "요약입니다.",
    )
    assert (copy.get("type"), copy.text, copy.get("data-copy"), copy.get("data-copied")) == (
        "button",
        "링크 복사",
        URL,
        "링크를 복사했습니다.",
    )
    status = row.xpath("p[@data-status]")[0]
    assert (status.get("role"), status.get("aria-live"), status.text) == ("status", "polite", None)

    links = {a.text: a.get("href") for a in row.xpath("ul/li/a")}
    assert list(links) == ["Threads", "Bluesky", "Mastodon"]
    expected_text = ["공유할 글 & <제목> " + URL]
    threads, bluesky, mastodon = (urlsplit(links[n]) for n in ("Threads", "Bluesky", "Mastodon"))
    assert (threads.scheme, threads.netloc, threads.path) == ("https", "www.threads.net", "/intent/post")
    assert (bluesky.scheme, bluesky.netloc, bluesky.path) == ("https", "bsky.app", "/intent/compose")
    assert (mastodon.netloc, mastodon.path) == ("", "/kowp/share/")  # this site's own page
    for parts in (threads, bluesky, mastodon):
        assert parse_qs(parts.query) == {"text": expected_text}  # the title and the address, nothing else
    assert all("noreferrer" in a.get("rel") for a in row.xpath("ul/li/a[starts-with(@href, 'https:')]"))

    assert doc.xpath("//head/script[@src]/@src") == ["/kowp/static/js/share.js"]
    assert len(doc.xpath("//head/script[@src and @defer]")) == 1
    footer_links = doc.xpath("//footer[@class='post-footer']/p/a[@class='subscribe-link']")
    assert [(a.text, a.get("href")) for a in footer_links] == [("구독하기", "/kowp/subscribe/")]


def test_subscribe_lists_feeds_category_feeds_accounts_and_email(site, build_site):
    site.post("first", ko={"translated": "2026-08-20"})
    site.post("second", en={"categories": ("Community", "Security")}, ko={"translated": "2026-08-21"})
    site.config(extra=ACCOUNTS)
    doc = _doc(build_site(site.root), "subscribe")
    main_el = doc.xpath("//main")[0]
    assert main_el.xpath("string(.//h1)") == "구독하기"
    assert doc.xpath("//link[@rel='canonical']/@href") == ["https://example.org/kowp/subscribe/"]
    assert "피드 리더는 여러 사이트의 새 글을 한곳에 모아 보여 주는 앱입니다." in main_el.xpath(
        "string(.//p[@class='feed-reader-note'])"
    )
    feeds = [
        (li.xpath("string(span[@class='feed-name'])"), li.xpath("string(a/code)"), li.xpath("a/@href")[0])
        for li in main_el.xpath(".//ul[@class='feed-list']/li")
    ]
    base = "https://example.org/kowp/"
    assert feeds == [
        ("RSS", base + "feed.xml", base + "feed.xml"),
        ("Atom", base + "atom.xml", base + "atom.xml"),
        ("JSON Feed", base + "feed.json", base + "feed.json"),
    ]
    copies = main_el.xpath(".//ul[@class='feed-list']/li/span[@data-needs='clipboard']/button")
    assert [(b.text, b.get("data-copy"), b.get("aria-label")) for b in copies] == [
        ("복사", base + "feed.xml", "RSS 주소 복사"),
        ("복사", base + "atom.xml", "Atom 주소 복사"),
        ("복사", base + "feed.json", "JSON Feed 주소 복사"),
    ]
    categories = [
        (li.xpath("string(a[1])"), li.xpath("a[2]/@href")[0])
        for li in main_el.xpath(".//ul[@class='category-feeds']/li")
    ]
    # Categories without a mapping keep their English name (Security is not in the test config).
    assert categories == [
        ("커뮤니티", base + "category/community/feed.xml"),
        ("릴리스", base + "category/releases/feed.xml"),
        ("Security", base + "category/security/feed.xml"),
    ]
    accounts = [(a.text, a.get("href"), a.get("rel")) for a in main_el.xpath(".//ul[@class='accounts']/li/a")]
    assert accounts == [
        ("Mastodon", "https://mastodon.example/@kowp", "me noopener"),
        ("Bluesky", "https://bsky.app/profile/kowp.example", "me noopener"),
        ("Threads", "https://www.threads.net/@kowp", "me noopener"),
    ]
    email = main_el.xpath(".//section[@aria-labelledby='email-heading']")[0]
    assert email.xpath("string(h2)") == "이메일로 받기"
    assert "RSS-to-email" in email.xpath("string(.)")
    assert email.xpath(".//a | .//form | .//input") == []  # text only: no list, no address collected
    # Every category feed listed is one the build made.
    out = site.root / "site"
    assert all((out / urlsplit(url).path.removeprefix("/kowp/")).is_file() for _, url in categories)


def test_subscribe_without_accounts_has_no_accounts_section(site, build_site):
    site.post("first", ko={"translated": "2026-08-20"})
    doc = _doc(build_site(site.root), "subscribe")
    assert doc.xpath("//section[@aria-labelledby='accounts-heading']") == []
    assert [h.text for h in doc.xpath("//main//h2")] == ["피드 리더로 받기", "이메일로 받기"]


def test_the_mastodon_share_page_is_a_form_of_this_site_that_waits_for_the_script(site, build_site):
    site.post("first", ko={"translated": "2026-08-20"})
    doc = _doc(build_site(site.root), "share")
    form = doc.xpath("//form[@data-mastodon-share]")[0]
    assert form.get("hidden") is not None and form.get("action") is None
    assert [e.get("id") for e in form.xpath(".//input | .//textarea")] == ["mastodon-text", "mastodon-server"]
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert "JavaScript가 꺼져" in doc.xpath("string(//noscript)")


def test_the_sample_site_menu_links_to_subscribe():
    config, _ = load_config(Path(__file__).resolve().parents[1])
    assert [(m.title, m.url) for m in config.menu][-1] == ("구독하기", "/subscribe/")


def test_accounts_are_read_and_validated(site):
    site.config(extra=ACCOUNTS)
    config, warnings = load_config(site.root)
    assert config.accounts == AccountsConfig(
        "https://mastodon.example/@kowp", "https://bsky.app/profile/kowp.example", "https://www.threads.net/@kowp"
    )
    assert warnings == []


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ('"http://mastodon.example/@kowp"', "'accounts.mastodon' must be an https:// address"),
        ('"mastodon.example/@kowp"', "'accounts.mastodon' must be an https:// address"),
        ('"javascript:alert(1)"', "'accounts.mastodon' must be an https:// address"),
        ('"https://mastodon.example/@kowp?utm_source=x"', "'accounts.mastodon' must not carry a query"),
        ('"https://mastodon.example/@kowp#top"', "'accounts.mastodon' must not carry a query"),
        ("3", "'accounts.mastodon' must be a string, not int"),
    ],
)
def test_a_bad_account_address_is_an_error_naming_the_key(site, value, why):
    site.config(extra=f"[tool.kowp-site.accounts]\nmastodon = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(site.root)
    assert [p.message for p in caught.value.problems if p.severity == "error"][0].startswith(why)


def test_an_unknown_account_key_is_warned_and_a_page_cannot_take_subscribe(site, capsys):
    site.config(extra='[tool.kowp-site.accounts]\nmastodn = "https://mastodon.example/@kowp"\n')
    _, warnings = load_config(site.root)
    assert [(w.message, w.hint) for w in warnings] == [
        ("unknown key 'accounts.mastodn'", "did you mean 'accounts.mastodon'?")
    ]
    site.post("first", ko={"translated": "2026-08-20"})
    pages = site.root / "content/pages"
    pages.mkdir(parents=True, exist_ok=True)
    (pages / "subscribe.md").write_text("---\ntitle: 구독\n---\n\n본문\n", encoding="utf-8")
    assert main(["build", "--root", str(site.root)]) == 1
    assert "subscribe" in capsys.readouterr().err
