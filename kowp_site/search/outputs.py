"""The search outputs of a build: the /search/ page and the index files, with what they read.

:func:`site_outputs` returns every file under ``search/`` as a zero-argument function plus the
posts it reads, so :func:`kowp_site.site.build.render_site` can defer them under one key. The
index is built once per process, when the first of its files is asked for.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING

from kowp_site.search.index import (
    CHUNK,
    EXCERPT_CHARS,
    Document,
    Record,
    analyse_document,
    build_index,
    document_files,
    file_names,
)
from kowp_site.search.kept import Store, kept_index, patched_index
from kowp_site.site import cache
from kowp_site.site.output import digest

if TYPE_CHECKING:
    from kowp_site.site.config import Config
    from kowp_site.site.render import PostView, Templates

PREFIX = "search/"
PAGE = PREFIX + "index.html"
# Block-level tags end a word: "<li>a</li><li>b</li>" is "a b", not "ab".
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|td|th|tr|blockquote|figcaption|dd|dt|div)>|<br\s*/?>", re.IGNORECASE)


@dataclass(frozen=True)
class SearchOutputs:
    """Every index file: site path -> (maker, the posts its bytes depend on).

    A documents file reads only its own posts (their number follows from where they are in the
    list, so the same posts in the same places give the same file); meta.json and every shard read
    all published posts (terms and numbering). When the index was patched while the outputs were
    declared (an edit), ``digests`` holds the digest of meta.json's and every shard's bytes: all
    that those files depend on, so only the shards the edit changed have another key.
    """

    files: dict[str, tuple[Callable[[], bytes], Sequence[PostView]]]
    digests: Mapping[str, str] = field(default_factory=dict)


def body_text(sanitized_html: str) -> str:
    """The words of a post body: no markup, no code blocks, entities decoded."""
    import nh3

    spaced = _BLOCK_END.sub(lambda m: m.group(0) + " ", sanitized_html)
    text = nh3.clean(spaced, tags=set(), clean_content_tags={"pre", "script", "style"}, attributes={})
    return squeeze(html.unescape(text))


def squeeze(text: str) -> str:
    """``text`` with each run of white space as one space and none at the ends (str.split's white
    space is the regular expression's \\s; a third of the time of a substitution of every run)."""
    return " ".join(text.split())


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = squeeze(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class LazyIndex:
    """The index of ``posts`` (oldest first), made on first use."""

    def __init__(
        self,
        config: Config,
        posts: Sequence[PostView],
        whole: Callable[[PostView], PostView],
        post_keys: Sequence[str] | None = None,
        cache_name: str = "",
    ):
        self.config = config
        self.posts = posts
        self.whole = whole
        self.post_keys = post_keys  # what each post's terms depend on: its files and the site's settings
        self.cache_name = cache_name  # one terms file per site settings (a preview keeps its own)

    def document(self, view: PostView, *, body: bool = True) -> Document:
        """What the index reads of ``view``; without ``body`` only what the light view holds."""
        c = self.config
        day = view.published.astimezone(c.tz).date()
        shown = c.date_format.format(year=day.year, month=day.month, day=day.day)
        text = ""
        if body:
            summary = view.translation.summary if view.translation is not None else ""
            cats = " ".join(cat.name for cat in view.categories)
            text = " ".join(part for part in (summary or "", body_text(self.whole(view).html), cats) if part)
        return Document(view.title, view.post.path, day.isoformat(), shown, excerpt(view.summary), text)

    @cached_property
    def files(self) -> dict[str, bytes]:
        language = self.config.language
        if self.post_keys is None:
            return build_index([self.document(v) for v in self.posts], language)
        # The previous build's index and each post's terms are kept in the build cache: an edit
        # analyses one post and patches the shards its terms are in (see kowp_site.search.kept).
        return kept_index(self.store, language, self.paths, list(self.post_keys), self.analyse)

    @cached_property
    def store(self) -> Store:
        return Store(cache.cache_root(self.config) / "search" / f"{self.config.language}-{self.cache_name[:16]}")

    @cached_property
    def paths(self) -> list[str]:
        return [v.post.key.path for v in self.posts]

    def digests_now(self, most: int) -> dict[str, str] | None:
        """The digest of meta.json and of every shard, when the kept index is patched now by at
        most ``most`` changed posts (:attr:`files` is then that index); None otherwise, and the
        index is made when a file of it is first asked for (in a worker, for a big change)."""
        if self.post_keys is None or most <= 0:
            return None
        files = patched_index(self.store, self.config.language, self.paths, list(self.post_keys), self.analyse, most)
        kept = self.store.kept
        if files is None or kept is None:
            return None
        self.files = files
        found = {f"index/{n}.json": shard for n, shard in enumerate(kept.digests)}
        found["meta.json"] = digest(files["meta.json"])
        return found

    def analyse(self, number: int) -> Record:
        """The terms of document ``number``, from its body."""
        return analyse_document(self.document(self.posts[number]), self.config.language)

    def file(self, name: str) -> bytes:
        return self.files[name]

    def documents_file(self, k: int) -> bytes:
        """docs/<k>.json from the light views alone (no body is read)."""
        rows = [self.document(v, body=False) for v in self.posts[k * CHUNK : (k + 1) * CHUNK]]
        return document_files(rows)["docs/0.json"]


def site_outputs(
    config: Config,
    published: Sequence[PostView],
    whole: Callable[[PostView], PostView],
    post_keys: Sequence[str] | None = None,
    cache_name: str = "",
    patch_now: int = 0,
) -> SearchOutputs:
    """The index files of ``published`` (views, newest first as the build orders them).

    ``post_keys`` (one per post of ``published``) name what each post's terms depend on; with
    them, the terms of unchanged posts come from the build cache (a file named after
    ``cache_name``, the key of the site's settings) instead of their bodies, and when at most
    ``patch_now`` posts changed, the kept index is patched at once and its files' digests
    returned (see :class:`SearchOutputs`).
    """
    oldest_first = tuple(reversed(published))
    keys = list(reversed(post_keys)) if post_keys is not None else None
    lazy = LazyIndex(config, oldest_first, whole, keys, cache_name)
    files: dict[str, tuple[Callable[[], bytes], Sequence[PostView]]] = {}
    for name in file_names(len(oldest_first)):
        if name.startswith("docs/"):
            k = int(name[5:-5])
            files[PREFIX + name] = (partial(lazy.documents_file, k), oldest_first[k * CHUNK : (k + 1) * CHUNK])
        else:
            files[PREFIX + name] = (partial(lazy.file, name), oldest_first)
    digests = lazy.digests_now(patch_now) or {}
    return SearchOutputs(files, {PREFIX + name: found for name, found in digests.items()})


def search_page(t: Templates) -> str:
    return t.render("search.html", canonical=t.config.url(PREFIX))
