"""The Markdown renderer's shortcuts give exactly what the slow, general code they skip would give.

Each shortcut in kowp_site.site.markdown (reading-time character count, link normalization, newline
normalization) is checked against the function it stands in for: the library's own, or the
plain Python one-liner it replaced, on generated input that aims at its edges.
"""

from __future__ import annotations

import re
import string
import sys

import lxml.html
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.normalize import normalize
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from kowp_site.site.markdown import (
    _UNSORTED,
    Renderer,
    _footnote_block_open,
    alnum_count,
    heading_slug,
    normalize_link,
    normalize_newlines,
    trim,
)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- reading-time characters ---------------------------------------------------------------------

# Letters, digits and marks of many kinds, besides what the shortcut sorts out without looking.
TRICKY_CHARS = (
    "가힣각ㄱㅏ가"
    "\uac00\ud7a3\ud7a4\uabff"  # Hangul syllables (first, last), jamo, just outside the block
    "aZ09_ .,;:!?-—'\"()[]"
    "\t\n\r\x00\x0b\x1f\x7f\xa0\u3000"  # ASCII, spaces, controls
    "٣३๓０²½Ⅻ〇"  # digits and numbers of other scripts
    "é\u0301\u0308\u200b\u200d\ufeff"  # precomposed letter, combining marks, invisible characters
    "漢字かなカナ\U0001d7d8\U00020000\U0001f600\ud800"  # CJK, kana, astral digit and letter, emoji, lone surrogate
)
prose = st.text(alphabet=st.sampled_from(TRICKY_CHARS) | st.characters(), max_size=300)


@SETTINGS
@given(prose)
@example("")
@example("___")
@example("워드프레스 6.9, 출시!")
@example("e\u0301 ٣٤ ½")
def test_alnum_count_is_the_number_of_isalnum_characters(text: str) -> None:
    assert alnum_count(text) == sum(map(str.isalnum, text))


def test_characters_skipped_unlooked_are_exactly_ascii_and_hangul_alphanumerics_and_three_separators() -> None:
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    skipped = set(every) - set("".join(_UNSORTED.findall(every)))
    hangul = {chr(c) for c in range(0xAC00, 0xD7A4)}
    assert skipped == set(string.ascii_letters + string.digits) | hangul | set(" .,")
    assert all(c.isalnum() for c in skipped - set(" .,"))
    assert not any(c.isalnum() for c in " .,")


def test_rendered_chars_count_visible_letters_and_digits_only() -> None:
    rendered = Renderer().render("# 제목 1\n\n[링크](https://wordpress.org/a_b) abc_1 ½, `code` ![그림](x.png)\n")
    # 제목 1 (3) + 링크 (2) + abc1 (4) + ½ (1) + code (4); the image's alt text is not visible text
    assert rendered.chars == 14


# --- link destinations ---------------------------------------------------------------------------

SCHEMES = ["", "http://", "https://", "HTTP://", "Https://", "mailto:", "ftp://", "javascript:", "//", "///"]
SCHEMES += ["data:", "file://", "skype:", "a+b.c-d:", "1:", ":", "http:", "https:/", "http:\\\\"]
HOSTS = ["wordpress.org", "make.wordpress.org", "a.b.c.d", "a.b.c.d.e", "例え.jp", "xn--r8jz45g.jp", "UPPER.org"]
HOSTS += ["a" * 63 + ".org", "a" * 64 + ".org", ".".join(["b" * 63] * 4), ".".join(["c" * 63] * 5), "a..b", "a.", ""]
HOSTS += ["[::1]", "[fe80::1%25en0]", "host:80", "host:", "u:p@host", "@host", "a_b.org", "a!b.org", "a!b:80"]
URL_CHARS = string.ascii_letters + string.digits + string.punctuation + " \t\\%%%한é\u00a0\u2028\ud800\U0001f600"
escape = st.builds(lambda h: "%" + h, st.text(alphabet="0123456789abcdefABCDEFgG%", min_size=0, max_size=2))
tail = st.lists(st.one_of(st.text(alphabet=URL_CHARS, max_size=6), escape), max_size=8).map("".join)
label = st.one_of(st.text(alphabet="ab9-", min_size=0, max_size=3), st.integers(60, 66).map("x".__mul__))
long_host = st.lists(label, min_size=1, max_size=6).map(".".join)  # near mdurl's 63 and 255 character limits
urls = st.one_of(
    st.builds(
        lambda s, h, t: s + h + t,
        st.sampled_from(["http://", "https://"]),
        st.one_of(st.sampled_from(HOSTS), long_host),
        st.one_of(st.just(""), st.builds(lambda c, t: c + t, st.sampled_from("/?#:@"), tail)),
    ),
    st.builds(lambda s, h, t: s + h + t, st.sampled_from(SCHEMES), st.sampled_from(HOSTS), tail),
    st.builds(lambda s, h, t: s + h + t, st.sampled_from(SCHEMES), st.text(alphabet=URL_CHARS, max_size=12), tail),
    tail,
    st.text(max_size=40),
)


@SETTINGS
@given(urls)
@example("")
@example("https://wordpress.org/news/2024/01/x/?a=1&b=%E2%9C%93#top")
@example("/2004/01/slug/")
@example("../../../2004/01/slug/")
@example("https://" + ".".join(["b" * 63] * 4) + "/")
@example("https://" + "a" * 64 + ".org/")
@example("https://" + ".".join(["c" * 63] * 5) + "/")
@example("https://" + "c" * 200 + "." + "c" * 60 + "/")
@example("http://a!b:80/x")
@example("%4")
@example("a%zz")
@example("a%41")
def test_normalize_link_is_markdown_its_normalize_link(url: str) -> None:
    assert normalize_link(url) == normalizeLink(url)


def test_normalize_link_examples() -> None:
    assert normalize_link("https://wordpress.org/download/") == "https://wordpress.org/download/"
    assert normalize_link("/2004/01/a-post/#comments") == "/2004/01/a-post/#comments"
    assert normalize_link("https://例え.jp/パス") == "https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9"
    assert normalize_link("a b%zz") == "a%20b%25zz"
    assert normalize_link("//[::1]:80/x") == "//[::1]:80/x"


def test_rendered_links_are_normalized() -> None:
    html = Renderer().render("[가](https://wordpress.org/a?b=1) [나](<https://例え.jp/파일 1>) [다](/x/%zz)").html
    hrefs = [a.get("href") for a in lxml.html.fromstring(html).iter("a")]
    assert hrefs == ["https://wordpress.org/a?b=1", "https://xn--r8jz45g.jp/%ED%8C%8C%EC%9D%BC%201", "/x/%25zz"]


# --- newlines ------------------------------------------------------------------------------------

lines = st.text(alphabet=st.sampled_from("\r\n\x00a한 \t\x0b\x0c\u2028\x85") | st.characters(), max_size=200)


@SETTINGS
@given(lines)
@example("a\r\nb\rc\n\rd\r\r\n\x00")
def test_normalize_newlines_is_markdown_its_normalize_rule(src: str) -> None:
    md = MarkdownIt("commonmark")
    ours, theirs = StateCore(src, md, {}), StateCore(src, md, {})
    normalize_newlines(ours)
    normalize(theirs)
    assert ours.src == theirs.src


def test_renderer_uses_the_shortcuts() -> None:
    md = Renderer().md
    assert md.normalizeLink is normalize_link
    assert md.core.ruler.getRules("")[0] is normalize_newlines
    assert Renderer().render("a\r\nb\rc").html == "<p>a\nb\nc</p>\n"


# --- the whole parser ----------------------------------------------------------------------------


def reference_md() -> MarkdownIt:
    """The renderer's markdown-it as configured before any shortcut: library defaults throughout."""
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.add_render_rule("footnote_block_open", _footnote_block_open)  # not a shortcut: the named section
    md.use(anchors_plugin, min_level=1, max_level=6, slug_func=heading_slug)
    return md


MARKDOWN_BITS = [
    "[링크](", "](", "![", "<", ">", "https://", "http://", "wordpress.org", "例え.jp", "/a b", "%zz", "%41",
    "~~", "~", "\r\n", "\r", "\n", "\n\n", "\x00", "- [ ] ", "- [x] ", "> [!NOTE]\n> ", "[^1]", "[^1]: ",
    "[x]: /url", "[x]", "# ", "| a | b |\n|---|---|\n", "`", "*", "_", "\\", "&amp;", "mailto:", "javascript:",
]  # fmt: skip
markdown = st.lists(st.one_of(st.sampled_from(MARKDOWN_BITS), st.text(max_size=8)), max_size=25).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdown)
@example("[a](https://wordpress.org/x) ~~del~~ ~one~\r\n- [ ] task\n\n> [!NOTE]\n> b\n\n[^1]\n\n[^1]: n")
@example("[a](https://例え.jp/파일) [b](</x y>) [c](/%zz) <https://x.y/ä> [d]\n\n[d]: https://d.org/é")
def test_renderer_markdown_it_renders_what_the_library_defaults_render(src: str) -> None:
    assert Renderer().md.render(src) == reference_md().render(src)


# --- summaries -----------------------------------------------------------------------------------


def test_str_split_and_regex_agree_on_whitespace() -> None:
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert set("".join(re.findall(r"\s", every))) == {c for c in every if c.isspace()}


@SETTINGS
@given(st.text(alphabet=st.sampled_from(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000\u200b,.·가a") | st.characters()))
@example("  가 \u3000 나\x85")
def test_trim_collapses_whitespace_as_the_regex_did(text: str) -> None:
    collapsed = re.sub(r"\s+", " ", text).strip()
    assert trim(text, len(collapsed) + 1) == collapsed
    short = trim(text, 12)
    assert len(short) <= 12 and (short == collapsed or short.endswith("…"))


def test_trim_cuts_on_a_word_boundary() -> None:
    assert trim("워드프레스 7.1 릴리스가 나왔습니다.  자세한 내용은", 20) == "워드프레스 7.1 릴리스가…"
    assert trim("짧은 글", 20) == "짧은 글"
