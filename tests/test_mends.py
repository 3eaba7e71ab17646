"""Small things a new user met: category entities, summaries of removed scripts, a named footnotes section."""

from __future__ import annotations

import lxml.html

from kowp_site.fetch.importer import parse_feed
from kowp_site.site.build import BuildOptions, build
from kowp_site.site.markdown import Renderer
from tests.conftest import PYPROJECT

FEED = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
<link>https://wordpress.org/news</link><description>d</description>
<item><title>Meetups</title><link>https://wordpress.org/news/2025/05/m/</link>
<pubDate>Thu, 01 May 2025 10:00:00 +0000</pubDate>
<category><![CDATA[Events &amp; Meetups]]></category><category><![CDATA[A &amp;amp; B]]></category>
<category>Plain &amp; simple</category>
<description>x</description></item></channel></rss>"""


def test_category_entities_are_decoded_once():
    entry = parse_feed(FEED, "f.xml").entries[0]
    assert entry.categories == ("Events & Meetups", "A &amp; B", "Plain & simple")


def test_a_removed_script_leaves_no_text_in_summary_or_reading_time():
    rendered = Renderer().render("앞 문장 <script>window.x=1</script> 뒷 문장.\n\n둘째 <style>p{}</style>문단.\n")
    assert rendered.summary == "앞 문장 뒷 문장."
    assert "window" not in rendered.html and "window" not in rendered.summary
    assert rendered.chars == len("앞문장뒷문장") + len("둘째문단")
    # "<script/>" does not close in HTML: the page shows nothing after it, nor does the summary.
    page = Renderer().render('보이는 <script src="x"/>글.\n\n다음 문단.\n')
    assert page.summary == "보이는" and "글." not in page.html


def test_a_built_page_describes_itself_without_the_script(site):
    site.post("post-1", ko={"title": "글", "body": "정말 <script>window.x=1</script>보이는 본문입니다.\n"})
    build(site.root, BuildOptions())
    page = lxml.html.fromstring((site.root / "site/2026/08/post-1/index.html").read_bytes())
    assert page.xpath("string(//meta[@name='description']/@content)") == "정말 보이는 본문입니다."
    assert page.xpath("string(//meta[@property='og:description']/@content)") == "정말 보이는 본문입니다."


def test_footnotes_sit_in_a_section_with_a_hidden_heading(site):
    html = Renderer().render("본문[^1].\n\n[^1]: 출처.\n").html
    section = lxml.html.fromstring(f"<div>{html}</div>").xpath("//section")[0]
    heading = section.xpath("./h2")[0]
    assert (heading.text, heading.get("class"), section.get("id")) == ("각주", "visually-hidden", "fn")
    assert section.xpath("./ol/li/@id") == ["fn1"]
    assert Renderer(footnotes_label="脚注").render("本文[^1]。\n\n[^1]: 出典。\n").html.count("<h2") == 1
    assert "<section" not in Renderer().render("각주 없는 본문.\n").html
    # The site's language names it.
    site.config(raw=PYPROJECT.format(extra='language = "ja"\ntimezone = "Asia/Tokyo"'))
    site.post("post-1", ko={"title": "x"}, translation=False)
    site.write(
        "content/posts/2026/08/post-1/ja.md",
        "---\ntitle: 記事\nstatus: published\ntranslators: [a]\ntranslated: 2026-08-20\n"
        "source_hash: sha256:" + "0" * 64 + "\n---\n\n本文[^1]。\n\n[^1]: 出典。\n",
    )
    build(site.root, BuildOptions())
    page = lxml.html.fromstring((site.root / "site/2026/08/post-1/index.html").read_bytes())
    assert page.xpath("string(//section[@id='fn']/h2)") == "脚注"
