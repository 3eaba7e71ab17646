"""The files a new mirror starts from: the ``[tool.kowp-site]`` table, two pages and a glossary, per language.

Called by ``kowp-site init``. :func:`plan` is pure (it decides what to write and what to leave);
:func:`write` writes the planned files atomically and never replaces one that exists.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kowp_site.errors import KowpError


@dataclass(frozen=True)
class Starter:
    """What one language's mirror starts with."""

    title: str
    description: str
    timezone: str
    date_format: str
    about_title: str
    about: str
    join_title: str
    join: str
    menu: tuple[tuple[str, str], ...]  # (title, url)
    categories: tuple[tuple[str, str, str], ...]  # (English, name, slug)
    glossary: str  # the [[term]] tables


CATEGORY_SLUGS = (("Releases", "releases"), ("Community", "community"), ("Events", "events"), ("Security", "security"))

STARTERS: dict[str, Starter] = {
    "ko": Starter(
        "워드프레스 뉴스 한국어판",
        "WordPress.org News의 공식 소식을 한국어로 전합니다.",
        "Asia/Seoul",
        "{year}년 {month}월 {day}일",
        "소개",
        "이 사이트는 [WordPress.org News](https://wordpress.org/news/)의 글을 자원봉사자들이 한국어로 옮겨 싣는 "
        "커뮤니티 번역 사이트입니다. WordPress.org의 공식 사이트가 아닙니다.\n",
        "번역 참여하기",
        "번역에 참여하려면 저장소의 `content/posts/…/ko.md`를 번역해 풀 리퀘스트를 보내 주십시오. "
        "[번역 현황](/translate/)에서 번역할 글을 고를 수 있습니다.\n",
        (("소개", "/about/"), ("번역 현황", "/translate/"), ("보관함", "/archive/")),
        tuple(
            zip(
                (e for e, _ in CATEGORY_SLUGS),
                ("릴리스", "커뮤니티", "행사", "보안"),
                (s for _, s in CATEGORY_SLUGS),
                strict=True,
            )
        ),
        '[[term]]\nen = "dashboard"\nko = "알림판"\nforbidden = ["대시보드"]\n',
    ),
    "ja": Starter(
        "WordPress ニュース日本語版",
        "WordPress.org News の公式ニュースを日本語でお届けします。",
        "Asia/Tokyo",
        "{year}年{month}月{day}日",
        "このサイトについて",
        "このサイトは、[WordPress.org News](https://wordpress.org/news/) の記事をボランティアが日本語に翻訳して"
        "掲載するコミュニティ翻訳サイトです。WordPress.org の公式サイトではありません。\n",
        "翻訳に参加する",
        "翻訳に参加するには、リポジトリの `content/posts/…/ja.md` を翻訳してプルリクエストを送ってください。"
        "[翻訳状況](/translate/)で翻訳する記事を選べます。\n",
        (("このサイトについて", "/about/"), ("翻訳状況", "/translate/"), ("アーカイブ", "/archive/")),
        tuple(
            zip(
                (e for e, _ in CATEGORY_SLUGS),
                ("リリース", "コミュニティ", "イベント", "セキュリティ"),
                (s for _, s in CATEGORY_SLUGS),
                strict=True,
            )
        ),
        '[[term]]\nen = "dashboard"\nko = "ダッシュボード"\nforbidden = []\n',
    ),
    "es": Starter(
        "Noticias de WordPress en español",
        "Las noticias oficiales de WordPress.org News, en español.",
        "Europe/Madrid",
        "{day}/{month}/{year}",
        "Acerca de",
        "Este sitio publica, traducidos por voluntarios, los artículos de "
        "[WordPress.org News](https://wordpress.org/news/). No es un sitio oficial de WordPress.org.\n",
        "Cómo colaborar",
        "Para colaborar, traduce un archivo `content/posts/…/es.md` del repositorio y envía una solicitud de "
        "cambios (pull request). En [el estado de la traducción](/translate/) puedes elegir un artículo.\n",
        (("Acerca de", "/about/"), ("Traducción", "/translate/"), ("Archivo", "/archive/")),
        tuple(
            zip(
                (e for e, _ in CATEGORY_SLUGS),
                ("Versiones", "Comunidad", "Eventos", "Seguridad"),
                (s for _, s in CATEGORY_SLUGS),
                strict=True,
            )
        ),
        '[[term]]\nen = "dashboard"\nko = "escritorio"\nforbidden = ["dashboard"]\n',
    ),
}


def toml_string(value: str) -> str:
    """A TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def config_table(language: str, starter: Starter) -> str:
    """The ``[tool.kowp-site]`` table of a new mirror, with its categories and menu."""
    lines = [
        "[tool.kowp-site]",
        f"title = {toml_string(starter.title)}",
        f"description = {toml_string(starter.description)}",
        'base_url = "https://example.github.io/wordpress-news/"  # the address the site is served from',
        f'language = "{language}"',
        f"timezone = {toml_string(starter.timezone)}",
        f"date_format = {toml_string(starter.date_format)}",
        "",
        "[tool.kowp-site.categories]",
        *(
            f"{en} = {{ name = {toml_string(name)}, slug = {toml_string(slug)} }}"
            for en, name, slug in starter.categories
        ),
    ]
    for title, url in starter.menu:
        lines += ["", "[[tool.kowp-site.menu]]", f"title = {toml_string(title)}", f"url = {toml_string(url)}"]
    return "\n".join(lines) + "\n"


def page(title: str, body: str) -> str:
    return f"---\ntitle: {toml_string(title)}\n---\n\n{body}"


GLOSSARY_HEAD = """\
# Glossary used by `kowp-site check` (check id: glossary). One [[term]] table per English term:
#   en = the English term (matched in en.md as whole words), ko = the approved rendering in this
#   site's language (the key is named ko for every language), forbidden = variants to report.

"""


@dataclass(frozen=True)
class Plan:
    writes: tuple[tuple[Path, str], ...]  # (path, text) of the files to make
    kept: tuple[Path, ...]  # files that exist and stay as they are
    pyproject: Path
    pyproject_text: str  # the whole new pyproject.toml (with the table added), or "" when kept


def plan(root: Path, language: str) -> Plan:
    """What ``kowp-site init`` writes in ``root`` for ``language``; raises when the site is configured."""
    starter = STARTERS.get(language.split("-")[0])
    if starter is None:
        known = ", ".join(sorted(STARTERS))
        raise KowpError(f"no starter for language {language!r}; known: {known} — start from one and translate it")
    pyproject = root / "pyproject.toml"
    existing = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    if "[tool.kowp-site]" in existing:
        raise KowpError(f"{pyproject}: already has a [tool.kowp-site] table; init writes a new site's files only")
    table = config_table(language, starter)
    text = (existing.rstrip("\n") + "\n\n" + table) if existing.strip() else table
    files = {
        root / "content" / "pages" / "about.md": page(starter.about_title, starter.about),
        root / "content" / "pages" / "join.md": page(starter.join_title, starter.join),
        root / "content" / "glossary.toml": GLOSSARY_HEAD + starter.glossary,
    }
    writes = tuple((p, t) for p, t in files.items() if not p.exists())
    kept = tuple(p for p in files if p.exists())
    return Plan(writes, kept, pyproject, text)


def write(made: Plan) -> None:
    """Write every planned file atomically; an existing file is never replaced."""
    for path, text in ((made.pyproject, made.pyproject_text), *made.writes):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(temp, path)
