"""Picture cards: each published post's own 1200 x 630 PNG, drawn with a Korean font, and where
it is referenced (og:image, JSON Feed, Bluesky thumbnail); the fallbacks without a font."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from lxml import html
from PIL import Image

from kowp_site.cli import main
from kowp_site.site import build, card_drawing, card_fonts, cards, entries
from kowp_site.site import content as content_mod
from kowp_site.site.config import load as load_config
from tests.conftest import PYPROJECT, korean_font_found
from tests.test_incremental import clean_build, tree

needs_font = pytest.mark.skipif(not korean_font_found(), reason="no Korean font: install fonts-noto-cjk")
URL = "https://example.org/kowp/2026/08/"


def _meta(out: Path, path: str) -> dict[str, str]:
    doc = html.parse(str(out / path / "index.html")).getroot()
    return {m.get("property"): m.get("content") for m in doc.iter("meta") if m.get("property")}


def _opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- wrapping (no font needed: widths from a measuring function) ------------------------------------


def test_wrap_breaks_only_at_spaces_when_words_fit():
    measure = len  # one unit a letter
    assert card_drawing.wrap("워드프레스 7.1 출시 소식을 전합니다", 10, measure) == [
        "워드프레스 7.1",
        "출시 소식을",
        "전합니다",
    ]
    # No line ends inside a word that fits on a line of its own (keep-all).
    for line in card_drawing.wrap("접근성 좋은 블록 테마를 함께 만들어 봅시다", 8, measure):
        assert len(line) <= 8
    assert card_drawing.wrap("  여러   칸   띄움 ", 20, measure) == ["여러 칸 띄움"]


def test_wrap_breaks_a_word_wider_than_a_line_between_letters_as_a_last_resort():
    assert card_drawing.wrap("짧은 가나다라마바사아자차카타파하 끝", 5, len) == [
        "짧은",
        "가나다라마",
        "바사아자차",
        "카타파하",
        "끝",
    ]
    assert card_drawing.wrap("", 5, len) == []


def test_fit_title_shrinks_then_cuts_with_an_ellipsis():
    class Font:
        def __init__(self, size: int):
            self.size = size

        def getlength(self, text: str) -> float:
            return len(text) * self.size

    short = card_drawing.fit_title("짧은 제목", 1056, 324, Font)
    assert short == (68, ["짧은 제목"])
    size, lines = card_drawing.fit_title(" ".join(["아주긴단어"] * 60), 1056, 324, Font)
    assert size == card_drawing.TITLE_SIZES[-1]
    assert len(lines) == int(324 // (size * card_drawing.LINE_HEIGHT))
    assert lines[-1].endswith("…") and all(len(line) * size <= 1056 for line in lines)


# --- drawn cards ----------------------------------------------------------------------------------


@needs_font
def test_every_published_post_gets_its_own_card_referenced_by_og_image_and_the_json_feed(site, build_site):
    site.post("first", ko={"title": "워드프레스 7.1 출시와 새 편집기", "translated": "2026-08-20"})
    site.post("second", en={"categories": ("Community",)}, ko={"title": "커뮤니티 소식", "translated": "2026-08-21"})
    site.post("wip", ko={"title": "검토 중인 글", "status": "review", "translated": None})
    out = build_site(site.root)

    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("card.png")) == [
        "2026/08/first/card.png",
        "2026/08/second/card.png",
    ]
    first = _opened((out / "2026/08/first/card.png").read_bytes())
    second = (out / "2026/08/second/card.png").read_bytes()
    assert (first.format, first.size, first.mode) == ("PNG", (1200, 630), "P")
    assert first.info == {}  # no text chunks, no timestamp
    assert first.tobytes() != _opened(second).tobytes()  # each post its own

    meta = _meta(out, "2026/08/first")
    assert meta["og:image"] == URL + "first/card.png"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:image:alt"] == "워드프레스 7.1 출시와 새 편집기 · 릴리스 · 2026년 8월 20일 · 테스트 사이트"
    feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    assert {i["url"]: i["image"] for i in feed["items"]} == {
        URL + "first/": URL + "first/card.png",
        URL + "second/": URL + "second/card.png",
    }


@needs_font
def test_the_title_is_drawn_in_hangul_in_the_theme_colours(site, build_site):
    site.post("first", ko={"title": "한글 제목", "translated": "2026-08-20"})
    site.post("other", ko={"title": "한글 제묵", "translated": "2026-08-20"})  # one syllable differs
    out = build_site(site.root)
    image = _opened((out / "2026/08/first/card.png").read_bytes()).convert("RGB")
    other = _opened((out / "2026/08/other/card.png").read_bytes()).convert("RGB")

    def rgb(name: str) -> tuple[int, int, int]:
        return Image.new("RGB", (1, 1), cards.COLOURS[name]).getpixel((0, 0))

    assert image.getpixel((600, 8)) == rgb("accent")  # the top band
    assert image.getpixel((5, 300)) == rgb("bg")
    box = (card_drawing.PAD, card_drawing.TITLE_TOP, 1200 - card_drawing.PAD, card_drawing.TITLE_BOTTOM)
    title = image.crop(box)
    assert rgb("fg") in {c for _, c in title.getcolors(1 << 20)}  # text in the foreground colour
    ink = title.convert("L").point(lambda v: 255 if v < 128 else 0).getbbox()
    assert ink is not None and ink[2] - ink[0] > 200  # five letters at 68 px, not nothing
    # Boxes (tofu) would look the same for 목 and 묵; real glyphs differ.
    assert other.crop(box).tobytes() != title.tobytes()
    assert card_fonts.missing(cards.find_fonts(load_config(site.root)[0]), "한글 제목") == []


@needs_font
def test_cards_are_byte_identical_between_builds_and_an_unchanged_build_draws_none(
    site, build_site, tmp_path, monkeypatch
):
    site.post("first", ko={"title": "같은 제목은 같은 그림", "translated": "2026-08-20"})
    one = tmp_path / "one"
    build_site(site.root, "--output", str(one))
    first = (one / "2026/08/first/card.png").read_bytes()

    drawn: list[str] = []
    real = cards.draw
    monkeypatch.setattr(cards, "draw", lambda spec: drawn.append(spec.title) or real(spec))
    # A clean build elsewhere with the kept drawings: same bytes, nothing drawn again.
    two = tmp_path / "two"
    build_site(site.root, "--output", str(two))
    assert (two / "2026/08/first/card.png").read_bytes() == first
    assert drawn == []
    # With the drawings forgotten, drawing again gives the same bytes.
    for kept in cards.cache_dir(load_config(site.root)[0]).iterdir():
        kept.unlink()
    three = tmp_path / "three"
    build_site(site.root, "--output", str(three))
    assert (three / "2026/08/first/card.png").read_bytes() == first
    assert drawn == ["같은 제목은 같은 그림"]

    # An incremental build after nothing changed makes no card; after a title edit, that card only.
    result = build.build(site.root, build.BuildOptions(output=tmp_path / "three"))
    assert (result.written, result.rendered) == (0, 0)
    site.post("second", ko={"title": "새 글", "translated": "2026-08-21"})
    build.build(site.root, build.BuildOptions(output=tmp_path / "three"))
    assert drawn == ["같은 제목은 같은 그림", "새 글"]
    site.post("first", ko={"title": "고친 제목", "translated": "2026-08-20"})
    build.build(site.root, build.BuildOptions(output=tmp_path / "three"))
    assert drawn == ["같은 제목은 같은 그림", "새 글", "고친 제목"]
    # The kept drawing of the old title is removed; the two in use stay.
    config = load_config(site.root)[0]
    views = entries.post_views(config, content_mod.load(config)[0].posts, False)
    digests = sorted(f"{cards.spec_of(config, v.post).digest}.png" for v in views)
    assert sorted(p.name for p in cards.cache_dir(config).iterdir()) == digests and len(digests) == 2
    assert (tmp_path / "three/2026/08/first/card.png").read_bytes() != first


def _three_posts_built(site, tmp_path: Path) -> Path:  # noqa: ANN001 - the site fixture
    """post-0, post-1 and post-2, built into tmp_path/out once (its output folder)."""
    for n in range(3):
        site.post(f"post-{n}", ko={"title": f"글 {n}", "translated": "2026-08-20"})
    out = tmp_path / "out"
    build.build(site.root, build.BuildOptions(output=out))
    return out


@needs_font
def test_a_build_decides_again_only_the_cards_of_posts_whose_front_matter_changed(site, tmp_path, monkeypatch):
    """Which posts get a card, and its digest, are kept between builds: a new title decides one
    card, an edit of a body none; a setting the cards follow (the site's title, shown on every
    card) decides them all. A post folder's own card file wins over a kept decision, both ways."""
    out = _three_posts_built(site, tmp_path)
    decided: list[str] = []
    real = cards.drawn_card
    monkeypatch.setattr(
        cards, "drawn_card", lambda config, post, *more: decided.append(post.key.path) or real(config, post, *more)
    )
    site.post("post-1", ko={"title": "고친 글 1", "translated": "2026-08-20"})
    build.build(site.root, build.BuildOptions(output=out))
    assert decided == ["2026/08/post-1"]
    assert _opened((out / "2026/08/post-1/card.png").read_bytes()).size == (card_drawing.WIDTH, card_drawing.HEIGHT)
    config = load_config(site.root)[0]
    edited = next(p for p in content_mod.load(config)[0].posts if p.key.path == "2026/08/post-1")
    assert f"{cards.spec_of(config, edited).digest}.png" in {p.name for p in cards.cache_dir(config).iterdir()}
    decided.clear()
    site.post("post-0", ko={"title": "글 0", "translated": "2026-08-20", "body": "본문을 고쳤습니다.\n"})
    build.build(site.root, build.BuildOptions(output=out))
    assert decided == []  # the body is not on the card
    assert "본문을 고쳤습니다" in (out / "2026/08/post-0/index.html").read_text(encoding="utf-8")
    own = _opened_png(400, 300)
    (site.root / "content/posts/2026/08/post-2/card.png").write_bytes(own)
    build.build(site.root, build.BuildOptions(output=out))
    assert decided == [] and (out / "2026/08/post-2/card.png").read_bytes() == own
    assert _meta(out, "2026/08/post-2")["og:image:width"] == "400"
    (site.root / "content/posts/2026/08/post-2/card.png").unlink()
    build.build(site.root, build.BuildOptions(output=out))
    assert decided == [] and _opened((out / "2026/08/post-2/card.png").read_bytes()).size == (
        card_drawing.WIDTH,
        card_drawing.HEIGHT,
    )
    assert tree(out) == clean_build(site.root, tmp_path)
    decided.clear()  # the clean build decided every card of its own copy
    site.config(raw=PYPROJECT.format(extra="").replace('title = "테스트 사이트"', 'title = "다른 이름"'))
    build.build(site.root, build.BuildOptions(output=out))
    assert sorted(decided) == ["2026/08/post-0", "2026/08/post-1", "2026/08/post-2"]
    decided.clear()
    (cards.cache_dir(config).parent / cards.DECISIONS_FILE).write_bytes(b"not a pickle")
    site.post("post-2", ko={"title": "고친 글 2", "translated": "2026-08-20"})
    build.build(site.root, build.BuildOptions(output=out))
    assert sorted(decided) == ["2026/08/post-0", "2026/08/post-1", "2026/08/post-2"]  # damaged: all again
    assert tree(out) == clean_build(site.root, tmp_path)


_DRAWING_LOADED = """
import sys
from kowp_site.cli import main
code = main(["build", "--root", sys.argv[1], "--output", sys.argv[2]])
print(code, sorted(m for m in ("kowp_site.site.card_drawing", "kowp_site.site.card_glyphs", "kowp_site.site.card_png") if m in sys.modules))
"""


@needs_font
def test_a_build_that_draws_no_card_does_not_load_the_drawing_code(site, tmp_path):
    """The drawing modules are imported when a card is drawn and not otherwise: a later build
    after an edit of a body (no card drawn) leaves them out, which is part of a one-post edit's cost."""
    import subprocess
    import sys

    site.post("post", ko={"title": "글 제목", "translated": "2026-08-20"})
    out = tmp_path / "out"

    def loaded() -> str:
        command = [sys.executable, "-c", _DRAWING_LOADED, str(site.root), str(out)]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.splitlines()[-1]

    drawing = "['kowp_site.site.card_drawing', 'kowp_site.site.card_glyphs', 'kowp_site.site.card_png']"
    assert loaded() == f"0 {drawing}"  # the first build draws the card
    site.post("post", ko={"title": "글 제목", "translated": "2026-08-20", "body": "새 본문.\n"})
    assert loaded() == "0 []"
    assert "새 본문." in (out / "2026/08/post/index.html").read_text(encoding="utf-8")
    assert _opened((out / "2026/08/post/card.png").read_bytes()).size == (card_drawing.WIDTH, card_drawing.HEIGHT)


@needs_font
def test_the_letters_found_drawn_are_kept_so_a_later_build_opens_no_font_for_them(site, tmp_path, monkeypatch):
    site.post("post", ko={"title": "글 제목", "translated": "2026-08-20"})
    out = tmp_path / "out"
    build.build(site.root, build.BuildOptions(output=out))
    monkeypatch.setattr(card_fonts, "_DRAWN", {})  # as in a new process
    opened: list[str] = []
    real = card_fonts._has_glyph.__wrapped__
    monkeypatch.setattr(card_fonts, "_has_glyph", lambda path, char: opened.append(char) or real(path, char))
    site.post("post", ko={"title": "글 제목", "translated": "2026-08-20", "body": "새 본문.\n"})
    build.build(site.root, build.BuildOptions(output=out))
    assert opened == []
    assert _meta(out, "2026/08/post")["og:image"] == URL + "post/card.png"
    site.post("post", ko={"title": "글 제목 뷁", "translated": "2026-08-20"})
    build.build(site.root, build.BuildOptions(output=out))
    assert set(opened) == {"뷁"}  # a new letter is looked up, in both faces
    assert tree(out) == clean_build(site.root, tmp_path)


@needs_font
def test_a_build_whose_cards_read_nothing_changed_does_not_declare_them(site, tmp_path, monkeypatch):
    """The cards' digest (settings, shown posts, their front matter, own card files) is the last
    build's after an edit of a body: the group is not run and every card keeps its key. A new
    post, an own card file or a new title declares them again; each build equals a clean one."""
    out = _three_posts_built(site, tmp_path)
    runs: list[int] = []
    real = cards.outputs
    monkeypatch.setattr(cards, "outputs", lambda *args, **kw: runs.append(1) or real(*args, **kw))
    config = load_config(site.root)[0]
    manifest = build.cache.load_manifest(config, out)
    assert manifest is not None and manifest.groups["cards"].owner == "picture cards"
    assert manifest.groups["cards"].paths == tuple(f"2026/08/post-{n}/card.png" for n in (2, 1, 0))
    drawn = (out / "2026/08/post-1/card.png").read_bytes()

    site.post("post-1", ko={"title": "글 1", "translated": "2026-08-20", "body": "본문만 고쳤습니다.\n"})
    result = build.build(site.root, build.BuildOptions(output=out))
    assert runs == [] and result.changed is not None and "2026/08/post-1/index.html" in result.changed
    assert not [path for path in result.changed if path.endswith("card.png")]
    assert (out / "2026/08/post-1/card.png").read_bytes() == drawn
    assert tree(out) == clean_build(site.root, tmp_path)

    runs.clear()  # the clean build declared the cards of its own copy
    site.post("post-3", ko={"title": "글 3", "translated": "2026-08-21"})
    build.build(site.root, build.BuildOptions(output=out))
    assert runs == [1] and (out / "2026/08/post-3/card.png").is_file()
    own = _opened_png(400, 300)
    (site.root / "content/posts/2026/08/post-0/card.png").write_bytes(own)
    build.build(site.root, build.BuildOptions(output=out))
    assert runs == [1, 1] and (out / "2026/08/post-0/card.png").read_bytes() == own
    site.post("post-2", ko={"title": "고친 글 2", "translated": "2026-08-20"})
    build.build(site.root, build.BuildOptions(output=out))
    assert runs == [1, 1, 1]
    assert tree(out) == clean_build(site.root, tmp_path)

    # Kept cards are still made when the whole folder is written afresh (a file stands where a
    # folder must go): the group runs then.
    runs.clear()
    late: list[str] = []
    make = build.LateGroup.make
    monkeypatch.setattr(build.LateGroup, "make", lambda self, path: late.append(path) or make(self, path))
    site.post("post-2", ko={"title": "고친 글 2", "translated": "2026-08-20", "body": "새 본문.\n"})
    shutil.rmtree(out / "2026/08/post-2")
    (out / "2026/08/post-2").write_text("a file where a folder was", encoding="utf-8")
    build.build(site.root, build.BuildOptions(output=out))
    assert runs == [1] and sorted(late) == [f"2026/08/post-{n}/card.png" for n in (1, 2, 3)]  # post-0 has its own
    assert _opened((out / "2026/08/post-2/card.png").read_bytes()).size == (
        card_drawing.WIDTH,
        card_drawing.HEIGHT,
    )
    assert tree(out) == clean_build(site.root, tmp_path)


def _opened_png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@needs_font
def test_a_title_with_letters_the_font_lacks_falls_back_to_the_posts_image(site, build_site):
    folder = site.post(
        "emoji",
        ko={
            "title": "축하합니다 \U0001f389\U0001fae0",
            "translated": "2026-08-20",
            "body": "![사진](photo.png)\n\n본문.\n",
        },
    )
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    site.post("plain", ko={"title": "이미지 없는 글 \U0001fae0", "translated": "2026-08-20"})
    out = build_site(site.root)
    assert not (out / "2026/08/emoji/card.png").exists() and not (out / "2026/08/plain/card.png").exists()
    meta = _meta(out, "2026/08/emoji")
    assert (meta["og:image"], meta["og:image:alt"]) == (URL + "emoji/photo.png", "사진")
    assert "og:image:width" not in meta
    plain = _meta(out, "2026/08/plain")
    assert plain["og:image"] == "https://example.org/kowp/static/images/og-default.png"
    default = Image.open(cards.default_image(load_config(site.root)[0]).file)
    assert (plain["og:image:width"], plain["og:image:height"]) == tuple(str(n) for n in default.size)
    config = load_config(site.root)[0]
    assert card_fonts.missing(cards.find_fonts(config), "축하합니다 \U0001f389") == ["\U0001f389"]


def test_a_post_folder_with_its_own_card_uses_it(site, build_site):
    folder = site.post("own", ko={"title": "직접 만든 카드", "translated": "2026-08-20"})
    picture = io.BytesIO()
    Image.new("RGB", (800, 418), "#123456").save(picture, format="PNG")
    (folder / "card.png").write_bytes(picture.getvalue())
    out = build_site(site.root)
    assert (out / "2026/08/own/card.png").read_bytes() == picture.getvalue()  # copied, not drawn over
    meta = _meta(out, "2026/08/own")
    assert meta["og:image"] == URL + "own/card.png"
    assert (meta["og:image:width"], meta["og:image:height"], meta["og:image:alt"]) == ("800", "418", "직접 만든 카드")


@needs_font
def test_a_build_that_draws_no_card_leaves_the_kept_drawings_and_decisions_alone(site, tmp_path, monkeypatch):
    """serve's previews draw no card: their builds neither prune the drawings a production build
    keeps nor write their own decisions over its decisions, so the next build draws nothing again."""
    out = _three_posts_built(site, tmp_path)
    config = load_config(site.root)[0]
    folder = cards.cache_dir(config)
    kept = {p.name: p.read_bytes() for p in folder.parent.iterdir() if p.is_file()}
    drawings = sorted(p.name for p in folder.iterdir())
    assert len(drawings) == 3 and {cards.DECISIONS_FILE, cards.LETTERS_FILE} <= set(kept)
    build.build(site.root, build.BuildOptions(output=tmp_path / "preview", drafts=True, cards=False))
    assert sorted(p.name for p in folder.iterdir()) == drawings
    assert {p.name: p.read_bytes() for p in folder.parent.iterdir() if p.is_file() and p.name in kept} == kept
    drawn: list[str] = []
    monkeypatch.setattr(cards, "draw", lambda spec: drawn.append(spec.title) or card_drawing.draw(spec))
    build.build(site.root, build.BuildOptions(output=tmp_path / "fresh"))  # a fresh folder: every card made
    assert drawn == []  # from the kept drawings
    assert tree(tmp_path / "fresh") == tree(out) == clean_build(site.root, tmp_path)


def test_without_a_korean_font_the_build_says_so_once_and_draws_nothing(site, no_card_font, capsys):
    for n in range(3):
        site.post(f"post-{n}", ko={"title": f"{n}번째 글", "translated": "2026-08-20"})
    assert main(["build", "--root", str(site.root)]) == 0
    err = capsys.readouterr().err
    assert err.count("no Korean font for picture cards") == 1
    assert list((site.root / "site").rglob("card.png")) == []
    assert (
        _meta(site.root / "site", "2026/08/post-0")["og:image"]
        == "https://example.org/kowp/static/images/og-default.png"
    )


def test_card_font_must_be_a_file(site, capsys):
    site.post("first", ko={"translated": "2026-08-20"})
    site.config(extra='card_font = "fonts/missing.ttf"')
    assert main(["build", "--root", str(site.root)]) == 1
    err = capsys.readouterr().err
    assert "pyproject.toml: 'card_font' 'fonts/missing.ttf' is not a font file" in err
    assert "Traceback" not in err


@needs_font
def test_card_font_draws_with_the_configured_file(site, build_site):
    fonts = card_fonts._find_fonts(Path("/nonexistent"), "")
    (site.root / "fonts").mkdir()
    (site.root / "fonts/card.ttc").write_bytes(Path(fonts.regular).read_bytes())
    site.config(extra='card_font = "fonts/card.ttc"')
    site.post("first", ko={"title": "설정한 글꼴", "translated": "2026-08-20"})
    config = load_config(site.root)[0]
    assert cards.find_fonts(config) == card_fonts.Fonts(
        str(site.root / "fonts/card.ttc"), str(site.root / "fonts/card.ttc")
    )
    image = _opened((build_site(site.root) / "2026/08/first/card.png").read_bytes())
    assert image.size == (1200, 630)


@needs_font
def test_the_bluesky_thumbnail_is_the_posts_card(site, monkeypatch):
    from tests.syndicate_fakes import FakeBluesky

    bluesky = FakeBluesky().start()
    try:
        monkeypatch.setenv("KOWP_BLUESKY_HANDLE", bluesky.handle_name)
        monkeypatch.setenv("KOWP_BLUESKY_PASSWORD", bluesky.password)
        monkeypatch.setenv("KOWP_BLUESKY_SERVICE", bluesky.url)
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1787270400")  # 2026-08-21
        site.post("first", ko={"title": "카드가 썸네일이 됩니다", "translated": "2026-08-20"})
        assert main(["syndicate", "--root", str(site.root), "--target", "bluesky"]) == 0
        out = build.build(site.root, build.BuildOptions()).output
        card = (out / "2026/08/first/card.png").read_bytes()
        assert [b for _, b in bluesky.blobs] == [card]
        record = json.loads(bluesky.calls("POST", "/xrpc/com.atproto.repo.createRecord")[0].body)["record"]
        assert record["embed"]["external"]["uri"] == _meta(out, "2026/08/first")["og:url"]
    finally:
        bluesky.stop()


@needs_font
def test_a_card_is_drawn_again_when_anything_it_shows_changes(site, build_site):
    site.post("first", ko={"title": "바뀌는 카드", "translated": "2026-08-20"})
    card = site.root / "site/2026/08/first/card.png"
    build_site(site.root)
    seen = [card.read_bytes()]

    def changed() -> bytes:
        build_site(site.root)
        data = card.read_bytes()
        assert data not in seen
        seen.append(data)
        return data

    site.post("first", ko={"title": "바뀌는 카드", "translated": "2026-08-21"})  # the date
    changed()
    site.post("first", en={"categories": ("Community",)}, ko={"title": "바뀌는 카드", "translated": "2026-08-21"})
    changed()
    site.config(
        raw=PYPROJECT.format(extra="").replace('title = "테스트 사이트"', 'title = "다른 사이트"')
    )  # the site name
    changed()
    # A site theme's own stylesheet: its light accent colour paints the top band.
    css = site.root / "themes/default/static/css/style.css"
    css.parent.mkdir(parents=True)
    css.write_text(":root {\n  --accent: #aa0000;\n}\n", encoding="utf-8")
    image = _opened(changed()).convert("RGB")
    assert image.getpixel((600, 8)) == (0xAA, 0, 0)


def test_a_cards_digest_follows_the_bytes_of_every_cards_module(monkeypatch, tmp_path):
    """An edit to the font choice or the drawing (not only to cards.py) gives every card a new
    digest, so a kept drawing of the old code is never reused."""
    modules = sorted(p.name for p in Path(cards.__file__).parent.glob("card*.py"))
    assert modules == ["card_drawing.py", "card_fonts.py", "card_glyphs.py", "card_png.py", "card_spec.py", "cards.py"]
    assert sorted(Path(source).name for source in cards._CODE) == modules
    cards._code_identity.cache_clear()
    before = cards._code_identity()
    edited = tmp_path / "card_drawing.py"
    edited.write_bytes(Path(card_drawing.__file__).read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(cards, "_CODE", tuple(str(edited) if s == card_drawing.__file__ else s for s in cards._CODE))
    cards._code_identity.cache_clear()
    try:
        assert cards._code_identity()[0] != before[0]
        assert cards._code_identity()[1:] == before[1:]  # Pillow and FreeType: the same
    finally:
        cards._code_identity.cache_clear()


def test_a_cards_digest_is_the_hash_of_everything_it_shows():
    """The digest names the kept drawing: the same texts, colours and identity give the same one,
    any change another (and its value is the hash of the repr of all of them)."""
    import hashlib

    from kowp_site.site.card_spec import FORMAT, Spec

    colours = (("bg", "#ffffff"), ("fg", "#111111"))
    identity = ("/fonts/a.otf", 123, 456, "code", "11.0", "2.13")
    spec = Spec("제목 'quoted'", "릴리스 · 보안", "2026년 8월 30일", "워드프레스 소식", colours, None, identity)
    text = repr((FORMAT, spec.title, spec.categories, spec.date, spec.site, colours, identity))
    assert spec.digest == hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
    changed = [
        Spec("다른 제목", spec.categories, spec.date, spec.site, colours, None, identity),
        Spec(spec.title, spec.categories, "2026년 8월 31일", spec.site, colours, None, identity),
        Spec(spec.title, spec.categories, spec.date, spec.site, (("bg", "#000000"),), None, identity),
        Spec(spec.title, spec.categories, spec.date, spec.site, colours, None, (*identity[:-1], "2.14")),
    ]
    assert len({spec.digest, *(c.digest for c in changed)}) == 5
