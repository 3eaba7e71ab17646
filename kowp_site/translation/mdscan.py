"""A Markdown file as the checks see it: file lines, front-matter key lines, body tokens.

``kowp-site check`` reports ``path:line``, so everything here keeps file line numbers: body tokens
come from markdown-it-py (through :class:`kowp_site.site.markdown.Renderer`'s parser) and their
``map`` is shifted to lines of the file. Pure apart from reading the one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

FENCE_RE = re.compile(r"-{3,}\s*")
HREF_RE = re.compile(r"""<(?:a|area)\b[^>]*?\bhref\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
IMG_RE = re.compile(r"<img\b", re.IGNORECASE)
INLINE_CODE_RE = re.compile(r"(`+)(?:(?!\1).)+?\1")
KEY_RE = re.compile(r"([A-Za-z_][\w-]*)\s*:")


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    from kowp_site.site.markdown import Renderer

    return Renderer().md


@dataclass(frozen=True)
class Link:
    href: str
    line: int  # file line, 1-based
    text: str


@dataclass(frozen=True)
class Doc:
    """One Markdown file with front matter, scanned once for every check."""

    path: Path
    lines: tuple[str, ...]  # the whole file, "\n"-split
    body_offset: int  # index in ``lines`` of the first line after the closing '---'
    keys: dict[str, int]  # front-matter key -> file line
    tokens: tuple[Token, ...]  # block tokens of the body
    code: frozenset[int]  # file lines inside fenced/indented code or raw HTML blocks

    def line_of(self, token: Token) -> int:
        """File line (1-based) where a block token starts."""
        return self.body_offset + (token.map[0] if token.map else 0) + 1

    def body_lines(self) -> list[tuple[int, str]]:
        """(file line, text) of body lines outside code, with inline code blanked out."""
        out = []
        for i in range(self.body_offset, len(self.lines)):
            n = i + 1
            if n in self.code:
                continue
            out.append((n, INLINE_CODE_RE.sub(lambda m: " " * len(m.group(0)), self.lines[i])))
        return out

    def links(self) -> list[Link]:
        """Every link and raw-HTML href of the body, with the file line it is on."""
        found: list[Link] = []
        for tok in self.tokens:
            if tok.type == "html_block":
                for i, line in enumerate(tok.content.split("\n")):
                    for m in HREF_RE.finditer(line):
                        found.append(Link(m.group(1), self.line_of(tok) + i, ""))
            if tok.type != "inline" or not tok.children:
                continue
            start = self.line_of(tok)
            span = self.lines[start - 1 : self.body_offset + tok.map[1]] if tok.map else []
            children = tok.children
            for j, child in enumerate(children):
                hrefs: list[tuple[str, str]] = []
                if child.type == "link_open":
                    text = children[j + 1].content if j + 1 < len(children) else ""
                    hrefs.append((str(child.attrs.get("href", "")), text))
                elif child.type == "html_inline":
                    hrefs += [(m.group(1), "") for m in HREF_RE.finditer(child.content)]
                for href, text in hrefs:
                    line = start
                    for k, candidate in enumerate(span):
                        if href and href in candidate:
                            line = start + k
                            break
                    found.append(Link(href, line, text))
        return found


def split_front(text: str) -> tuple[list[str], int, dict[str, int]]:
    """Lines of a file, the index of its first body line, and the line of each front-matter key."""
    lines = text.split("\n")
    keys: dict[str, int] = {}
    if not lines or not FENCE_RE.fullmatch(lines[0]):
        return lines, 0, keys
    for i in range(1, len(lines)):
        if FENCE_RE.fullmatch(lines[i]):
            return lines, i + 1, keys
        m = KEY_RE.match(lines[i])
        if m and m.group(1) not in keys:
            keys[m.group(1)] = i + 1
    return lines, len(lines), keys


def scan(path: Path) -> Doc:
    text = path.read_bytes().decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
    lines, offset, keys = split_front(text)
    tokens = parser().parse("\n".join(lines[offset:]))
    code: set[int] = set()
    for tok in tokens:
        if tok.type in ("fence", "code_block", "html_block") and tok.map:
            code.update(range(offset + tok.map[0] + 1, offset + tok.map[1] + 1))
    return Doc(path, tuple(lines), offset, keys, tuple(tokens), frozenset(code))


# Structure kinds compared between en.md and the translation, with their Korean names.
KINDS = {
    "headings": "제목",
    "paragraphs": "문단",
    "list items": "목록 항목",
    "links": "링크",
    "images": "이미지",
    "code blocks": "코드 블록",
    "table rows": "표의 행",
}


@dataclass(frozen=True)
class Structure:
    counts: dict[str, int]
    headings: tuple[tuple[int, str, int], ...]  # (level, text, file line)
    first_line: dict[str, int]  # kind -> file line of its first element (for reports)


def structure(doc: Doc) -> Structure:
    """How many of each kind of element the body has; raw HTML is counted like Markdown."""
    counts = dict.fromkeys(KINDS, 0)
    first: dict[str, int] = {}
    headings: list[tuple[int, str, int]] = []
    list_depth = 0

    def add(kind: str, line: int, n: int = 1) -> None:
        if n:
            counts[kind] += n
            first.setdefault(kind, line)

    def add_html(html: str, line: int) -> None:
        add("images", line, len(IMG_RE.findall(html)))
        add("links", line, len(HREF_RE.findall(html)))

    tokens = doc.tokens
    for i, tok in enumerate(tokens):
        line = doc.line_of(tok)
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif tok.type == "heading_open":
            text = tokens[i + 1].content if i + 1 < len(tokens) else ""
            headings.append((int(tok.tag[1]), text, line))
            add("headings", line)
        elif tok.type == "paragraph_open" and list_depth == 0:
            add("paragraphs", line)
        elif tok.type == "list_item_open":
            add("list items", line)
        elif tok.type in ("fence", "code_block"):
            add("code blocks", line)
        elif tok.type == "tr_open":
            add("table rows", line)
        elif tok.type == "html_block":
            add_html(tok.content, line)
        elif tok.type == "inline" and tok.children:
            for child in tok.children:
                if child.type == "image":
                    add("images", line)
                elif child.type == "link_open":
                    add("links", line)
                elif child.type == "html_inline":
                    add_html(child.content, line)
    return Structure(counts, tuple(headings), first)
