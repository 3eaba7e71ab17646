"""Fixture builders: small site trees written into tmp_path, built and parsed by the tests."""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

PYPROJECT = """\
[tool.kowp-site]
title = "테스트 사이트"
description = "테스트용 사이트입니다."
base_url = "https://example.org/kowp/"
posts_per_page = 2
feed_items = 10
repo_url = "https://github.com/example/kowp"
# Tests reach no host but loopback: fetch keeps remote image addresses unless a test serves them.
fetch_images = false
{extra}

[tool.kowp-site.categories]
Releases = {{ name = "릴리스", slug = "releases" }}
Community = {{ name = "커뮤니티", slug = "community" }}
"""


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def default_guid(slug: str) -> str:
    """A post's guid made from its slug: the same in every test run (``hash()`` of a str is not),
    and with 12 hex digits two slugs of one test do not meet."""
    return f"https://wordpress.org/news/?p={int(hashlib.blake2b(slug.encode(), digest_size=6).hexdigest(), 16)}"


def en_md(
    slug: str,
    *,
    year: int = 2026,
    month: int = 8,
    title: str = "An English title",
    date: str | None = None,
    categories: tuple[str, ...] = ("Releases",),
    body: str = "English body.\n",
    guid: str | None = None,
    author: str = "Josepha",
) -> str:
    date = date or f"{year}-{month:02d}-10T10:00:00+00:00"
    cats = "".join(f"\n  - {c}" for c in categories)
    return (
        f"---\ntitle: {title!r}\nlink: https://wordpress.org/news/{year}/{month:02d}/{slug}/\n"
        f"guid: {guid or default_guid(slug)}\n"
        f"author: {author}\ndate: {date}\ncategories:{cats or ' []'}\n---\n\n{body}"
    )


def ko_md(
    *,
    title: str = "한국어 제목",
    status: str = "published",
    translators: tuple[str, ...] = ("minji",),
    translated: str | None = "2026-08-20",
    source_hash: str = "sha256:" + "0" * 64,
    body: str = "한국어 본문입니다.\n",
    extra: str = "",
) -> str:
    lines = [f"title: {title!r}" if "'" not in title else f'title: "{title}"', f"status: {status}"]
    lines.append("translators: [" + ", ".join(translators) + "]")
    lines.append(f"source_hash: {source_hash}")
    if translated:
        lines.append(f"translated: {translated}")
    if extra:
        lines.append(extra.strip())
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body


class SiteBuilder:
    """Writes a site tree: pyproject.toml, posts (en.md + ko.md), pages."""

    def __init__(self, root: Path):
        self.root = root
        self.config(extra="")

    def config(self, extra: str = "", raw: str | None = None) -> SiteBuilder:
        text = raw if raw is not None else PYPROJECT.format(extra=textwrap.dedent(extra))
        (self.root / "pyproject.toml").write_text(text, encoding="utf-8")
        return self

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def post(
        self,
        slug: str,
        *,
        year: int = 2026,
        month: int = 8,
        en: dict | None = None,
        ko: dict | None = None,
        translation: bool = True,
        matching_hash: bool = True,
    ) -> Path:
        folder = f"content/posts/{year}/{month:02d}/{slug}"
        en_text = en_md(slug, year=year, month=month, **(en or {}))
        en_path = self.write(f"{folder}/en.md", en_text)
        if translation:
            ko_args = dict(ko or {})
            if matching_hash:
                ko_args.setdefault("source_hash", sha(en_path.read_bytes()))
            self.write(f"{folder}/ko.md", ko_md(**ko_args))
        return self.root / folder

    def page(self, name: str, title: str, body: str) -> Path:
        return self.write(f"content/pages/{name}.md", f"---\ntitle: {title}\n---\n\n{body}")


@pytest.fixture
def site(tmp_path: Path) -> SiteBuilder:
    root = tmp_path / "site-root"
    root.mkdir()
    return SiteBuilder(root)


@pytest.fixture
def build_site() -> Callable[..., Path]:
    """Build a site root with the real CLI entry point; returns the output folder."""
    from kowp_site.cli import main

    def run(root: Path, *args: str, expect: int = 0) -> Path:
        code = main(["build", "--root", str(root), *args])
        assert code == expect
        return root / "site"

    return run


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 - a playwright Browser
    """One headless Chromium for the whole run (tests/test_browser.py, tests/test_security.py)."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def no_card_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without a Korean font: no picture card is drawn, previews fall back."""
    from kowp_site.site import cards

    monkeypatch.setattr(cards, "find_fonts", lambda config: None)


def korean_font_found() -> bool:
    from kowp_site.site import card_fonts

    return any((Path(folder) / bold).is_file() for folder in card_fonts.FONT_DIRS for bold, _ in card_fonts.FONT_NAMES)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/ from the current output instead of comparing with it (review the diff)",
    )
