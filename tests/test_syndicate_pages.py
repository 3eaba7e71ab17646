"""What link cards read from a post page: Open Graph, twitter:card and JSON-LD NewsArticle."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from lxml import html

from kowp_site.site.render import json_script

HOSTILE = '</script><script>alert("x")</script> & <b>굵게</b>'


def _page(out: Path, path: str) -> html.HtmlElement:
    return html.parse(str(out / path / "index.html")).getroot()


def _meta(doc: html.HtmlElement) -> dict[str, str]:
    return {(m.get("property") or m.get("name")): m.get("content") for m in doc.iter("meta") if m.get("content")}


def _ld(doc: html.HtmlElement) -> dict:
    scripts = doc.xpath('//script[@type="application/ld+json"]')
    assert len(scripts) == 1
    return json.loads(scripts[0].text)


def test_post_page_carries_card_metadata_and_news_article(site, build_site, no_card_font):
    """Without a Korean font for a picture card, a post's preview is its first image."""
    folder = site.post(
        "pictured",
        en={"author": "Josepha Haden", "date": "2026-08-10T10:00:00+00:00"},
        ko={
            "title": "새 편집기 소개",
            "translated": "2026-08-20",
            "translators": ("minji", "jwpark"),
            "body": "![새 편집기 화면](editor.png)\n\n본문입니다.\n",
            "extra": "summary: 편집기가 새로워졌습니다.",
        },
    )
    (folder / "editor.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    out = build_site(site.root)
    doc = _page(out, "2026/08/pictured")
    meta = _meta(doc)

    url = "https://example.org/kowp/2026/08/pictured/"
    assert meta["og:image"] == url + "editor.png"
    assert meta["og:image:alt"] == "새 편집기 화면"
    assert meta["twitter:card"] == "summary_large_image"
    assert (meta["og:title"], meta["og:description"], meta["og:url"]) == (
        "새 편집기 소개",
        "편집기가 새로워졌습니다.",
        url,
    )
    assert _ld(doc) == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "새 편집기 소개",
        "description": "편집기가 새로워졌습니다.",
        "url": url,
        "mainEntityOfPage": url,
        "image": url + "editor.png",
        "datePublished": "2026-08-20T00:00:00+09:00",
        "dateModified": "2026-08-20T00:00:00+09:00",
        "inLanguage": "ko",
        "isBasedOn": "https://wordpress.org/news/2026/08/pictured/",
        "author": {"@type": "Person", "name": "Josepha Haden"},
        "translator": [{"@type": "Person", "name": "minji"}, {"@type": "Person", "name": "jwpark"}],
        "publisher": {"@type": "Organization", "name": "테스트 사이트", "url": "https://example.org/kowp/"},
    }


def test_a_post_without_an_image_uses_the_default_card_image(site, build_site, no_card_font):
    site.post("plain", ko={"title": "이미지 없는 글"})
    doc = _page(build_site(site.root), "2026/08/plain")
    meta = _meta(doc)
    assert meta["og:image"] == "https://example.org/kowp/static/images/og-default.png"
    assert meta["og:image:alt"] == "테스트 사이트"
    assert meta["twitter:card"] == "summary_large_image"
    assert _ld(doc)["image"] == meta["og:image"]


def test_a_hostile_title_cannot_close_the_json_ld_script(site, build_site):
    site.post("hostile", ko={"title": HOSTILE})
    out = build_site(site.root)
    raw = (out / "2026/08/hostile/index.html").read_text(encoding="utf-8")
    block = raw.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    assert "\\u003c/script\\u003e" in block
    doc = _page(out, "2026/08/hostile")
    assert _ld(doc)["headline"] == HOSTILE
    # no script element was injected: the JSON-LD and the theme's own share script only
    assert [s.get("src") for s in doc.xpath("//script")] == [None, "/kowp/static/js/share.js"]


def test_json_script_escapes_markup_characters():
    assert str(json_script({"a": "<&>", "b": "한"})) == '{"a":"\\u003c\\u0026\\u003e","b":"한"}'


def test_pages_load_no_third_party_resource(site, build_site):
    site.post("plain", ko={"title": "글", "body": "![원격](https://wordpress.org/news/files/x.png)\n"})
    out = build_site(site.root)
    for page in ("index.html", "2026/08/plain/index.html", "archive/index.html"):
        doc = html.parse(str(out / page)).getroot()
        loaded = [e.get("href") for e in doc.xpath("//link[@rel='stylesheet' or @rel='icon' or @rel='preload']")]
        loaded += [e.get("src") for e in doc.xpath("//script[@src] | //iframe[@src]")]
        for ref in loaded:
            host = urlsplit(ref).hostname
            assert host in (None, "example.org"), f"{page} loads {ref}"
