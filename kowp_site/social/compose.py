"""An announcement, composed for each service and fitted to its limit the way it counts. Pure.

Layout (parts separated by a blank line; the summary and then the title give way when too long)::

    {Korean title}

    {Korean summary, trimmed on a grapheme boundary with "…"}

    {link}

    #워드프레스 #WordPress

Mastodon allows 500 characters and counts every link as 23. Newer Mastodon versions count
grapheme clusters, older ones code points; we count code points, which is never less, so the text
fits every instance. Bluesky allows 300 grapheme clusters and 3000 UTF-8 bytes; its link and
hashtags are rich-text facets addressed by UTF-8 byte offsets, and the link is shown shortened.
Threads allows 500 characters and documents one rule: an emoji counts as its UTF-8 bytes. We
count every letter, digit, punctuation mark and space as its UTF-16 length (1 for a Hangul
syllable, 2 outside the Basic Multilingual Plane) and every other code point (emoji, symbols, ZWJ,
variation selectors, marks) as its UTF-8 bytes, and the link in full: never less than Threads counts.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kowp_site.social import require

ELLIPSIS = "…"
MASTODON_CHARS = 500
MASTODON_URL_CHARS = 23
BLUESKY_GRAPHEMES = 300
BLUESKY_BYTES = 3000
THREADS_CHARS = 500
LINK_DISPLAY = 40  # graphemes of a link shown in a Bluesky post; the facet holds the whole address
MIN_SUMMARY = 10  # a summary cut shorter than this says nothing; leave it out instead

LINK_FEATURE = "app.bsky.richtext.facet#link"
TAG_FEATURE = "app.bsky.richtext.facet#tag"


@dataclass(frozen=True)
class Facet:
    """A Bluesky rich-text span: UTF-8 byte offsets into the text and what the span is."""

    start: int
    end: int
    kind: str  # "link" or "tag"
    value: str  # the link's address, or the tag without "#"

    def record(self) -> dict[str, object]:
        """The ``app.bsky.richtext.facet`` object of this span."""
        feature: dict[str, str] = (
            {"$type": LINK_FEATURE, "uri": self.value}
            if self.kind == "link"
            else {"$type": TAG_FEATURE, "tag": self.value}
        )
        return {"index": {"byteStart": self.start, "byteEnd": self.end}, "features": [feature]}


@dataclass(frozen=True)
class Text:
    """A fitted text and its length as the service counts it."""

    text: str
    length: int
    facets: tuple[Facet, ...] = ()


@dataclass(frozen=True)
class Card:
    """A link card, from the same values as the page's Open Graph tags."""

    uri: str
    title: str
    description: str
    image: str  # absolute URL of og:image
    thumb: Path | None  # that image as a file of this site, uploaded as the thumbnail; None: no thumbnail


@dataclass(frozen=True)
class Message:
    """One announcement for one service, exactly as it will be sent."""

    target: str
    guid: str
    path: str  # the post's site path, 2026/09/slug/
    url: str  # the post's page
    key: str  # Mastodon's Idempotency-Key, Bluesky's record key or the Threads link; the same on every retry
    text: Text
    language: str
    created_at: dt.datetime
    card: Card | None = None


def graphemes(text: str) -> list[str]:
    """The grapheme clusters of ``text`` (a Hangul syllable, a ZWJ emoji sequence: one each)."""
    return list(require("grapheme").graphemes(text))


def clean(text: str) -> str:
    """One line of NFC text: decomposed Hangul jamo become syllables, runs of spaces one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def hashtag_line(tags: Sequence[str]) -> str:
    names = [clean(t).lstrip("#").replace(" ", "") for t in tags]
    return " ".join("#" + n for n in names if n)


def cut(text: str, count: int) -> str:
    """The first ``count`` graphemes of ``text`` ending in "…", or ``text`` when it is not longer."""
    parts = graphemes(text)
    if len(parts) <= count:
        return text
    kept = "".join(parts[: max(count - 1, 0)]).rstrip(" ,.;:·…")
    return kept + ELLIPSIS if kept else ""


def _layout(title: str, summary: str, link: str, tags: str) -> str:
    return "\n\n".join(part for part in (title, summary, link, tags) if part)


def _longest(fits: Callable[[int], bool], high: int) -> int:
    """The largest n in 0..high with fits(n), for a ``fits`` that stays true below any true n."""
    low = 0
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def fit(title: str, summary: str, link: str, tags: Sequence[str], fits: Callable[[str], bool]) -> str:
    """The longest layout that ``fits``: trim the summary, else drop it and trim the title, else drop tags."""
    title, summary = clean(title), clean(summary)
    tag_list = [hashtag_line([t]) for t in tags]
    tag_list = [t for t in tag_list if t]
    tag_line = " ".join(tag_list)

    full = _layout(title, summary, link, tag_line)
    if fits(full):
        return full
    n = _longest(lambda k: fits(_layout(title, cut(summary, k), link, tag_line)), len(graphemes(summary)))
    if n >= MIN_SUMMARY:
        return _layout(title, cut(summary, n), link, tag_line)
    while tag_list and not fits(_layout("", "", link, " ".join(tag_list))):
        tag_list.pop()  # only a very long configured tag list gets here
    tag_line = " ".join(tag_list)
    n = _longest(lambda k: fits(_layout(cut(title, k), "", link, tag_line)), len(graphemes(title)))
    return _layout(cut(title, n), "", link, tag_line)


def mastodon_length(text: str, link: str) -> int:
    """Characters as Mastodon counts them: the link counts 23 wherever it appears."""
    count = text.count(link) if link else 0
    return len(text) - count * len(link) + count * MASTODON_URL_CHARS


def mastodon(title: str, summary: str, url: str, tags: Sequence[str], limit: int = MASTODON_CHARS) -> Text:
    text = fit(title, summary, url, tags, lambda t: mastodon_length(t, url) <= limit)
    return Text(text, mastodon_length(text, url))


def display_link(url: str) -> str:
    """How a link is shown in a Bluesky post: without the scheme, shortened to 40 graphemes."""
    shown = url.split("://", 1)[-1]
    return cut(shown, LINK_DISPLAY)


def bluesky_fits(text: str, limit: int = BLUESKY_GRAPHEMES) -> bool:
    return len(graphemes(text)) <= limit and len(text.encode("utf-8")) <= BLUESKY_BYTES


def bluesky(title: str, summary: str, url: str, tags: Sequence[str], limit: int = BLUESKY_GRAPHEMES) -> Text:
    shown = display_link(url)
    text = fit(title, summary, shown, tags, lambda t: bluesky_fits(t, limit))
    return Text(text, len(graphemes(text)), tuple(facets(text, shown, url)))


def facets(text: str, shown: str, url: str) -> list[Facet]:
    """The link facet and one tag facet per hashtag of the final line, at UTF-8 byte offsets.

    The link is the last occurrence of its shown form before the hashtag line, so a summary that
    happens to quote the same address is not linked twice.
    """
    out: list[Facet] = []
    head, sep, last = text.rpartition("\n\n")
    tag_line = last if sep and last.startswith("#") else ""
    body = head if tag_line else text
    at = body.rfind(shown)
    if at >= 0:
        start = len(body[:at].encode("utf-8"))
        out.append(Facet(start, start + len(shown.encode("utf-8")), "link", url))
    if tag_line:
        offset = len((head + sep).encode("utf-8"))
        for word in tag_line.split(" "):
            size = len(word.encode("utf-8"))
            out.append(Facet(offset, offset + size, "tag", word[1:]))
            offset += size + 1
    return out


def threads_length(text: str) -> int:
    """Characters as Threads counts them, rounded up where its rule is unstated (see the module doc).

    Letters, digits, punctuation, spaces and ASCII count their UTF-16 units; anything else (an
    emoji, its ZWJ and variation selectors, a symbol such as ©) counts its UTF-8 bytes, as
    Threads documents for emoji. 👨‍👩‍👧‍👦 is 25, 한 is 1, "…" is 1.
    """
    total = 0
    for ch in text:
        if ch.isascii() or unicodedata.category(ch)[0] in "LNPZ":
            total += 2 if ord(ch) > 0xFFFF else 1
        else:
            total += len(ch.encode("utf-8"))
    return total


def threads(title: str, summary: str, url: str, tags: Sequence[str], limit: int = THREADS_CHARS) -> Text:
    """The Threads text: the full link in the text (it is also the post's link_attachment)."""
    text = fit(title, summary, url, tags, lambda t: threads_length(t) <= limit)
    return Text(text, threads_length(text))
