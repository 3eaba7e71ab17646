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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import frontmatter
import yaml

from kowp_site.site.config import Category, Config, category_key
from kowp_site.errors import Problem, display_path
from kowp_site.paths import (
    PostKey,
    UnsafePath,
    check_slug,
    key_from_link,
    key_from_parts,
)

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
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0, so not in any feed
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
    def outdated(self) -> bool:
        """The English source changed since the translation was made from it."""
        return self.translation is not None and self.translation.source_hash != self.source.hash

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


def _has_alias(text: str) -> bool:
    """Whether YAML text uses an alias; aliases can expand a few lines into gigabytes."""
    try:
        return any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return False  # the loader reports the syntax error with its line


def sha256_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


_YAML_HANDLER = frontmatter.YAMLHandler()  # stateless: detects and splits "---" front matter
_KEY_LINE = re.compile(r"([A-Za-z_][\w-]*)\s*:")  # a top-level "key:" line (for problem line numbers)


class _Reader:
    """Collects problems while reading files, so one run reports all of them."""

    def __init__(self, config: Config):
        self.config = config
        self.root = config.root
        self.problems: list[Problem] = []

    def problem(self, path: Path, line: int | None, message: str, hint: str = "", severity: str = "error") -> None:
        self.problems.append(Problem(display_path(path, self.root), line, message, hint, severity))

    def split(self, path: Path, data: bytes) -> tuple[dict[str, Any], str, dict[str, int], int] | None:
        """Front matter and body of one file, with the line of each key. None on a fatal problem."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.problem(path, None, f"not UTF-8 text (byte {exc.start})", "save the file as UTF-8")
            return None
        text = text.lstrip("\ufeff").replace("\r\n", "\n")
        handler = _YAML_HANDLER
        if not handler.detect(text):
            self.problem(path, 1, "missing front matter", "start the file with a '---' line and the keys")
            return None
        try:
            fm_text, body = handler.split(text)
        except ValueError:
            self.problem(path, 1, "front matter is not closed", "end it with a '---' line")
            return None
        if "*" in fm_text and _has_alias(fm_text):
            self.problem(path, 1, "front matter uses YAML aliases (*name)", "write each value out in full")
            return None
        try:
            meta = yaml.load(fm_text, Loader=yaml.CSafeLoader) if fm_text.strip() else {}
        except yaml.YAMLError as exc:
            # Where an unclosed bracket or quote began is more useful than where the file ended.
            mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.problem(
                path,
                line,
                f"front matter is not valid YAML: {what}",
                "check quotes and indentation",
            )
            return None
        if not isinstance(meta, dict):
            self.problem(path, 2, "front matter must be 'key: value' lines")
            return None
        lines: dict[str, int] = {}
        for n, line in enumerate(fm_text.split("\n"), start=1):
            m = _KEY_LINE.match(line)
            if m and m.group(1) not in lines:
                lines[m.group(1)] = n
        stripped = body.lstrip("\n")
        body_line = text[: len(text) - len(stripped)].count("\n") + 1
        return {str(k): v for k, v in meta.items()}, stripped, lines, body_line

    def string(
        self,
        path: Path,
        meta: dict[str, Any],
        lines: dict[str, int],
        key: str,
        *,
        required: bool = True,
    ) -> str:
        value = meta.get(key)
        if value is None:
            if required:
                self.problem(
                    path,
                    1 if not lines else max(lines.values()),
                    f"'{key}' is missing",
                    f"add a '{key}:' line",
                )
            return ""
        if isinstance(value, (dt.date, int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problem(path, lines.get(key), f"'{key}' must be text")
            return ""
        if required and not value.strip():
            self.problem(path, lines.get(key), f"'{key}' is empty", f"give the post a {key}")
        if CONTROL_RE.search(value):
            self.problem(
                path, lines.get(key), f"'{key}' contains control characters", "remove them; feeds cannot carry them"
            )
            return ""
        return value.strip()

    def flag(self, path: Path, meta: dict[str, Any], lines: dict[str, int], key: str) -> bool:
        """A true/false key; anything else (such as the text "false") is reported, not guessed."""
        value = meta.get(key, False)
        if isinstance(value, bool):
            return value
        self.problem(path, lines.get(key), f"'{key}' must be true or false, not {str(value)[:40]!r}")
        return False

    def strings(self, path: Path, meta: dict[str, Any], lines: dict[str, int], key: str) -> tuple[str, ...]:
        value = meta.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in value):
            self.problem(
                path,
                lines.get(key),
                f"'{key}' must be a list of names",
                f"write {key}: [name1, name2]",
            )
            return ()
        if any(CONTROL_RE.search(str(x)) for x in value):
            self.problem(
                path, lines.get(key), f"'{key}' contains control characters", "remove them; feeds cannot carry them"
            )
            return ()
        return tuple(str(x).strip() for x in value if str(x).strip())

    def unknown(self, path: Path, meta: dict[str, Any], lines: dict[str, int], known: tuple[str, ...]) -> None:
        for key in meta:
            if key not in known:
                self.problem(
                    path,
                    lines.get(key),
                    f"unknown key '{key}'",
                    f"known keys: {', '.join(known)}",
                    "warning",
                )

    def datetime_value(self, path: Path, meta: dict[str, Any], lines: dict[str, int], key: str) -> dt.datetime | None:
        """An ISO 8601 date-time with offset, or (for ``translated``) a plain date."""
        value = meta.get(key)
        line = lines.get(key)
        if isinstance(value, dt.datetime):
            when = value
        elif isinstance(value, dt.date):
            when = dt.datetime(value.year, value.month, value.day, tzinfo=self.config.tz)
        elif isinstance(value, str):
            try:
                when = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                self.problem(
                    path,
                    line,
                    f"'{key}' is not a date: {value!r}",
                    "use 2026-08-27 or 2026-08-27T10:00:00+09:00",
                )
                return None
        else:
            self.problem(path, line, f"'{key}' is not a date", "use 2026-08-27 or 2026-08-27T10:00:00+09:00")
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.config.tz)
        return when.astimezone(self.config.tz)


def _source(reader: _Reader, path: Path, data: bytes) -> Source | None:
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


def _translation(reader: _Reader, path: Path, data: bytes) -> Translation | None:
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


def _page(reader: _Reader, path: Path) -> Page | None:
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
    reader = _Reader(config)
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
    if source is None or (has_ko and translation is None):
        return None, reader.problems, assets
    if source.link:
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
    categories: dict[str, Category] = {}
    for name in source.categories:
        cat = config.category(name)
        categories.setdefault(cat.slug, cat)
    return Post(key, source, translation, tuple(categories.values())), reader.problems, assets


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
    reader = _Reader(config)
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
) -> Content:
    """Cross-file checks (duplicate guids and URLs) and ordering; adds to ``problems``."""
    reader = _Reader(config)
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
    return Content(tuple(ordered), tuple(pages), warnings, tuple(assets))
