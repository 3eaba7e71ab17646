"""Markdown -> safe HTML, in one pure function.

One configured markdown-it-py (CommonMark, tables, strikethrough, footnotes, heading ids that
work for Korean) and one nh3 allowlist sanitizer. Every body the site shows or syndicates goes
through :meth:`Renderer.render`; nothing here touches the disk.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from kowp_site.site.images import ImageInfo, dress
from kowp_site.site.media_links import (
    KOREAN_LABELS,
    MEDIA_TAG,
    SRC_ATTR,
    MediaLabels,
    embeds_as_links,
    media_as_links,
    media_link,
)

SUMMARY_CHARS = 200

IFRAME_HOSTS = (
    "youtube.com",
    "youtube-nocookie.com",
    "wordpress.tv",
    "videopress.com",
    "video.wordpress.com",
)
# Where images of upstream posts live (WordPress.org News and its CDNs); any other host is refused.
IMAGE_HOSTS = ("wordpress.org", "w.org", "wp.com", "wordpress.com")
IFRAME_SANDBOX = "allow-scripts allow-same-origin allow-presentation allow-popups"

TAGS = {
    "a", "abbr", "audio", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "iframe", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "s", "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul", "video",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title", "id", "rel"},
    "img": {"src", "alt", "title", "width", "height"},
    "iframe": {"src", "title", "width", "height", "allowfullscreen"},
    "audio": {"src"},  # players are rebuilt by _media: controls, preload="none", nothing else
    "video": {"src"},
    "details": {"open"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start", "reversed"},
    "li": {"id", "value"},
    "sup": {"id"},
    "section": {"id"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "time": {"datetime"},
    "abbr": {"title"},
    "code": {"class"},
}  # fmt: skip
SAFE_REL = {
    "noopener",
    "noreferrer",
    "nofollow",
    "ugc",
    "footnote",
    "footnote-ref",
    "footnote-backref",
}
DATA_IMAGE = re.compile(r"data:image/(png|gif|jpeg|webp|avif);base64,[A-Za-z0-9+/=\s]*\Z", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Spaces, controls and invisible characters a URL's scheme may be hidden behind (DOMPurify's tests).
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\ufffd]")
ID_RE = re.compile(r"[^\W\d_][\w\-:.]{0,80}", re.UNICODE)
# Ids a heading may not take: they would shadow names scripts and the page rely on.
RESERVED_IDS = {"main", "content", "top", "site-header", "site-footer", "search", "toc"}

# Attributes every sanitized image and embed gets after nh3's (cleaned tags are serialized with
# double-quoted values, so a ">" inside a value cannot end the match early).
_IMG_OR_IFRAME = re.compile(r'<(img|iframe)((?:\s[\w:-]+(?:="[^"]*")?)*)>')
_ADD_ATTRIBUTES = {"img": ' decoding="async"', "iframe": ' loading="lazy"'}
_A_TAG = re.compile(r'<a((?:\s[\w-]+(?:="[^"]*")?)*)>')
_HREF = re.compile(r'\shref="([^"]*)"')
_EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*>.*?</iframe>", re.DOTALL)
_HTTP = re.compile(r"https?://")
_REL_ATTR = re.compile(r'\srel="([^"]*)"')
_FIRST_IMG = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"(?:[^>]*\balt=\"([^\"]*)\")?")
_NOT_SLUG = re.compile(r"[^\w\s-]")
_SLUG_GAPS = re.compile(r"[\s_-]+")
# Link destinations markdown-it's normalizeLink gives back unchanged: an http(s) URL with a plain lowercase
# host, or a URL without scheme or host, written only with characters mdurl.encode keeps (valid %XX
# escapes included). Four labels of at most 63 characters keep the host under mdurl's 255-character limit.
_KEPT_URL = re.compile(
    r"(?:https?://[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,3}(?=[/?#]|\Z)|(?![A-Za-z0-9.+-]+:|//))"
    r"(?:[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]|%[0-9A-Fa-f]{2})*"
)
# Characters that are neither ASCII/Hangul-syllable letters and digits (all alphanumeric) nor " ", "." or ","
# (none alphanumeric): what :func:`alnum_count` has to test one by one.
_UNSORTED = re.compile(r"[^0-9A-Za-z\uac00-\ud7a3 .,]+")


@dataclass(frozen=True)
class Rendered:
    """What one Markdown body becomes: safe HTML plus the facts pages and feeds need."""

    html: str
    summary: str  # plain text, at most SUMMARY_CHARS characters
    image: str  # first image's URL, as written (may be relative); "" when none
    image_alt: str
    chars: int  # letters and digits of the visible text, for reading time


def heading_slug(text: str) -> str:
    """A heading id that keeps Hangul: "설치 방법 (6.9)" -> "설치-방법-69"."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = _NOT_SLUG.sub("", text)
    slug = _SLUG_GAPS.sub("-", text).strip("-")
    if not slug or slug[0].isdigit() or slug in RESERVED_IDS:
        slug = f"h-{slug}" if slug else "section"
    return slug


def _iframe_allowed(src: str) -> bool:
    parts = urlsplit(src.strip())
    if parts.scheme != "https":
        return False
    host = (parts.hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in IFRAME_HOSTS)


@lru_cache(maxsize=4096)  # the filter and render() both ask, and posts reuse the same images
def _image_allowed(src: str, hosts: tuple[str, ...] = IMAGE_HOSTS) -> bool:
    """Images come from the post's own folder (relative), a data: URL, or the upstream's image servers."""
    try:
        parts = urlsplit(src.strip())
    except ValueError:
        return False
    if not parts.scheme and not parts.netloc:
        return True
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https", "data") and (
        parts.scheme == "data" or any(host == h or host.endswith("." + h) for h in hosts)
    )


def _media_address(src: str) -> bool:
    """An audio or video address worth keeping: http(s) or relative (never ``data:`` or a script)."""
    probe = _URL_NOISE.sub("", src).lower()
    scheme = re.match(r"([a-z][a-z0-9+.-]*):", probe)
    return scheme is None or scheme.group(1) in ("http", "https")


def media_allowed(src: str, hosts: tuple[str, ...] = IMAGE_HOSTS) -> bool:
    """A player may load from the post's own folder (relative) or the image hosts, like images, never ``data:``."""
    probe = _URL_NOISE.sub("", src).lower()
    return _media_address(src) and not probe.startswith("data:") and _image_allowed(src, hosts)


def _safe_image(src: str) -> bool:
    """An image address pages may repeat outside the sanitized body: http(s), relative or a raster data: URL."""
    probe = _URL_NOISE.sub("", src).lower()
    if probe.startswith("data:"):
        return bool(DATA_IMAGE.match(src.strip()))
    scheme = re.match(r"([a-z][a-z0-9+.-]*):", probe)
    return scheme is None or scheme.group(1) in ("http", "https")


def _attribute_filter(tag: str, attr: str, value: str, image_hosts: tuple[str, ...] = IMAGE_HOSTS) -> str | None:
    if attr in ("href", "src", "cite"):
        probe = _URL_NOISE.sub("", value).lower()
        if probe.startswith(("javascript:", "vbscript:", "livescript:")):
            return None  # hidden behind Unicode spaces or controls, which nh3's scheme check lets through
        if probe.startswith("data:"):
            return value if tag == "img" and attr == "src" and DATA_IMAGE.match(value.strip()) else None
        if tag == "iframe" and attr == "src":
            return value if _iframe_allowed(value) else None
        if tag in ("audio", "video"):  # any http(s) or relative address: _media decides player or link
            return value if _media_address(value) else None
        if tag == "img" and attr == "src" and not _image_allowed(value, image_hosts):
            return None  # a third-party image is a tracking pixel: every reader's browser would call it
        return value
    if attr == "id":
        return value if ID_RE.fullmatch(value) and value not in RESERVED_IDS else None
    if attr == "rel":
        kept = [t for t in value.split() if t.lower() in SAFE_REL]
        return " ".join(kept) or None
    if attr == "class":
        kept = [c for c in value.split() if re.fullmatch(r"language-[\w+#.-]{1,32}", c)]
        return " ".join(kept) or None
    if attr in ("width", "height", "colspan", "rowspan", "start", "value"):
        return value if re.fullmatch(r"\d{1,4}%?", value.strip()) else None
    return value


def normalize_link(url: str) -> str:
    """markdown-it's ``normalizeLink`` (percent-encoding, punycode hosts), skipped for URLs it would keep as they are.

    Parsing and re-encoding every link destination is a tenth of a post's rendering time, and
    nearly every link the site has (its own paths, https://wordpress.org/...) needs neither.
    """
    return url if _KEPT_URL.fullmatch(url) else normalizeLink(url)


def normalize_newlines(state: StateCore) -> None:
    """markdown-it's core "normalize" rule (CRLF and CR -> LF, NUL -> U+FFFD), without its two regex passes
    over the whole body when there is nothing to replace."""
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


def _md() -> MarkdownIt:
    # The options markdown-it and its plugins read with .get(name, False), set to that default: a missing one
    # costs the library a KeyError on every paragraph.
    off = (
        "strikethrough_single_tilde",
        "tasklists",
        "tasklists_editable",
        "alerts",
        "inline_definitions",
        "store_labels",
    )
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False, **dict.fromkeys(off, False)})
    md.normalizeLink = normalize_link  # type: ignore[method-assign]
    md.core.ruler.at("normalize", normalize_newlines)
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.add_render_rule("footnote_block_open", _footnote_block_open)
    md.use(anchors_plugin, min_level=1, max_level=6, slug_func=heading_slug)
    return md


FOOTNOTES_ID = "fn"  # (next to fn1, fn2 …) the footnote block's section, given its heading after sanitizing
FOOTNOTES_LABEL = {"ko": "각주", "ja": "脚注", "en": "Footnotes", "es": "Notas", "fr": "Notes", "de": "Fußnoten"}
_FOOTNOTES_OPEN = f'<section id="{FOOTNOTES_ID}">'
# Elements whose text the sanitizer drops with them (clean_content_tags): no summary may show it.
_HIDDEN_OPEN = re.compile(r"<(script|style|template|noscript|textarea|title|xmp)\b", re.IGNORECASE)


def _footnote_block_open(self: object, tokens: list[Token], idx: int, options: object, env: object) -> str:
    return f"<hr>\n{_FOOTNOTES_OPEN}\n<ol>\n"


def _plain(tokens: list[Token]) -> str:
    out: list[str] = []
    hidden = ""  # inside <script>…</script> written inline: text the page never shows
    for t in tokens:
        if hidden:
            if t.type == "html_inline" and t.content.lower().startswith(f"</{hidden}"):
                hidden = ""
            continue
        if t.type == "html_inline":
            opened = _HIDDEN_OPEN.match(t.content)
            if opened:  # "<script/>" does not close in HTML: its text runs to </script>
                hidden = opened.group(1).lower()
            continue
        if t.type in ("text", "code_inline"):
            out.append(t.content)
        elif t.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif t.type == "image":
            continue
        elif t.children:
            out.append(_plain(t.children))
    return "".join(out)


def alnum_count(text: str) -> int:
    """How many characters of ``text`` are letters or digits (``str.isalnum``), for reading time.

    Same result as ``sum(map(str.isalnum, text))`` at a fraction of the cost on Korean prose: the
    regex engine skips Hangul, ASCII letters and digits in C, ``str.count`` counts the common
    separators, and only what is left is tested character by character.
    """
    rest = "".join(_UNSORTED.findall(text))
    sorted_out = len(text) - len(rest) - text.count(" ") - text.count(".") - text.count(",")
    return sorted_out + sum(map(str.isalnum, rest))


def trim(text: str, limit: int = SUMMARY_CHARS) -> str:
    """Trim plain text to ``limit`` characters on a word boundary, ending in "…" when cut."""
    text = " ".join(text.split())  # str.split() and the regex \s agree on what whitespace is
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:·") + "…"


class Renderer:
    """A configured Markdown pipeline for one site (its base path decides root-relative links)."""

    def __init__(
        self,
        base_path: str = "/",
        site_host: str = "",
        embeds: str = "link",
        image_hosts: tuple[str, ...] = IMAGE_HOSTS,
        footnotes_label: str = FOOTNOTES_LABEL["ko"],
        labels: MediaLabels = KOREAN_LABELS,
    ):
        self.base_path = base_path
        self.footnotes_label = footnotes_label  # the visually hidden heading of a body's footnotes
        self.labels = labels
        self.site_host = site_host
        self.embeds = embeds  # "link": allowed iframes become plain links (no third-party request)
        # Image hosts a page may load from: the configured ones and the site's own host.
        self.image_hosts = tuple(dict.fromkeys([*image_hosts, *([site_host] if site_host else [])]))
        self.md = _md()
        self.cleaner = nh3.Cleaner(
            tags=TAGS,
            clean_content_tags={
                "script",
                "style",
                "template",
                "noscript",
                "textarea",
                "title",
                "xmp",
            },
            attributes=ATTRIBUTES,
            attribute_filter=self._filter,
            link_rel=None,
            url_schemes={"http", "https", "mailto", "data"},
            url_relative=self._relative,
            # One attribute per tag: nh3 writes several in a random order (a different page each
            # build); the others are appended in a fixed order by _ADD_ATTRIBUTES.
            set_tag_attribute_values={"img": {"loading": "lazy"}, "iframe": {"sandbox": IFRAME_SANDBOX}},
            strip_comments=True,
        )

    def _filter(self, tag: str, attr: str, value: str) -> str | None:
        return _attribute_filter(tag, attr, value, self.image_hosts)

    def _relative(self, url: str) -> str | None:
        if url.startswith("/") and not url.startswith("//"):
            return self.base_path + url[1:]
        return url

    def sanitize(self, html: str) -> str:
        """Allowlist-clean raw HTML; add rel="noopener" to external links; drop disallowed iframes."""
        clean = self.cleaner.clean(html)
        if "<img" in clean or "<iframe" in clean:
            clean = _IMG_OR_IFRAME.sub(_add_attributes, clean)
        if "<iframe" in clean:  # both iframe passes match only there; most bodies have none
            clean = _EMPTY_IFRAME.sub("", clean)
            if self.embeds == "link":
                clean = embeds_as_links(clean, self.labels)
        if "<audio" in clean or "<video" in clean:
            clean = MEDIA_TAG.sub(self._media, clean)
        return _A_TAG.sub(self._rel, clean) if "<a" in clean else clean

    def _media(self, match: re.Match[str]) -> str:
        """A player that loads nothing until pressed (``embeds = "iframe"``, allowed host), else a link."""
        kind, attrs = match.group(1), match.group(2)
        src = SRC_ATTR.search(attrs)
        if not src:
            return ""
        address = src.group(1)
        if self.embeds == "iframe" and media_allowed(address.replace("&amp;", "&"), self.image_hosts):
            return f'<{kind} controls preload="none" src="{address}"></{kind}>'
        return media_link(kind, address, self.labels)

    def _rel(self, match: re.Match[str]) -> str:
        attrs = match.group(1)
        href = _HREF.search(attrs)
        if not href or not _HTTP.match(href.group(1)):
            return match.group(0)
        host = _link_host(href.group(1))
        if self.site_host and host == self.site_host:
            return match.group(0)
        if ' rel="' in attrs:
            attrs = _REL_ATTR.sub(
                lambda m: ' rel="' + " ".join(dict.fromkeys(["noopener", *m.group(1).split()])) + '"',
                attrs,
            )
        else:
            attrs += ' rel="noopener"'
        return f"<a{attrs}>"

    def render(self, text: str, images: Mapping[str, ImageInfo] | None = None) -> Rendered:
        """Markdown -> :class:`Rendered`. Template syntax such as ``{{ x }}`` stays literal text.

        ``images``: the post folder's image files by name, which :func:`images.dress` sizes.
        """
        text = _CONTROL.sub("\ufffd", text)  # NUL and other C0 controls: invisible, and not allowed in feeds
        tokens = self.md.parse(text)
        html = self.md.renderer.render(tokens, self.md.options, {})
        summary = ""
        image = image_alt = ""
        plains: list[str] = []
        for i, tok in enumerate(tokens):
            if tok.type != "inline" or not tok.children:
                continue
            plain = _plain(tok.children)
            plains.append(plain)
            if not summary and i > 0 and tokens[i - 1].type == "paragraph_open" and plain.strip():
                summary = trim(plain)
            if not image:
                for child in tok.children:
                    if child.type == "image":
                        image = str(child.attrs.get("src", ""))
                        image_alt = _plain(child.children or [])
                        break
        if not image:
            found = _FIRST_IMG.search(html)
            if found:
                image, image_alt = found.group(1), found.group(2) or ""
        if image and not (_safe_image(image) and _image_allowed(image, self.image_hosts)):
            image = image_alt = ""  # pages and feeds use it for og:image and JSON Feed "image"
        clean = dress(self.sanitize(html), images)
        if _FOOTNOTES_OPEN in clean:  # a heading, so the section is named (W3C: a section needs one)
            clean = clean.replace(
                _FOOTNOTES_OPEN,
                f'{_FOOTNOTES_OPEN}\n<h2 class="visually-hidden">{escape(self.footnotes_label)}</h2>',
                1,
            )
        return Rendered(clean, summary, image, image_alt, alnum_count("".join(plains)))


@lru_cache(maxsize=4096)
def _link_host(href: str) -> str:
    """The lowercase host of an (HTML-escaped) link address; a site links to the same few hosts again and again."""
    return (urlsplit(href.replace("&amp;", "&")).hostname or "").lower()


def _add_attributes(match: re.Match[str]) -> str:
    return f"<{match.group(1)}{match.group(2)}{_ADD_ATTRIBUTES[match.group(1)]}>"


@lru_cache(maxsize=1024)
def feed_html(html: str, page_url: str, labels: MediaLabels = KOREAN_LABELS) -> str:
    """Sanitized page HTML -> feed content: absolute URLs, embeds as plain links.

    Feed readers drop iframes and cannot resolve relative URLs, so the W3C validator warns on
    both; this is called only for the few posts a feed carries.
    """
    return _absolutizer_for_base(page_url).clean(media_as_links(embeds_as_links(html, labels), labels))


@lru_cache(maxsize=64)
def _absolutizer_for_base(base: str) -> nh3.Cleaner:
    attributes = {k: set(v) | ({"loading", "decoding"} if k == "img" else set()) for k, v in ATTRIBUTES.items()}
    return nh3.Cleaner(
        tags=TAGS - {"iframe"},
        attributes=attributes,
        link_rel=None,
        url_schemes={"http", "https", "mailto", "data"},
        url_relative=("rewrite_with_base", base),
        strip_comments=True,
    )
