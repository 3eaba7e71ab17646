"""`kowp-site check` follows the site's language: the script test for any language, Korean rules for ko only."""

from __future__ import annotations

import pytest

from kowp_site.site import config as config_mod
from kowp_site.translation import mdscan, scripts
from tests.conftest import PYPROJECT, sha
from tests.test_check_rules import EN_BODY, findings

JA_BODY = """\
WordPress 6.9 が公開されました。ダッシュボードからサイトを更新してください。

## 新機能

ブロックエディターがより速くなりました。[フィールドガイド](https://make.wordpress.org/core/field-guide/)をお読みください。

- より速いパターン
- 新しいプラグイン画面

![エディターのスクリーンショット](shot.png)

```php
echo 'dashboard';
```

| 機能 | 対象 |
|---|---|
| ブロック | すべての人 |

## 謝辞

すべての貢献者に感謝します。워프 합니다요.
"""
ES_BODY = """\
WordPress 6.9 ya está disponible. Actualiza tu sitio desde el escritorio.

## Qué hay de nuevo

El editor de bloques es más rápido. Lee la [guía](https://make.wordpress.org/core/field-guide/) de la versión.

- Patrones más rápidos
- Una nueva pantalla de plugins

![Una captura del editor](shot.png)

```php
echo 'dashboard';
```

| Función | Para quién |
|---|---|
| Bloques | Todos |

## Gracias

Gracias a todas las personas que contribuyen con el proyecto.
"""


def locale_site(site, language: str, body: str, extra: str = "") -> str:
    site.config(raw=PYPROJECT.format(extra=f'language = "{language}"\n{extra}'))
    folder = site.post("release", en={"body": EN_BODY}, translation=False)
    head = f"---\ntitle: 제목\nstatus: published\ntranslators: [a]\ntranslated: 2026-08-20\nsource_hash: {sha((folder / 'en.md').read_bytes())}\n---\n\n"
    (folder / f"{language}.md").write_text(head + body, encoding="utf-8")
    return f"content/posts/2026/08/release/{language}.md"


@pytest.mark.parametrize(("language", "body"), [("ja", JA_BODY), ("es", ES_BODY)])
def test_a_good_translation_in_another_language_passes_and_korean_rules_stay_off(site, language, body):
    locale_site(site, language, body)
    assert findings(site.root) == []  # 워프 and 합니다요 in the Japanese text are no Korean mistakes there


@pytest.mark.parametrize(("language", "unit", "share"), [("ja", "Kana and Han", "0%"), ("es", "common es words", "0%")])
def test_an_english_body_published_in_another_language_is_caught_by_the_script_rule(site, language, unit, share):
    path = locale_site(site, language, EN_BODY)
    assert findings(site.root) == [
        (
            "script",
            path,
            9,
            "error",
            f"the body is still mostly English: {share} {unit} (at least 30% expected for a published post)",
        )
    ]


def test_a_locale_may_name_its_own_product_spelling(site):
    body = JA_BODY.replace("WordPress 6.9", "ワードプレス 6.9")
    path = locale_site(
        site, "ja", body, '[tool.kowp-site.check]\nproduct_name = "WordPress"\nproduct_name_variants = ["ワードプレス"]'
    )
    assert [f[:3] for f in findings(site.root)] == [("product-name", path, 9)]


def test_korean_defaults_only_for_korean_sites(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kowp-site]\nlanguage = "ja"\n', encoding="utf-8")
    ja, _ = config_mod.load(tmp_path)
    assert (ja.check.product_name, ja.check.product_name_variants, ja.check.house_style) == ("", (), "")
    (tmp_path / "pyproject.toml").write_text('[tool.kowp-site]\nlanguage = "ko"\n', encoding="utf-8")
    ko, _ = config_mod.load(tmp_path)
    assert (ko.check.product_name, ko.check.house_style) == ("워드프레스", "합니다체")


def test_script_shares_count_what_each_language_is_written_in(tmp_path):
    path = tmp_path / "x.md"
    path.write_text(
        "---\ntitle: x\n---\n\n日本語の文です。 WordPress is great and the editor is fast.\n", encoding="utf-8"
    )
    share = scripts.script_share(mdscan.scan(path), "ja")
    assert (share.own, share.other) == (len("日本語の文です"), len("isgreatandtheeditorisfast"))
    path.write_text("---\ntitle: x\n---\n\nEl sitio de la comunidad is the best of the web.\n", encoding="utf-8")
    share = scripts.script_share(mdscan.scan(path), "es")
    assert (share.own, share.other) == (3, 4)  # el, de, la against is, the, of, the
    assert not scripts.supported("sw") and scripts.supported("es") and not scripts.supported("en")
