"""The translation memory: Korean particles, segments and keys, filling stubs on fetch, and the
places translators meet it (check, status, suggest, /translate/, the fetch pull request)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import frontmatter
import lxml.html
import pytest

from kowp_site.cli import main
from kowp_site.site import config as config_module
from kowp_site.translation import ci_summary, korean, memory, prefill, segments
from tests.conftest import sha
from tests.fetch_support import FEED_PATH, FEEDS, feed, snapshot

REPO = Path(__file__).resolve().parent.parent
NEWS = str(FEEDS / "wordpress-news.xml")
NEW_RELEASE = "content/posts/2025/07/wordpress-6-8-2-maintenance-release"
SOURCE_RELEASE = "2025/04/wordpress-6-8-1-maintenance-release"

# --- particles ------------------------------------------------------------------------------

# Every pair: (after a consonant, after a vowel); ㄹ takes the consonant form except for 으로/로.
PAIRS = [("이", "가"), ("은", "는"), ("을", "를"), ("으로", "로"), ("과", "와"), ("이나", "나")]
# Digits read in Korean: 영 일 이 삼 사 오 육 칠 팔 구.
DIGITS = {
    "0": "consonant", "1": "rieul", "2": "vowel", "3": "consonant", "4": "vowel",
    "5": "vowel", "6": "consonant", "7": "rieul", "8": "rieul", "9": "vowel",
}  # fmt: skip


def expected(pair: tuple[str, str], sound: str) -> str:
    consonant, vowel = pair
    if sound == "vowel" or (sound == "rieul" and consonant == "으로"):
        return vowel
    return consonant


@pytest.mark.parametrize("digit", sorted(DIGITS))
@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: "/".join(p))
def test_particle_after_every_digit(pair, digit):
    word = f"7.0.{digit}"
    assert korean.final_sound(word) == DIGITS[digit]
    want = expected(pair, DIGITS[digit])
    for given in pair:  # whichever form the old translation had
        assert korean.agree(word, given + " 출시") == want + " 출시"


@pytest.mark.parametrize(
    ("word", "sound"),
    [
        ("사과", "vowel"), ("책", "consonant"), ("서울", "rieul"), ("버전", "consonant"), ("워드프레스", "vowel"),
        ("10", "consonant"), ("100", "consonant"), ("RC1", "rieul"), ("Beta 2", "vowel"),
        ("WordPress", "vowel"), ("Gutenberg", "vowel"), ("Trac", "consonant"), ("Jetpack", "consonant"),
        ("Seoul", "rieul"), ("PHP", "vowel"), ("HTML", "rieul"), ("GitHub", "vowel"), ("Playground", "vowel"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: "/".join(p))
def test_particle_after_words_with_and_without_a_final_consonant(word, sound, pair):
    assert korean.final_sound(word) == sound
    assert korean.agree(word, pair[0]) == expected(pair, sound)
    assert korean.agree(word, pair[1] + ".") == expected(pair, sound) + "."


def test_agree_leaves_other_text_alone():
    assert korean.agree("7.0.3", "에서 수정") == "에서 수정"  # not a particle of the table
    assert korean.agree("7.0.3", "이전 버전") == "이전 버전"  # 이 starting a word is not a particle
    assert korean.agree("", "가") == "가"
    assert korean.agree("→", "가") == "가"  # unknown sound: unchanged


# --- segments and keys ----------------------------------------------------------------------


def test_key_ignores_whitespace_emphasis_link_targets_final_stop_and_placeables():
    a = segments.normalise("**WordPress  6.8.1** is [now\navailable](https://a.example/x).")
    b = segments.normalise("WordPress 6.9 is _now available_ (https://b.example/)")
    assert a.text == "WordPress \x00V is [now available]()"
    assert a.values == (("V", "6.8.1"),)
    assert a.targets == ("https://a.example/x",)
    assert b.text == "WordPress \x00V is now available (\x00U)"
    key = segments.normalise("On July 15, 2025 and 2025-07-16, 1,200 fixes in `wp core` for Trac.", ("Trac",))
    assert key.text == "On \x00D and \x00D, \x00N fixes in \x00C for \x00G"
    assert [k for k, _ in key.values] == ["D", "D", "N", "C", "G"]


def test_sentences_split_outside_links_and_code():
    text = "It is out! See [the notes. Here](https://x.example/a.b) and `a. B`. Done e.g. now. 다음 문장입니다."
    assert segments.sentences(text) == [
        "It is out!",
        "See [the notes. Here](https://x.example/a.b) and `a. B`.",
        "Done e.g. now.",
        "다음 문장입니다.",
    ]
    assert segments.sentences("One sentence only") == ["One sentence only"]


def key(text: str, names: tuple[str, ...] = ()) -> segments.Key:
    return segments.normalise(text, names)


def test_substitute_versions_particles_links_and_dates():
    old, new = key("Update to WordPress 7.0.2 now."), key("Update to WordPress 7.0.3 now.")
    assert (
        segments.substitute("워드프레스 7.0.2로 지금 업데이트하십시오.", old, new)
        == "워드프레스 7.0.3으로 지금 업데이트하십시오."
    )
    old, new = key("WordPress 7.0.2 and 7.0.1 fix it"), key("WordPress 7.0.3 and 7.0.2 fix it")
    # Simultaneous: 7.0.2 -> 7.0.3 and 7.0.1 -> 7.0.2 do not chain.
    assert segments.substitute("7.0.2와 7.0.1은 고칩니다", old, new) == "7.0.3과 7.0.2는 고칩니다"
    old = key("Read [the notes](https://old.example/7-0-2) of 7.0.2")
    new = key("Read [the notes](https://new.example/7-0-3) of 7.0.3")
    assert segments.substitute("7.0.2의 [공지](https://old.example/7-0-2)를 읽으십시오", old, new) == (
        "7.0.3의 [공지](https://new.example/7-0-3)를 읽으십시오"
    )
    old, new = key("Released on July 15, 2025"), key("Released on September 2, 2026")
    assert segments.substitute("2025년 7월 15일에 출시", old, new) == "2026년 9월 2일에 출시"
    old, new = key("Head over to Trac", ("Trac", "GitHub")), key("Head over to GitHub", ("Trac", "GitHub"))
    assert segments.substitute("Trac으로 가십시오", old, new) == "GitHub로 가십시오"


def test_substitute_refuses_what_it_cannot_do_safely():
    old, new = key("Fixes 7.0.2 bugs"), key("Fixes 7.0.3 bugs")
    assert segments.substitute("버그를 고칩니다", old, new) is None  # the value is not in the Korean
    assert segments.substitute("7.0.2와 7.0.2", old, new) is None  # more often than in the English
    old, new = key("From 7.0 to 7.0"), key("From 7.0 to 7.1")
    assert segments.substitute("7.0에서 7.0으로", old, new) is None  # one old value, two new ones
    old = key("See [a](https://a.example/) and [b](https://b.example/)")
    new = key("See [a](https://c.example/) and [b](https://d.example/)")
    assert segments.substitute("[가](https://a.example/)를 보십시오", old, new) is None  # links do not correspond
    assert segments.substitute("무엇이든", key("Other text"), new) is None  # another key


# --- sites ----------------------------------------------------------------------------------


def sample_site(tmp_path: Path) -> Path:
    """A copy of the repository's own sample site (configuration, content, glossary)."""
    root = tmp_path / "sample"
    root.mkdir(parents=True)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(REPO / "content", root / "content")
    return root


def fetch(root: Path, *args: str) -> int:
    return main(["fetch", "--root", str(root), *args])


def body_of(data: bytes) -> list[str]:
    return data.decode("utf-8").split("\n---\n", 1)[1].split("\n")


def test_following_release_post_arrives_half_translated_over_http(tmp_path, httpserver, capsys):
    """The sample's Korean 6.8.1 release post fills the 6.8.2 post fetched from a loopback feed."""
    root = sample_site(tmp_path)
    httpserver.expect_request(FEED_PATH).respond_with_data(feed("wordpress-news.xml"))
    assert fetch(root, "--feed", httpserver.url_for(FEED_PATH), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert {e["path"]: e["pretranslated"] for e in report["new"]}[NEW_RELEASE] == 1.0

    stub = (root / NEW_RELEASE / "ko.md").read_bytes()
    post = frontmatter.loads(stub.decode("utf-8"))
    assert post["title"] == "워드프레스 6.8.2 유지 보수 릴리스"
    assert post["status"] == "untranslated" and post["translators"] == []
    assert post["source_hash"] == sha((root / NEW_RELEASE / "en.md").read_bytes())
    mark = f" <!-- kowp-tm {{}}: {SOURCE_RELEASE} -->"
    assert f"# kowp-tm 1/1: {SOURCE_RELEASE}" in stub.decode("utf-8").split("\n---\n")[0]
    assert [line for line in body_of(stub) if line] == [
        "**워드프레스 6.8.2가 출시되었습니다!**" + mark.format("1/1"),
        "이번 마이너 릴리스는 코어와 블록 편집기 전반에서 버그 20개를 수정하며, 블록 편집기, 멀티사이트, REST API 등 "
        "워드프레스의 여러 영역에 영향을 주던 문제를 해결합니다. 수정된 버그의 전체 목록은 "
        "[릴리스 후보 발표](https://make.wordpress.org/core/2025/07/08/wordpress-6-8-2-rc1-is-now-available/)를 "
        "참고하십시오." + mark.format("2/2"),
        "## 워드프레스 6.8.2 내려받기" + mark.format("1/1"),
        "자동 백그라운드 업데이트를 지원하는 사이트라면 업데이트가 자동으로 시작됩니다." + mark.format("1/1"),
        "[WordPress.org에서 워드프레스 6.8.2를 내려받거나](https://wordpress.org/wordpress-6.8.2.zip), "
        "워드프레스 알림판에서 “업데이트”를 누른 다음 “지금 업데이트”를 누르십시오." + mark.format("1/1"),
    ]
    # A post it can match only in part: every line without a marker is the English line.
    en = body_of((root / "content/posts/2025/04/cecil/en.md").read_bytes())
    ko = body_of((root / "content/posts/2025/04/cecil/ko.md").read_bytes())
    assert len(en) == len(ko)
    changed = [(a, b) for a, b in zip(en, ko, strict=True) if a != b]
    assert changed and all("<!-- kowp-tm 1/1: 2026/08/dinah -->" in b for _, b in changed)
    # A post it cannot match at all is the plain English stub.
    seoul = root / "content/posts/2025/03/people-of-wordpress"
    assert body_of((seoul / "ko.md").read_bytes()) == body_of((seoul / "en.md").read_bytes())


def test_stub_is_deterministic_and_refetch_changes_nothing(tmp_path, capsys):
    one, two = sample_site(tmp_path / "a"), sample_site(tmp_path / "b")
    assert fetch(one, "--from-file", NEWS) == 0 and fetch(two, "--from-file", NEWS) == 0
    assert (one / NEW_RELEASE / "ko.md").read_bytes() == (two / NEW_RELEASE / "ko.md").read_bytes()
    before = snapshot(one)
    assert fetch(one, "--from-file", NEWS) == 0
    assert snapshot(one) == before
    # A new stub is made again, identically, when the translator deletes theirs.
    first = (one / NEW_RELEASE / "ko.md").read_bytes()
    (one / NEW_RELEASE / "ko.md").unlink()
    assert fetch(one, "--from-file", NEWS) == 0
    assert (one / NEW_RELEASE / "ko.md").read_bytes() == first


def test_existing_translation_is_never_touched(tmp_path):
    root = sample_site(tmp_path)
    mine = root / NEW_RELEASE / "ko.md"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"---\ntitle: mine\nstatus: draft\ntranslators: [me]\n---\n\nWordPress 6.8.2 is now available!\n")
    assert fetch(root, "--from-file", NEWS) == 0
    assert mine.read_bytes().endswith(b"\nWordPress 6.8.2 is now available!\n")


def test_tm_false_keeps_stubs_english(tmp_path):
    root = sample_site(tmp_path)
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(text.replace("[tool.kowp-site]\n", "[tool.kowp-site]\ntm = false\n"), "utf-8")
    assert fetch(root, "--from-file", NEWS) == 0
    stub = (root / NEW_RELEASE / "ko.md").read_bytes()
    assert b"kowp-tm" not in stub and body_of(stub) == body_of((root / NEW_RELEASE / "en.md").read_bytes())


def test_tm_must_be_a_boolean(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kowp-site]\ntm = "no"\n', encoding="utf-8")
    with pytest.raises(Exception, match="'tm' must be true or false"):
        config_module.load(tmp_path)


# --- small memories built in a temporary site -----------------------------------------------

RELEASE_EN = """\
WordPress 7.0.2 is now available. Because this is a security release, we recommend that you update your sites immediately.

## Thank you

Thank you to these WordPress contributors.
"""
RELEASE_KO = """\
워드프레스 7.0.2가 출시되었습니다. 보안 릴리스이므로 사이트를 즉시 업데이트하시기를 권장합니다.

## 감사의 말

다음 워드프레스 기여자 여러분께 감사드립니다.
"""
NEW_EN = """\
WordPress 7.0.3 is now available. Because this is a security release, we recommend that you update your sites immediately. Something new happened.

## Thank you

Thank you to these WordPress contributors.
"""


def new_stub(site, body: str = NEW_EN, title: str = "WordPress 7.0.3") -> bytes:
    from kowp_site.fetch.importer import stub_document

    source = f"---\ntitle: {title}\n---\n\n{body}".encode()
    return stub_document(title, source, body)


def fill(site, stub: bytes, **kwargs) -> prefill.Filled:
    config, _ = config_module.load(site.root)
    mem = memory.Memory(config, **kwargs)
    done = prefill.fill(mem, stub)
    fill.notes = list(mem.notes)  # type: ignore[attr-defined]
    return done


def test_sentences_pair_when_counts_match_and_the_rest_stays_english(site):
    site.post(
        "release",
        en={"title": "WordPress 7.0.2", "body": RELEASE_EN},
        ko={"title": "워드프레스 7.0.2", "body": RELEASE_KO},
    )
    done = fill(site, new_stub(site))
    text = done.data.decode()
    assert (
        "워드프레스 7.0.3이 출시되었습니다. 보안 릴리스이므로 사이트를 즉시 업데이트하시기를 권장합니다. "
        "Something new happened. <!-- kowp-tm 2/3: 2026/08/release -->"
    ) in text
    assert "## 감사의 말 <!-- kowp-tm 1/1: 2026/08/release -->" in text
    assert "title: 워드프레스 7.0.3\n" in text
    assert (done.filled, done.total) == (5, 6)  # title + 2 of 3 sentences + heading + paragraph
    assert done.share == round(5 / 6, 4)
    assert memory.share(done.data, new_stub(site)) == done.share


def test_misaligned_translation_contributes_nothing_and_says_why(site, capsys):
    dropped = RELEASE_KO.replace("## 감사의 말\n\n", "")
    site.post("release", en={"title": "WordPress 7.0.2", "body": RELEASE_EN}, ko={"body": dropped})
    stub = new_stub(site)
    done = fill(site, stub)
    assert done.data == stub and done.filled == 0
    assert fill.notes == [  # type: ignore[attr-defined]
        "content/posts/2026/08/release/ko.md: not block-parallel to its en.md (0 headings here, 1 in en.md); the memory skips it"
    ]
    # Through the CLI: fetch --verbose prints the note; without it, nothing.
    site.write(
        "feed.xml",
        feed("wordpress-news.xml").replace(b"WordPress 6.8.2 is now available!", b"WordPress 7.0.3 is now available."),
    )
    assert main(["fetch", "--root", str(site.root), "--from-file", str(site.root / "feed.xml"), "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "note: content/posts/2026/08/release/ko.md: not block-parallel to its en.md" in err


def test_untranslated_drafts_and_other_languages_lend_nothing(site):
    site.post("draft", en={"body": RELEASE_EN}, ko={"body": RELEASE_KO, "status": "draft"})
    folder = site.post("japanese", en={"body": RELEASE_EN}, ko={"body": RELEASE_KO})
    (folder / "ko.md").rename(folder / "ja.md")
    stub = new_stub(site)
    assert fill(site, stub).data == stub
    site.config(extra='language = "ja"\nlocale = "ja_JP"')
    site.post("korean", en={"body": RELEASE_EN}, ko={"body": RELEASE_KO})
    # The ja memory has the ja.md (here Korean text) and not the ko.md of "korean".
    done = fill(site, stub)
    assert "2026/08/japanese" in done.data.decode() and "2026/08/korean" not in done.data.decode()


def test_most_recent_translation_wins_then_path(site):
    site.post(
        "b-older",
        en={"body": RELEASE_EN, "date": "2026-08-01T00:00:00+00:00"},
        ko={"body": RELEASE_KO.replace("권장합니다", "권합니다")},
    )
    site.post("c-newer", en={"body": RELEASE_EN, "date": "2026-08-05T00:00:00+00:00"}, ko={"body": RELEASE_KO})
    site.post("a-newer", en={"body": RELEASE_EN, "date": "2026-08-05T00:00:00+00:00"}, ko={"body": RELEASE_KO})
    text = fill(site, new_stub(site)).data.decode()
    assert "권장합니다" in text and "권합니다" not in text
    assert "<!-- kowp-tm 2/3: 2026/08/a-newer -->" in text


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_outdated_translation_counts_only_when_git_has_its_english(site):
    folder = site.post(
        "release",
        en={"title": "WordPress 7.0.2", "body": RELEASE_EN},
        ko={"title": "워드프레스 7.0.2", "body": RELEASE_KO},
    )
    who = ("-c", "user.name=t", "-c", "user.email=t@example.org")
    git(site.root, "init", "-q")
    git(site.root, "add", ".")
    git(site.root, *who, "commit", "-qm", "translated")
    (folder / "en.md").write_text((folder / "en.md").read_text() + "\nA later paragraph.\n", encoding="utf-8")
    git(site.root, *who, "commit", "-qam", "the English changed")
    stub = new_stub(site)
    assert fill(site, stub).filled == 5  # paired with the en.md of the first commit
    assert fill.notes == []  # type: ignore[attr-defined]
    shutil.rmtree(site.root / ".git")
    assert fill(site, stub).filled == 0
    assert fill.notes == [  # type: ignore[attr-defined]
        "content/posts/2026/08/release/ko.md: outdated, and the en.md it was made from is not in the Git history; skipped"
    ]


HOSTILE_EN = RELEASE_EN.replace("update your sites", "update your [sites](https://wordpress.org/)")
HOSTILE_KO = """\
워드프레스 7.0.2가 출시되었습니다<script>alert(1)</script> <span onmouseover="alert(2)">!</span>. 보안 릴리스이므로 <a href="javascript:alert(3)">사이트</a>를 즉시 업데이트하시기를 권장합니다.

## 감사의 말 <iframe src="https://evil.example/"></iframe><svg onload="alert(4)"></svg>

다음 워드프레스 기여자 여러분께 감사드립니다 {{ 7*7 }}.
"""


def test_hostile_markdown_in_a_reused_translation_stays_inert(site, build_site):
    site.post("release", en={"title": "WordPress 7.0.2", "body": HOSTILE_EN}, ko={"body": HOSTILE_KO})
    new_en = NEW_EN.replace("update your sites", "update your [sites](https://wordpress.org/)")
    done = fill(site, new_stub(site, new_en))
    text = done.data.decode()
    # Reused as written (the same link target is kept): the build's sanitizer makes it inert.
    assert "<script>alert(1)</script>" in text and "javascript:alert(3)" in text and "{{ 7*7 }}" in text
    published = done.data.decode().replace("status: untranslated", "status: published\ntranslated: 2026-08-21")
    published = published.replace("translators: []", "translators: [minji]")
    site.post("release-2", en={"title": "WordPress 7.0.3", "body": new_en}, translation=False)
    site.write("content/posts/2026/08/release-2/ko.md", published)
    built = build_site(site.root)
    page = (built / "2026/08/release-2/index.html").read_text(encoding="utf-8")
    tree = lxml.html.fromstring(page)
    body = tree.xpath("//main")[0]
    assert not body.xpath(".//script | .//iframe | .//svg | .//*[@onmouseover] | .//*[@onload]")
    assert not [a for a in body.xpath(".//a/@href") if a.lower().startswith("javascript")]
    assert "{{ 7*7 }}" in body.text_content() and "kowp-tm" not in page


# --- check, status, the progress page, suggest, the pull request ----------------------------


def test_check_rejects_a_published_post_that_keeps_markers(tmp_path, capsys):
    root = sample_site(tmp_path)
    assert fetch(root, "--from-file", NEWS) == 0
    ko = root / NEW_RELEASE / "ko.md"
    ko.write_text(
        ko.read_text(encoding="utf-8").replace("status: untranslated", "status: published\ntranslated: 2025-07-20")
        .replace("translators: []", "translators: [minji]"),
        encoding="utf-8",
    )  # fmt: skip
    capsys.readouterr()
    assert main(["check", "--root", str(root), NEW_RELEASE, "--json"]) == 1
    found = json.loads(capsys.readouterr().out)
    marks = [f for f in found["problems"] if f["check"] == "tm-marker"]
    assert [(f["line"], f["severity"]) for f in marks] == [(n, "error") for n in (2, 10, 12, 14, 16, 18)]
    # Reviewed: every marker deleted, nothing left to report.
    import re

    clean = re.sub(r" <!-- kowp-tm [^>]*-->|# kowp-tm [^\n]*\n", "", ko.read_text(encoding="utf-8"))
    ko.write_text(clean, encoding="utf-8")
    capsys.readouterr()
    main(["check", "--root", str(root), NEW_RELEASE, "--json"])
    assert "tm-marker" not in capsys.readouterr().out


def test_status_page_and_pull_request_show_the_pretranslated_share(tmp_path, capsys):
    root = sample_site(tmp_path)
    assert fetch(root, "--from-file", NEWS, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert main(["status", "--root", str(root), "--json", "--no-history"]) == 0
    status = json.loads(capsys.readouterr().out)
    shares = {e["post"]: e["pretranslated"] for e in status["untranslated"] + status["in_progress"]}
    assert shares["2025/07/wordpress-6-8-2-maintenance-release"] == 1.0
    assert shares["2025/04/cecil"] == round(2 / 24, 4)
    assert shares["2025/03/people-of-wordpress"] == 0.0
    assert all("pretranslated" not in e for e in status["outdated_posts"])

    assert main(["status", "--root", str(root), "--no-history"]) == 0
    assert "100%" in capsys.readouterr().out

    assert main(["build", "--root", str(root)]) == 0
    tree = lxml.html.parse(str(root / "site/translate/index.html"))
    badges = {
        li.get("data-post"): li.xpath("string(.//*[contains(@class, 'pretranslated')])")
        for li in tree.xpath("//li[@data-post]")
    }
    assert badges["2025/07/wordpress-6-8-2-maintenance-release"] == "미리 번역됨 100%"
    assert badges["2025/04/cecil"] == "미리 번역됨 8%"
    assert badges["2025/03/people-of-wordpress"] == ""

    pull = ci_summary.fetch_pull_request(report)
    assert pull is not None
    lines = pull.body.split("\n")
    assert (
        "- **WordPress 6\\.8\\.2 Maintenance Release** — `content/posts/2025/07/wordpress-6-8-2-maintenance-release` · 번역 메모리로 100% 미리 번역됨"
        in lines
    )
    assert "- **People of WordPress: Excerpt Only** — `content/posts/2025/03/people-of-wordpress`" in lines


def test_progress_page_follows_a_reviewed_stub_incrementally(tmp_path, capsys):
    root = sample_site(tmp_path)
    assert fetch(root, "--from-file", NEWS) == 0
    assert main(["build", "--root", str(root)]) == 0
    ko = root / NEW_RELEASE / "ko.md"
    text = ko.read_text(encoding="utf-8")
    ko.write_text(text.replace(f" <!-- kowp-tm 1/1: {SOURCE_RELEASE} -->", "", 2), encoding="utf-8")
    assert main(["build", "--root", str(root)]) == 0
    incremental = (root / "site/translate/index.html").read_bytes()
    shutil.rmtree(root / ".kowp-cache")
    assert main(["build", "--root", str(root), "--output", str(root / "clean")]) == 0
    assert incremental == (root / "clean/translate/index.html").read_bytes()
    assert "미리 번역됨 71%".encode() in incremental  # 2 of 7 segments reviewed: 5 of 7 left


def test_suggest_offers_fuzzy_matches_without_writing(tmp_path, capsys):
    root = sample_site(tmp_path)
    assert fetch(root, "--from-file", NEWS) == 0
    before = snapshot(root)
    capsys.readouterr()
    assert main(["suggest", "--root", str(root), "content/posts/2025/04/cecil", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert snapshot(root) == before
    assert data["file"] == "content/posts/2025/04/cecil/ko.md"
    by_text = {s["en"]: s["suggestions"] for s in data["segments"]}
    download = by_text["[Download WordPress 6.8](https://wordpress.org/download/)"]
    assert download[0]["kind"] == "fuzzy" and download[0]["ko"] == "워드프레스 6.8.1 내려받기"
    assert download[0]["post"] == SOURCE_RELEASE and 70 <= download[0]["score"] < 100
    assert all("kowp-tm" not in s for s in by_text)  # segments the memory filled are not offered again
    # The 6.8.2 stub is filled completely: nothing left in English to suggest for.
    assert main(["suggest", "--root", str(root), NEW_RELEASE, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["segments"] == []
    assert main(["suggest", "--root", str(root), "content/posts/2099/01/nothing"]) == 1


def test_glossary_untranslated_names(tmp_path):
    path = tmp_path / "glossary.toml"
    path.write_text('[[term]]\nen = "Trac"\nuntranslated = true\n\n[[term]]\nen = "plugin"\nko = "플러그인"\n', "utf-8")
    terms = korean.load_glossary(path)
    assert [(t.en, t.ko, t.untranslated) for t in terms] == [("Trac", "Trac", True), ("plugin", "플러그인", False)]
    path.write_text('[[term]]\nen = "Trac"\nuntranslated = "yes"\n', "utf-8")
    with pytest.raises(Exception, match="untranslated must be true or false"):
        korean.load_glossary(path)
    path.write_text('[[term]]\nen = "Trac"\n', "utf-8")
    with pytest.raises(Exception, match="needs en and ko strings"):
        korean.load_glossary(path)
    # The sample glossary's names are placeables of the memory.
    config, _ = config_module.load(REPO)
    assert memory.untranslated_names(config) == ("GitHub", "Slack", "Trac", "WP-CLI")


def test_list_shape_quotes_and_code_come_from_the_new_english(site):
    en = "- Update `wp-config.php` first.\n- Then update 7.0.2.\n\n> Back up your site.\n\n```\nwp core update\n```\n"
    ko = "- 먼저 `wp-config.php`를 업데이트합니다.\n- 그다음 7.0.2로 업데이트합니다.\n\n> 사이트를 백업합니다.\n\n```\nwp core update\n```\n"
    site.post("steps", en={"body": en}, ko={"body": ko})
    new = "1. Update `.htaccess` first.\n   * Then update 7.0.3.\n\n> Back up your site.\n\n```\nwp core update --minor\n```\n"
    text = fill(site, new_stub(site, new, title="Steps")).data.decode()
    body = text.split("\n---\n", 1)[1]
    assert body == (
        "\n1. 먼저 `.htaccess`를 업데이트합니다. <!-- kowp-tm 1/1: 2026/08/steps -->\n"
        "   * 그다음 7.0.3으로 업데이트합니다. <!-- kowp-tm 1/1: 2026/08/steps -->\n\n"
        "> 사이트를 백업합니다. <!-- kowp-tm 1/1: 2026/08/steps -->\n\n"
        "```\nwp core update --minor\n```\n"
    )


def test_scan_in_worker_processes_gives_the_same_stub(site, monkeypatch):
    """Past 400 posts the scan is spread over forked workers; the result must not change."""
    for i in range(410):
        site.post(f"filler-{i:03d}", en={"body": f"Filler post number {i} about nothing in particular.\n"})
    site.post(
        "release",
        en={"title": "WordPress 7.0.2", "body": RELEASE_EN},
        ko={"title": "워드프레스 7.0.2", "body": RELEASE_KO},
    )
    stub = new_stub(site)
    monkeypatch.setenv("KOWP_WORKERS", "1")
    alone = fill(site, stub)
    monkeypatch.setenv("KOWP_WORKERS", "2")
    spread = fill(site, stub)
    assert alone.data == spread.data and alone.filled == 5
