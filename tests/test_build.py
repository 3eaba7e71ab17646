"""End-to-end builds of small fixture sites; every output is parsed and checked exactly."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree

from kowp_site.cli import main
from tests.conftest import korean_font_found

ATOM = "{http://www.w3.org/2005/Atom}"


def html(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_post_page_has_metadata_credits_and_korean_dates(site, build_site):
    site.post(
        "open-weight",
        en={"title": "Open Weight", "author": "Matt", "date": "2026-08-27T15:00:00+00:00"},
        ko={
            "title": "오픈 웨이트",
            "translators": ("minji", "jwpark"),
            "translated": "2026-09-01",
            "extra": "reviewers: [hanul]",
        },
    )
    out = build_site(site.root)
    doc = html(out / "2026/08/open-weight/index.html")
    assert doc.get("lang") == "ko"
    assert doc.xpath("//meta/@charset") == ["utf-8"]
    assert doc.xpath("//meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    assert doc.xpath("//link[@rel='canonical']/@href") == ["https://example.org/kowp/2026/08/open-weight/"]
    assert doc.xpath("//link[@rel='alternate'][@hreflang='en']/@href") == [
        "https://wordpress.org/news/2026/08/open-weight/"
    ]
    assert doc.xpath("//link[@type='application/rss+xml']/@href") == ["/kowp/feed.xml"]
    assert doc.xpath("//link[@type='application/atom+xml']/@href") == ["/kowp/atom.xml"]
    assert doc.xpath("//link[@type='application/feed+json']/@href") == ["/kowp/feed.json"]
    og = {m.get("property"): m.get("content") for m in doc.xpath("//meta[@property]")}
    assert og["og:title"] == "오픈 웨이트"
    assert og["og:type"] == "article"
    assert og["og:locale"] == "ko_KR"
    assert og["og:url"] == "https://example.org/kowp/2026/08/open-weight/"
    assert og["og:description"] == "한국어 본문입니다."
    assert doc.xpath("string(//h1)") == "오픈 웨이트"
    credits = dict(
        zip(
            doc.xpath("//dl[@class='credits']/dt/text()"),
            [d.text_content() for d in doc.xpath("//dl[@class='credits']/dd")],
            strict=True,
        )
    )
    assert credits["원문"] == "Open Weight"
    assert credits["글쓴이"] == "Matt"
    assert credits["원문 게시일"] == "2026년 8월 28일"  # 15:00 UTC is the next day in Seoul
    assert credits["번역 게시일"] == "2026년 9월 1일"
    assert credits["번역"] == "minji, jwpark"
    assert credits["검토"] == "hanul"
    assert credits["읽는 시간"] == "약 1분"
    assert doc.xpath("//a[@class='original']/@href") == ["https://wordpress.org/news/2026/08/open-weight/"]
    assert doc.xpath("//a[text()='번역 고치기']/@href") == [
        "https://github.com/example/kowp/edit/main/content/posts/2026/08/open-weight/ko.md"
    ]
    # Skip link and landmarks.
    assert doc.xpath("//a[@class='skip-link']/@href") == ["#main"]
    assert doc.xpath("//main/@id") == ["main"]
    assert len(doc.xpath("//header[@class='site-header']")) == 1
    assert len(doc.xpath("//footer[@class='site-footer']")) == 1


def test_titles_with_markup_characters_are_escaped_everywhere(site, build_site):
    title = '워드프레스 6.9 "Gene" 출시 & <새 기능>'
    site.post("gene", ko={"title": title})
    out = build_site(site.root)
    doc = html(out / "2026/08/gene/index.html")
    assert doc.xpath("string(//h1)") == title
    assert doc.xpath("string(//title)") == f"{title} — 테스트 사이트"
    assert doc.xpath("//meta[@property='og:title']/@content") == [title]
    raw = (out / "2026/08/gene/index.html").read_text()
    assert "<새 기능>" not in raw
    assert feedparser.parse(out / "feed.xml").entries[0].title == title
    assert feedparser.parse(out / "atom.xml").entries[0].title == title
    assert json.loads((out / "feed.json").read_text())["items"][0]["title"] == title
    assert html(out / "index.html").xpath("string(//ol[@class='post-list']//h2)") == title


def test_hostile_translation_is_neutralised(site, build_site):
    body = (
        '# 제목\n\n<script>window.pwned=1</script>\n\n<img src=x onerror="alert(1)">\n\n'
        '[클릭](javascript:alert(1)) <a href="JaVaScRiPt:alert(2)">a</a> <a href="vbscript:msgbox(1)">v</a>\n\n'
        '<iframe src="https://evil.example/x"></iframe>\n\n<iframe src="https://www.youtube.com/embed/abcdef12345" '
        'title="영상"></iframe>\n\n{{ 7*7 }} {% raw %}x{% endraw %}\n\n<a href="data:text/html,<script>alert(1)</script>">d</a>'
        "\n\n<style>body{display:none}</style><svg onload=alert(1)><circle/></svg>\n"
    )
    site.post("hostile", ko={"body": body})
    site.config(extra='embeds = "iframe"')
    out = build_site(site.root)
    raw = (out / "2026/08/hostile/index.html").read_text()
    doc = lxml.html.fromstring(raw)
    content = doc.xpath("//div[@class='content']")[0]
    # JSON-LD is data, not script; the one script is the theme's own share script, outside the body.
    assert doc.xpath("//script[not(@type='application/ld+json')]/@src") == ["/kowp/static/js/share.js"]
    assert content.xpath(".//script") == []
    assert content.xpath(".//style|.//svg") == []
    for element in doc.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name in ("href", "src"):
                assert not value.strip().lower().startswith(("javascript:", "vbscript:", "data:text")), value
    iframes = content.xpath(".//iframe")
    assert [f.get("src") for f in iframes] == ["https://www.youtube.com/embed/abcdef12345"]
    assert iframes[0].get("sandbox") == "allow-scripts allow-same-origin allow-presentation allow-popups"
    assert "{{ 7*7 }}" in content.text_content()
    assert "49" not in content.text_content()
    assert "window.pwned" not in raw


def test_embeds_become_links_by_default(site, build_site):
    site.post(
        "video",
        ko={"body": '<iframe src="https://www.youtube-nocookie.com/embed/abcdef12345" title="발표 영상"></iframe>\n'},
    )
    out = build_site(site.root)
    content = html(out / "2026/08/video/index.html").xpath("//div[@class='content']")[0]
    assert content.xpath(".//iframe") == []
    assert content.xpath(".//p[@class='embed']/a/@href") == ["https://www.youtube.com/watch?v=abcdef12345"]
    assert content.xpath("string(.//p[@class='embed']/a)") == "발표 영상"


def test_pagination_and_categories(site, build_site):
    for day in range(1, 6):
        site.post(
            f"post-{day}",
            en={"date": f"2026-08-0{day}T10:00:00+00:00", "categories": ("Releases", "releases", "Design Stuff")},
            ko={"title": f"글 {day}", "translated": f"2026-09-0{day}"},
        )
    out = build_site(site.root)
    titles = [
        [a.text for a in html(p).xpath("//ol[@class='post-list']//h2/a")]
        for p in (out / "index.html", out / "page/2/index.html", out / "page/3/index.html")
    ]
    assert titles == [["글 5", "글 4"], ["글 3", "글 2"], ["글 1"]]
    assert not (out / "page/4").exists()
    page2 = html(out / "page/2/index.html")
    assert page2.xpath("//a[@rel='prev']/@href") == ["/kowp/"]
    assert page2.xpath("//a[@rel='next']/@href") == ["/kowp/page/3/"]
    # "Releases" and "releases" are one category, with the configured Korean name and slug.
    cats = sorted(p.name for p in (out / "category").iterdir())
    assert cats == ["designstuff", "releases"]
    rel = html(out / "category/releases/index.html")
    assert rel.xpath("string(//h1)") == "릴리스"
    assert len(rel.xpath("//ol[@class='post-list']/li")) == 2
    assert (out / "category/releases/page/3/index.html").exists()
    post = html(out / "2026/08/post-3/index.html")
    assert post.xpath("//p[@class='meta']/a/text()") == ["릴리스", "Design Stuff"]
    assert post.xpath("//nav[@class='prev-next']/a[@rel='prev']/@href") == ["/kowp/2026/08/post-2/"]
    assert post.xpath("//nav[@class='prev-next']/a[@rel='next']/@href") == ["/kowp/2026/08/post-4/"]
    feed = feedparser.parse(out / "category/releases/feed.xml")
    assert feed.bozo == 0
    assert [e.title for e in feed.entries] == ["글 5", "글 4", "글 3", "글 2", "글 1"]
    archive = html(out / "archive/index.html")
    assert archive.xpath("//h2/text()") == ["2026년"]
    assert archive.xpath("//h3/text()") == ["8월"]
    assert len(archive.xpath("//section//li")) == 5


def test_feeds_are_valid_and_exact(site, build_site):
    site.post(
        "first",
        en={"title": "First", "date": "2026-08-01T09:00:00+00:00", "author": "Josepha"},
        ko={
            "title": "첫 글",
            "translated": "2026-08-05",
            "translators": ("minji", "hanul"),
            "body": "첫 문단입니다. [상대 링크](../second/) ![그림](pic.png)\n\n"
            '<iframe src="https://www.youtube.com/embed/abcdef12345" title="영상"></iframe>\n',
        },
    )
    site.post("second", en={"date": "2026-08-02T09:00:00+00:00"}, ko={"title": "둘째 글", "translated": "2026-08-03"})
    site.post("draft", ko={"title": "초안", "status": "draft", "translated": None})
    site.post("stub", translation=False)
    out = build_site(site.root)

    rss = feedparser.parse(out / "feed.xml")
    assert rss.bozo == 0
    assert rss.feed.language == "ko"
    assert rss.feed.link == "https://example.org/kowp/"
    assert [e.title for e in rss.entries] == ["첫 글", "둘째 글"]  # by translation date; no draft, no stub
    first = rss.entries[0]
    assert first.id == "https://example.org/kowp/2026/08/first/"
    assert first.link == "https://example.org/kowp/2026/08/first/"
    assert first.published == "Wed, 05 Aug 2026 00:00:00 +0900"
    assert [t.term for t in first.tags] == ["릴리스"]
    assert first.author == "Josepha"
    assert first.summary == "첫 문단입니다. 상대 링크"
    content = lxml.html.fromstring(first.content[0].value)
    assert content.xpath("//a[text()='상대 링크']/@href") == ["https://example.org/kowp/2026/08/second/"]
    assert content.xpath("//img/@src") == ["https://example.org/kowp/2026/08/first/pic.png"]
    assert content.xpath("//iframe") == []
    assert "https://www.youtube.com/watch?v=abcdef12345" in content.xpath("//a/@href")
    assert "번역: minji, hanul" in content.text_content()

    xml = etree.parse(str(out / "feed.xml"))
    self_link = xml.find(f"channel/{ATOM}link")
    assert self_link.get("rel") == "self" and self_link.get("href") == "https://example.org/kowp/feed.xml"
    assert xml.findtext("channel/image/url") == "https://example.org/kowp/static/images/og-default.png"
    assert xml.findtext("channel/lastBuildDate") == "Wed, 05 Aug 2026 00:00:00 +0900"
    guid = xml.find("channel/item/guid")
    assert guid.get("isPermaLink") == "true"

    atom = feedparser.parse(out / "atom.xml")
    assert atom.bozo == 0
    assert atom.entries[0].id == "https://example.org/kowp/2026/08/first/"
    assert atom.entries[0].published == "2026-08-05T00:00:00+09:00"
    atom_xml = etree.parse(str(out / "atom.xml"))
    assert atom_xml.getroot().find(f"{ATOM}link[@rel='self']").get("href") == "https://example.org/kowp/atom.xml"

    feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://example.org/kowp/feed.json"
    assert feed["language"] == "ko"
    item = feed["items"][0]
    assert item["id"] == item["url"] == "https://example.org/kowp/2026/08/first/"
    assert item["external_url"] == "https://wordpress.org/news/2026/08/first/"
    assert item["date_published"] == "2026-08-05T00:00:00+09:00"
    assert item["authors"] == [{"name": "Josepha"}]
    assert item["tags"] == ["릴리스"]
    # The post's picture card where a Korean font draws one, else its first image.
    assert item["image"] == "https://example.org/kowp/2026/08/first/" + (
        "card.png" if korean_font_found() else "pic.png"
    )

    sitemap = etree.parse(str(out / "sitemap.xml"))
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://example.org/kowp/2026/08/first/" in locs
    assert not any("draft" in loc or "stub" in loc for loc in locs)
    assert (
        out / "robots.txt"
    ).read_text() == "User-agent: *\nAllow: /\n\nSitemap: https://example.org/kowp/sitemap.xml\n"


def test_summary_is_plain_text_of_at_most_200_characters(site, build_site):
    long = ("가나다라마바사 " * 60).strip()
    site.post("long", ko={"body": f"**{long}**\n\n둘째 문단.\n"})
    site.post("given", ko={"title": "요약 있음", "extra": "summary: 직접 쓴 요약입니다."})
    out = build_site(site.root)
    items = {i["title"]: i for i in json.loads((out / "feed.json").read_text())["items"]}
    summary = items["한국어 제목"]["summary"]
    assert len(summary) <= 200 and summary.endswith("…") and "<" not in summary and "**" not in summary
    assert items["요약 있음"]["summary"] == "직접 쓴 요약입니다."


def test_guid_is_stable_when_a_title_is_edited(site, build_site):
    site.post("stable", ko={"title": "처음 제목"})
    out = build_site(site.root)
    before = feedparser.parse(out / "feed.xml").entries[0].id
    site.post("stable", ko={"title": "고친 제목"})
    out = build_site(site.root)
    after = feedparser.parse(out / "feed.xml").entries[0]
    assert after.title == "고친 제목"
    assert after.id == before == "https://example.org/kowp/2026/08/stable/"


def test_drafts_only_in_preview_builds_with_banner_and_noindex(site, build_site, tmp_path):
    site.post("ready", ko={"title": "공개 글"})
    site.post("wip", ko={"title": "검토 중인 글", "status": "review", "translated": None})
    out = build_site(site.root)
    assert not (out / "2026/08/wip").exists()
    preview = build_site(site.root, "--drafts", "--output", str(tmp_path / "preview"))
    preview = tmp_path / "preview"
    doc = html(preview / "2026/08/wip/index.html")
    assert doc.xpath("string(//p[@class='banner']/strong)") == "검토 중"
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert [e.title for e in feedparser.parse(preview / "feed.xml").entries] == ["공개 글"]
    assert b"wip" not in (preview / "sitemap.xml").read_bytes()
    assert (preview / "robots.txt").read_text() == "User-agent: *\nDisallow: /\n"


def test_outdated_translation_shows_notice(site, build_site):
    site.post("old", matching_hash=False)
    out = build_site(site.root)
    notice = html(out / "2026/08/old/index.html").xpath("//p[@class='notice']")
    assert len(notice) == 1
    assert notice[0].text_content().startswith("원문이 수정되었습니다")


def test_two_builds_are_byte_identical(site, build_site, tmp_path):
    site.post("a", ko={"body": "본문 [링크](https://wordpress.org/)\n\n![사진](https://s.w.org/a.png)\n"})
    site.post("b", month=9, en={"categories": ("Community",)})
    site.page("about", "소개", "소개 글입니다.\n")
    build_site(site.root, "--output", str(tmp_path / "one"))
    build_site(site.root, "--output", str(tmp_path / "two"))
    one, two = tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "two")
    assert one == two
    assert "about/index.html" in one and "static/css/style.css" in one


def test_sanitized_images_and_embeds_carry_their_attributes_in_one_order():
    """nh3 writes several added attributes in an order that changes from one cleaner to the next."""
    from kowp_site.site.markdown import Renderer

    body = (
        '![first](https://s.w.org/0.png)\n\n![a > b](https://s.w.org/a.png "t")\n\n'
        '<iframe src="https://www.youtube.com/embed/abcdefgh"></iframe>\n'
    )
    pages = {Renderer(embeds="iframe").render(body).html for _ in range(24)}
    assert len(pages) == 1
    page = lxml.html.fromstring(pages.pop())
    first, image, frame = *page.xpath("//img"), page.xpath("//iframe")[0]
    assert list(image.attrib.items()) == [
        ("src", "https://s.w.org/a.png"),
        ("alt", "a > b"),
        ("title", "t"),
        ("loading", "lazy"),
        ("decoding", "async"),
    ]
    # The first image of a body loads at once, before the others (see kowp_site.site.images.dress).
    assert list(first.attrib.items()) == [
        ("src", "https://s.w.org/0.png"),
        ("alt", "first"),
        ("decoding", "async"),
        ("fetchpriority", "high"),
    ]
    assert list(frame.attrib) == ["src", "sandbox", "loading"]
    assert frame.get("sandbox") == "allow-scripts allow-same-origin allow-presentation allow-popups"


def test_pages_and_404(site, build_site):
    site.page("about", "소개", "## 이 사이트는\n\n커뮤니티 번역입니다.\n")
    out = build_site(site.root)
    about = html(out / "about/index.html")
    assert about.xpath("string(//h1)") == "소개"
    assert about.xpath("//h2/@id") == ["이-사이트는"]
    missing = html(out / "404.html")
    assert missing.xpath("string(//h1)") == "페이지를 찾을 수 없습니다"
    assert missing.xpath("//link[@rel='stylesheet']/@href") == ["/kowp/static/css/style.css"]


def test_site_theme_overrides_single_templates(site, build_site):
    site.post("x")
    site.write(
        "themes/default/templates/404.html",
        '<!doctype html><meta charset="utf-8"><title>내 404</title><p>{{ site.title }}</p>\n',
    )
    out = build_site(site.root)
    assert html(out / "404.html").xpath("string(//title)") == "내 404"
    assert html(out / "2026/08/x/index.html").xpath("string(//h1)") == "한국어 제목"  # default theme fills in


def test_no_third_party_requests_from_the_theme(site, build_site):
    site.post("x", ko={"body": "본문\n"})
    out = build_site(site.root)
    for page in out.rglob("*.html"):
        doc = html(page)
        for url in doc.xpath(
            "//script/@src|//link[@rel='stylesheet']/@href|//link[@rel='icon']/@href|//img/@src|//iframe/@src"
        ):
            assert url.startswith("/kowp/"), (page, url)


def test_post_bundle_files_are_copied(site, build_site):
    folder = site.post("bundle", ko={"body": "![사진](photo.png)\n"})
    (folder / "photo.png").write_bytes(b"\x89PNG fake")
    out = build_site(site.root)
    assert (out / "2026/08/bundle/photo.png").read_bytes() == b"\x89PNG fake"
    assert html(out / "2026/08/bundle/index.html").xpath("//div[@class='content']//img/@src") == ["photo.png"]


@pytest.mark.parametrize("output", [".", "content", "themes/default", ".."])
def test_output_folder_that_would_destroy_the_site_is_refused(site, output, capsys):
    site.post("x")
    assert main(["build", "--root", str(site.root), "--output", str(site.root / output)]) == 1
    assert "refusing to write the site" in capsys.readouterr().err
    assert (site.root / "content/posts/2026/08/x/en.md").is_file()


def test_failed_build_keeps_previous_site(site, build_site, monkeypatch):
    site.post("x")
    out = build_site(site.root)
    before = tree_bytes(out)
    site.write("content/posts/2026/08/x/ko.md", "---\ntitle: [broken\n---\n")
    build_site(site.root, expect=1)
    assert tree_bytes(out) == before

    # An exception while writing (disk full, a crash) also leaves the old site in place.
    site.post("x", ko={"title": "새 제목"})
    import kowp_site.site.output as output

    calls = {"n": 0}
    real = output._write_file

    def flaky(target, data):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        real(target, data)

    monkeypatch.setattr(output, "_write_file", flaky)
    with pytest.raises(OSError):
        main(["build", "--root", str(site.root)])
    assert tree_bytes(out) == before
    assert not (site.root / ".site.new").exists()


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("kowp-site ")
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--help"])
    assert exit_info.value.code == 0
    assert "--drafts" in capsys.readouterr().out


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--no-such-flag"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_only_images_are_published_from_post_folders(site, capsys):
    folder = site.post("bundle")
    (folder / "evil.html").write_text("<script>alert(1)</script>")
    (folder / "logo.svg").write_text("<svg onload=alert(1)></svg>")
    assert main(["build", "--root", str(site.root)]) == 1
    err = capsys.readouterr().err
    assert "content/posts/2026/08/bundle/evil.html: files of type '.html' cannot be published" in err
    assert "content/posts/2026/08/bundle/logo.svg: files of type '.svg' cannot be published" in err


def test_body_images_only_from_allowed_hosts(site, build_site):
    body = (
        "![a](https://wordpress.org/news/files/a.png) ![b](https://tracker.example/p.gif) "
        "![c](https://example.org/kowp/own.png) ![d](https://cdn.example.net/x.png) ![e](local.png)\n"
    )
    site.post("images", ko={"body": body})
    out = build_site(site.root)
    srcs = html(out / "2026/08/images/index.html").xpath("//div[@class='content']//img/@src")
    assert srcs == ["https://wordpress.org/news/files/a.png", "https://example.org/kowp/own.png", "local.png"]
    site.config(extra='image_hosts = ["cdn.example.net"]')
    out = build_site(site.root)
    srcs = html(out / "2026/08/images/index.html").xpath("//div[@class='content']//img/@src")
    assert srcs == ["https://example.org/kowp/own.png", "https://cdn.example.net/x.png", "local.png"]


def test_archive_files_posts_under_the_month_of_their_address(site, build_site):
    # 20:00 UTC on 31 August is 1 September in Seoul; the post still lives at /2026/08/.
    site.post("late", en={"date": "2026-08-31T20:00:00+00:00"})
    out = build_site(site.root)
    archive = html(out / "archive/index.html")
    assert archive.xpath("//h3/text()") == ["8월"]
    assert archive.xpath("//section//li/a/@href") == ["/kowp/2026/08/late/"]
