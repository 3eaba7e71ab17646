"""/translate/ (번역 현황) and /contributors/: built with the site, parsed, exact values."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from kowp_site.site import config as config_mod
from kowp_site.site import content as content_mod
from kowp_site.site.render import Templates
from kowp_site.translation.progress import chart_svg, months, progress_pages

SVG = "{http://www.w3.org/2000/svg}"


def page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


@pytest.fixture
def built(site, build_site):
    site.post("june", month=6, ko={"translated": "2026-06-20", "translators": ("minji", "jwpark")})
    site.post(
        "july", month=7, ko={"translated": "2026-07-02", "translators": ("jwpark",), "extra": "reviewers: [minji]"}
    )
    site.post("october", month=9, ko={"translated": "2026-09-30", "translators": ("jwpark",)})
    site.post("changed", month=9, ko={"translated": "2026-09-03", "title": "바뀐 글"}, matching_hash=False)
    site.post("waiting", month=10, ko={"status": "untranslated", "translators": (), "translated": None})
    site.post("fresh", month=11, translation=False)
    site.post("review", month=10, ko={"status": "review", "translators": ("dohyun",), "translated": None})
    return build_site(site.root)


def test_translate_page_shows_progress_and_counts(built):
    doc = page(built / "translate/index.html")
    assert doc.findtext(".//h1") == "번역 현황"
    summary = doc.find('.//p[@class="progress-summary"]').text_content()
    assert summary == "전체 7편 중 4편(57%)이 번역되어 게시되었습니다."
    bar = doc.find(".//progress")
    assert (bar.get("max"), bar.get("value")) == ("7", "4")
    counts = {dd.get("data-status"): dd.text for dd in doc.findall('.//dl[@class="counts"]/dd')}
    assert counts == {"published": "4", "review": "1", "draft": "0", "untranslated": "2", "outdated": "1"}


def test_translate_page_lists_with_edit_links_original_and_date(built):
    doc = page(built / "translate/index.html")
    todo = doc.xpath('//section[@aria-labelledby="untranslated"]//li')
    assert [li.get("data-post") for li in todo] == ["2026/11/fresh", "2026/10/waiting"]
    fresh, waiting = todo
    links = {a.text: a.get("href") for a in waiting.findall(".//a")}
    assert links == {
        "An English title": "https://wordpress.org/news/2026/10/waiting/",
        "번역하기": "https://github.com/example/kowp/edit/main/content/posts/2026/10/waiting/ko.md",
    }
    assert waiting.find(".//time").get("datetime") == "2026-10-10T19:00:00+09:00"
    assert waiting.findtext(".//time") == "2026년 10월 10일"
    # No ko.md yet: the link creates it.
    assert fresh.xpath('.//a[text()="번역하기"]/@href') == [
        "https://github.com/example/kowp/new/main/content/posts/2026/11/fresh?filename=ko.md"
    ]
    [changed] = doc.xpath('//section[@aria-labelledby="outdated"]//li')
    assert changed.get("data-post") == "2026/09/changed"
    assert changed.xpath(".//a/@href") == [
        "/kowp/2026/09/changed/",
        "https://wordpress.org/news/2026/09/changed/",
        "https://github.com/example/kowp/edit/main/content/posts/2026/09/changed/ko.md",
    ]
    assert changed.find(".//a").text == "바뀐 글"
    [review] = doc.xpath('//section[@aria-labelledby="in-progress"]//li')
    assert review.findtext('.//span[@class="badge"]') == "검토 중"
    assert review.text_content().endswith("· 번역: dohyun")


def test_chart_is_inline_svg_with_a_title_a_description_and_one_bar_per_month(built):
    doc = page(built / "translate/index.html")
    assert not doc.xpath("//script")
    [svg] = doc.xpath("//svg")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-title chart-desc"
    assert svg.findtext("title") == "월별 게시된 번역 수 (2026년 6월 – 2026년 9월)"
    assert svg.findtext("desc") == "2026년 6월 1편, 2026년 7월 1편, 2026년 8월 0편, 2026년 9월 2편. 모두 4편."
    bars = svg.findall(".//rect")
    assert [b.getparent().findtext("title") for b in bars] == [
        "2026년 6월: 1편", "2026년 7월: 1편", "2026년 8월: 0편", "2026년 9월: 2편",
    ]  # fmt: skip
    assert [int(b.get("height")) for b in bars] == [60, 60, 0, 120]


def test_chart_is_valid_svg_xml_and_deterministic(site):
    site.post("a", ko={"translated": "2025-12-31"})
    site.post("b", ko={"translated": "2026-01-01"})
    config, _ = config_mod.load(site.root)
    content, _ = content_mod.load(config)
    data = months(config, content.posts)
    assert [(m.year, m.month, m.count) for m in data] == [(2025, 12, 1), (2026, 1, 1)]
    svg = etree.fromstring(str(chart_svg(data, Templates(config).messages)).encode())
    assert svg.tag == SVG + "svg"
    assert [t.text for t in svg.iter(SVG + "text") if t.get("font-size") == "10"] == ["2025", "2026"]
    first = progress_pages(config, content, Templates(config))
    assert first == progress_pages(config, content, Templates(config))


def test_chart_keeps_the_last_24_months():
    from kowp_site.site import locale
    from kowp_site.site.theme import bundled_theme
    from kowp_site.translation.progress import MAX_MONTHS, Month

    ko = locale.load([bundled_theme()], "ko")
    assert MAX_MONTHS == 24
    assert str(chart_svg((), ko)) == ""
    svg = etree.fromstring(str(chart_svg(tuple(Month(2020 + i // 12, i % 12 + 1, i) for i in range(24)), ko)).encode())
    assert len(svg.findall(f".//{SVG}rect")) == 24


def test_contributors_page_credits_translators_and_reviewers_of_published_posts(built):
    doc = page(built / "contributors/index.html")
    assert doc.findtext(".//h1") == "번역에 참여한 사람들"
    people = doc.xpath('//section[@class="person"]')
    rows = [
        (
            p.findtext(".//h2/a"),
            p.xpath(".//h2/a/@href")[0],
            p.findtext('.//strong[@data-count="translated"]'),
            p.findtext('.//strong[@data-count="reviewed"]'),
        )
        for p in people
    ]
    # Most contributions first; dohyun's translation is still in review, so not credited yet.
    assert rows == [
        ("jwpark", "https://github.com/jwpark", "3", "0"),
        ("minji", "https://github.com/minji", "2", "1"),
    ]
    minji = people[1]
    assert minji.xpath(".//h3[text()='번역한 글']/following-sibling::ul[1]//a/@href") == [
        "/kowp/2026/09/changed/",
        "/kowp/2026/06/june/",
    ]
    assert minji.xpath(".//h3[text()='검토한 글']/following-sibling::ul[1]//a/@href") == ["/kowp/2026/07/july/"]


def test_pages_without_repo_url_or_translations(site, build_site):
    text = (site.root / "pyproject.toml").read_text(encoding="utf-8")
    site.config(raw=text.replace('repo_url = "https://github.com/example/kowp"\n', ""))
    site.post("waiting", ko={"status": "untranslated", "translators": (), "translated": None})
    out = build_site(site.root)
    doc = page(out / "translate/index.html")
    assert doc.xpath("//svg") == []
    assert doc.xpath('//a[@class="edit"]') == []
    assert (
        doc.find('.//p[@class="progress-summary"]').text_content() == "전체 1편 중 0편(0%)이 번역되어 게시되었습니다."
    )
    assert page(out / "contributors/index.html").xpath("//main//p/text()")[-1] == "아직 게시된 번역이 없습니다."


def test_outdated_notice_says_when_the_english_changed_with_one_git_log(site, build_site, monkeypatch):
    from kowp_site import gitlog
    from tests.test_check_cli import git

    site.post("changed", ko={"title": "바뀐 글"})
    site.post("current")
    root = site.root
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    en = root / "content/posts/2026/08/changed/en.md"
    en.write_text(en.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    env = {"GIT_COMMITTER_DATE": "2026-09-01T16:30:00+00:00", "GIT_AUTHOR_DATE": "2026-09-01T16:30:00+00:00"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    git(root, "commit", "-q", "-am", "v2")
    calls: list[tuple[str, ...]] = []
    real = gitlog._git
    monkeypatch.setattr(gitlog, "_git", lambda r, *args: calls.append(args) or real(r, *args))
    out = build_site(root)
    notice = page(out / "2026/08/changed/index.html").find('.//p[@class="notice"]')
    assert notice.text_content() == "원문이 2026년 9월 2일에 수정되었습니다 — 번역이 최신이 아닐 수 있습니다. 원문 보기"
    assert notice.find("time").get("datetime") == "2026-09-01T16:30:00+00:00"
    assert page(out / "2026/08/current/index.html").find('.//p[@class="notice"]') is None
    assert [a[0] for a in calls].count("log") == 1


def test_outdated_notice_without_git_has_no_date_and_runs_no_git_log(site, build_site, monkeypatch):
    from kowp_site import gitlog

    site.post("changed", matching_hash=False)
    calls: list[tuple[str, ...]] = []
    real = gitlog._git
    monkeypatch.setattr(gitlog, "_git", lambda r, *args: calls.append(args) or real(r, *args))
    out = build_site(site.root)
    notice = page(out / "2026/08/changed/index.html").find('.//p[@class="notice"]')
    assert notice.text_content() == "원문이 수정되었습니다 — 번역이 최신이 아닐 수 있습니다. 원문 보기"
    assert "log" not in [a[0] for a in calls]
