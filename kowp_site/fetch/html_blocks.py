"""WordPress block markup -> plain HTML pieces with one obvious Markdown form, put together by html2md.clean."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from kowp_site.site.markdown import IFRAME_HOSTS

_BACKGROUND = re.compile(r"background-image\s*:\s*url\(\s*(['\"]?)([^'\")]+)\1\s*\)", re.IGNORECASE)
# Tags (and the one attribute each may keep) written verbatim inside raw HTML blocks (<pre>, <dl>, <summary>).
_INLINE_HTML = {
    "a", "abbr", "b", "br", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q", "s", "small", "strong",
    "sub", "sup", "u", "time", "p", "ul", "ol", "li", "dl", "dt", "dd",
}  # fmt: skip
# Block-level elements an image or link may sit next to without a paragraph of its own.
BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption", "dt", "dd", "pre"}
RAW = "kowp-raw"  # placeholder element whose "html" attribute is emitted verbatim as an HTML block


def destination(url: str) -> str:
    """A URL that stays one Markdown link destination (no spaces, no unbalanced parentheses)."""
    for ch, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(ch, code)
    return url


def classes(tag: Tag) -> list[str]:
    return list(tag.get("class") or [])


def has_class(tag: Tag, prefix: str) -> bool:
    return any(c == prefix or c.startswith(prefix) for c in classes(tag))


def allowed_iframe(src: str) -> bool:
    parts = urlsplit(src)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and any(host == h or host.endswith("." + h) for h in IFRAME_HOSTS)


def raw_block(soup: BeautifulSoup, markup: str) -> Tag:
    tag = soup.new_tag(RAW)
    tag["html"] = markup
    return tag


def paragraph(soup: BeautifulSoup, *children: Tag | str, italic: bool = False) -> Tag:
    p = soup.new_tag("p")
    target = p
    if italic:
        target = soup.new_tag("em")
        p.append(target)
    for child in children:
        target.append(child)
    return p


def iframe_block(soup: BeautifulSoup, iframe: Tag, base: str) -> Tag:
    """An embed as a small ``<iframe>`` HTML block (allowed hosts) or else a plain link."""
    src = urljoin(base, str(iframe.get("src") or "").strip())
    title = re.sub(r"\s+", " ", str(iframe.get("title") or "")).strip()
    if not src or urlsplit(src).scheme not in ("http", "https"):
        return soup.new_tag("span")
    if not allowed_iframe(src):
        link = soup.new_tag("a", href=src)
        link.string = title or src
        return paragraph(soup, link)
    attrs = f'src="{html.escape(src)}"'
    if title:
        attrs += f' title="{html.escape(title)}"'
    for name in ("width", "height"):
        value = str(iframe.get(name) or "")
        if re.fullmatch(r"\d{1,4}", value):
            attrs += f' {name}="{value}"'
    return raw_block(soup, f"<iframe {attrs} allowfullscreen></iframe>")


def embed(soup: BeautifulSoup, figure: Tag, base: str) -> None:
    """``figure.wp-block-embed``: the iframe if the feed carried one, else the URL as a link."""
    caption = figure.find("figcaption")
    iframe = figure.find("iframe")
    if isinstance(iframe, Tag) and iframe.get("src"):
        block = iframe_block(soup, iframe, base)
    else:
        wrapper = figure.find(class_="wp-block-embed__wrapper") or figure
        url = wrapper.get_text(" ", strip=True).split(" ")[0] if wrapper.get_text(strip=True) else ""
        if urlsplit(url).scheme not in ("http", "https"):
            block = soup.new_tag("span")
        else:
            link = soup.new_tag("a", href=url)
            link.string = url
            block = paragraph(soup, link)
    parts = [block]
    if isinstance(caption, Tag) and caption.get_text(strip=True):
        parts.append(paragraph(soup, *list(caption.contents), italic=True))
    figure.replace_with(*parts)


def unwrap_figure(soup: BeautifulSoup, figure: Tag) -> None:
    """Images, galleries, tables and quotes in a figure: the content, then the caption in italics."""
    for caption in figure.find_all("figcaption", recursive=False):
        if caption.get_text(strip=True):
            caption.replace_with(paragraph(soup, *list(caption.contents), italic=True))
        else:
            caption.decompose()
    figure.unwrap()


def is_empty(tag: Tag) -> bool:
    if tag.find(["img", "iframe", RAW, "br", "hr", "video"]) is not None:
        return False
    return not tag.get_text().replace("\xa0", " ").strip()


def wrap_loose_media(soup: BeautifulSoup, tag: Tag) -> None:
    """Give an image (or linked image) outside any paragraph a paragraph of its own."""
    target = tag.parent if tag.parent is not None and tag.parent.name == "a" else tag
    parent = target.parent
    if parent is None or parent.name in BLOCKS or parent.find_parent(list(BLOCKS)) is not None:
        return
    if parent.name not in ("[document]", "div", "blockquote", "section", "article", "figure", "body"):
        return
    target.wrap(soup.new_tag("p"))


# --- blocks Markdown has no form for: raw HTML the renderer's sanitizer allows -----------------------


def safe_html(node: Tag | NavigableString, keep_space: bool = False) -> str:
    """A node's content as minimal HTML: only :data:`_INLINE_HTML` tags, only ``href`` on links, text escaped.

    Links and images were made absolute and filtered by :func:`kowp_site.fetch.html2md.clean` before this runs. Other tags are
    unwrapped (their text kept); images leave their alt text. ``keep_space`` keeps newlines (``<pre>``).
    """
    if isinstance(node, NavigableString):
        if isinstance(node, Comment):
            return ""
        text = str(node) if keep_space else re.sub(r"\s+", " ", str(node))
        return html.escape(text, quote=False)
    if node.name == "br":
        return "\n" if keep_space else "<br>"
    if node.name == "img":
        return html.escape(str(node.get("alt") or ""), quote=False)
    inner = "".join(safe_html(child, keep_space) for child in node.children)
    if node.name not in _INLINE_HTML:
        return inner
    if node.name == "a":
        href = str(node.get("href") or "")
        return f'<a href="{html.escape(href)}">{inner}</a>' if href else inner
    return f"<{node.name}>{inner}</{node.name}>"


def media_block(soup: BeautifulSoup, media: Tag, base: str, dropped: list[str]) -> Tag | None:
    """``<audio>``/``<video>`` (a block, a cover or media-text background, a shortcode player) as
    ``<audio controls src="…"></audio>``: the address only, no autoplay, loop or poster. A ``data:``
    address (a whole file in base64) never goes into the Markdown; it is listed in ``dropped``."""
    kind = media.name
    src = str(media.get("src") or "").strip()
    if not src:
        source = media.find("source", src=True)
        src = str(source.get("src") or "").strip() if isinstance(source, Tag) else ""
    if src.lower().startswith("data:"):
        dropped.append(f"a data: {kind} ({len(src):,} characters of base64)")
        return None
    src = urljoin(base, src) if src else ""
    if urlsplit(src).scheme not in ("http", "https"):
        return None
    return raw_block(soup, f'<{kind} controls src="{html.escape(destination(src))}"></{kind}>')


def verse(soup: BeautifulSoup, pre: Tag) -> list[Tag]:
    """``pre.wp-block-verse`` -> paragraphs (one per stanza) whose lines end in hard breaks.

    Emphasis and links stay Markdown; the spaces a line starts with become no-break spaces, which
    Markdown keeps (ordinary leading spaces would be dropped, or make an indented code block).
    """
    for br in pre.find_all("br"):
        br.replace_with(NavigableString("\n"))
    pre.smooth()
    stanzas: list[list[Tag | NavigableString]] = [[]]
    for child in list(pre.contents):
        child = child.extract()
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            for n, part in enumerate(re.split(r"\n[ \t\xa0]*\n+", str(child))):
                if n:
                    stanzas.append([])
                if part:
                    stanzas[-1].append(NavigableString(part))
        else:
            stanzas[-1].append(child)
    paragraphs = []
    for nodes in stanzas:
        p = soup.new_tag("p")
        for node in nodes:
            p.append(node)
        _lines_to_breaks(soup, p)
        if p.get_text().strip(" \t\n\xa0"):
            paragraphs.append(p)
    return paragraphs


def _lines_to_breaks(soup: BeautifulSoup, p: Tag) -> None:
    """Newlines in a paragraph's text (at any depth) -> ``<br>``, leading spaces of a line -> no-break spaces."""
    texts = [t for t in p.find_all(string=True) if not isinstance(t, Comment)]
    at_line_start = True
    for n, text in enumerate(texts):
        value = str(text)
        if n == 0:
            value = value.lstrip("\n")
        if n == len(texts) - 1:
            value = value.rstrip("\n \t")
        pieces = value.split("\n")
        nodes: list[Tag | NavigableString] = []
        for k, piece in enumerate(pieces):
            if k:
                nodes.append(soup.new_tag("br"))
            if k or at_line_start:
                rest = piece.lstrip(" \t")
                piece = "\xa0" * (len(piece) - len(rest)) + rest
            if piece:
                nodes.append(NavigableString(piece))
        if value:
            at_line_start = pieces[-1] == ""
        if nodes:
            text.replace_with(*nodes)
        else:
            text.extract()


def background_image(soup: BeautifulSoup, tag: Tag) -> None:
    """A cover or media-text whose image is only a CSS ``background-image`` gets it as an ``<img>``."""
    found = _BACKGROUND.search(str(tag.get("style") or ""))
    if not found or tag.find(["img", "video"]) is not None:
        return
    img = soup.new_tag("img", src=found.group(2).strip(), alt="")
    tag.insert(0, img)


def file_block(soup: BeautifulSoup, block: Tag) -> None:
    """``div.wp-block-file``: the file's link once; its "Download" button only when it is the only link."""
    for embed in block.find_all(["object", "embed"]):
        embed.decompose()
    links = block.find_all("a")
    buttons = [a for a in links if has_class(a, "wp-block-file__button")]
    named = [a for a in links if a not in buttons and a.get_text(strip=True)]
    for button in buttons:
        if any(a.get("href") == button.get("href") for a in named):
            button.decompose()
    block.name = "p"
    for a in block.find_all("a"):
        if a.next_sibling is not None and isinstance(a.next_sibling, Tag) and a.next_sibling.name == "a":
            a.insert_after(" ")


def pullquote(soup: BeautifulSoup, block: Tag) -> None:
    """Every saved form of the pullquote (figure, aside, blockquote) becomes one ``<blockquote>``."""
    if block.name == "blockquote":
        return
    inner = block.find("blockquote")
    if isinstance(inner, Tag):
        for caption in block.find_all("figcaption"):
            inner.append(caption.extract())
        block.unwrap()
    else:
        block.name = "blockquote"
        block.attrs = {}


def accordion_heading(heading: Tag) -> None:
    """The accordion's title sits in a ``<button>`` (dropped with all buttons); keep it in the heading."""
    for icon in heading.find_all(class_="wp-block-accordion-heading__toggle-icon"):
        icon.decompose()
    for button in heading.find_all("button"):
        button.unwrap()
    for title in heading.find_all(class_="wp-block-accordion-heading__toggle-title"):
        title.unwrap()


def details_block(soup: BeautifulSoup, details: Tag) -> None:
    summary = details.find("summary")
    label = safe_html(summary).strip() if isinstance(summary, Tag) else ""
    if isinstance(summary, Tag):
        summary.decompose()
    replacement = soup.new_tag("kowp-details", summary=label or "Details")
    if details.has_attr("open"):
        replacement["open"] = ""
    for child in list(details.contents):
        replacement.append(child.extract())
    details.replace_with(replacement)


def dropped_form(form: Tag) -> str:
    fields = form.find_all(["input", "textarea", "select"])
    shown = [f for f in fields if str(f.get("type") or "").lower() not in ("hidden", "submit")]
    return f"a form with {len(shown)} field{'s' if len(shown) != 1 else ''} (a static page cannot send it)"


def description_list(dl: Tag) -> str:
    """``dl`` as one raw HTML block: one ``<dt>``/``<dd>`` a line, no blank line (which would end the block)."""
    rows = []
    for item in dl.find_all(["dt", "dd"]):
        if item.find_parent("dl") is dl:
            inner = "".join(safe_html(child) for child in item.children).strip()
            rows.append(f"<{item.name}>{inner}</{item.name}>")
    return "<dl>\n" + "\n".join(rows) + "\n</dl>"


class Index:
    """The elements of the parsed post by name and class, found in one walk; each lookup returns only
    those still in the document (earlier steps remove and replace elements)."""

    def __init__(self, soup: BeautifulSoup):
        self.soup = soup
        self.by_name: dict[str, list[Tag]] = {}
        self.by_class: dict[str, list[Tag]] = {}
        self._order: dict[int, int] = {}  # document order, for lookups that merge several lists
        for n, tag in enumerate(soup.find_all(True)):
            self._order[id(tag)] = n
            self.by_name.setdefault(tag.name, []).append(tag)
            for cls in classes(tag):
                self.by_class.setdefault(cls, []).append(tag)

    def attached(self, tag: Tag) -> bool:
        node: Tag | None = tag
        while node is not None:
            if node is self.soup:
                return True
            node = node.parent
        return False

    def named(self, *names: str) -> list[Tag]:
        found = [tag for name in names for tag in self.by_name.get(name, [])]
        if len(names) > 1:
            found.sort(key=lambda tag: self._order.get(id(tag), 0))
        return [tag for tag in found if self.attached(tag)]

    def with_class(self, cls: str) -> list[Tag]:
        return [tag for tag in self.by_class.get(cls, []) if self.attached(tag)]

    def with_class_prefix(self, *prefixes: str) -> list[Tag]:
        seen: dict[int, Tag] = {}
        for cls, tags in self.by_class.items():
            if cls.startswith(prefixes):
                seen.update((id(tag), tag) for tag in tags)
        return sorted((t for t in seen.values() if self.attached(t)), key=lambda t: self._order.get(id(t), 0))
