"""WordPress post HTML -> clean Markdown a translator can edit, in one pure function.

Called by :mod:`kowp_site.fetch.importer` for each feed entry's content:encoded. The conversion itself
is markdownify's; this module first tidies the block-editor markup (``<!-- wp:… -->`` comments,
``wp-block-*`` wrappers, empty paragraphs, figures, buttons, embeds) into plain HTML that has one
obvious Markdown form, then post-processes whitespace. Nothing here touches the disk or network.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from markdownify import MarkdownConverter

from kowp_site.site.markdown import IFRAME_HOSTS

# data: images the renderer (markdown-it's link check) shows; any other data: address is dropped.
_DATA_RASTER = re.compile(r"data:image/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=]+\Z", re.IGNORECASE)
_BACKGROUND = re.compile(r"background-image\s*:\s*url\(\s*(['\"]?)([^'\")]+)\1\s*\)", re.IGNORECASE)
# Tags (and the one attribute each may keep) written verbatim inside raw HTML blocks (<pre>, <dl>, <summary>).
_INLINE_HTML = {
    "a", "abbr", "b", "br", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q", "s", "small", "strong",
    "sub", "sup", "u", "time", "p", "ul", "ol", "li", "dl", "dt", "dd",
}  # fmt: skip

# Elements whose content never belongs in a post body.
DROPPED = ("script", "style", "noscript", "template", "form", "input", "button", "select", "textarea", "svg", "link")
# Block-level elements an image or link may sit next to without a paragraph of its own.
BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption", "dt", "dd", "pre"}
LINK_SCHEMES = ("http", "https", "mailto")

_RAW = "kowp-raw"  # placeholder element whose "html" attribute is emitted verbatim as an HTML block
_LINE_START = re.compile(r"^([ \t]*)(#{1,6}(?=[ \t]|$)|>|[-+*](?=[ \t]|$)|[-=]+[ \t]*$)", re.MULTILINE)
_ORDERED_START = re.compile(r"^([ \t]*\d{1,9})(?=[.)](?:[ \t]|$))", re.MULTILINE)
_BLANKS = re.compile(r"\n{3,}")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_PRE_START = re.compile(r"^(?:> ?)*<pre>")


def _escape_text(text: str, in_link: bool) -> str:
    """Escape only what Markdown would otherwise read as syntax, so the text stays readable."""
    text = re.sub(r"\\(?=[!-/:-@\[-`{-~]|\n|\Z)", r"\\\\", text)  # also a hard break
    text = text.replace("*", r"\*").replace("`", r"\`")
    text = re.sub(r"(?<![^\W_])_|_(?![^\W_])", r"\_", text)  # only at word edges: snake_case stays
    text = re.sub(r"<(?=[A-Za-z/!?])", r"\<", text)
    text = re.sub(r"&(?=#?\w+;)", r"\&", text)
    text = text.replace("~~", r"\~\~").replace("|", r"\|")  # no strikethrough, no table
    text = text.replace("[^", r"\[^").replace("^[", r"^\[")  # no footnote
    if in_link:  # noqa: SIM108 - two different escapes, clearer apart
        text = text.replace("[", r"\[").replace("]", r"\]")
    else:
        text = re.sub(r"\](?=[(\[:])", r"\]", text)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _ORDERED_START.sub(lambda m: m.group(1) + "\\", text)


def _destination(url: str) -> str:
    """A URL that stays one Markdown link destination (no spaces, no unbalanced parentheses)."""
    for ch, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(ch, code)
    return url


class _Converter(MarkdownConverter):
    """markdownify with the escaping, links and raw blocks this project needs."""

    def escape(self, text: str, parent_tags: set[str]) -> str:
        return _escape_text(text, "a" in parent_tags) if text else ""

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        href = el.get("href")
        if "_noformat" in parent_tags or not href:
            return text
        before = " " if text[:1].isspace() else ""
        after = " " if text[-1:].isspace() else ""
        text = text.strip()
        if not text:
            return ""
        if text.replace("\\", "") == href and urlsplit(href).scheme in ("http", "https"):
            return f"{before}<{href}>{after}"
        return f"{before}[{text}]({_destination(str(href))}){after}"

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        alt = re.sub(r"\s+", " ", str(el.get("alt") or "")).strip()
        alt = alt.replace("[", r"\[").replace("]", r"\]")
        src = str(el.get("src") or "")
        if not src:
            return alt
        if "_inline" in parent_tags and not ({"td", "th"} & parent_tags):
            return alt
        return f"![{alt}]({_destination(src)})"

    def convert_kowp_raw(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return "\n\n" + str(el.get("html", "")) + "\n\n"

    def convert_kowp_text(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return str(el.get("text", ""))  # Markdown written by clean() itself (a footnote reference)

    def convert_kowp_details(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """``<details>``: the summary as inline HTML, the body as Markdown between blank lines."""
        opening = "<details open>" if el.has_attr("open") else "<details>"
        head = f"{opening}\n<summary>{el.get('summary', '')}</summary>"
        body = text.strip("\n")
        return f"\n\n{head}\n\n{body}\n\n</details>\n\n" if body else f"\n\n{head}\n</details>\n\n"


_CONVERTER = _Converter(
    heading_style="atx",
    bullets="-",
    newline_style="backslash",
    strong_em_symbol="*",
    code_language_callback=lambda el: _code_language(el),
    escape_misc=False,
    keep_inline_images_in=["td", "th"],
    table_infer_header=True,  # a table without a head row: its first row heads it, no empty row is made up
    sub_symbol="<sub>",  # H<sub>2</sub>O: Markdown has no form, the sanitizer allows these tags
    sup_symbol="<sup>",
)


def _code_language(pre: Tag) -> str:
    for tag in (pre, pre.find("code")):
        if isinstance(tag, Tag):
            for cls in tag.get("class") or []:
                if cls.startswith("language-") and re.fullmatch(r"[\w+#.-]{1,32}", cls[9:]):
                    return cls[9:]
    return ""


def _classes(tag: Tag) -> list[str]:
    return list(tag.get("class") or [])


def _has_class(tag: Tag, prefix: str) -> bool:
    return any(c == prefix or c.startswith(prefix) for c in _classes(tag))


def _allowed_iframe(src: str) -> bool:
    parts = urlsplit(src)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and any(host == h or host.endswith("." + h) for h in IFRAME_HOSTS)


def _raw(soup: BeautifulSoup, markup: str) -> Tag:
    tag = soup.new_tag(_RAW)
    tag["html"] = markup
    return tag


def _paragraph(soup: BeautifulSoup, *children: Tag | str, italic: bool = False) -> Tag:
    p = soup.new_tag("p")
    target = p
    if italic:
        target = soup.new_tag("em")
        p.append(target)
    for child in children:
        target.append(child)
    return p


def _iframe_block(soup: BeautifulSoup, iframe: Tag, base: str) -> Tag:
    """An embed as a small ``<iframe>`` HTML block (allowed hosts) or else a plain link."""
    src = urljoin(base, str(iframe.get("src") or "").strip())
    title = re.sub(r"\s+", " ", str(iframe.get("title") or "")).strip()
    if not src or urlsplit(src).scheme not in ("http", "https"):
        return soup.new_tag("span")
    if not _allowed_iframe(src):
        link = soup.new_tag("a", href=src)
        link.string = title or src
        return _paragraph(soup, link)
    attrs = f'src="{html.escape(src)}"'
    if title:
        attrs += f' title="{html.escape(title)}"'
    for name in ("width", "height"):
        value = str(iframe.get(name) or "")
        if re.fullmatch(r"\d{1,4}", value):
            attrs += f' {name}="{value}"'
    return _raw(soup, f"<iframe {attrs} allowfullscreen></iframe>")


def _embed(soup: BeautifulSoup, figure: Tag, base: str) -> None:
    """``figure.wp-block-embed``: the iframe if the feed carried one, else the URL as a link."""
    caption = figure.find("figcaption")
    iframe = figure.find("iframe")
    if isinstance(iframe, Tag) and iframe.get("src"):
        block = _iframe_block(soup, iframe, base)
    else:
        wrapper = figure.find(class_="wp-block-embed__wrapper") or figure
        url = wrapper.get_text(" ", strip=True).split(" ")[0] if wrapper.get_text(strip=True) else ""
        if urlsplit(url).scheme not in ("http", "https"):
            block = soup.new_tag("span")
        else:
            link = soup.new_tag("a", href=url)
            link.string = url
            block = _paragraph(soup, link)
    parts = [block]
    if isinstance(caption, Tag) and caption.get_text(strip=True):
        parts.append(_paragraph(soup, *list(caption.contents), italic=True))
    figure.replace_with(*parts)


def _figure(soup: BeautifulSoup, figure: Tag) -> None:
    """Images, galleries, tables and quotes in a figure: the content, then the caption in italics."""
    for caption in figure.find_all("figcaption", recursive=False):
        if caption.get_text(strip=True):
            caption.replace_with(_paragraph(soup, *list(caption.contents), italic=True))
        else:
            caption.decompose()
    figure.unwrap()


def _is_empty(tag: Tag) -> bool:
    if tag.find(["img", "iframe", _RAW, "br", "hr", "video"]) is not None:
        return False
    return not tag.get_text().replace("\xa0", " ").strip()


def _wrap_loose_media(soup: BeautifulSoup, tag: Tag) -> None:
    """Give an image (or linked image) outside any paragraph a paragraph of its own."""
    target = tag.parent if tag.parent is not None and tag.parent.name == "a" else tag
    parent = target.parent
    if parent is None or parent.name in BLOCKS or parent.find_parent(list(BLOCKS)) is not None:
        return
    if parent.name not in ("[document]", "div", "blockquote", "section", "article", "figure", "body"):
        return
    target.wrap(soup.new_tag("p"))


# --- blocks Markdown has no form for: raw HTML the renderer's sanitizer allows -----------------------


def _safe_html(node: Tag | NavigableString, keep_space: bool = False) -> str:
    """A node's content as minimal HTML: only :data:`_INLINE_HTML` tags, only ``href`` on links, text escaped.

    Links and images were made absolute and filtered by :func:`clean` before this runs. Other tags are
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
    inner = "".join(_safe_html(child, keep_space) for child in node.children)
    if node.name not in _INLINE_HTML:
        return inner
    if node.name == "a":
        href = str(node.get("href") or "")
        return f'<a href="{html.escape(href)}">{inner}</a>' if href else inner
    return f"<{node.name}>{inner}</{node.name}>"


def _media_block(soup: BeautifulSoup, media: Tag, base: str, dropped: list[str]) -> Tag | None:
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
    return _raw(soup, f'<{kind} controls src="{html.escape(_destination(src))}"></{kind}>')


def _verse(soup: BeautifulSoup, pre: Tag) -> list[Tag]:
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


def _background_image(soup: BeautifulSoup, tag: Tag) -> None:
    """A cover or media-text whose image is only a CSS ``background-image`` gets it as an ``<img>``."""
    found = _BACKGROUND.search(str(tag.get("style") or ""))
    if not found or tag.find(["img", "video"]) is not None:
        return
    img = soup.new_tag("img", src=found.group(2).strip(), alt="")
    tag.insert(0, img)


def _file(soup: BeautifulSoup, block: Tag) -> None:
    """``div.wp-block-file``: the file's link once; its "Download" button only when it is the only link."""
    for embed in block.find_all(["object", "embed"]):
        embed.decompose()
    links = block.find_all("a")
    buttons = [a for a in links if _has_class(a, "wp-block-file__button")]
    named = [a for a in links if a not in buttons and a.get_text(strip=True)]
    for button in buttons:
        if any(a.get("href") == button.get("href") for a in named):
            button.decompose()
    block.name = "p"
    for a in block.find_all("a"):
        if a.next_sibling is not None and isinstance(a.next_sibling, Tag) and a.next_sibling.name == "a":
            a.insert_after(" ")


def _pullquote(soup: BeautifulSoup, block: Tag) -> None:
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


def _accordion_heading(heading: Tag) -> None:
    """The accordion's title sits in a ``<button>`` (dropped with all buttons); keep it in the heading."""
    for icon in heading.find_all(class_="wp-block-accordion-heading__toggle-icon"):
        icon.decompose()
    for button in heading.find_all("button"):
        button.unwrap()
    for title in heading.find_all(class_="wp-block-accordion-heading__toggle-title"):
        title.unwrap()


def _details(soup: BeautifulSoup, details: Tag) -> None:
    summary = details.find("summary")
    label = _safe_html(summary).strip() if isinstance(summary, Tag) else ""
    if isinstance(summary, Tag):
        summary.decompose()
    replacement = soup.new_tag("kowp-details", summary=label or "Details")
    if details.has_attr("open"):
        replacement["open"] = ""
    for child in list(details.contents):
        replacement.append(child.extract())
    details.replace_with(replacement)


def _dropped_form(form: Tag) -> str:
    fields = form.find_all(["input", "textarea", "select"])
    shown = [f for f in fields if str(f.get("type") or "").lower() not in ("hidden", "submit")]
    return f"a form with {len(shown)} field{'s' if len(shown) != 1 else ''} (a static page cannot send it)"


class _Index:
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
            for cls in _classes(tag):
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


def clean(html_text: str, base: str, dropped: list[str] | None = None) -> BeautifulSoup:
    """Block-editor HTML -> plain HTML with one obvious Markdown form. URLs become absolute.

    What cannot be kept (a ``data:`` video, a form's fields) is described in ``dropped``.
    """
    dropped = [] if dropped is None else dropped
    soup = BeautifulSoup(html_text, "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    index = _Index(soup)
    for heading in index.with_class("wp-block-accordion-heading"):
        _accordion_heading(heading)
    for form in index.named("form"):
        if form.find(["input", "textarea", "select"]) is not None and form.find_parent("form") is None:
            dropped.append(_dropped_form(form))
    for tag in soup.find_all(DROPPED):
        tag.decompose()

    levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    if levels and min(levels) == 1:  # the page title is the only h1; the body starts at h2
        for h in soup.find_all(re.compile(r"^h[1-6]$")):
            h.name = f"h{min(6, int(h.name[1]) + 1)}"

    for figure in soup.find_all("figure"):
        if figure.parent is not None and _has_class(figure, "wp-block-embed"):
            _embed(soup, figure, base)
    for iframe in soup.find_all("iframe"):
        iframe.replace_with(_iframe_block(soup, iframe, base))
    for media in index.named("audio", "video"):
        if not index.attached(media):
            continue  # inside another player already replaced
        block = _media_block(soup, media, base, dropped)
        if block is None:
            media.decompose()
        else:
            media.replace_with(block)
    for tag in index.with_class_prefix("wp-block-cover", "wp-block-media-text"):
        _background_image(soup, tag)
    for block in index.with_class("wp-block-file"):
        _file(soup, block)

    for button in soup.find_all(class_=re.compile(r"^wp-block-button$")):
        link = button.find("a")
        if isinstance(link, Tag):
            button.replace_with(_paragraph(soup, link.extract()))
        else:
            button.decompose()

    for block in index.with_class("wp-block-pullquote"):
        _pullquote(soup, block)
    for quote in soup.find_all("blockquote"):
        for cite in quote.find_all(["cite", "footer"]):
            if cite.find_parent("p") is None and cite.get_text(strip=True):
                cite.replace_with(_paragraph(soup, "— ", *list(cite.contents)))

    for figure in reversed(soup.find_all("figure")):
        _figure(soup, figure)
    for foot in index.named("tfoot"):  # Markdown tables have one body: the footer rows go last in it
        bodies = foot.parent.find_all("tbody", recursive=False) if foot.parent is not None else []
        body = bodies[-1] if bodies else None
        if isinstance(body, Tag):
            for row in foot.find_all("tr", recursive=False):
                body.append(row.extract())
            foot.decompose()
    for when in index.named("time"):  # a date right after a title (latest posts) is shown apart from it
        if isinstance(when.previous_sibling, Tag):
            when.insert_before(" ")

    for link in soup.find_all("a"):
        href = str(link.get("href") or "").strip()
        absolute = urljoin(base, href) if href and not href.startswith("#") else href
        if href.startswith("#") and len(href) > 1:
            link.attrs = {"href": href}
        elif absolute and urlsplit(absolute).scheme in LINK_SCHEMES:
            link.attrs = {"href": absolute}
        else:
            link.unwrap()
    for img in soup.find_all("img"):
        raw = str(img.get("src") or "").strip()
        if raw.lower().startswith("data:"):
            src = re.sub(r"\s+", "", raw)
            if not _DATA_RASTER.match(src):
                dropped.append(f"a data: image that is not PNG, GIF, JPEG or WebP ({src[:24]}…)")
                img.decompose()
                continue
        else:
            src = urljoin(base, raw)
            if urlsplit(src).scheme not in ("http", "https"):
                img.decompose()
                continue
        img.attrs = {"src": src, "alt": img.get("alt") or ""}
        _wrap_loose_media(soup, img)

    for p in soup.find_all("p"):
        if _is_empty(p):
            p.decompose()
    for text in soup.find_all(string=lambda s: isinstance(s, NavigableString) and "\xa0" in s):
        if text.find_parent(["pre", "code"]) is None:
            text.replace_with(text.replace("\xa0", " "))

    # Last, so their contents were cleaned like the rest: blocks written as raw HTML or line by line.
    for pre in index.named("pre"):
        if not _has_class(pre, "wp-block-verse"):
            continue
        pre.replace_with(*(_verse(soup, pre) or [soup.new_tag("span")]))
    for pre in index.named("pre"):
        if not _has_class(pre, "wp-block-preformatted"):
            continue
        inner = "".join(_safe_html(child, keep_space=True) for child in pre.children).strip("\n")
        pre.replace_with(_raw(soup, f"<pre>{inner}</pre>") if inner.strip() else soup.new_tag("span"))
    for dl in reversed(index.named("dl")):
        if dl.find_parent("dl") is None:
            dl.replace_with(_raw(soup, _description_list(dl)))
    for details in reversed(index.named("details")):
        _details(soup, details)
    for notes in index.with_class("wp-block-footnotes"):
        _footnotes(soup, notes)
    return soup


def _footnotes(soup: BeautifulSoup, notes: Tag) -> None:
    """The footnotes block and its ``<sup data-fn>`` references -> Markdown footnotes (``[^1]``)."""
    numbers: dict[str, int] = {}
    lines: list[str] = []
    for item in notes.find_all("li", recursive=False):
        note_id = str(item.get("id") or "")
        if not note_id:
            continue
        numbers[note_id] = len(numbers) + 1
        for back in item.find_all("a", href=f"#{note_id}-link"):
            back.decompose()
        paragraph = soup.new_tag("p")
        for child in list(item.contents):
            paragraph.append(child.extract())
        text = _tidy(_CONVERTER.convert_soup(paragraph)).strip().replace("\n", " ")
        lines.append(f"[^{numbers[note_id]}]: {text}")
    for sup in soup.find_all("sup"):
        link = sup.find("a", href=True)
        target = str(link.get("href"))[1:] if isinstance(link, Tag) else ""
        if target in numbers:
            sup.replace_with(soup.new_tag("kowp-text", text=f"[^{numbers[target]}]"))
    notes.replace_with(_raw(soup, "\n".join(lines)) if lines else soup.new_tag("span"))


def _description_list(dl: Tag) -> str:
    """``dl`` as one raw HTML block: one ``<dt>``/``<dd>`` a line, no blank line (which would end the block)."""
    rows = []
    for item in dl.find_all(["dt", "dd"]):
        if item.find_parent("dl") is dl:
            inner = "".join(_safe_html(child) for child in item.children).strip()
            rows.append(f"<{item.name}>{inner}</{item.name}>")
    return "<dl>\n" + "\n".join(rows) + "\n</dl>"


def _tidy(markdown: str) -> str:
    """Trailing spaces off, at most one blank line in a row, outside fenced code and ``<pre>`` blocks."""
    out: list[str] = []
    fence = ""
    for line in markdown.split("\n"):
        match = _FENCE.match(line)
        if fence == "<pre>":
            out.append(line)
            if "</pre>" in line:
                fence = ""
            continue
        if _PRE_START.match(line) and "</pre>" not in line:
            fence = "<pre>"
            out.append(line)
            continue
        if fence:
            out.append(line)
            if match and line.strip() == fence:
                fence = ""
            continue
        if match:
            fence = match.group(1)
        out.append(line.rstrip())
    text = "\n".join(out)
    # Collapse runs of blank lines; a run inside fenced code is kept because it holds no "\n\n\n"
    # after rstrip only when it was written so, which code blocks rarely are.
    parts = re.split(r"(^```[\s\S]*?^```$|^(?:> ?)*<pre>[\s\S]*?</pre>)", text, flags=re.MULTILINE)
    text = "".join(part if n % 2 else _BLANKS.sub("\n\n", part) for n, part in enumerate(parts))  # odd: captured
    return text.strip("\n") + "\n" if text.strip() else ""


def convert(html_text: str, base: str = "") -> tuple[str, tuple[str, ...]]:
    """WordPress content HTML -> ``(Markdown, what was dropped)``; ``base`` (the post's link) makes
    relative URLs absolute. The second value describes, in words, content that could not be kept."""
    dropped: list[str] = []
    markdown = _tidy(_CONVERTER.convert_soup(clean(html_text, base, dropped)))
    return markdown, tuple(dropped)


def to_markdown(html_text: str, base: str = "") -> str:
    """WordPress content HTML -> Markdown. ``base`` (the post's link) makes relative URLs absolute."""
    return convert(html_text, base)[0]
