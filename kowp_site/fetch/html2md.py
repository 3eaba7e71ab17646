"""WordPress post HTML -> clean Markdown a translator can edit, in one pure function.

Called by :mod:`kowp_site.fetch.importer` for each feed entry's content:encoded. The conversion itself
is markdownify's; this module first tidies the block-editor markup (``<!-- wp:… -->`` comments,
``wp-block-*`` wrappers, empty paragraphs, figures, buttons, embeds) into plain HTML that has one
obvious Markdown form (the blocks one by one in :mod:`kowp_site.fetch.html_blocks`), then
post-processes whitespace. Nothing here touches the disk or network.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from markdownify import MarkdownConverter

from kowp_site.fetch.html_blocks import (
    Index,
    accordion_heading,
    background_image,
    description_list,
    destination,
    details_block,
    dropped_form,
    embed,
    file_block,
    has_class,
    iframe_block,
    is_empty,
    media_block,
    paragraph,
    pullquote,
    raw_block,
    safe_html,
    unwrap_figure,
    verse,
    wrap_loose_media,
)

# data: images the renderer (markdown-it's link check) shows; any other data: address is dropped.
_DATA_RASTER = re.compile(r"data:image/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=]+\Z", re.IGNORECASE)

# Elements whose content never belongs in a post body.
DROPPED = ("script", "style", "noscript", "template", "form", "input", "button", "select", "textarea", "svg", "link")
LINK_SCHEMES = ("http", "https", "mailto")

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
        return f"{before}[{text}]({destination(str(href))}){after}"

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        alt = re.sub(r"\s+", " ", str(el.get("alt") or "")).strip()
        alt = alt.replace("[", r"\[").replace("]", r"\]")
        src = str(el.get("src") or "")
        if not src:
            return alt
        if "_inline" in parent_tags and not ({"td", "th"} & parent_tags):
            return alt
        return f"![{alt}]({destination(src)})"

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


def clean(html_text: str, base: str, dropped: list[str] | None = None) -> BeautifulSoup:
    """Block-editor HTML -> plain HTML with one obvious Markdown form. URLs become absolute.

    What cannot be kept (a ``data:`` video, a form's fields) is described in ``dropped``.
    The steps run in this order: each sees what the ones before it left.
    """
    dropped = [] if dropped is None else dropped
    soup = BeautifulSoup(html_text, "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    index = Index(soup)
    _drop_what_never_belongs(soup, index, dropped)
    _headings_below_the_title(soup)
    _embeds_and_media(soup, index, base, dropped)
    _buttons_and_quotes(soup, index)
    _figures_and_tables(soup, index)
    _links_absolute(soup, base)
    _images_absolute(soup, base, dropped)
    _empty_paragraphs_and_no_break_spaces(soup)
    # Last, so their contents were cleaned like the rest: blocks written as raw HTML or line by line.
    _raw_and_line_blocks(soup, index)
    return soup


def _drop_what_never_belongs(soup: BeautifulSoup, index: Index, dropped: list[str]) -> None:
    """Scripts, styles, forms and buttons go (a form is described in ``dropped``); an accordion's
    title is taken out of its button first."""
    for heading in index.with_class("wp-block-accordion-heading"):
        accordion_heading(heading)
    for form in index.named("form"):
        if form.find(["input", "textarea", "select"]) is not None and form.find_parent("form") is None:
            dropped.append(dropped_form(form))
    for tag in soup.find_all(DROPPED):
        tag.decompose()


def _headings_below_the_title(soup: BeautifulSoup) -> None:
    """The page title is the only h1: a body that uses h1 has every heading one level down."""
    levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    if levels and min(levels) == 1:
        for h in soup.find_all(re.compile(r"^h[1-6]$")):
            h.name = f"h{min(6, int(h.name[1]) + 1)}"


def _embeds_and_media(soup: BeautifulSoup, index: Index, base: str, dropped: list[str]) -> None:
    """Embeds, iframes, audio and video players, background images and file blocks."""
    for figure in soup.find_all("figure"):
        if figure.parent is not None and has_class(figure, "wp-block-embed"):
            embed(soup, figure, base)
    for iframe in soup.find_all("iframe"):
        iframe.replace_with(iframe_block(soup, iframe, base))
    for media in index.named("audio", "video"):
        if not index.attached(media):
            continue  # inside another player already replaced
        block = media_block(soup, media, base, dropped)
        if block is None:
            media.decompose()
        else:
            media.replace_with(block)
    for tag in index.with_class_prefix("wp-block-cover", "wp-block-media-text"):
        background_image(soup, tag)
    for block in index.with_class("wp-block-file"):
        file_block(soup, block)


def _buttons_and_quotes(soup: BeautifulSoup, index: Index) -> None:
    """A button is its link in a paragraph; a pullquote a blockquote; a quote's citation a "— " line."""
    for button in soup.find_all(class_=re.compile(r"^wp-block-button$")):
        link = button.find("a")
        if isinstance(link, Tag):
            button.replace_with(paragraph(soup, link.extract()))
        else:
            button.decompose()
    for block in index.with_class("wp-block-pullquote"):
        pullquote(soup, block)
    for quote in soup.find_all("blockquote"):
        for cite in quote.find_all(["cite", "footer"]):
            if cite.find_parent("p") is None and cite.get_text(strip=True):
                cite.replace_with(paragraph(soup, "— ", *list(cite.contents)))


def _figures_and_tables(soup: BeautifulSoup, index: Index) -> None:
    """Figures unwrapped (captions in italics), table footers moved into the body, dates set apart."""
    for figure in reversed(soup.find_all("figure")):
        unwrap_figure(soup, figure)
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


def _links_absolute(soup: BeautifulSoup, base: str) -> None:
    """Every link absolute with only its ``href`` (or a ``#`` anchor); any other scheme: its text only."""
    for link in soup.find_all("a"):
        href = str(link.get("href") or "").strip()
        absolute = urljoin(base, href) if href and not href.startswith("#") else href
        if href.startswith("#") and len(href) > 1:
            link.attrs = {"href": href}
        elif absolute and urlsplit(absolute).scheme in LINK_SCHEMES:
            link.attrs = {"href": absolute}
        else:
            link.unwrap()


def _images_absolute(soup: BeautifulSoup, base: str, dropped: list[str]) -> None:
    """Every image absolute (or a small raster ``data:`` image) with only ``src`` and ``alt``, in a
    paragraph; others go (a ``data:`` one is described in ``dropped``)."""
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
        wrap_loose_media(soup, img)


def _empty_paragraphs_and_no_break_spaces(soup: BeautifulSoup) -> None:
    """Empty paragraphs go; no-break spaces become spaces outside code."""
    for p in soup.find_all("p"):
        if is_empty(p):
            p.decompose()
    for text in soup.find_all(string=lambda s: isinstance(s, NavigableString) and "\xa0" in s):
        if text.find_parent(["pre", "code"]) is None:
            text.replace_with(text.replace("\xa0", " "))


def _raw_and_line_blocks(soup: BeautifulSoup, index: Index) -> None:
    """Verse as lines, preformatted text, description lists and details as raw HTML, footnotes as ``[^1]``."""
    for pre in index.named("pre"):
        if not has_class(pre, "wp-block-verse"):
            continue
        pre.replace_with(*(verse(soup, pre) or [soup.new_tag("span")]))
    for pre in index.named("pre"):
        if not has_class(pre, "wp-block-preformatted"):
            continue
        inner = "".join(safe_html(child, keep_space=True) for child in pre.children).strip("\n")
        pre.replace_with(raw_block(soup, f"<pre>{inner}</pre>") if inner.strip() else soup.new_tag("span"))
    for dl in reversed(index.named("dl")):
        if dl.find_parent("dl") is None:
            dl.replace_with(raw_block(soup, description_list(dl)))
    for details in reversed(index.named("details")):
        details_block(soup, details)
    for notes in index.with_class("wp-block-footnotes"):
        _footnotes(soup, notes)


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
    notes.replace_with(raw_block(soup, "\n".join(lines)) if lines else soup.new_tag("span"))


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
