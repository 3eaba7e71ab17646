"""The search outputs of a build: the /search/ page and the index files, with what they read.

:func:`site_outputs` returns every file under ``search/`` as a zero-argument function plus the
posts it reads, so :func:`kowp_site.site.build.render_site` can defer them under one key. The
index is built once per process, when the first of its files is asked for.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import TYPE_CHECKING

from kowp_site.search.index import EXCERPT_CHARS, Document, build_index, file_names

if TYPE_CHECKING:
    from kowp_site.site.config import Config
    from kowp_site.site.render import PostView, Templates

PREFIX = "search/"
PAGE = PREFIX + "index.html"
# Block-level tags end a word: "<li>a</li><li>b</li>" is "a b", not "ab".
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|td|th|tr|blockquote|figcaption|dd|dt|div)>|<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchOutputs:
    files: dict[str, Callable[[], bytes]]  # site path -> maker
    reads: Sequence[PostView]  # the posts every file depends on (numbering, terms, documents)


def body_text(sanitized_html: str) -> str:
    """The words of a post body: no markup, no code blocks, entities decoded."""
    import nh3

    spaced = _BLOCK_END.sub(lambda m: m.group(0) + " ", sanitized_html)
    text = nh3.clean(spaced, tags=set(), clean_content_tags={"pre", "script", "style"}, attributes={})
    return _SPACES.sub(" ", html.unescape(text)).strip()


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class LazyIndex:
    """The index of ``posts`` (oldest first), made on first use."""

    def __init__(self, config: Config, posts: Sequence[PostView], whole: Callable[[PostView], PostView]):
        self.config = config
        self.posts = posts
        self.whole = whole

    def document(self, view: PostView) -> Document:
        c = self.config
        day = view.published.astimezone(c.tz).date()
        full = self.whole(view)
        summary = view.translation.summary if view.translation is not None else ""
        cats = " ".join(cat.name for cat in view.categories)
        text = " ".join(part for part in (summary or "", body_text(full.html), cats) if part)
        shown = c.date_format.format(year=day.year, month=day.month, day=day.day)
        return Document(view.title, view.post.path, day.isoformat(), shown, excerpt(view.summary), text)

    @cached_property
    def files(self) -> dict[str, bytes]:
        return build_index([self.document(v) for v in self.posts], self.config.language)

    def file(self, name: str) -> bytes:
        return self.files[name]


def site_outputs(config: Config, published: Sequence[PostView], whole: Callable[[PostView], PostView]) -> SearchOutputs:
    """The index files of ``published`` (views, newest first as the build orders them)."""
    oldest_first = list(reversed(published))
    lazy = LazyIndex(config, oldest_first, whole)
    files = {PREFIX + name: partial(lazy.file, name) for name in file_names(len(oldest_first))}
    return SearchOutputs(files, oldest_first)


def search_page(t: Templates) -> str:
    return t.render("search.html", canonical=t.config.url(PREFIX))
