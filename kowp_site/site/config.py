"""``[tool.kowp-site]`` in the site's pyproject.toml -> a frozen :class:`Config`.

The schema is declarative (:mod:`kowp_site.site.config_schema`): each key has a type, a default
and a one-line description, and the README's configuration table is checked against it. Every problem is reported at once; unknown
keys are warnings (errors with ``--strict``).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from kowp_site.errors import ConfigError, KowpError, Problem, split_problems
from kowp_site.site.config_schema import (
    ACCOUNTS_SCHEMA,
    CHECK_SCHEMA,
    SCHEMA,
    SYNDICATION_SCHEMA,
    Option,
    validate_table,
)

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


@functools.lru_cache(maxsize=1024)  # asked for each category of every post, every build
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


# Korean rules whose defaults only make sense for a Korean site; another language has them off
# unless its [tool.kowp-site.check] table sets them (a Japanese site may name ワードプレス).
KOREAN_DEFAULTS = {"product_name": "", "product_name_variants": (), "house_style": ""}


def for_language(check: CheckConfig, language: str, given: object) -> CheckConfig:
    """``check`` with the Korean-only defaults turned off for a site in another language."""
    if language.split("-")[0] == "ko":
        return check
    table = given if isinstance(given, dict) else {}
    return replace(check, **{k: v for k, v in KOREAN_DEFAULTS.items() if k not in table})


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
    good = validate_table(raw, schema, prefix, where, problems)
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
    good = validate_table(raw, SCHEMA, "", where, problems)

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
