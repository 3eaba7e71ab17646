"""WordPress HTML -> Markdown (kowp_site.fetch.html2md) and feed bytes -> entries (kowp_site.fetch.importer)."""

from __future__ import annotations

import datetime as dt
import html
import tempfile
from pathlib import Path
from urllib.parse import urljoin

import lxml.html
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kowp_site.fetch.html2md import to_markdown
from kowp_site.fetch.importer import (
    Converted,
    EmptyFeed,
    Entry,
    FeedError,
    Skipped,
    convert,
    one_line,
    parse_feed,
    source_document,
)
from kowp_site.site.content import load_post
from kowp_site.site.markdown import Renderer
from tests.fetch_support import FEEDS, feed, load_config

BASE = "https://wordpress.org/news/2025/04/cecil/"
BODY = (FEEDS / "post-body.html").read_text()


def md(fragment: str) -> str:
    return to_markdown(fragment, BASE)


def render(markdown: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(Renderer("/", "kowp.github.io").render(markdown).html, create_parent="div")


def test_real_post_converts_to_readable_markdown():
    out = md(BODY)
    assert out.startswith(
        "**WordPress 6.8 “Cecil” is here** – named after the jazz pianist Cecil Taylor… It’s packed with *polish*, "
        "[a field guide](https://make.wordpress.org/core/2025/04/15/wordpress-6-8-field-guide/) and more.\n\n"
        "![WordPress 6.8 “Cecil” album art](https://wordpress.org/news/files/2025/04/cecil-1024x576.png)\n\n"
        "*Album art by [the design team](https://profiles.wordpress.org/designer/)*\n\n"
        "## Highlights\n\n### Style Book & Data Views\n\n"
    )
    for fragment in (
        "- Speculative loading:\n  - prefetch on hover\n"
        "  - works with [caching plugins](https://wordpress.org/news/2025/03/speculative-loading/)\n",
        "1. Update plugins\n2. Update WordPress\n",
        "Line one\\\nLine two",
        "> Code is poetry.\n>\n> — Matt Mullenweg\n",
        "```\nadd_filter( 'the_content', function ( $content ) {\n\treturn $content . '<p>Thanks!</p>';\n} );\n```\n",
        "| Version | Release date |\n| --- | --- |\n| 6.8 | April 15, 2025 |\n| 6.8.1 | April 30 \\| May |\n\n"
        "*Release history*\n",
        "\n[Download WordPress 6.8](https://wordpress.org/download/)\n",
        '<iframe src="https://www.youtube.com/embed/abc123?version=3&amp;rel=1&amp;hl=en-US" width="600" '
        'height="338" allowfullscreen></iframe>\n\n*Watch the release video*\n',
        "\n<https://wordpress.tv/2025/01/01/state-of-the-word/>\n\n---\n",
    ):
        assert fragment in out
    for gone in ("wp:", "wp-block", "class=", "&#8217;", "&nbsp;", "srcset", "\n\n\n", "<p><", "<div", "<figure"):
        assert gone not in out
    assert out.endswith("[1,000+ contributors](https://wordpress.org/news/2025/04/credits/)!\n")


def _headings(doc: lxml.html.HtmlElement) -> list[tuple[int, str]]:
    return [(int(h.tag[1]), h.text_content().strip()) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]


@pytest.mark.parametrize("embeds", ["link", "iframe"])
def test_round_trip_keeps_headings_links_and_images(embeds):
    """The Markdown, rendered by the build's renderer, has the source's headings, links and images."""
    source = lxml.html.fragment_fromstring(BODY, create_parent="div")
    rendered = lxml.html.fragment_fromstring(
        Renderer("/", "kowp.github.io", embeds).render(md(BODY)).html, create_parent="div"
    )

    shift = 1 if any(level == 1 for level, _ in _headings(source)) else 0
    assert [(level + shift, text) for level, text in _headings(source)] == _headings(rendered)
    from_embeds = ["https://wordpress.tv/2025/01/01/state-of-the-word/"]  # an embed the feed gave as a bare URL
    if embeds == "link":
        from_embeds.append("https://www.youtube.com/watch?v=abc123")
        assert [f.get("src") for f in rendered.iter("iframe")] == []
    else:
        assert [f.get("src") for f in source.iter("iframe")] == [f.get("src") for f in rendered.iter("iframe")]
    links = [a.get("href") for a in rendered.iter("a")]
    assert [urljoin(BASE, a.get("href")) for a in source.iter("a")] == [h for h in links if h not in from_embeds]
    assert sorted(h for h in links if h in from_embeds) == sorted(from_embeds)
    assert [(i.get("src"), i.get("alt")) for i in source.iter("img")] == [
        (i.get("src"), i.get("alt")) for i in rendered.iter("img")
    ]
    text = " ".join(rendered.text_content().split())
    assert "Code is poetry. — Matt Mullenweg" in text
    assert "2 < 3" in text and "__init__ hook and snake_case_names" in text


def test_h1_shifts_every_heading_and_h6_stays_h6():
    assert md("<h1>A</h1><h2>B</h2><h6>C</h6>") == "## A\n\n### B\n\n###### C\n"
    assert md("<h2>A</h2><h3>B</h3>") == "## A\n\n### B\n"


def test_empty_paragraphs_comments_and_scripts_are_dropped():
    assert md("<!-- wp:paragraph --><p> </p><p>&nbsp;</p><p></p><script>alert(1)</script><p>Kept</p>") == "Kept\n"
    assert md("<style>p{}</style><noscript>x</noscript>") == ""


def test_links_become_absolute_and_unsafe_ones_become_text():
    out = md('<p><a href="../x/">rel</a> <a href="javascript:alert(1)">js</a> <a href="#top">here</a></p>')
    assert out == "[rel](https://wordpress.org/news/2025/04/x/) js [here](#top)\n"


def test_unknown_iframe_becomes_a_link_and_figure_embed_without_iframe_a_link():
    assert (
        md('<iframe src="https://evil.example/embed" title="Demo"></iframe>') == "[Demo](https://evil.example/embed)\n"
    )
    out = md(
        '<figure class="wp-block-embed is-provider-videopress"><div class="wp-block-embed__wrapper">'
        "https://videopress.com/v/abcd</div></figure>"
    )
    assert out == "<https://videopress.com/v/abcd>\n"


def test_gallery_images_each_get_a_paragraph():
    out = md(
        '<figure class="wp-block-gallery"><figure class="wp-block-image"><img src="/a.png" alt="A"/></figure>'
        '<figure class="wp-block-image"><img src="/b.png" alt="B"/><figcaption>Bee</figcaption></figure></figure>'
    )
    assert out == "![A](https://wordpress.org/a.png)\n\n![B](https://wordpress.org/b.png)\n\n*Bee*\n"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=list("ab1. #-+*_`<>&;[]()!\\|~=:^\n"), min_size=1, max_size=40))
@example("a|b\n-|-")
@example("[^1]: note\nx[^1]")
@example("x\n===")
@example("a^[b]")
@example("<!-- c -->")
@example("\\\n1")
@example("~~~\nx")
@example("[x]: http://e.com\n[x]")
def test_plain_text_survives_as_text(text):
    """Whatever the characters, a paragraph of text renders back to the same text, never to markup."""
    rendered = render(md(f"<p>{html.escape(text)}</p>"))
    assert " ".join(rendered.text_content().split()) == " ".join(text.split())
    assert [e.tag for e in rendered.iter() if e is not rendered] in ([], ["p"])


# --- feeds -----------------------------------------------------------------------------------


def test_dates_keep_the_feed_offset_rss_and_atom():
    rss = parse_feed(feed("wordpress-news.xml"), "news.xml")
    assert [e.date for e in rss.entries][:2] == [
        dt.datetime(2025, 7, 15, 15, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 6, 21, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=9))),
    ]
    atom = parse_feed(
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        b'<entry><title>Atom post</title><link href="https://wordpress.org/news/2025/01/atom-post/"/>'
        b"<id>tag:wordpress.org,2025:1</id><updated>2025-01-02T03:04:05-05:00</updated>"
        b'<content type="html">&lt;p&gt;Hi&lt;/p&gt;</content><category term="General"/></entry></feed>',
        "atom.xml",
    )
    entry = atom.entries[0]
    assert entry.date is not None and entry.date.isoformat() == "2025-01-02T03:04:05-05:00"
    converted = convert(entry)
    assert isinstance(converted, Converted)
    assert converted.source.decode().startswith(
        "---\ntitle: Atom post\nlink: https://wordpress.org/news/2025/01/atom-post/\nguid: tag:wordpress.org,2025:1\n"
        "author: ''\ndate: '2025-01-02T03:04:05-05:00'\ncategories:\n- General\n---\n\nHi\n"
    )


def test_declared_latin1_with_utf8_bytes_and_real_latin1():
    utf8 = feed("wordpress-news.xml").replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    parsed = parse_feed(utf8, "x.xml")
    assert parsed.entries[1].title == "WordCamp Seoul: 워드캠프 서울 – a recap"
    assert parsed.warnings == ("the feed declares encoding iso-8859-1 but is UTF-8; read it as UTF-8",)
    latin1 = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>T</title><item>'
        "<title>Café</title><link>https://wordpress.org/news/2025/01/cafe/</link>"
        "<pubDate>Wed, 01 Jan 2025 00:00:00 +0000</pubDate><description>Crème brûlée</description></item>"
        "</channel></rss>"
    ).encode("latin-1")
    entry = parse_feed(latin1, "l.xml").entries[0]
    assert (entry.title, entry.html, entry.excerpt_only) == ("Café", "Crème brûlée", True)


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"<html><body>Hi</body></html>", FeedError, "HTML page"),
        (b"   \n", FeedError, "empty"),
        (b"\x00\x01\x02 binary", FeedError, "not an RSS or Atom feed"),
        (b'<rss version="2.0"><channel><title>T</title></channel></rss>', EmptyFeed, "no posts"),
    ],
)
def test_unusable_bytes(data, error, message):
    with pytest.raises(error, match=message):
        parse_feed(data, "feed.xml")


def test_entry_without_title_is_skipped():
    entry = Entry(
        "",
        "https://wordpress.org/news/2025/01/x/",
        "g",
        "",
        dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        (),
        "<p>x</p>",
        False,
    )
    assert convert(entry) == Skipped("(no title)", entry.link, "the entry has no title")


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1, max_size=60).map(one_line).filter(bool),
    author=st.text(max_size=20).map(one_line),
    category=st.text(min_size=1, max_size=20).map(one_line).filter(bool),
)
def test_front_matter_loads_back_whatever_the_title(title, author, category):
    entry = Entry(
        title,
        "https://wordpress.org/news/2025/01/yaml/",
        "https://wordpress.org/news/?p=1",
        author,
        dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-7))),
        (category,),
        "<p>Body</p>",
        False,
    )
    converted = convert(entry)
    assert isinstance(converted, Converted)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "content/posts/2025/01/yaml"
        folder.mkdir(parents=True)
        (folder / "en.md").write_bytes(converted.source)
        (folder / "ko.md").write_bytes(converted.stub)
        post, problems, _ = load_post(load_config(root), "2025", "01", "yaml", folder)
    assert [p for p in problems if p.severity == "error"] == []
    assert post is not None and post.translation is not None
    assert (post.source.title, post.source.author, post.source.categories) == (title, author, (category,))
    assert post.translation.title == title
    assert post.source.date == entry.date
    assert post.translation.source_hash == post.source.hash


def test_source_document_marks_excerpts():
    entry = Entry(
        "T", "https://wordpress.org/news/2025/01/t/", "", "A", dt.datetime(2025, 1, 1, tzinfo=dt.UTC), (), "", True
    )
    text = source_document(entry, "Excerpt […]\n").decode()
    assert "guid: https://wordpress.org/news/2025/01/t/\n" in text
    assert "excerpt_only: true\n---\n\nExcerpt […]\n" in text


def test_control_characters_never_reach_the_front_matter():
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        b"<title>Bell\x07 and\tescape\x1b title</title><link>https://wordpress.org/news/2025/01/bell/</link>"
        b"<pubDate>Wed, 01 Jan 2025 00:00:00 +0000</pubDate><category>Gen\x0beral</category>"
        b"<description>Body\x00 text</description></item></channel></rss>"
    )
    entry = parse_feed(rss, "c.xml").entries[0]
    assert (entry.title, entry.categories) == ("Bell and escape title", ("General",))
    assert one_line(" a\x1b\n b ") == "a b"
