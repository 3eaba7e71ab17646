"""Every check of `kowp-site check` fires on the mistake it exists for and stays quiet on a good
translation. Findings are asserted exactly: check id, file, line and message."""

from __future__ import annotations

from pathlib import Path

import pytest

from kowp_site.translation import check_run
from kowp_site.translation.checks import CHECKS

EN_BODY = """\
WordPress 6.9 is available. Update your site from the dashboard.

## What is new

The block editor gets faster. Read the [field guide](https://make.wordpress.org/core/field-guide/).

- Faster patterns
- A new plugin screen

![A screenshot of the editor](shot.png)

```php
echo 'dashboard';
```

| Feature | Who |
|---|---|
| Blocks | Everyone |

## Thanks

Thank you to every contributor.
"""

KO_BODY = """\
워드프레스 6.9가 출시되었습니다. 알림판에서 사이트를 업데이트하십시오.

## 새로운 기능

블록 편집기가 더 빨라졌습니다. [필드 가이드](https://make.wordpress.org/core/field-guide/)를 읽어 보십시오.

- 더 빨라진 패턴
- 새로운 플러그인 화면

![편집기 스크린샷](shot.png)

```php
echo 'dashboard';
```

| 기능 | 대상 |
|---|---|
| 블록 | 모든 사용자 |

## 감사 인사

모든 기여자께 감사드립니다.
"""

GLOSSARY = """\
[[term]]
en = "dashboard"
ko = "알림판"
forbidden = ["대시보드"]

[[term]]
en = "block editor"
ko = "블록 편집기"
forbidden = ["블록 에디터"]
"""

KO = "content/posts/2026/08/release/ko.md"
BODY_LINE = 9  # ko.md from conftest.ko_md: 6 front-matter lines + 2 fences, then a blank line


def findings(root: Path, *paths: str, strict: bool = False) -> list[tuple[str, str, int | None, str, str]]:
    report = check_run.run_check(root, list(paths), strict=strict, cwd=root)
    return [(f.check, f.path, f.line, f.severity, f.message) for f in report.findings]


@pytest.fixture
def good(site):
    """A site with one good translation (and the glossary above)."""
    site.write("content/glossary.toml", GLOSSARY)
    site.post("release", en={"body": EN_BODY}, ko={"body": KO_BODY})
    return site


def replace(site, old: str, new: str, path: str = KO) -> None:
    file = site.root / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


def edit_en(site, old: str, new: str) -> None:
    """Change en.md and record its new hash in ko.md, as a translator who kept up would."""
    from kowp_site.site.content import sha256_bytes
    from kowp_site.translation.workflow import acked_text

    en = KO.replace("ko.md", "en.md")
    replace(site, old, new, path=en)
    ko = site.root / KO
    ko.write_bytes(acked_text(ko.read_bytes(), sha256_bytes((site.root / en).read_bytes()), None))


def test_a_good_translation_has_no_findings(good):
    assert findings(good.root) == []


def test_every_check_id_is_listed_with_a_description():
    assert set(CHECKS) == {
        "config", "front-matter", "published", "hangul", "script", "structure", "links", "link-allowlist",
        "glossary", "product-name", "style", "outdated", "tm-marker",
    }  # fmt: skip
    assert all(CHECKS.values())


# --- front-matter and published -------------------------------------------------------------


def test_front_matter_fires_on_a_bad_status_with_its_line(good):
    replace(good, "status: published", "status: done")
    assert findings(good.root) == [
        ("front-matter", KO, 3, "error", "status must be one of untranslated, draft, review, published, not 'done'")
    ]


def test_published_fires_without_translators_or_translated(site):
    site.post("a", ko={"translators": ()})
    site.post("b", ko={"translated": None})
    assert findings(site.root) == [
        ("published", "content/posts/2026/08/a/ko.md", 4, "error", "a published post needs translators"),
        ("published", "content/posts/2026/08/b/ko.md", 3, "error", "a published post needs 'translated'"),
    ]


def test_published_is_quiet_for_a_draft_without_them(site):
    site.post("a", ko={"status": "draft", "translators": (), "translated": None})
    assert findings(site.root) == []


# --- hangul ---------------------------------------------------------------------------------


def test_hangul_fires_on_a_published_machine_english_translation(good):
    replace(good, KO_BODY, EN_BODY)
    found = [f for f in findings(good.root) if f[0] == "hangul"]
    assert found == [
        (
            "hangul",
            KO,
            BODY_LINE,
            "error",
            "the body is still mostly English: 0% Hangul among letters (at least 30% expected for a published post)",
        )
    ]


def test_hangul_is_quiet_for_an_english_draft_and_for_names_and_product_names(site):
    site.post("draft", ko={"status": "draft", "body": "Still English text that nobody translated yet.\n"})
    names = ", ".join(f"Contributor Name{i}" for i in range(40))
    site.post("names", ko={"body": f"WordPress 7.1 Dinah Gutenberg 기여자 여러분께 감사합니다.\n\n{names}\n"})
    assert [f for f in findings(site.root) if f[0] == "hangul"] == []


def test_hangul_threshold_is_configurable(site):
    # About half Hangul: quiet at the default 0.3, reported at 0.9.
    site.post("half", ko={"body": "이 글은 절반만 번역되었습니다 and half of it is english words\n"})
    assert findings(site.root) == []
    site.config(extra="[tool.kowp-site.check]\nhangul_threshold = 0.9\n")
    found = findings(site.root)
    assert [(f[0], f[2]) for f in found] == [("hangul", BODY_LINE)]
    assert "at least 90% expected" in found[0][4]


# --- structure ------------------------------------------------------------------------------


def test_structure_fires_on_a_dropped_section(good):
    replace(good, "\n## 감사 인사\n\n모든 기여자께 감사드립니다.\n", "")
    assert findings(good.root) == [
        ("structure", KO, BODY_LINE, "error", "3 paragraphs here, 4 in en.md (문단 3개 / 원문 4개)"),
        ("structure", KO, BODY_LINE + 2, "error", "section '## Thanks' (en.md:30) has no heading here"),
    ]


def test_structure_reports_lost_links_images_and_rows_by_kind(good):
    replace(good, "[필드 가이드](https://make.wordpress.org/core/field-guide/)를", "필드 가이드를")
    replace(good, "![편집기 스크린샷](shot.png)\n", "편집기 스크린샷\n")
    replace(good, "| 블록 | 모든 사용자 |\n", "")
    messages = sorted(f[4] for f in findings(good.root))
    assert messages == [
        "0 images here, 1 in en.md (이미지 0개 / 원문 1개)",
        "0 links here, 1 in en.md (링크 0개 / 원문 1개)",
        "1 table rows here, 2 in en.md (표의 행 1개 / 원문 2개)",
    ]


def test_structure_is_quiet_for_drafts_and_for_excerpt_only_sources(site):
    site.post("draft", en={"body": EN_BODY}, ko={"status": "draft", "body": "번역하는 중입니다.\n"})
    assert findings(site.root) == []


# --- links ----------------------------------------------------------------------------------


def test_links_fires_on_an_internal_link_to_no_page_and_to_an_unpublished_post(site):
    site.post("target", ko={"status": "review"})
    site.post("published-one")
    body = (
        "[없는 글](/2026/08/nope/)을 보십시오.\n\n"
        "[검토 중인 글](/2026/08/target/)도 있습니다.\n\n"
        "[게시된 글](/2026/08/published-one/), [상대 경로](../published-one/), [보관함](/archive/), "
        "[피드](https://example.org/kowp/feed.xml), [원문](https://wordpress.org/news/), [위](#top)를 참고하십시오.\n\n"
        "[스크립트](/static/js/search.js)와 [스타일](/static/css/style.css)은 테마 파일입니다.\n"
    )
    site.post("linking", ko={"status": "draft", "body": body})
    ko = "content/posts/2026/08/linking/ko.md"
    assert findings(site.root, "content/posts/2026/08/linking") == [
        ("links", ko, BODY_LINE, "error", "link /2026/08/nope/: no page of the site has this address"),
        ("links", ko, BODY_LINE + 2, "error", "link /2026/08/target/: that translation is not published yet"),
    ]


def test_link_allowlist_fires_only_when_set(good):
    replace(good, "를 읽어 보십시오.", "를 읽어 보십시오. [예제](https://example.com/x)도 있습니다.")
    edit_en(good, "Read the [field guide]", "Read the [example](https://example.com/x) and [field guide]")
    assert findings(good.root) == []
    good.config(extra='[tool.kowp-site.check]\nlink_allowlist = ["wordpress.org"]\n')
    assert findings(good.root) == [
        ("link-allowlist", KO, BODY_LINE + 4, "error", "link to example.com, which is not in check.link_allowlist")
    ]


# --- glossary and product name --------------------------------------------------------------


def test_glossary_fires_on_a_forbidden_variant_where_the_english_uses_the_term(good):
    replace(good, "알림판에서", "대시보드에서")
    replace(good, "블록 편집기가", "블록 에디터가")
    assert findings(good.root) == [
        ("glossary", KO, BODY_LINE, "error", "'대시보드' for 'dashboard': the glossary says '알림판'"),
        ("glossary", KO, BODY_LINE + 4, "error", "'블록 에디터' for 'block editor': the glossary says '블록 편집기'"),
    ]


def test_glossary_is_quiet_when_the_english_does_not_use_the_term_or_in_code(site):
    site.write("content/glossary.toml", GLOSSARY)
    # The English never says "dashboard" outside code; the Korean uses 대시보드 in prose and code.
    site.post(
        "other",
        en={"body": "Grafana has a panel.\n\n`dashboard`\n"},
        ko={"body": "그라파나에는 대시보드가 있습니다.\n\n`대시보드`\n"},
    )
    assert findings(site.root) == []


def test_glossary_finds_the_title_too(good):
    replace(good, "title: '한국어 제목'", "title: '대시보드 소개'")
    assert findings(good.root) == [
        ("glossary", KO, 2, "error", "'대시보드' for 'dashboard': the glossary says '알림판'")
    ]


def test_a_broken_glossary_is_reported_once(good):
    good.write("content/glossary.toml", "[[term]]\nen = 'x'\n")
    assert findings(good.root) == [
        ("config", "content/glossary.toml", None, "error", "glossary.toml: term 1 needs en and ko strings")
    ]


def test_the_shipped_glossary_is_valid_and_large_enough():
    from kowp_site.translation.korean import load_glossary

    terms = load_glossary(Path(__file__).parent.parent / "content" / "glossary.toml")
    by_en = {t.en: t for t in terms}
    assert len(terms) >= 30
    assert by_en["dashboard"].ko == "알림판"
    assert by_en["permalink"].ko == "고유주소"
    assert by_en["custom post type"].ko == "사용자 정의 글 유형"
    # No forbidden variant of one term is the approved rendering of another.
    approved = {t.ko for t in terms}
    assert not [v for t in terms for v in t.forbidden if v in approved]


def test_product_name_fires_on_a_variant_and_not_on_the_approved_name(good):
    replace(good, "워드프레스 6.9가", "워드 프레스 6.9가")
    assert findings(good.root) == [
        ("product-name", KO, BODY_LINE, "error", "'워드 프레스': the product name is written '워드프레스'")
    ]


def test_product_name_is_configurable(good):
    good.config(extra='[tool.kowp-site.check]\nproduct_name = "WordPress"\nproduct_name_variants = ["워드프레스"]\n')
    assert [(f[0], f[2]) for f in findings(good.root)] == [("product-name", BODY_LINE)]


# --- style ----------------------------------------------------------------------------------


def test_style_fires_on_a_haeyo_sentence_in_a_hamnida_site(good):
    replace(good, "블록 편집기가 더 빨라졌습니다.", "블록 편집기가 더 빨라졌어요.")
    assert findings(good.root) == [
        (
            "style",
            KO,
            BODY_LINE + 4,
            "error",
            "'빨라졌어요' ends a sentence in 해요체; this site writes 합니다체 (4 of 5 sentences in this post do)",
        )
    ]


def test_style_follows_the_house_style(good):
    good.config(extra='[tool.kowp-site.check]\nhouse_style = "해요체"\n')
    assert {f[4].split("'")[1] for f in findings(good.root)} == {
        "출시되었습니다",
        "업데이트하십시오",
        "빨라졌습니다",
        "보십시오",
        "감사드립니다",
    }


def test_style_is_quiet_on_quotes_headings_and_nouns_in_yo(good):
    replace(
        good,
        "모든 기여자께 감사드립니다.",
        "“정말 좋아요.”라고 한 기여자께 감사드립니다. 참여가 필요.\n\n> 인용문은 해요체여도 돼요.",
    )
    replace(good, "## 감사 인사", "## 고마워요")
    edit_en(good, "Thank you to every contributor.", "Thank you to every contributor.\n\n> Quote.")
    assert findings(good.root) == []


# --- outdated, disable, selection -----------------------------------------------------------


def test_outdated_is_a_warning_and_an_error_with_strict(site):
    site.post("old", matching_hash=False)
    ko = "content/posts/2026/08/old/ko.md"
    message = "the English source (en.md) changed since this translation was made"
    assert findings(site.root) == [("outdated", ko, 5, "warning", message)]
    assert findings(site.root, strict=True) == [("outdated", ko, 5, "error", message)]


def test_outdated_is_quiet_for_an_untranslated_stub(site):
    site.post("stub", matching_hash=False, ko={"status": "untranslated", "translators": (), "translated": None})
    assert findings(site.root) == []


def test_disable_turns_a_check_off_and_unknown_ids_are_warned(good):
    replace(good, "알림판에서", "대시보드에서")
    good.config(extra='[tool.kowp-site.check]\ndisable = ["glossary", "no-such-check"]\n')
    assert findings(good.root) == [
        ("config", "pyproject.toml", None, "warning", "check.disable names unknown check 'no-such-check'")
    ]


def test_paths_limit_the_posts_checked(site):
    site.post("one", ko={"body": "워드 프레스입니다.\n"})
    site.post("two", ko={"body": "워드 프레스입니다.\n"})
    found = findings(site.root, "content/posts/2026/08/two/ko.md")
    assert [f[1] for f in found] == ["content/posts/2026/08/two/ko.md"]
    assert len(findings(site.root, "content/posts/2026")) == 2
