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


_CONVERTER = _Converter(
    heading_style="atx",
    bullets="-",
    newline_style="backslash",
    strong_em_symbol="*",
    code_language_callback=lambda el: _code_language(el),
    escape_misc=False,
    keep_inline_images_in=["td", "th"],
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


def clean(html_text: str, base: str) -> BeautifulSoup:
    """Block-editor HTML -> plain HTML with one obvious Markdown form. URLs become absolute."""
    soup = BeautifulSoup(html_text, "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
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

    for button in soup.find_all(class_=re.compile(r"^wp-block-button$")):
        link = button.find("a")
        if isinstance(link, Tag):
            button.replace_with(_paragraph(soup, link.extract()))
        else:
            button.decompose()

    for quote in soup.find_all("blockquote"):
        for cite in quote.find_all("cite"):
            if cite.find_parent("p") is None and cite.get_text(strip=True):
                cite.replace_with(_paragraph(soup, "— ", *list(cite.contents)))

    for figure in reversed(soup.find_all("figure")):
        _figure(soup, figure)

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
        src = urljoin(base, str(img.get("src") or "").strip())
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
    return soup


def _tidy(markdown: str) -> str:
    """Trailing spaces off, at most one blank line in a row, outside fenced code."""
    out: list[str] = []
    fence = ""
    for line in markdown.split("\n"):
        match = _FENCE.match(line)
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
    parts = re.split(r"(^```[\s\S]*?^```$)", text, flags=re.MULTILINE)
    text = "".join(part if part.startswith("```") else _BLANKS.sub("\n\n", part) for part in parts)
    return text.strip("\n") + "\n" if text.strip() else ""


def to_markdown(html_text: str, base: str = "") -> str:
    """WordPress content HTML -> Markdown. ``base`` (the post's link) makes relative URLs absolute."""
    return _tidy(_CONVERTER.convert_soup(clean(html_text, base)))
