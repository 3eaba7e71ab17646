"""``[tool.kowp-site]`` in the site's pyproject.toml -> a frozen :class:`Config`.

The schema is declarative: each key has a type, a default and a one-line description, and the
README's configuration table is checked against it. Every problem is reported at once; unknown
keys are warnings (errors with ``--strict``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kowp_site.errors import ConfigError, KowpError, Problem, split_problems

TABLE = "tool.kowp-site"


@dataclass(frozen=True)
class Category:
    """A Korean category: its display name and its URL slug."""

    name: str
    slug: str


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str


@dataclass(frozen=True)
class CheckConfig:
    """Settings of ``kowp-site check`` (the ``[tool.kowp-site.check]`` table)."""

    hangul_threshold: float = 0.3
    script_threshold: float = 0.3
    product_name: str = "워드프레스"
    product_name_variants: tuple[str, ...] = ("워드 프레스", "워드프래스", "워프")
    house_style: str = "합니다체"
    link_allowlist: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    glossary: str = "content/glossary.toml"


@dataclass(frozen=True)
class SyndicationConfig:
    """Settings of ``kowp-site syndicate`` (the ``[tool.kowp-site.syndication]`` table)."""

    hashtags: tuple[str, ...] = ("워드프레스", "WordPress")
    max_age_days: int = 14


@dataclass(frozen=True)
class AccountsConfig:
    """The site's own social accounts, shown on /subscribe/ (the ``[tool.kowp-site.accounts]`` table)."""

    mastodon: str = ""
    bluesky: str = ""
    threads: str = ""


@dataclass(frozen=True)
class Config:
    """The whole site configuration, validated. Built only by :func:`load`."""

    root: Path
    title: str = "워드프레스 뉴스 한국어판"
    description: str = "WordPress.org News의 소식을 한국어로 전합니다."
    base_url: str = "http://127.0.0.1:8000/"
    language: str = "ko"
    locale: str = "ko_KR"
    timezone: str = "Asia/Seoul"
    theme: str = "default"
    posts_per_page: int = 10
    feed_items: int = 20
    source_feed: str = "https://wordpress.org/news/feed/"
    repo_url: str = ""
    branch: str = "main"
    date_format: str = "{year}년 {month}월 {day}일"
    reading_speed: int = 500
    default_image: str = "images/og-default.png"
    embeds: str = "link"
    image_hosts: tuple[str, ...] = ("wordpress.org", "w.org", "wp.com", "wordpress.com")
    fetch_images: bool = True
    categories: dict[str, Category] = field(default_factory=dict)
    menu: tuple[MenuItem, ...] = ()
    check: CheckConfig = CheckConfig()
    syndication: SyndicationConfig = SyndicationConfig()
    tm: bool = True
    card_font: str = ""
    cards: bool = True
    accounts: AccountsConfig = AccountsConfig()

    # Derived values, filled by load().
    base_path: str = "/"

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def category(self, english: str) -> Category:
        """The Korean category for an English feed category (case and spacing ignored)."""
        key = category_key(english)
        found = self.categories.get(key)
        if found is not None:
            return found
        # Unmapped: one slug for every spelling that differs only in case or spacing.
        slug = re.sub(r"\W+", "", key) or "category"
        return Category(name=english.strip(), slug=slug)

    def url(self, path: str) -> str:
        """Absolute URL of a site path such as ``2026/08/x/`` (no leading slash)."""
        return self.base_url + path.lstrip("/")

    def href(self, path: str) -> str:
        """Root-relative link for a site path, honouring a base_url subpath."""
        return self.base_path + path.lstrip("/")


def source_date(environ: Mapping[str, str] | None = None) -> dt.datetime | None:
    """``SOURCE_DATE_EPOCH`` as an aware UTC time, or None when unset.

    Used wherever a "now" is unavoidable (an empty feed's date, ack's publication date,
    syndication's age limit), so reproducible builds and tests can fix it.
    """
    raw = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return dt.datetime.fromtimestamp(int(raw), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise KowpError(f"SOURCE_DATE_EPOCH={raw[:40]!r} is not a whole number of seconds since 1970") from None


def category_key(name: str) -> str:
    """One key for names that differ only in case or spacing ("Releases", "releases", "Word Camp")."""
    return re.sub(r"[\s_\-]+", "", name.casefold())


def slugify_ascii(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


# Defaults that follow the site's language when the configuration does not set them: dates as
# the language writes them, and how many letters a reader reads in a minute (reading time).
LANGUAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "ja": {"date_format": "{year}年{month}月{day}日", "reading_speed": 600},
    "zh": {"date_format": "{year}年{month}月{day}日", "reading_speed": 300},
    **{lang: {"date_format": "{day}/{month}/{year}", "reading_speed": 1000} for lang in ("es", "fr", "it", "pt")},
    "de": {"date_format": "{day}.{month}.{year}", "reading_speed": 1000},
    "en": {"date_format": "{year}-{month}-{day}", "reading_speed": 1000},
}
LOCALES = {"ko": "ko_KR", "ja": "ja_JP", "es": "es_ES", "zh": "zh_CN", "de": "de_DE", "fr": "fr_FR"}

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


# Korean rules whose defaults only make sense for a Korean site; another language has them off
# unless its [tool.kowp-site.check] table sets them (a Japanese site may name ワードプレス).
KOREAN_DEFAULTS = {"product_name": "", "product_name_variants": (), "house_style": ""}


def for_language(check: CheckConfig, language: str, given: object) -> CheckConfig:
    """``check`` with the Korean-only defaults turned off for a site in another language."""
    if language.split("-")[0] == "ko":
        return check
    table = given if isinstance(given, dict) else {}
    return replace(check, **{k: v for k, v in KOREAN_DEFAULTS.items() if k not in table})


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


def _validate_table(
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


def _categories(raw: dict[str, Any], where: str, problems: list[Problem]) -> dict[str, Category]:
    out: dict[str, Category] = {}
    slugs: dict[str, str] = {}
    for english, entry in raw.items():
        name_path = f"categories.{english}"
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            problems.append(Problem(where, None, f"'{name_path}' must be a table {{ name, slug }}"))
            continue
        unknown = set(entry) - {"name", "slug"}
        if unknown:
            problems.append(
                Problem(
                    where,
                    None,
                    f"unknown key '{name_path}.{sorted(unknown)[0]}'",
                    "use name and slug",
                    "warning",
                )
            )
        name = entry.get("name", english)
        slug = entry.get("slug", slugify_ascii(english))
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(where, None, f"'{name_path}.name' must be a non-empty string"))
            continue
        if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", slug):
            problems.append(Problem(where, None, f"'{name_path}.slug' must be lowercase letters, digits and hyphens"))
            continue
        key = category_key(english)
        if key in out:
            problems.append(
                Problem(
                    where,
                    None,
                    f"'{name_path}' repeats a category that differs only in case or spacing",
                )
            )
            continue
        if slug in slugs and slugs[slug] != name:
            problems.append(Problem(where, None, f"'{name_path}.slug' '{slug}' is already used by '{slugs[slug]}'"))
            continue
        slugs[slug] = name
        out[key] = Category(name=name.strip(), slug=slug)
    return out


def _menu(raw: list[Any], where: str, problems: list[Problem]) -> tuple[MenuItem, ...]:
    items = []
    for i, entry in enumerate(raw, 1):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("title"), str)
            or not isinstance(entry.get("url"), str)
        ):
            problems.append(Problem(where, None, f"menu item {i} must be a table with title and url strings"))
            continue
        items.append(MenuItem(title=entry["title"], url=entry["url"]))
    return tuple(items)


def _sub_config(
    cls: type,
    raw: dict[str, Any],
    schema: dict[str, Option],
    prefix: str,
    where: str,
    problems: list[Problem],
) -> Any:
    good = _validate_table(raw, schema, prefix, where, problems)
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in good.items()}
    for key in ("product_name_variants", "link_allowlist", "disable", "hashtags"):
        if key in values and not all(isinstance(x, str) for x in values[key]):
            problems.append(Problem(where, None, f"'{prefix}{key}' must be a list of strings"))
            del values[key]
    if "hangul_threshold" in values:
        values["hangul_threshold"] = float(values["hangul_threshold"])
    return cls(**values)


def read_table(root: Path) -> tuple[dict[str, Any], str]:
    """The raw ``[tool.kowp-site]`` table of the site at ``root`` (empty when there is none)."""
    path = root / "pyproject.toml"
    where = "pyproject.toml"
    if not path.is_file():
        return {}, where
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(where, _toml_line(exc), f"not valid TOML: {exc}", "fix the syntax")]) from None
    tool = data.get("tool", {})
    table = tool.get("kowp-site", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(
            [Problem(where, None, "[tool.kowp-site] must be a table", "write it as a [tool.kowp-site] section")]
        )
    return table, where


def _toml_line(exc: Exception) -> int | None:
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


def load(root: Path, *, strict: bool = False, overrides: dict[str, Any] | None = None) -> tuple[Config, list[Problem]]:
    """Read and validate the configuration of the site at ``root``.

    Returns the config and its warnings; raises :class:`ConfigError` with every error at once.
    ``overrides`` replaces keys after reading (the CLI's ``--base-url``, tests).
    """
    root = root.resolve()
    raw, where = read_table(root)
    raw = {**raw, **(overrides or {})}
    problems: list[Problem] = []
    good = _validate_table(raw, SCHEMA, "", where, problems)

    values: dict[str, Any] = {
        k: v for k, v in good.items() if k not in ("categories", "menu", "check", "syndication", "accounts")
    }
    if "categories" in good:
        values["categories"] = _categories(good["categories"], where, problems)
    if "menu" in good:
        values["menu"] = _menu(good["menu"], where, problems)
    if "image_hosts" in values:
        hosts = values["image_hosts"]
        if all(isinstance(h, str) and re.fullmatch(r"[a-z0-9.-]+", h) for h in hosts):
            values["image_hosts"] = tuple(hosts)
        else:
            problems.append(Problem(where, None, "'image_hosts' must be a list of host names such as wordpress.org"))
            del values["image_hosts"]
    values["check"] = _sub_config(CheckConfig, good.get("check", {}), CHECK_SCHEMA, "check.", where, problems)
    values["check"] = for_language(values["check"], values.get("language", Config.language), good.get("check", {}))
    values["syndication"] = _sub_config(
        SyndicationConfig,
        good.get("syndication", {}),
        SYNDICATION_SCHEMA,
        "syndication.",
        where,
        problems,
    )
    values["accounts"] = _sub_config(
        AccountsConfig, good.get("accounts", {}), ACCOUNTS_SCHEMA, "accounts.", where, problems
    )
    base_url = values.get("base_url", Config.base_url)
    if not base_url.endswith("/"):
        base_url += "/"
    values["base_url"] = base_url
    values["base_path"] = urlsplit(base_url).path or "/"
    language = values.get("language", Config.language)
    if "locale" not in values:
        values["locale"] = LOCALES.get(language.split("-")[0], language.replace("-", "_"))
    for key, value in LANGUAGE_DEFAULTS.get(language.split("-")[0], {}).items():
        values.setdefault(key, value)

    errors, warnings = split_problems(problems, strict)
    if errors:
        raise ConfigError(errors + warnings)
    return Config(root=root, **values), warnings
