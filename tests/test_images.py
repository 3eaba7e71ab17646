"""Post-folder pictures on a phone: sized, responsive, the first one eager, bad files reported."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import bs4
import feedparser
import pytest
from PIL import Image

from kowp_site.site import images
from kowp_site.site.build import BuildOptions, build
from kowp_site.site.images import ImageInfo, dress, probe, variants
from kowp_site.site.markdown import Renderer

POST = "content/posts/2026/08/post-1"
PAGE = "2026/08/post-1/index.html"


def png(width: int, height: int, colour: tuple[int, int, int] = (30, 90, 160)) -> bytes:
    out = io.BytesIO()
    im = Image.new("RGB", (width, height), colour)
    for x in range(0, width, 7):  # some detail, so sizes differ by width
        im.putpixel((x, (x * 3) % height), (250, 250, 250))
    im.save(out, "PNG")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (the rest is a tiny, wrong body)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = zlib.compress(b"\x00" * 10)
    idat = b"IDAT" + body
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(body)) + idat + struct.pack(">I", zlib.crc32(idat))
        + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    )  # fmt: skip


def parse(html: str) -> bs4.BeautifulSoup:
    """An HTML5-aware tree (``<source>`` is a void element), from the parser markdownify brings."""
    return bs4.BeautifulSoup(html, "html.parser")


def images_of(html: str) -> list[bs4.Tag]:
    return parse(html).select("main img")


def post_with(site, body: str, files: dict[str, bytes]) -> None:
    site.post("post-1", ko={"title": "그림 글", "body": body})
    for name, data in files.items():
        site.write(f"{POST}/{name}", data)


INFO = ImageInfo(1600, 900, "PNG", "d" * 32)


def test_dress_sizes_a_wide_image_and_offers_webp_and_png_copies():
    html = '<p><img src="a.png" alt="가" loading="lazy" decoding="async"></p>'
    picture = parse(dress(html, {"a.png": INFO})).picture
    source, img = picture.find_all(recursive=False)
    assert source.name == "source" and source.get("type") == "image/webp"
    assert source.get("srcset") == "a-480w.webp 480w, a-800w.webp 800w, a-1200w.webp 1200w, a-1600w.webp 1600w"
    assert img.get("srcset") == "a-480w.png 480w, a-800w.png 800w, a-1200w.png 1200w, a.png 1600w"
    assert img.get("sizes") == source.get("sizes") == images.SIZES
    assert (img.get("width"), img.get("height"), img.get("src")) == ("1600", "900", "a.png")
    assert img.get("fetchpriority") == "high" and img.get("loading") is None  # the first image is eager


def test_dress_keeps_later_images_lazy_and_sizes_narrow_ones_without_copies():
    small = ImageInfo(600, 400, "JPEG", "e" * 32)
    html = (
        '<p><img src="https://s.w.org/x.png" alt="" loading="lazy" decoding="async"></p>'
        '<p><img src="b.jpg" alt="" width="10" loading="lazy" decoding="async"></p>'
    )
    first, second = parse(dress(html, {"b.jpg": small})).find_all("img")
    assert first.get("fetchpriority") == "high" and first.get("loading") is None and first.get("width") is None
    assert second.get("loading") == "lazy" and second.get("fetchpriority") is None
    assert (second.get("width"), second.get("height"), second.get("srcset")) == ("600", "400", None)
    assert variants("b.jpg", small) == []


def test_gif_and_avif_are_sized_but_not_resized():
    gif = ImageInfo(2000, 1000, "GIF", "f" * 32)
    assert variants("a.gif", gif) == [] and gif.widths() == ()
    assert 'width="2000"' in dress('<img src="a.gif" alt="">', {"a.gif": gif})


def test_a_built_post_has_sized_responsive_images_and_the_copies_exist(site):
    post_with(
        site,
        "![넓은 그림](wide.png)\n\n본문.\n\n![작은 그림](small.png)\n",
        {"wide.png": png(1300, 650), "small.png": png(500, 300)},
    )
    result = build(site.root, BuildOptions())
    assert result.warnings == []
    page = (site.root / "site" / PAGE).read_text()
    wide, small = images_of(page)
    assert (wide.get("width"), wide.get("height"), wide.get("fetchpriority")) == ("1300", "650", "high")
    assert (small.get("width"), small.get("height"), small.get("loading")) == ("500", "300", "lazy")
    folder = site.root / "site/2026/08/post-1"
    made = sorted(p.name for p in folder.iterdir() if p.name not in ("index.html", "card.png"))
    assert made == sorted(
        ["wide.png", "small.png", "wide-480w.png", "wide-800w.png", "wide-1200w.png"]
        + ["wide-480w.webp", "wide-800w.webp", "wide-1200w.webp", "wide-1300w.webp"]
    )
    for name, size in (("wide-480w.webp", (480, 240)), ("wide-800w.png", (800, 400)), ("wide-1300w.webp", (1300, 650))):
        with Image.open(folder / name) as im:
            assert im.size == size and im.format == ("WEBP" if name.endswith("webp") else "PNG")
    # Every srcset candidate is a file of the site.
    for candidate in wide.get("srcset").split(", ") + wide.parent.source.get("srcset").split(", "):
        assert (folder / candidate.split(" ")[0]).is_file()


def test_copies_are_deterministic_made_once_and_follow_a_changed_picture(site, tmp_path):
    post_with(site, "![그림](wide.png)\n", {"wide.png": png(1000, 500)})
    first = build(site.root, BuildOptions())
    folder = site.root / "site/2026/08/post-1"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "card.png"}
    again = build(site.root, BuildOptions())
    assert again.written == 0
    # A new output folder: the copies come from .kowp-cache/images, byte for byte.
    made_in = site.root / ".kowp-cache/images"
    cached = sorted(p.name for p in made_in.iterdir())
    assert len(cached) == len(variants("wide.png", probe(folder / "wide.png"))) == 5
    elsewhere = build(site.root, BuildOptions(output=site.root / "other"))
    assert {
        p.name: p.read_bytes() for p in (site.root / "other/2026/08/post-1").iterdir() if p.name != "card.png"
    } == before
    assert sorted(p.name for p in made_in.iterdir()) == cached
    assert first.written > 0 and elsewhere.written == first.written
    # The same name, another picture: the page and the copies follow (incremental == clean).
    site.write(f"{POST}/wide.png", png(900, 300, (200, 40, 40)))
    build(site.root, BuildOptions())
    img = images_of((folder / "index.html").read_text())[0]
    assert (img.get("width"), img.get("height")) == ("900", "300")
    with Image.open(folder / "wide-800w.webp") as im:
        assert im.size == (800, 267)
    assert not (folder / "wide-1000w.webp").exists() and (folder / "wide-900w.webp").exists()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (png(1200, 600)[:300], "damaged or truncated"),
        (png_header_only(30_000, 10), "30000x10 px; sides longer than 20,000 px"),
        (png_header_only(12_000, 12_000), "too many pixels"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "not an image"),
    ],
    ids=["truncated", "30000px-side", "bomb", "svg-named-png"],
)
def test_a_bad_picture_is_reported_and_the_build_goes_on(site, data, says):
    post_with(site, "![그림](bad.png)\n\n![좋은 그림](good.png)\n", {"bad.png": data, "good.png": png(700, 350)})
    result = build(site.root, BuildOptions())
    found = [w for w in result.warnings if w.path == f"{POST}/bad.png"]
    assert len(found) == 1 and says in found[0].message and found[0].severity == "warning"
    bad, good = images_of((site.root / "site" / PAGE).read_text())
    assert bad.get("src") == "bad.png" and bad.get("width") is None and bad.parent.name != "picture"
    assert (good.get("width"), good.get("height")) == ("700", "350")
    assert (site.root / "site/2026/08/post-1/bad.png").read_bytes() == data  # shown as it is


def test_feeds_carry_the_sized_image_without_picture_or_srcset(site):
    post_with(site, "![그림](wide.png)\n", {"wide.png": png(1000, 500)})
    build(site.root, BuildOptions())
    entry = feedparser.parse((site.root / "site/feed.xml").read_bytes()).entries[0]
    img = parse(entry.content[0].value).img
    assert img.get("src") == "https://example.org/kowp/2026/08/post-1/wide.png"
    assert (img.get("width"), img.get("height"), img.get("srcset"), img.get("fetchpriority")) == (
        "1000",
        "500",
        None,
        None,
    )
    assert "<picture" not in entry.content[0].value and "<source" not in entry.content[0].value
    item = json.loads((site.root / "site/feed.json").read_text())["items"][0]
    assert "<picture" not in item["content_html"] and 'width="1000"' in item["content_html"]


def test_a_body_cannot_forge_a_picture_or_srcset():
    """Only the build adds <picture>, <source> and srcset: the sanitizer removes an author's."""
    html = (
        Renderer()
        .render(
            '<picture><source srcset="https://evil.example/x.png"></picture>'
            '<img src="a.png" srcset="https://evil.example/y.png 2x" sizes="1px" fetchpriority="low" alt="">\n'
        )
        .html
    )
    assert "evil" not in html and "<source" not in html and "<picture" not in html
    assert parse(html).img.get("fetchpriority") == "high"


def test_the_markdown_renderer_alone_stays_pure_without_images():
    rendered = Renderer().render("![a](x.png)\n\n![b](y.png)\n")
    first, second = parse(rendered.html).find_all("img")
    assert first.get("fetchpriority") == "high" and second.get("loading") == "lazy"
    assert first.get("width") is None


def test_probe_reads_size_format_and_a_content_digest(tmp_path: Path):
    path = tmp_path / "a.png"
    path.write_bytes(png(321, 123))
    info = probe(path)
    assert isinstance(info, ImageInfo) and (info.width, info.height, info.format) == (321, 123, "PNG")
    path.write_bytes(png(321, 123, (1, 2, 3)))
    assert probe(path).digest != info.digest
