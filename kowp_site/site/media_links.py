"""Players and embeds as plain links, labelled in the site's language: for feeds, and for pages
when ``embeds = "link"`` (no third-party request). Pure functions over sanitized HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import unquote, urlsplit

_IFRAME = re.compile(r"<iframe[^>]*\ssrc=\"([^\"]*)\"[^>]*>.*?</iframe>", re.DOTALL)
# A sanitized player (nh3 serializes double-quoted values; a player holds no other player).
MEDIA_TAG = re.compile(r'<(audio|video)((?:\s[\w:-]+(?:="[^"]*")?)*)>(.*?)</\1>', re.DOTALL)
SRC_ATTR = re.compile(r'\ssrc="([^"]*)"')


@dataclass(frozen=True)
class MediaLabels:
    """What a player or an embed turned into a link says (in the site's language, from its catalog)."""

    audio: str = "오디오 듣기"
    video: str = "동영상 보기"  # also an embed's link when the embed has no title

    def of(self, kind: str) -> str:
        return self.audio if kind == "audio" else self.video


KOREAN_LABELS = MediaLabels()
_TITLE_ATTR = re.compile(r'\stitle="([^"]*)"')


def watch_url(src: str) -> str:
    """An embed's address as a page a reader can open: YouTube embeds become watch URLs."""
    found = re.match(r"https://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]{6,20})(?:[?&#]|$)", src)
    return f"https://www.youtube.com/watch?v={found.group(1)}" if found else src


def media_link(kind: str, address: str, labels: MediaLabels = KOREAN_LABELS) -> str:
    """A player as a link with a visible label naming the file: ``오디오 듣기 (episode-1.mp3)``."""
    name = unquote(urlsplit(address.replace("&amp;", "&")).path.rstrip("/").rsplit("/", 1)[-1])
    label = escape(labels.of(kind)) + (f" ({escape(name)})" if name else "")
    return f'<a class="media" href="{address}">{label}</a>'


def media_as_links(html: str, labels: MediaLabels = KOREAN_LABELS) -> str:
    """Every (already sanitized) player as a link: feed readers get no player."""
    if "<audio" not in html and "<video" not in html:
        return html

    def link(match: re.Match[str]) -> str:
        src = SRC_ATTR.search(match.group(2))  # the player's own address, never one inside it
        return media_link(match.group(1), src.group(1), labels) if src else ""

    return MEDIA_TAG.sub(link, html)


def embeds_as_links(html: str, labels: MediaLabels = KOREAN_LABELS) -> str:
    """Replace each (already sanitized) iframe by a paragraph linking to what it embedded."""

    def link(match: re.Match[str]) -> str:
        src = watch_url(match.group(1).replace("&amp;", "&"))
        title = _TITLE_ATTR.search(match.group(0))
        label = title.group(1) if title else escape(labels.video)
        return f'<p class="embed"><a href="{escape(src)}">{label}</a></p>'

    return _IFRAME.sub(link, html)
