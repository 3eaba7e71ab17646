"""Interface messages: the shipped catalogs cover every message, ja and en sites show no Korean
interface text, plural forms, a site theme's single-message override, and bad catalogs."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import lxml.html
import pytest
from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from kowp_site.errors import KowpError
from kowp_site.site import locale
from kowp_site.site.build import BuildOptions, build
from kowp_site.site.theme import bundled_theme
from tests.conftest import en_md, ko_md, sha
from tests.test_incremental import assert_same_as_clean, tree

REPO = Path(__file__).resolve().parent.parent
LOCALES = REPO / "themes" / "default" / "locales"
SHIPPED = ("ko", "ja", "en")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|(?<!\{)\{(\w+)\}(?!\})")  # %(name)s, or {name} in a script's message
KEYWORDS = {"N_": None, "js_ngettext": (1, 2)}  # pybabel's -k N_ -k js_ngettext:1,2 (see babel.cfg)


def extracted() -> set[tuple[str | None, str]]:
    """(context, message id) of every message the templates and Python code use, found with the
    same babel.cfg and keywords as ``pybabel extract``."""
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with open(REPO / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse(cfg)
    keywords = {**DEFAULT_KEYWORDS, **KEYWORDS}
    found = set()
    for _, _, message, _, context in extract_from_dir(str(REPO), method_map, options_map, keywords=keywords):
        singular = message[0] if isinstance(message, tuple) else message
        if singular:
            found.add((context, singular))
    return found


def catalog(lang: str) -> Catalog:
    return read_po((LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb"))


def placeholders(text: str) -> set[str]:
    return {percent or brace for percent, brace in PLACEHOLDER.findall(text)}


def coverage_problems(cat: Catalog, wanted: set[tuple[str | None, str]]) -> list[str]:
    """What is wrong with ``cat`` as a catalog of ``wanted``: missing, empty, fuzzy, a wrong number
    of plural forms, or a placeholder the message does not give."""
    problems = []
    for context, msgid in sorted(wanted, key=lambda k: (k[0] or "", k[1])):
        message = cat.get(msgid, context=context)
        if message is None:
            problems.append(f"missing: {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"empty: {msgid!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        if isinstance(message.id, tuple) and len(strings) != cat.num_plurals:
            problems.append(f"{len(strings)} plural forms, want {cat.num_plurals}: {msgid!r}")
        given = placeholders(" ".join(message.id if isinstance(message.id, tuple) else (message.id,)))
        unknown = {name for s in strings for name in placeholders(s)} - given - {"num"}
        if unknown:
            problems.append(f"unknown placeholder {sorted(unknown)}: {msgid!r}")
    return problems


def test_the_template_lists_every_message_the_theme_and_code_use():
    pot = read_po((LOCALES / "messages.pot").open("rb"))
    listed = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in pot if m.id}
    found = extracted()
    assert len(found) > 100
    assert listed == found, "run the `pybabel extract` of babel.cfg"


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_shipped_catalog_translates_every_message(lang):
    cat = catalog(lang)
    assert str(cat.locale) == lang
    assert coverage_problems(cat, extracted()) == []
    assert [m.id for m in cat.obsolete.values()] == []


def test_coverage_check_finds_what_a_catalog_lacks():
    broken = read_po(
        io.StringIO(
            'msgid ""\nmsgstr ""\n"Language: en\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
            'msgid "Search"\nmsgstr ""\n\n'
            '#, fuzzy\nmsgid "Archive"\nmsgstr "Old archive"\n\n'
            'msgid "About %(num)d minute"\nmsgid_plural "About %(num)d minutes"\nmsgstr[0] "1 min"\nmsgstr[1] ""\n\n'
            'msgid "page %(number)s"\nmsgstr "page %(page)s"\n\n'
            'msgid "{count} result."\nmsgid_plural "{count} results."\nmsgstr[0] "{n} result."\nmsgstr[1] "{{n}}"\n'
        )
    )
    wanted = {(None, "Search"), (None, "Archive"), (None, "About %(num)d minute"), (None, "page %(number)s")}
    wanted.add((None, "{count} result."))
    wanted.add((None, "Skip to content"))
    assert coverage_problems(broken, wanted) == [
        "empty: 'About %(num)d minute'",
        "fuzzy: 'Archive'",
        "empty: 'Search'",
        "missing: 'Skip to content'",
        "unknown placeholder ['page']: 'page %(number)s'",
        "unknown placeholder ['n']: '{count} result.'",
    ]


def test_the_korean_catalog_keeps_the_korean_wording():
    ko = locale.load([bundled_theme()], "ko")
    assert ko.gettext("Skip to content") == "본문으로 건너뛰기"
    assert ko.ngettext("About %(num)d minute", "About %(num)d minutes", 7) == "약 7분"
    assert ko.month_of_year(2026, 8) == "2026년 8월"
    assert [p.relative_to(REPO).as_posix() for p in ko.sources] == ["themes/default/locales/ko/LC_MESSAGES/messages.po"]


# --- ja and en sites -------------------------------------------------------------------------

CODES = {"ja": "ja", "en": "en-GB"}
SITES = {
    "ja": {
        "title": "WordPress ニュース日本語版",
        "category": "リリース",
        "post": ("翻訳のタイトル{n}", "日本語の本文です。[^1]\n\n[^1]: 脚注の本文。\n"),
        "filler": "日本語の文章です。" * 330,  # 2,640 letters at 600 a minute: 5 minutes
        "about": ("このサイトについて", "紹介文です。\n"),
    },
    "en": {
        "title": "WordPress News Digest",
        "category": "Releases",
        "post": ("Translated title {n}", "The body in English.[^1]\n\n[^1]: A footnote.\n"),
        "filler": "Words to read. " * 400,  # 4,400 letters at 1,000 a minute: 5 minutes
        "about": ("About", "About this site.\n"),
    },
}


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def language_site(root: Path, lang: str, *, theme: str = "default", language: str | None = None) -> Path:
    """A site in ``lang`` whose configuration and posts hold no Korean: any Hangul on its pages
    comes from the interface. Three published posts (pages of 2), one outdated, one long.

    English is en-GB: a translation is ``<language>.md`` beside the English source ``en.md``, and
    en-GB finds the ``en`` catalog."""
    s = SITES[lang]
    language = language or CODES[lang]
    write(
        root,
        "pyproject.toml",
        f'[tool.kowp-site]\ntitle = "{s["title"]}"\ndescription = "{s["title"]}"\n'
        f'base_url = "https://example.org/site/"\nlanguage = "{language}"\ntheme = "{theme}"\n'
        'posts_per_page = 2\nrepo_url = "https://github.com/example/site"\nfetch_images = false\ncards = false\n\n'
        f'[tool.kowp-site.categories]\nReleases = {{ name = "{s["category"]}", slug = "releases" }}\n\n'
        f'[[tool.kowp-site.menu]]\ntitle = "{s["about"][0]}"\nurl = "/about/"\n',
    )
    title, body = s["post"]
    for n in (1, 2, 3):
        folder = f"content/posts/2026/0{n + 5}/post-{n}"
        en = write(root, f"{folder}/en.md", en_md(f"post-{n}", month=n + 5, title=f"English {n}"))
        long = s["filler"] + "\n\n" + body if n == 2 else body  # post 2: a reading time of several minutes
        if n == 1:  # a player and an embed, which bodies and feeds turn into labelled links
            long += "\n\n" + MEDIA_HTML
        text = ko_md(title=title.format(n=n), translated=f"2026-09-0{n}", body=long, source_hash=sha(en.read_bytes()))
        if n == 3:  # outdated: its English changed after the translation
            text = text.replace(sha(en.read_bytes()), "sha256:" + "1" * 64)
        write(root, f"{folder}/{language}.md", text)
    write(root, "content/posts/2026/05/waiting/en.md", en_md("waiting", month=5, title="Untranslated"))
    write(root, "content/pages/about.md", f"---\ntitle: {s['about'][0]}\n---\n\n{s['about'][1]}")
    return root


MEDIA_HTML = (
    '<iframe src="https://www.youtube.com/embed/abcdefghijk"></iframe>\n\n'
    '<audio controls src="https://example.org/media/episode-1.mp3"></audio>\n'
)
MEDIA_LINKS = {
    "ja": ("動画を見る", "音声を聞く (episode-1.mp3)"),
    "en": ("Watch the video", "Listen to the audio (episode-1.mp3)"),
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_players_and_embeds_made_links_are_labelled_in_the_site_language(built, lang):
    video, audio = MEDIA_LINKS[lang]
    page = doc(built[lang] / "2026/06/post-1/index.html")
    assert texts(page, "//p[@class='embed']/a") == [video]
    assert page.xpath("//p[@class='embed']/a/@href") == ["https://www.youtube.com/watch?v=abcdefghijk"]
    feed = json.loads((built[lang] / "feed.json").read_text(encoding="utf-8"))
    item = next(i for i in feed["items"] if i["url"].endswith("/2026/06/post-1/"))
    body = lxml.html.fragment_fromstring(item["content_html"], create_parent="div")
    assert texts(body, ".//a[@href='https://www.youtube.com/watch?v=abcdefghijk']") == [video]
    assert texts(body, ".//a[@href='https://example.org/media/episode-1.mp3']") == [audio]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for lang in SITES:
        root = language_site(tmp_path_factory.mktemp(lang) / "root", lang)
        result = build(root, BuildOptions())
        assert result.warnings == []
        out[lang] = result.output
    return out


def doc(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def texts(page: lxml.html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in page.xpath(xpath)]


def interface_text(page: lxml.html.HtmlElement) -> str:
    """Every text and attribute of a page (the posts and config hold no Korean, see language_site)."""
    attributes = " ".join(v for e in page.iter() if isinstance(e.tag, str) for v in e.attrib.values())
    return page.text_content() + " " + attributes


@pytest.mark.parametrize("lang", SITES)
def test_no_page_or_feed_of_a_ja_or_en_site_has_korean(built, lang):
    site = built[lang]
    checked = [p for p in site.rglob("*") if p.suffix in (".html", ".xml", ".json", ".svg") and "static" not in p.parts]
    assert len(checked) > 15
    for path in checked:
        text = interface_text(doc(path)) if path.suffix == ".html" else path.read_text(encoding="utf-8")
        assert HANGUL.findall(text) == [], path.relative_to(site)


POST = {
    "ja": {
        "credits": ["原文", "著者", "原文の公開日", "翻訳の公開日", "翻訳", "読了時間"],
        "minutes": ["約1分", "約5分"],
        "share": "この記事を共有",
        "skip": "本文へスキップ",
        "notice": "原文が更新されました。この翻訳は最新ではない可能性があります。 原文を読む",
        "footer": "原文を読む · 翻訳を修正する · 購読する",
        "neighbours": ["前の記事 翻訳のタイトル1", "次の記事 翻訳のタイトル3"],
        "footnotes": "脚注",
    },
    "en": {
        "credits": [
            "Original",
            "Author",
            "Originally published",
            "Translation published",
            "Translated by",
            "Reading time",
        ],
        "minutes": ["About 1 minute", "About 5 minutes"],
        "share": "Share this post",
        "skip": "Skip to content",
        "notice": "The original has changed — this translation may be out of date. Read the original",
        "footer": "Read the original · Improve this translation · Subscribe",
        "neighbours": ["Previous post Translated title 1", "Next post Translated title 3"],
        "footnotes": "Notes",  # the body's label is chosen by the whole code: en-GB has none of its own
    },
}


@pytest.mark.parametrize("lang", SITES)
def test_post_page_interface_in_the_site_language(built, lang):
    want = POST[lang]
    page = doc(built[lang] / "2026/07/post-2/index.html")
    assert page.get("lang") == CODES[lang]
    assert texts(page, "//dl[@class='credits']/dt") == want["credits"]
    assert texts(page, "//a[@class='skip-link']") == [want["skip"]]
    assert texts(page, "//h2[@id='share-heading']") == [want["share"]]
    assert texts(page, "//nav[@class='prev-next']/a") == want["neighbours"]
    assert texts(page, "//footer[@class='post-footer']/p[a[@class='original']]") == [want["footer"]]
    assert texts(page, "//section[@id='fn']/h2") == [want["footnotes"]]
    outdated = doc(built[lang] / "2026/08/post-3/index.html")
    assert texts(outdated, "//p[@class='notice']") == [want["notice"]]
    assert page.xpath("//meta[@property='og:locale']/@content") == [{"ja": "ja_JP", "en": "en_GB"}[lang]]


@pytest.mark.parametrize("lang", SITES)
def test_reading_time_takes_the_plural_form_of_the_language(built, lang):
    reading = []
    for path in ("2026/06/post-1/index.html", "2026/07/post-2/index.html"):
        reading += texts(doc(built[lang] / path), "//dl[@class='credits']/dd[last()]")
    assert reading == POST[lang]["minutes"]


LISTS = {
    "ja": {
        "title": "WordPress ニュース日本語版 (2ページ目)",
        "pages": "ページ送り",
        "links": ["← 新しい記事"],
        "archive": "翻訳済みの記事3件を、原文の公開年月ごとにまとめています。",
        "months": ["8月", "7月", "6月"],
        "year": ["2026年"],
    },
    "en": {
        "title": "WordPress News Digest (page 2)",
        "pages": "Pages",
        "links": ["← Newer posts"],
        "archive": "3 translated posts, by the month their originals were published.",
        "months": ["August", "July", "June"],
        "year": ["2026"],
    },
}


@pytest.mark.parametrize("lang", SITES)
def test_list_and_archive_pages_in_the_site_language(built, lang):
    want = LISTS[lang]
    second = doc(built[lang] / "page/2/index.html")
    assert texts(second, "//title") == [want["title"]]
    assert second.xpath("//nav[@class='pagination']/@aria-label") == [want["pages"]]
    assert texts(second, "//nav[@class='pagination']/a") == want["links"]
    first = doc(built[lang] / "index.html")
    assert texts(first, "//nav[@class='pagination']/a") == [{"ja": "古い記事 →", "en": "Older posts →"}[lang]]
    archive = doc(built[lang] / "archive/index.html")
    assert texts(archive, "//main/p") == [want["archive"]]
    assert texts(archive, "//h3") == want["months"] and texts(archive, "//h2") == want["year"]


NOT_FOUND = {
    "ja": (
        "ページが見つかりません",
        "このアドレスには記事がありません。アドレスが変わったか、まだ翻訳されていない記事かもしれません。",
        ["トップページへ", "アーカイブから探す"],
    ),
    "en": (
        "Page not found",
        "There is no post at this address. The address may have changed, or the post may not be translated yet.",
        ["Go to the home page", "Look in the archive"],
    ),
}


@pytest.mark.parametrize("lang", SITES)
def test_not_found_page_in_the_site_language(built, lang):
    heading, text, links = NOT_FOUND[lang]
    page = doc(built[lang] / "404.html")
    assert texts(page, "//main/h1") == [heading]
    assert texts(page, "//main/p") == [text]
    assert texts(page, "//main/ul/li/a") == links
    assert texts(page, "//title") == [f"{heading} — {SITES[lang]['title']}"]


def test_progress_chart_and_feed_credits_in_english(built):
    translate = doc(built["en"] / "translate/index.html")
    assert texts(translate, "//p[@class='progress-summary']") == ["Translated and published: 3 of 4 posts (75%)."]
    svg = "{http://www.w3.org/2000/svg}"
    chart = translate.xpath("//*[local-name()='svg']")[0]
    assert (
        chart.xpath("string(*[local-name()='title'])")
        == "Translations published per month (September 2026 – September 2026)"
    )
    assert chart.xpath("string(*[local-name()='desc'])") == "3 translations in September 2026. In all, 3 translations."
    assert [t.text for t in chart.iter() if t.tag in ("text", f"{svg}text") and t.get("font-size") == "11"] == ["Sep"]
    feed = (built["en"] / "feed.json").read_text(encoding="utf-8")
    assert (
        '<p>Original: <a href=\\"https://wordpress.org/news/2026/08/post-3/\\">English 3</a> · Author: Josepha' in feed
    )


# --- a site's own catalog ----------------------------------------------------------------------

OVERRIDE = 'msgid ""\nmsgstr ""\n"Language: en\\n"\n\nmsgid "Reading time"\nmsgstr "{text}"\n'


def reading_label(out: Path) -> list[str]:
    return texts(doc(out / "2026/06/post-1/index.html"), "//dl[@class='credits']/dt[last()]")


def test_a_site_theme_overrides_one_message_and_an_incremental_build_follows_it(tmp_path):
    root = language_site(tmp_path / "root", "en", theme="mine")
    po = write(root, "themes/mine/locales/en/LC_MESSAGES/messages.po", OVERRIDE.format(text="Time to read"))
    first = build(root, BuildOptions())
    assert reading_label(first.output) == ["Time to read"]
    assert texts(doc(first.output / "404.html"), "//main/h1") == ["Page not found"]  # the rest: shipped
    po.write_text(OVERRIDE.format(text="Minutes to read"), encoding="utf-8")
    result = assert_same_as_clean(root, tmp_path / "scratch")
    assert reading_label(result.output) == ["Minutes to read"]
    assert result.rendered > 0
    po.write_text(OVERRIDE.format(text="Minutes 2 read!"), encoding="utf-8")  # the same size
    assert reading_label(assert_same_as_clean(root, tmp_path / "scratch").output) == ["Minutes 2 read!"]
    po.unlink()
    assert reading_label(assert_same_as_clean(root, tmp_path / "scratch").output) == ["Reading time"]


def test_an_override_of_a_body_label_reaches_the_kept_bodies(tmp_path):
    """Bodies are kept rendered between builds: a changed label must render them again."""
    root = language_site(tmp_path / "root", "en", theme="mine")
    text = 'msgid ""\nmsgstr ""\n"Language: en\\n"\n\nmsgid "Watch the video"\nmsgstr "{text}"\n'
    po = write(root, "themes/mine/locales/en/LC_MESSAGES/messages.po", text.format(text="Play it"))
    first = build(root, BuildOptions())

    def label(out: Path) -> list[str]:
        return texts(doc(out / "2026/06/post-1/index.html"), "//p[@class='embed']/a")

    assert label(first.output) == ["Play it"]
    po.write_text(text.format(text="See it!"), encoding="utf-8")
    assert label(assert_same_as_clean(root, tmp_path / "scratch").output) == ["See it!"]
    po.unlink()
    assert label(assert_same_as_clean(root, tmp_path / "scratch").output) == ["Watch the video"]


def test_a_fuzzy_or_empty_override_keeps_the_shipped_message(tmp_path):
    root = language_site(tmp_path / "root", "en", theme="mine")
    write(
        root,
        "themes/mine/locales/en/LC_MESSAGES/messages.po",
        OVERRIDE.format(text="").replace('msgid "R', '#, fuzzy\nmsgid "R'),
    )
    assert reading_label(build(root, BuildOptions()).output) == ["Reading time"]


def test_a_language_we_do_not_ship_from_the_site_theme(tmp_path):
    root = language_site(tmp_path / "root", "en", theme="mine", language="fr")
    write(
        root,
        "themes/mine/locales/fr/LC_MESSAGES/messages.po",
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        'msgid "About %(num)d minute"\nmsgid_plural "About %(num)d minutes"\n'
        'msgstr[0] "Environ %(num)d minute"\nmsgstr[1] "Environ %(num)d minutes"\n',
    )
    result = build(root, BuildOptions())
    assert result.warnings == []
    reading = [
        texts(doc(result.output / p), "//dl[@class='credits']/dd[last()]")
        for p in ("2026/06/post-1/index.html", "2026/07/post-2/index.html")
    ]
    assert reading == [["Environ 1 minute"], ["Environ 5 minutes"]]  # fr: 1,000 letters a minute
    assert reading_label(result.output) == ["Reading time"]  # not in the site's catalog: English


def test_a_language_with_no_catalog_shows_english_with_one_warning(tmp_path):
    root = language_site(tmp_path / "root", "en", language="eo")
    result = build(root, BuildOptions())
    assert [(w.severity, w.message) for w in result.warnings] == [
        ("warning", "no interface messages for language 'eo': pages show them in English")
    ]
    assert "themes/<theme>/locales/eo/LC_MESSAGES/messages.po" in result.warnings[0].hint
    assert reading_label(result.output) == ["Reading time"]
    assert texts(doc(result.output / "2026/06/post-1/index.html"), "//dl[@class='credits']/dd[last()]") == [
        "About 1 minute"
    ]


def test_a_broken_catalog_is_an_error_naming_the_file(tmp_path, build_site, capsys):
    root = language_site(tmp_path / "root", "en", theme="mine")
    po = write(
        root,
        "themes/mine/locales/en/LC_MESSAGES/messages.po",
        'msgid "Reading time"\nmsgstr "x"\nnot a line of a catalog\n',
    )
    with pytest.raises(KowpError, match=r"themes/mine/locales/en/LC_MESSAGES/messages.po: not a valid gettext catalog"):
        build(root, BuildOptions())
    build_site(root, expect=1)
    err = capsys.readouterr().err
    assert "not a valid gettext catalog" in err and "Traceback" not in err
    for translation, why in (("Lire %(minutes)s", "KeyError"), ("100%", "ValueError"), ("%d", "TypeError")):
        po.write_text(f'msgid "Reading time"\nmsgstr "{translation}"\n', encoding="utf-8")
        with pytest.raises(
            KowpError, match=rf"messages.po: the translation of 'Reading time' does not fit the message: {why}"
        ):
            build(root, BuildOptions())


def test_language_codes_pick_the_most_specific_catalog(tmp_path):
    theme = tmp_path / "theme"
    for code in ("pt", "pt_BR"):
        write(theme, f"locales/{code}/LC_MESSAGES/messages.po", f'msgid "Search"\nmsgstr "{code}"\n')
    assert locale.codes("pt-BR") == ["pt_BR", "pt"]
    assert locale.load([theme], "pt-BR").gettext("Search") == "pt_BR"
    assert locale.load([theme], "pt").gettext("Search") == "pt"
    shutil.rmtree(theme / "locales/pt_BR")
    assert locale.load([theme], "pt-BR").gettext("Search") == "pt"
    assert tree(theme)  # the catalog folder was read, nothing was written into it
    assert sorted(p.name for p in theme.rglob("*") if p.is_file()) == ["messages.po"]


def test_a_compiled_catalog_is_kept_for_the_next_process_and_follows_the_catalog(tmp_path, monkeypatch):
    theme, kept = tmp_path / "theme", tmp_path / "kept"
    po = write(theme, "locales/ko/LC_MESSAGES/messages.po", 'msgid "Search"\nmsgstr "찾기"\n')
    assert locale.load_kept([theme], "ko", kept).gettext("Search") == "찾기"
    assert [p.suffix for p in kept.iterdir()] == [".mo"]
    locale._load_kept.cache_clear()  # as a new process
    real = locale.read_catalog
    parsed: list[Path] = []
    monkeypatch.setattr(locale, "read_catalog", lambda path, data: parsed.append(path) or real(path, data))
    assert locale.load_kept([theme], "ko", kept).gettext("Search") == "찾기" and parsed == []
    po.write_text('msgid "Search"\nmsgstr "검색"\n', encoding="utf-8")  # an edit of the catalog
    assert locale.load_kept([theme], "ko", kept).gettext("Search") == "검색" and parsed == [po]
    for mo in kept.iterdir():
        mo.write_bytes(b"not a catalog")  # a damaged kept file is compiled again
    locale._load_kept.cache_clear()
    assert locale.load_kept([theme], "ko", kept).gettext("Search") == "검색" and parsed == [po, po]
    po.write_text('msgid "Search"\nmsgstr "%(x)s"\n', encoding="utf-8")
    with pytest.raises(KowpError, match="does not fit the message"):  # a bad catalog is still found out
        locale.load_kept([theme], "ko", kept)


def test_kept_gettext_formats_as_jinja_new_style_and_translates_each_message_once():
    import jinja2

    from kowp_site.site.render import kept_gettext

    asked: list[str] = []
    catalog = {"100%% done": "100%% 완료", "Hello %(name)s": "%(name)s님 안녕하세요", "<b>": "<b>"}

    def translate(message: str) -> str:
        asked.append(message)
        return catalog.get(message, message)

    for autoescape in (True, False):
        asked.clear()
        env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
        env.install_gettext_callables(translate, lambda s, p, n: s if n == 1 else p, newstyle=True)
        jinja_way = env.from_string('{{ _("100%% done") }}|{{ _("Hello %(name)s", name="<i>") }}|{{ _("<b>") }}')
        expected = jinja_way.render()
        env.globals["_"] = env.globals["gettext"] = kept_gettext(translate)
        ours = env.from_string('{{ _("100%% done") }}|{{ _("Hello %(name)s", name="<i>") }}|{{ _("<b>") }}')
        asked.clear()
        assert ours.render() == ours.render() == expected
        assert asked.count("100%% done") == 1 and asked.count("Hello %(name)s") == 2  # values: formatted each time
    assert expected == "100% 완료|<i>님 안녕하세요|<b>"  # the last one, autoescape off
