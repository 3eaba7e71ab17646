"""The configuration's keys: each one's type, description and check, and the check of a table against them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kowp_site.errors import Problem

_Validator = Callable[[Any], str | None]


@dataclass(frozen=True)
class Option:
    """One configuration key: what it is, what type it takes, how to check its value."""

    type: type | tuple[type, ...]
    doc: str
    check: _Validator | None = None


def _absolute_url(value: str) -> str | None:
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be an absolute http(s) URL such as https://owner.github.io/repo/"
    if parts.query or parts.fragment or "?" in value or "#" in value:
        return "must not carry a query (?) or fragment (#)"
    return None


def _optional_url(value: str) -> str | None:
    return None if not value else _absolute_url(value)


def _https_url(value: str) -> str | None:
    """An account page: empty (not shown) or an https:// address without query or fragment."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in value):
        return "must be an https:// address such as https://mastodon.social/@name"
    if parts.query or parts.fragment or "?" in value or "#" in value:
        return "must not carry a query (?) or fragment (#)"
    return None


def _positive(value: int) -> str | None:
    return None if value >= 1 else "must be 1 or more"


def _timezone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "is not a known time zone (for example Asia/Seoul)"
    return None


def _language(value: str) -> str | None:
    return None if re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", value) else "must be a language code such as ko"


def _theme(value: str) -> str | None:
    return (
        None
        if re.fullmatch(r"[A-Za-z0-9_.-]+", value) and value not in (".", "..")
        else "must be a folder name under themes/"
    )


def _date_format(value: str) -> str | None:
    try:
        value.format(year=2026, month=8, day=27)
    except (KeyError, IndexError, ValueError):
        return "may use only {year}, {month} and {day}"
    return None


def _embeds(value: str) -> str | None:
    return None if value in ("link", "iframe") else "must be link or iframe"


def _threshold(value: float) -> str | None:
    return None if 0 <= value <= 1 else "must be between 0 and 1"


def _house_style(value: str) -> str | None:
    return None if value in ("합니다체", "해요체") else "must be 합니다체 or 해요체"


SCHEMA: dict[str, Option] = {
    "title": Option(str, "Site title, shown in the header and the feeds."),
    "description": Option(str, "One sentence about the site, for feeds and search engines."),
    "base_url": Option(str, "Absolute URL the site is served from; may carry a subpath.", _absolute_url),
    "language": Option(str, "Language of the translations; also the translation file name (ko.md).", _language),
    "locale": Option(str, "Open Graph locale; derived from language when absent (ko -> ko_KR)."),
    "timezone": Option(str, "Time zone of dates shown and of feed dates.", _timezone),
    "theme": Option(str, "Theme folder under themes/; the bundled default fills in missing files.", _theme),
    "posts_per_page": Option(int, "Posts on each page of the home and category lists.", _positive),
    "feed_items": Option(int, "Items in each feed, most recently published first.", _positive),
    "source_feed": Option(str, "The English feed that `kowp-site fetch` reads.", _absolute_url),
    "repo_url": Option(str, "The GitHub repository, for 'edit on GitHub' links.", _optional_url),
    "branch": Option(str, "The branch that edit links point at."),
    "date_format": Option(str, "How dates are shown, with {year}, {month} and {day}.", _date_format),
    "reading_speed": Option(int, "Characters read per minute, for the reading-time estimate.", _positive),
    "default_image": Option(str, "Theme static image used for link cards when a post has none."),
    "embeds": Option(
        str,
        "Video embeds and audio/video players: link (a plain link, no third-party request) or iframe (players too).",
        _embeds,
    ),
    "image_hosts": Option(list, "Hosts body images may load from besides the site itself; others are dropped."),
    "fetch_images": Option(bool, "Let `kowp-site fetch` keep body images from image_hosts in the post's folder."),
    "categories": Option(dict, "English category -> { name = Korean name, slug = URL slug }."),
    "menu": Option(list, "Header links: a list of { title, url }."),
    "check": Option(dict, "Settings of `kowp-site check` (see the check table)."),
    "syndication": Option(dict, "Settings of `kowp-site syndicate` (see the syndication table)."),
    "tm": Option(bool, "Translation memory: fill new stubs from published translations; false turns it off."),
    "cards": Option(bool, "Draw a picture card (og:image) for every published post; false uses each post's image."),
    "card_font": Option(
        str, "Font file for picture cards (relative to the site root); default: Noto Sans CJK/KR found on the machine."
    ),
    "accounts": Option(
        dict, "The site's own Mastodon, Bluesky and Threads pages, listed on /subscribe/ (see the accounts table)."
    ),
}


CHECK_SCHEMA: dict[str, Option] = {
    "hangul_threshold": Option((float, int), "Least share of Hangul among letters in a published body.", _threshold),
    "script_threshold": Option(
        (float, int), "Other languages: least share of the body in the site's script (or common words).", _threshold
    ),
    "product_name": Option(str, "The approved spelling of the product name (Korean sites: 워드프레스)."),
    "product_name_variants": Option(list, "Spellings of the product name that check rejects."),
    "house_style": Option(str, "Korean sites: sentence-ending style, 합니다체 or 해요체.", _house_style),
    "link_allowlist": Option(list, "Domains external links may point to; empty allows all."),
    "disable": Option(list, "Check ids to turn off."),
    "glossary": Option(str, "Glossary file, relative to the site root."),
}


SYNDICATION_SCHEMA: dict[str, Option] = {
    "hashtags": Option(list, "Hashtags added to every announcement, without #."),
    "max_age_days": Option(int, "Posts published longer ago than this are never announced.", _positive),
}


ACCOUNTS_SCHEMA: dict[str, Option] = {
    "mastodon": Option(str, "The site's Mastodon profile, an https:// address.", _https_url),
    "bluesky": Option(str, "The site's Bluesky profile, an https:// address.", _https_url),
    "threads": Option(str, "The site's Threads profile, an https:// address.", _https_url),
}


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {
        str: "a string",
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        dict: "a table",
        list: "a list",
    }
    if isinstance(t, tuple):
        return names.get(t[0], t[0].__name__)
    return names.get(t, t.__name__)


def validate_table(
    table: dict[str, Any],
    schema: dict[str, Option],
    prefix: str,
    where: str,
    problems: list[Problem],
) -> dict[str, Any]:
    """Check one table against its schema; return the valid values, add problems for the rest."""
    good: dict[str, Any] = {}
    for key, value in table.items():
        option = schema.get(key)
        name = f"{prefix}{key}"
        if option is None:
            close = [k for k in schema if _similar(k, key)]
            hint = f"did you mean '{prefix}{close[0]}'?" if close else "remove it or check the spelling"
            problems.append(Problem(where, None, f"unknown key '{name}'", hint, severity="warning"))
            continue
        expected = option.type
        allowed = expected if isinstance(expected, tuple) else (expected,)
        ok = isinstance(value, expected) and (bool in allowed or not isinstance(value, bool))  # True is no number
        if not ok:
            problems.append(
                Problem(
                    where,
                    None,
                    f"'{name}' must be {_type_name(expected)}, not {type(value).__name__}",
                )
            )
            continue
        if option.check is not None:
            why = option.check(value)
            if why:
                problems.append(Problem(where, None, f"'{name}' {why}"))
                continue
        good[key] = value
    return good


def _similar(a: str, b: str) -> bool:
    a, b = a.replace("-", "_"), b.replace("-", "_")
    if a == b:
        return True
    if abs(len(a) - len(b)) > 2:
        return False
    # Cheap edit-distance bound: share most characters in order.
    import difflib

    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
