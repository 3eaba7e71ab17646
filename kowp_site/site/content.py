"""content/ -> immutable Post and Page values, with every problem reported at once.

The content model (documented in the README; changes go to CHANGELOG.md)::

    content/posts/YYYY/MM/<slug>/en.md    English source, written only by `kowp-site fetch`
    content/posts/YYYY/MM/<slug>/<lang>.md translation (ko.md), owned by translators
    content/pages/<name>.md               standalone translated pages

No HTML is made here: that is :mod:`kowp_site.site.markdown`'s job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from kowp_site.errors import Problem
from kowp_site.paths import (
    PostKey,
    UnsafePath,
    check_slug,
    key_from_link,
    key_from_parts,
)
from kowp_site.site.config import Category, Config, category_key
from kowp_site.site.frontmatter import Reader

if TYPE_CHECKING:
    from kowp_site.site.images import ImageInfo

STATUSES = ("untranslated", "draft", "review", "published")
SOURCE_KEYS = ("title", "link", "guid", "author", "date", "categories", "excerpt_only")
TRANSLATION_KEYS = (
    "title",
    "status",
    "translators",
    "reviewers",
    "source_hash",
    "translated",
    "summary",
)
PAGE_KEYS = ("title", "summary", "draft")
ASSET_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"}
HASH_RE = re.compile(r"sha256:[0-9a-f]{64}")
# Names the site itself uses at its top level; a page may not take them.
RESERVED_PAGES = {
    "page", "category", "archive", "translate", "contributors", "feed", "atom", "sitemap",
    "robots", "404", "static", "assets", "tags", "search", "subscribe", "share",
}  # fmt: skip


@dataclass(frozen=True)
class Source:
    """en.md: the English post as the feed gave it."""

    title: str
    link: str
    guid: str
    author: str
    date: dt.datetime  # timezone-aware
    categories: tuple[str, ...]
    body: str
    hash: str  # "sha256:<hex>" of the file's bytes
    path: Path
    excerpt_only: bool = False


@dataclass(frozen=True)
class Translation:
    """<lang>.md: the translator's file."""

    title: str
    status: str
    translators: tuple[str, ...]
    reviewers: tuple[str, ...]
    source_hash: str
    translated: dt.datetime | None  # timezone-aware, in the site's zone
    summary: str
    body: str
    path: Path
    body_line: int  # line of the file where the body starts


@dataclass(frozen=True)
class Post:
    """One post: the English source and, when present, its translation."""

    key: PostKey
    source: Source
    translation: Translation | None
    categories: tuple[Category, ...]
    # The English source changed since the translation was made from it. Worked out once, when the
    # post is made: every build asks it of every post (post pages, the progress pages).
    outdated: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        translation = self.translation
        object.__setattr__(self, "outdated", translation is not None and translation.source_hash != self.source.hash)

    @property
    def status(self) -> str:
        return self.translation.status if self.translation else "untranslated"

    @property
    def title(self) -> str:
        return self.translation.title if self.translation else self.source.title

    @property
    def path(self) -> str:
        """Site path without leading slash: ``2026/08/slug/``."""
        return self.key.path + "/"

    @property
    def published(self) -> dt.datetime:
        """When the translation was published (else the original date): the feed item date."""
        if self.translation and self.translation.translated:
            return self.translation.translated
        return self.source.date

    @property
    def sort_key(self) -> tuple[dt.datetime, str]:
        return (self.source.date, self.key.path)


@dataclass(frozen=True)
class Page:
    """A standalone page from content/pages/<name>.md, served at /<name>/."""

    name: str
    title: str
    summary: str
    body: str
    path: Path
    draft: bool = False

    @property
    def url_path(self) -> str:
        return self.name + "/"


@dataclass(frozen=True)
class Content:
    """Everything under content/, validated. Posts are newest first by original date."""

    posts: tuple[Post, ...]
    pages: tuple[Page, ...]
    warnings: tuple[Problem, ...] = ()
    assets: tuple[tuple[str, Path], ...] = field(default=())  # (site path, file) of post bundles
    images: Mapping[str, ImageInfo] = field(default_factory=dict)  # site path -> size of each good image (builds only)


def sha256_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _source(reader: Reader, path: Path, data: bytes) -> Source | None:
    split = reader.split(path, data)
    if split is None:
        return None
    meta, body, lines, _ = split
    before = len(reader.problems)
    title = reader.string(path, meta, lines, "title")
    link = reader.string(path, meta, lines, "link")
    if link and urlsplit(link).scheme not in ("http", "https"):
        reader.problem(path, lines.get("link"), f"'link' must be an http(s) URL, not {link!r}")
    guid = reader.string(path, meta, lines, "guid")
    author = reader.string(path, meta, lines, "author", required=False)
    date = None
    if "date" not in meta:
        reader.problem(
            path,
            1,
            "'date' is missing",
            "add the original date, e.g. date: 2026-08-27T10:00:00+00:00",
        )
    else:
        date = reader.datetime_value(path, meta, lines, "date")
    categories = reader.strings(path, meta, lines, "categories")
    reader.unknown(path, meta, lines, SOURCE_KEYS)
    if date is None or any(p.severity == "error" for p in reader.problems[before:]):
        return None
    return Source(
        title=title,
        link=link,
        guid=guid or link,
        author=author,
        date=date,
        categories=categories,
        body=body,
        hash=sha256_bytes(data),
        path=path,
        excerpt_only=reader.flag(path, meta, lines, "excerpt_only"),
    )


def _translation(reader: Reader, path: Path, data: bytes) -> Translation | None:
    split = reader.split(path, data)
    if split is None:
        return None
    meta, body, lines, body_line = split
    before = len(reader.problems)
    title = reader.string(path, meta, lines, "title")
    status = meta.get("status")
    if status is None:
        reader.problem(path, 1, "'status' is missing", f"add status: one of {', '.join(STATUSES)}")
    elif status not in STATUSES:
        reader.problem(
            path,
            lines.get("status"),
            f"status must be one of {', '.join(STATUSES)}, not "
            + (repr(status[:40]) if isinstance(status, str) else f"a {type(status).__name__}"),
        )
    translators = reader.strings(path, meta, lines, "translators")
    reviewers = reader.strings(path, meta, lines, "reviewers")
    source_hash = reader.string(path, meta, lines, "source_hash", required=False)
    if not source_hash:
        reader.problem(path, 1, "'source_hash' is missing", "run `kowp-site ack` on this post to record it")
    elif not HASH_RE.fullmatch(source_hash):
        reader.problem(path, lines.get("source_hash"), "'source_hash' must be sha256: and 64 hex digits")
    translated = reader.datetime_value(path, meta, lines, "translated") if meta.get("translated") is not None else None
    summary = reader.string(path, meta, lines, "summary", required=False)
    if status == "published":
        if translated is None and "translated" not in meta:
            reader.problem(
                path,
                lines.get("status"),
                "a published post needs 'translated'",
                "add translated: YYYY-MM-DD (the publication date)",
            )
        if not translators:
            reader.problem(
                path,
                lines.get("translators") or lines.get("status"),
                "a published post needs translators",
                "add translators: [your-handle]",
            )
    reader.unknown(path, meta, lines, TRANSLATION_KEYS)
    if any(p.severity == "error" for p in reader.problems[before:]):
        return None
    return Translation(
        title=title,
        status=str(status),
        translators=translators,
        reviewers=reviewers,
        source_hash=source_hash,
        translated=translated,
        summary=summary,
        body=body,
        path=path,
        body_line=body_line,
    )


def _page(reader: Reader, path: Path) -> Page | None:
    name = path.stem
    try:
        name = check_slug(name)
    except UnsafePath as exc:
        reader.problem(path, None, f"page name: {exc}", "rename the file with letters, digits and hyphens")
        return None
    if name.casefold() in RESERVED_PAGES or name.isdigit():
        reader.problem(path, None, f"page name '{name}' is used by the site itself", "rename the file")
        return None
    split = reader.split(path, path.read_bytes())
    if split is None:
        return None
    meta, body, lines, _ = split
    before = len(reader.problems)
    title = reader.string(path, meta, lines, "title")
    summary = reader.string(path, meta, lines, "summary", required=False)
    reader.unknown(path, meta, lines, PAGE_KEYS)
    if any(p.severity == "error" for p in reader.problems[before:]):
        return None
    return Page(
        name=name,
        title=title,
        summary=summary,
        body=body,
        path=path,
        draft=reader.flag(path, meta, lines, "draft"),
    )


def post_dirs(posts_dir: Path) -> Iterator[tuple[str, str, str, Path]]:
    """Every ``YYYY/MM/slug`` folder under content/posts, in sorted order."""
    if not posts_dir.is_dir():
        return
    for year in sorted(os.scandir(posts_dir), key=lambda e: e.name):
        if not year.is_dir() or year.name.startswith("."):
            continue
        for month in sorted(os.scandir(year.path), key=lambda e: e.name):
            if not month.is_dir() or month.name.startswith("."):
                continue
            for slug in sorted(os.scandir(month.path), key=lambda e: e.name):
                if slug.is_dir() and not slug.name.startswith("."):
                    yield year.name, month.name, slug.name, Path(slug.path)


def load_post(
    config: Config, year: str, month: str, slug: str, folder: Path, read: dict[str, bytes] | None = None
) -> tuple[Post | None, list[Problem], list[tuple[str, Path]]]:
    """Read one post folder. Pure apart from reading; used by the loader and by workers.

    ``read``, when given, receives the bytes of each Markdown file read (by file name), so a
    caller can hash them without reading them again.
    """
    files = read if read is not None else {}
    reader = Reader(config)
    assets: list[tuple[str, Path]] = []
    try:
        key = key_from_parts(year, month, slug)
    except UnsafePath as exc:
        reader.problem(folder, None, f"folder is not YYYY/MM/slug: {exc}", "rename the folder")
        return None, reader.problems, assets
    en = folder / "en.md"
    ko = folder / f"{config.language}.md"
    source = translation = None
    has_ko = ko.is_file()
    if not en.is_file():
        if has_ko:
            reader.problem(
                ko,
                None,
                "translation has no English source (en.md) beside it",
                "run `kowp-site fetch`, or move the file to the right folder",
            )
        else:
            reader.problem(
                folder,
                None,
                f"post folder has neither en.md nor {ko.name}",
                "remove the empty folder",
            )
        return None, reader.problems, assets
    files[en.name] = en.read_bytes()
    source = _source(reader, en, files[en.name])
    if has_ko:
        files[ko.name] = ko.read_bytes()
        translation = _translation(reader, ko, files[ko.name])
    assets = post_assets(reader, folder, key)
    if source is None or (has_ko and translation is None):
        return None, reader.problems, assets
    _check_link(reader, en, source, key)
    return Post(key, source, translation, _categories(config, source)), reader.problems, assets


def _check_link(reader: Reader, en: Path, source: Source, key: PostKey) -> None:
    """A warning when the original's link names another folder than the post's."""
    if not source.link:
        return
    try:
        if key_from_link(source.link) != key:
            reader.problem(
                en,
                None,
                f"link {source.link} does not match the folder {key.path}",
                "keep the folder as fetch made it",
                "warning",
            )
    except UnsafePath:
        pass


def _categories(config: Config, source: Source) -> tuple[Category, ...]:
    """The categories of the original, each once (by slug), in the original's order."""
    categories: dict[str, Category] = {}
    for name in source.categories:
        cat = config.category(name)
        categories.setdefault(cat.slug, cat)
    return tuple(categories.values())


def post_assets(reader: Reader, folder: Path, key: PostKey) -> list[tuple[str, Path]]:
    """(site path, file) of each file a post folder publishes beside its Markdown; others are problems."""
    assets: list[tuple[str, Path]] = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_file() and not entry.name.endswith(".md") and not entry.name.startswith("."):
            suffix = Path(entry.name).suffix.lower()
            if suffix not in ASSET_SUFFIXES:
                # HTML, SVG or scripts served from the site's own origin could run code there.
                reader.problem(
                    Path(entry.path),
                    None,
                    f"files of type '{suffix or entry.name}' cannot be published from a post folder",
                    f"use an image ({', '.join(sorted(ASSET_SUFFIXES))})",
                )
                continue
            try:
                check_slug(entry.name.replace(".", "_"))
            except UnsafePath:
                reader.problem(
                    Path(entry.path),
                    None,
                    "file name may hold only letters, digits, '-', '_' and '.'",
                )
                continue
            assets.append((f"{key.path}/{entry.name}", Path(entry.path)))
    return assets


def load(config: Config) -> tuple[Content, list[Problem]]:
    """Read every post and page. Returns the content and all problems (errors and warnings)."""
    problems: list[Problem] = []
    posts: list[Post] = []
    assets: list[tuple[str, Path]] = []
    for year, month, slug, folder in post_dirs(config.content_dir / "posts"):
        post, found, post_assets = load_post(config, year, month, slug, folder)
        problems += found
        assets += post_assets
        if post is not None:
            posts.append(post)
    pages = _load_pages(config, problems)
    return assemble(config, posts, pages, assets, problems), problems


def _load_pages(config: Config, problems: list[Problem]) -> list[Page]:
    reader = Reader(config)
    pages: list[Page] = []
    pages_dir = config.content_dir / "pages"
    if pages_dir.is_dir():
        for path in sorted(pages_dir.glob("*.md")):
            page = _page(reader, path)
            if page is not None:
                pages.append(page)
    problems += reader.problems
    return pages


def assemble(
    config: Config,
    posts: list[Post],
    pages: list[Page],
    assets: list[tuple[str, Path]],
    problems: list[Problem],
    images: Mapping[str, ImageInfo] | None = None,
) -> Content:
    """Cross-file checks (duplicate guids and URLs) and ordering; adds to ``problems``."""
    reader = Reader(config)
    seen_guid: dict[str, Post] = {}
    for post in posts:
        other = seen_guid.get(post.source.guid)
        if other is not None:
            reader.problem(
                post.source.path,
                None,
                f"guid {post.source.guid!r} is also used by {other.key.path}",
                "each post needs its own guid",
            )
        seen_guid.setdefault(post.source.guid, post)
    slug_names: dict[str, dict[str, Post]] = {}
    for post in posts:
        for cat in post.categories:
            slug_names.setdefault(cat.slug, {}).setdefault(category_key(cat.name), post)
    for slug, names in sorted(slug_names.items()):
        if len(names) > 1:
            first, second = sorted(names.items())[:2]
            reader.problem(
                second[1].source.path,
                None,
                f"categories of {first[1].key.path} and {second[1].key.path} share the address /category/{slug}/",
                "give them their own name and slug in [tool.kowp-site.categories]",
                "warning",
            )
    seen_page: dict[str, Page] = {}
    for page in pages:
        folded = page.name.casefold()
        if folded in seen_page:
            reader.problem(
                page.path,
                None,
                f"page /{page.name}/ has the same address as {seen_page[folded].path.name}",
                "rename one of them",
            )
        seen_page.setdefault(folded, page)
    problems += reader.problems
    ordered = sorted(posts, key=lambda p: p.sort_key, reverse=True)
    warnings = tuple(p for p in problems if p.severity == "warning")
    return Content(tuple(ordered), tuple(pages), warnings, tuple(assets), dict(images or {}))
