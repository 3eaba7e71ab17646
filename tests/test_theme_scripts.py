"""Theme scripts rendered with the site's catalog (templates/js/ -> static/js/): the JavaScript the
helpers write, the plural choice evaluated in Node against gettext's, what ja and en sites' scripts
say, a site theme's own script winning, and incremental builds that follow catalogs and templates."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kowp_site.errors import KowpError
from kowp_site.site import locale
from kowp_site.site.build import BuildOptions, build
from kowp_site.site.jstext import js_format, js_ngettext, js_string
from kowp_site.site.theme import bundled_theme
from tests.test_incremental import assert_same_as_clean
from tests.test_locales import HANGUL, language_site, write

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "sample-site" / "static" / "js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

KOREAN_MESSAGES = (  # what the ko site's scripts say (tests/golden)
    "검색어를 입력해 주세요.",
    "검색하는 중…",
    "에 대한 검색 결과가 없습니다.",
    "검색 결과 ",
    "건 가운데 관련성이 높은 ",
    "건입니다.",
    "검색 색인을 불러오지 못했습니다. 잠시 후 다시 시도해 주세요.",
    "복사했습니다.",
    "복사하지 못했습니다. 주소를 직접 선택해 복사하십시오.",
    "서버 이름을 mastodon.social 같은 형식으로 적어 주십시오.",
)


# --- the helpers -----------------------------------------------------------------------------


def test_js_string_escapes_only_what_a_literal_must():
    assert js_string('검색 "결과" \\ …‘’\n\t') == '"검색 \\"결과\\" \\\\ …‘’\\n\\t"'
    assert js_string("a\u2028b\u2029c\x00") == '"a\\u2028b\\u2029c\\u0000"'
    assert js_string("") == '""'


def test_js_format_joins_text_and_values_as_the_scripts_wrote_them():
    assert (
        js_format("‘{query}’에 대한 검색 결과가 없습니다.", query="query.slice(0, 80)")
        == '"‘" + query.slice(0, 80) + "’에 대한 검색 결과가 없습니다."'
    )
    assert (
        js_format("검색 결과 {count}건 가운데 관련성이 높은 {top}건입니다.", count="r.ranked.length", top="top.length")
        == '"검색 결과 " + r.ranked.length + "건 가운데 관련성이 높은 " + top.length + "건입니다."'
    )
    assert js_format("{count} results.", count="n") == 'n + " results."'
    assert js_format("{a}{b}!", a="x", b="y") == '"" + x + y + "!"'  # two numbers are joined, not added
    assert js_format("{a}", a="x") == '"" + x'
    assert js_format("{{{a}}} of {b}", a="a ? b : c", b="list[0]") == '"{" + (a ? b : c) + "} of " + list[0]'
    assert js_format("No placeholder, 100%") == '"No placeholder, 100%"'


@pytest.mark.parametrize(
    ("text", "values", "error"),
    [
        ("{count} of {total}", {"count": "n"}, r"names \{total\}; the script gives count"),
        ("{count:>3}", {"count": "n"}, r"names \{count\}"),
        ("{count!r}", {"count": "n"}, r"names \{count\}"),
        ("{count", {"count": "n"}, "is not a message with {name} placeholders"),
        ("{count}", {"count": " "}, "given no JavaScript expression"),
        ("{}", {}, r"names \{\}; the script gives none"),
    ],
)
def test_js_format_refuses_a_message_the_script_cannot_say(text, values, error):
    with pytest.raises(KowpError, match=error):
        js_format(text, **values)


PLURALS = {
    "ko": ("nplurals=1; plural=0;", ("결과 {count}건",)),
    "en": ("nplurals=2; plural=(n != 1);", ("{count} result", "{count} results")),
    "fr": ("nplurals=2; plural=(n > 1);", ("{count} résultat", "{count} résultats")),
    "pl": (
        "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
        ("{count} wynik", "{count} wyniki", "{count} wyników"),
    ),
    "ar": (
        "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
        tuple(f"{{count}} form{i}" for i in range(6)),
    ),
}


def catalog_messages(tmp_path: Path, lang: str, rule: str, forms: tuple[str, ...]) -> locale.Messages:
    strings = "".join(f'msgstr[{i}] "{form}"\n' for i, form in enumerate(forms))
    write(
        tmp_path / lang,
        f"locales/{lang}/LC_MESSAGES/messages.po",
        f'msgid ""\nmsgstr ""\n"Language: {lang}\\n"\n"Plural-Forms: {rule}\\n"\n\n'
        f'msgid "{{count}} result"\nmsgid_plural "{{count}} results"\n{strings}',
    )
    return locale.load([tmp_path / lang], lang)


def test_one_plural_form_is_one_expression_and_two_are_a_conditional(tmp_path):
    ko = catalog_messages(tmp_path, "ko", *PLURALS["ko"])
    assert js_ngettext(ko, "{count} result", "{count} results", count="hits.length") == '"결과 " + hits.length + "건"'
    en = catalog_messages(tmp_path, "en", *PLURALS["en"])
    assert (
        js_ngettext(en, "{count} result", "{count} results", count="a + b")
        == '(((a + b) != 1) ? (a + b) + " results" : (a + b) + " result")'
    )
    pl = catalog_messages(tmp_path, "pl", *PLURALS["pl"])
    assert js_ngettext(pl, "{count} result", "{count} results", count="n").startswith('[n + " wynik", n + " wyniki"')


@needs_node
@pytest.mark.parametrize("lang", PLURALS)
def test_the_script_picks_the_plural_form_gettext_picks(tmp_path, lang):
    messages = catalog_messages(tmp_path, lang, *PLURALS[lang])
    expression = js_ngettext(messages, "{count} result", "{count} results", count="n")
    program = f"const out = []; for (let n = 0; n < 250; n++) out.push({expression}); console.log(JSON.stringify(out));"
    said = json.loads(subprocess.run([NODE, "-e", program], capture_output=True, check=True, text=True).stdout)
    assert said == [messages.ngettext("{count} result", "{count} results", n).format(count=n) for n in range(250)]
    if lang == "pl":
        assert [said[1], said[2], said[5], said[12], said[22]] == [
            "1 wynik",
            "2 wyniki",
            "5 wyników",
            "12 wyników",
            "22 wyniki",
        ]


def plural_catalog(tmp_path: Path, rule: str) -> Path:
    theme = tmp_path / "theme"
    write(theme, "locales/xx/LC_MESSAGES/messages.po", f'msgid ""\nmsgstr ""\n"Plural-Forms: {rule}\\n"\n')
    return theme


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ("nplurals=2; plural=n / 2;", "'n / 2' divides: a script cannot pick its forms"),
        ("nplurals=0; plural=0;", "Plural-Forms 'nplurals=0; plural=0;' is not 'nplurals=N; plural=EXPRESSION;'"),
    ],
)
def test_a_plural_rule_a_script_cannot_use_is_an_error(tmp_path, rule, error):
    messages = locale.load([plural_catalog(tmp_path, rule)], "xx")
    with pytest.raises(KowpError, match=re.escape(error)):
        js_ngettext(messages, "{count} result", "{count} results", count="n")


@pytest.mark.parametrize("rule", ["nplurals=2; plural=(n != 1) + alert(1);", "nplurals=2; plural=;"])
def test_a_plural_expression_gettext_does_not_read_is_an_error_naming_the_catalog(tmp_path, rule):
    with pytest.raises(KowpError, match=r"xx/LC_MESSAGES/messages.po: the plural expression of Plural-Forms"):
        locale.load([plural_catalog(tmp_path, rule)], "xx")


def test_a_language_without_a_catalog_picks_english_forms():
    messages = locale.load([bundled_theme()], "eo")
    assert js_ngettext(messages, "{count} result.", "{count} results.", count="k") == (
        '((k != 1) ? k + " results." : k + " result.")'
    )


# --- what a ja or en site's scripts say ------------------------------------------------------

SAID = {  # the lines of the scripts that differ from the ko site's (tests/golden), stripped
    "en": {
        "search.js": [
            'if (!query.trim()) { say("Type what you are looking for."); return Promise.resolve(); }',
            'say("Searching…");',
            'if (!r.ranked.length) say("No results for ‘" + query.slice(0, 80) + "’.");',
            "else if (r.ranked.length > top.length) say(((r.ranked.length != 1)"
            ' ? "The " + top.length + " most relevant of " + r.ranked.length + " results."'
            ' : "The " + top.length + " most relevant of " + r.ranked.length + " result."));',
            'else say(((r.ranked.length != 1) ? r.ranked.length + " results." : r.ranked.length + " result."));',
            'say("The search index could not be loaded. Please try again in a moment.");',
        ],
        "share.js": [
            'function () { say(button, button.dataset.copied || "Copied."); },',
            'function () { say(button, "Could not copy. Select the address and copy it yourself."); }',
            'say(form, "Write the server name in the form mastodon.social.");',
        ],
    },
    "ja": {
        "search.js": [
            'if (!query.trim()) { say("検索キーワードを入力してください。"); return Promise.resolve(); }',
            'say("検索しています…");',
            'if (!r.ranked.length) say("「" + query.slice(0, 80) + "」に一致する記事は見つかりませんでした。");',
            'else if (r.ranked.length > top.length) say("検索結果" + r.ranked.length + "件のうち、関連性の高い"'
            ' + top.length + "件です。");',
            'else say("検索結果は" + r.ranked.length + "件です。");',
            'say("検索インデックスを読み込めませんでした。しばらくしてから、もう一度お試しください。");',
        ],
        "share.js": [
            'function () { say(button, button.dataset.copied || "コピーしました。"); },',
            'function () { say(button, "コピーできませんでした。アドレスを選択して、手動でコピーしてください。"); }',
            'say(form, "サーバー名は mastodon.social のような形式で入力してください。");',
        ],
    },
}
LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"')


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> dict[str, dict[str, str]]:
    """search.js and share.js of a ja and an en site (tests/test_locales.py's sites)."""
    out = {}
    for lang in SAID:
        result = build(language_site(tmp_path_factory.mktemp(lang) / "root", lang), BuildOptions())
        out[lang] = {name: (result.output / "static/js" / name).read_text(encoding="utf-8") for name in SAID[lang]}
    return out


def differing_lines(script: str, ko: str) -> list[str]:
    lines, ko_lines = script.splitlines(), ko.splitlines()
    assert len(lines) == len(ko_lines)  # a message is said on the line where the ko script says it
    return [line.strip() for line, ko_line in zip(lines, ko_lines, strict=True) if line != ko_line]


@pytest.mark.parametrize("lang", SAID)
@pytest.mark.parametrize("name", ["search.js", "share.js"])
def test_a_ja_or_en_site_s_scripts_say_its_messages_and_nothing_else_changes(scripts, lang, name):
    script = scripts[lang][name]
    assert differing_lines(script, (GOLDEN / name).read_text(encoding="utf-8")) == SAID[lang][name]
    assert [m for m in KOREAN_MESSAGES if m in script] == []
    endings = re.search(r"var ENDINGS = \[[^\]]*\];", script)  # Korean particles the tokenizer strips: logic
    assert (endings is not None) == (name == "search.js")
    assert HANGUL.findall(script.replace(endings.group(0), "") if endings else script) == []


def test_the_messages_are_javascript_string_literals_of_the_catalog_text(scripts):
    said = [json.loads(s) for line in SAID["en"]["search.js"] for s in LITERAL.findall(line)]
    assert said[:4] == ["Type what you are looking for.", "Searching…", "No results for ‘", "’."]
    assert said[-3:] == [" results.", " result.", "The search index could not be loaded. Please try again in a moment."]
    for line in SAID["ja"]["share.js"]:
        assert LITERAL.findall(line)[-1] in scripts["ja"]["share.js"]


@needs_node
@pytest.mark.parametrize("lang", SAID)
def test_the_rendered_scripts_are_valid_javascript(scripts, lang, tmp_path):
    for name, script in scripts[lang].items():
        (tmp_path / name).write_text(script, encoding="utf-8")
        subprocess.run([NODE, "--check", str(tmp_path / name)], check=True, capture_output=True)


# --- a site's own theme ----------------------------------------------------------------------

OWN_SCRIPT = "/* the site's own search script */\nconsole.log('mine');\n"
SEARCHING = 'msgid ""\nmsgstr ""\n"Language: en\\n"\n\nmsgid "Searching…"\nmsgstr "{text}"\n'


def said_when_searching(out: Path) -> list[str]:
    """The first statement of search.js that only says something (``say("Searching…");``)."""
    lines = [line.strip() for line in (out / "static/js/search.js").read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line.startswith("say(") and line.endswith(");")][:1]


def test_a_site_theme_s_static_script_wins_over_the_rendered_one(tmp_path):
    root = language_site(tmp_path / "root", "en", theme="mine")
    write(root, "themes/mine/static/js/search.js", OWN_SCRIPT)
    result = build(root, BuildOptions())  # no "two outputs for one path"
    assert (result.output / "static/js/search.js").read_text(encoding="utf-8") == OWN_SCRIPT
    share = (result.output / "static/js/share.js").read_text(encoding="utf-8")
    assert '"Could not copy. Select the address and copy it yourself."' in share  # still rendered


def test_a_site_theme_s_script_template_is_rendered_with_the_catalog(tmp_path):
    root = language_site(tmp_path / "root", "en", theme="mine")
    write(root, "themes/mine/templates/js/share.js", 'say({{ js_string(_("Copied.")) }});\n')
    write(root, "themes/mine/templates/js/extra.js", 'var LABEL = {{ js_string(_("Search")) }};\n')
    write(root, "themes/mine/templates/js/notes.txt", "not a script\n")
    write(root, "themes/mine/templates/js/._share.js", "an editor's file\n")
    out = build(root, BuildOptions()).output
    assert (out / "static/js/share.js").read_text(encoding="utf-8") == 'say("Copied.");\n'
    assert (out / "static/js/extra.js").read_text(encoding="utf-8") == 'var LABEL = "Search";\n'
    assert sorted(p.name for p in (out / "static/js").iterdir()) == ["extra.js", "search.js", "share.js"]


def test_an_unknown_placeholder_in_a_site_s_catalog_stops_the_build_naming_the_message(tmp_path):
    root = language_site(tmp_path / "root", "en", theme="mine")
    write(
        root,
        "themes/mine/locales/en/LC_MESSAGES/messages.po",
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\nmsgid "No results for ‘{query}’."\nmsgstr "Nothing for {q}"\n',
    )
    with pytest.raises(
        KowpError,
        match=r"mine/locales/en/LC_MESSAGES/messages.po: the translation of 'No results for ‘\{query\}’.' "
        r"does not fit the message: KeyError\('q'\)",
    ):
        build(root, BuildOptions())


def test_an_incremental_build_follows_the_catalog_and_the_theme_s_scripts(tmp_path):
    scratch = tmp_path / "scratch"
    root = language_site(tmp_path / "root", "en", theme="mine")
    (root / "themes/mine").mkdir(parents=True)
    assert said_when_searching(build(root, BuildOptions()).output) == ['say("Searching…");']
    po = write(root, "themes/mine/locales/en/LC_MESSAGES/messages.po", SEARCHING.format(text="Looking…"))
    assert said_when_searching(assert_same_as_clean(root, scratch).output) == ['say("Looking…");']
    po.write_text(SEARCHING.format(text="Finding…"), encoding="utf-8")  # the same size
    assert said_when_searching(assert_same_as_clean(root, scratch).output) == ['say("Finding…");']
    own = write(root, "themes/mine/static/js/search.js", OWN_SCRIPT)
    result = assert_same_as_clean(root, scratch)
    assert (result.output / "static/js/search.js").read_text(encoding="utf-8") == OWN_SCRIPT
    own.unlink()
    po.unlink()
    assert said_when_searching(assert_same_as_clean(root, scratch).output) == ['say("Searching…");']
    template = write(root, "themes/mine/templates/js/search.js", "say({{ js_string(_('Searching…')) }});\n")
    assert (
        assert_same_as_clean(root, scratch).output / "static/js/search.js"
    ).read_bytes() == b'say("Searching\xe2\x80\xa6");\n'
    template.unlink()
    assert said_when_searching(assert_same_as_clean(root, scratch).output) == ['say("Searching…");']


def test_a_brace_written_twice_in_a_translation_is_a_brace_in_the_script(tmp_path):
    root = language_site(tmp_path / "root", "en", theme="mine")
    write(
        root,
        "themes/mine/locales/en/LC_MESSAGES/messages.po",
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\nmsgid "No results for ‘{query}’."\nmsgstr "{{0}} for {query}"\n',
    )
    script = (build(root, BuildOptions()).output / "static/js/search.js").read_text(encoding="utf-8")
    assert 'if (!r.ranked.length) say("{0} for " + query.slice(0, 80));' in script
