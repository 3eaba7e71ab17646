"""Feed bytes -> the en.md and translation-stub files of each post, with no I/O.

Called by :mod:`kowp_site.fetch.network` once everything is downloaded: :func:`parse_feed` reads the bytes
with feedparser and refuses what is not a usable feed; :func:`convert` turns one entry into the
exact bytes of ``en.md`` and of the ``<language>.md`` stub (or a reason to skip it). The full post
is content:encoded; the RSS ``description`` is only an excerpt and is used (and marked) only when
there is nothing else.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html as html_lib
import re
from dataclasses import dataclass
from typing import Any

import yaml

from kowp_site.errors import KowpError
from kowp_site.fetch.html2md import convert as html_to_markdown
from kowp_site.paths import PostKey, UnsafePath, key_from_link
from kowp_site.site.content import sha256_bytes
from kowp_site.site.frontmatter import CONTROL_RE

_XML_DECL = re.compile(rb"""^(\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_FEED_END = re.compile(rb"</(?:[\w-]+:)?(?:rss|feed|RDF)>\s*\Z")
_UTF8 = ("utf-8", "utf8")


class FeedError(KowpError):
    """The downloaded bytes are not a feed kowp-site can use; nothing is written."""


class EmptyFeed(FeedError):
    """A well-formed feed without entries: the end of the archive when paging."""


@dataclass(frozen=True)
class Entry:
    """One feed item, as plain values (HTML not yet converted)."""

    title: str
    link: str
    guid: str
    author: str
    date: dt.datetime | None  # with the feed's own UTC offset
    categories: tuple[str, ...]
    html: str
    excerpt_only: bool


@dataclass(frozen=True)
class Feed:
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Converted:
    """A post ready to write: the exact bytes of en.md and of the translation stub."""

    key: PostKey
    title: str
    link: str
    guid: str
    date: dt.datetime
    source: bytes  # en.md
    stub: bytes  # <language>.md, written only when that file does not exist
    dropped: tuple[str, ...] = ()  # content of the post the Markdown cannot keep (a data: video...), in words


@dataclass(frozen=True)
class Skipped:
    """An entry that cannot become a post, and why."""

    title: str
    link: str
    reason: str


def _charset(data: bytes, content_type: str) -> tuple[bytes, str | None, list[str]]:
    """Prefer what the bytes are over what is declared: valid UTF-8 is read as UTF-8.

    Returns the bytes (with a wrong XML declaration corrected), the HTTP charset to pass on to
    feedparser (only when the bytes are not UTF-8) and warnings.
    """
    warnings: list[str] = []
    declared_http = _CHARSET.search(content_type or "")
    http_charset = declared_http.group(1).lower() if declared_http else None
    decl = _XML_DECL.match(data)
    xml_charset = decl.group(2).decode("ascii").lower() if decl else None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data, http_charset, warnings
    if data.isascii():
        return data, None, warnings
    if http_charset and http_charset not in _UTF8:
        warnings.append(f"the server declares charset={http_charset} but the feed is UTF-8; read it as UTF-8")
    if decl and xml_charset not in _UTF8:
        warnings.append(f"the feed declares encoding {xml_charset} but is UTF-8; read it as UTF-8")
        data = data[: decl.start(2)] + b"utf-8" + data[decl.end(2) :]
    return data, None, warnings


def _looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head


def parse_feed(data: bytes, source: str, content_type: str = "") -> Feed:
    """Downloaded bytes -> entries. Raises :class:`FeedError` for anything that is not a feed."""
    import feedparser

    if not data.strip():
        raise FeedError(f"{source}: the download is empty — check the feed URL")
    data, http_charset, warnings = _charset(data, content_type)
    headers = {"content-type": f"application/xml; charset={http_charset}"} if http_charset else {}
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False, response_headers=headers)
    version = parsed.get("version", "")
    problem = parsed.get("bozo_exception")
    if not parsed.entries:
        if _looks_like_html(data):
            raise FeedError(
                f"{source}: this is an HTML page, not a feed — check the feed URL (WordPress feeds end in /feed/)"
            )
        if version:
            raise EmptyFeed(f"{source}: the feed has no posts")
        raise FeedError(f"{source}: not an RSS or Atom feed ({problem or 'no feed elements found'})")
    if parsed.get("bozo"):
        if not _FEED_END.search(data):
            raise FeedError(f"{source}: the feed ends early (the download was cut off?) — try again later")
        warnings.append(f"the feed is not well-formed ({problem}); used the {len(parsed.entries)} posts it holds")
    return Feed(tuple(_entry(e) for e in parsed.entries), tuple(warnings))


def _date(raw: str | None, parsed: Any) -> dt.datetime | None:
    """The entry's date with the offset the feed wrote (RFC 822 in RSS, RFC 3339 in Atom)."""
    if raw:
        raw = raw.strip()
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            try:
                when = dt.datetime.fromisoformat(raw)
            except ValueError:
                when = None
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    if parsed:
        return dt.datetime(*parsed[:6], tzinfo=dt.UTC)
    return None


def one_line(value: str | None) -> str:
    """One line of feed text: no control characters (XML 1.0 forbids them), single spaces."""
    return re.sub(r"\s+", " ", CONTROL_RE.sub("", value or "")).strip()


def _entry(raw: Any) -> Entry:
    html = ""
    excerpt_only = False
    for item in raw.get("content") or []:
        if item.get("value", "").strip():
            html = item["value"]
            break
    if not html.strip():
        html = raw.get("summary", "") or ""
        excerpt_only = True
    categories: list[str] = []
    for tag in raw.get("tags") or []:
        term = one_line(html_lib.unescape(tag.get("term") or ""))  # "Events &amp; Meetups" sent as CDATA
        if term and term not in categories:
            categories.append(term)
    date = _date(raw.get("published"), raw.get("published_parsed")) or _date(
        raw.get("updated"), raw.get("updated_parsed")
    )
    return Entry(
        title=one_line(raw.get("title")),
        link=one_line(raw.get("link")),
        guid=one_line(raw.get("id")),
        author=one_line(raw.get("author")),
        date=date,
        categories=tuple(categories),
        html=CONTROL_RE.sub("", html),
        excerpt_only=excerpt_only,
    )


def _front_matter(meta: dict[str, Any]) -> str:
    """YAML front matter that always loads back to the same values (quoting done by PyYAML)."""
    text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=2**30, default_flow_style=False)
    return f"---\n{text}---\n"


def source_document(entry: Entry, body: str) -> bytes:
    """The bytes of en.md for an entry whose date is known."""
    assert entry.date is not None
    meta: dict[str, Any] = {
        "title": entry.title,
        "link": entry.link,
        "guid": entry.guid or entry.link,
        "author": entry.author,
        "date": entry.date.isoformat(),
        "categories": list(entry.categories),
    }
    if entry.excerpt_only:
        meta["excerpt_only"] = True
    return (_front_matter(meta) + "\n" + body).encode("utf-8")


def stub_document(title: str, source: bytes, body: str) -> bytes:
    """The bytes of a new translation file: the English text to translate in place."""
    meta = {"title": title, "status": "untranslated", "translators": [], "source_hash": sha256_bytes(source)}
    return (_front_matter(meta) + "\n" + body).encode("utf-8")


def convert(entry: Entry) -> Converted | Skipped:
    """One entry -> the files of its post, or why it cannot be imported."""
    title = entry.title or "(no title)"
    if not entry.link:
        return Skipped(title, "", "the entry has no link, so its folder is unknown")
    try:
        key = key_from_link(entry.link)
    except (UnsafePath, UnicodeDecodeError) as exc:
        return Skipped(title, entry.link, f"unsafe or unusual link: {exc}")
    if not entry.title:
        return Skipped(title, entry.link, "the entry has no title")
    if entry.date is None:
        return Skipped(title, entry.link, "the entry has no date")
    body, dropped = html_to_markdown(entry.html, entry.link)
    if not body.strip():
        return Skipped(title, entry.link, "the entry has neither content nor a description")
    source = source_document(entry, body)
    return Converted(
        key,
        entry.title,
        entry.link,
        entry.guid or entry.link,
        entry.date,
        source,
        stub_document(title, source, body),
        dropped,
    )
