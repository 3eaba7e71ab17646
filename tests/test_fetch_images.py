"""`kowp-site fetch` keeps a post's body images in its folder, from a real HTTP server on loopback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import frontmatter
import pytest
from PIL import Image
from werkzeug import Request, Response

from kowp_site.cli import main
from kowp_site.fetch import images
from kowp_site.fetch.network import Options, fetch
from kowp_site.site import config as config_mod
from kowp_site.site.content import sha256_bytes
from tests.conftest import PYPROJECT
from tests.fetch_support import FEED_PATH, feed, snapshot

SEOUL = "content/posts/2025/06/워드캠프-서울"
CECIL = "content/posts/2025/04/cecil"


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 20, 20)).save(out, "PNG")
    return out.getvalue()


class Files:
    """Image files by path, answered with an ETag and 304 when the client already has them."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        self.seen: list[tuple[str, str]] = []  # (path, If-None-Match)

    def __call__(self, request: Request) -> Response:
        self.seen.append((request.path, request.headers.get("If-None-Match", "")))
        if request.path in self.redirects:
            return Response(status=302, headers={"Location": self.redirects[request.path]})
        data = self.files.get(request.path)
        if data is None:
            return Response("not here", status=404)
        etag = f'"{sha256_bytes(data)[7:19]}"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag, "Content-Type": "image/png"})


@pytest.fixture
def served(site, httpserver):
    """The fixture feed with its image addresses on the loopback server, and images to serve."""
    base = httpserver.url_for("/news/files/")
    body = feed("wordpress-news.xml").replace(b"https://wordpress.org/news/files/", base.encode())
    httpserver.expect_request(FEED_PATH).respond_with_data(body, content_type="application/rss+xml")
    files = Files()
    httpserver.expect_request("/news/files/2025/06/seoul.jpg").respond_with_handler(files)
    httpserver.expect_request("/news/files/2025/06/seoul-1024x683.jpg").respond_with_handler(files)
    httpserver.expect_request("/news/files/2025/04/cecil.png").respond_with_handler(files)
    httpserver.expect_request("/news/files/2025/04/cecil-1024x576.png").respond_with_handler(files)
    site.config(raw=PYPROJECT.format(extra="").replace("fetch_images = false", 'image_hosts = ["localhost"]'))
    files.files["/news/files/2025/06/seoul.jpg"] = jpeg(1600, 1067)  # the original of the sized copy in the feed
    files.files["/news/files/2025/04/cecil-1024x576.png"] = png()  # no original: the copy is kept
    return site, httpserver.url_for(FEED_PATH), files, base


def fetch_cli(root: Path, url: str, *args: str) -> int:
    return main(["fetch", "--root", str(root), "--feed", url, *args])


def test_images_land_beside_en_md_and_both_files_point_at_them(served, capsys):
    site, url, files, base = served
    assert fetch_cli(site.root, url) == 0
    seoul = site.root / SEOUL
    en, ko = frontmatter.loads((seoul / "en.md").read_text()), frontmatter.loads((seoul / "ko.md").read_text())
    # The picture linked to its full size: both now the kept original.
    assert "[![Attendees at WordCamp Seoul](seoul.jpg)](seoul.jpg)" in en.content and base not in en.content
    assert "[![Attendees at WordCamp Seoul](seoul.jpg)](seoul.jpg)" in ko.content and base not in ko.content
    assert ko["source_hash"] == sha256_bytes((seoul / "en.md").read_bytes())
    assert (seoul / "seoul.jpg").read_bytes() == files.files["/news/files/2025/06/seoul.jpg"]
    cecil = site.root / CECIL
    assert (cecil / "cecil-1024x576.png").read_bytes() == files.files["/news/files/2025/04/cecil-1024x576.png"]
    assert "(cecil-1024x576.png)" in (cecil / "en.md").read_text()
    # Each original was asked for once; the sized copy only where the original is missing.
    assert [p for p, _ in files.seen] == [
        "/news/files/2025/06/seoul.jpg",
        "/news/files/2025/04/cecil.png",
        "/news/files/2025/04/cecil-1024x576.png",
    ]
    state = json.loads((site.root / "content/.fetch-state.json").read_text())
    assert state["images"][base + "2025/06/seoul.jpg"]["file"] == "seoul.jpg"
    assert set(state["images"][base + "2025/06/seoul.jpg"]) == {"etag", "file"}
    # Published as it came, the built page asks nothing of the image server.
    stub = (seoul / "ko.md").read_text()
    (seoul / "ko.md").write_text(
        stub.replace("status: untranslated", "status: published\ntranslated: 2025-06-30").replace(
            "translators: []", "translators: [minji]"
        )
    )
    assert main(["build", "--root", str(site.root)]) == 0
    page = (site.root / "site/2025/06/워드캠프-서울/index.html").read_text()
    assert base not in page and 'src="seoul.jpg"' in page and 'width="1600" height="1067"' in page
    assert 'srcset="seoul-480w.webp 480w, seoul-800w.webp 800w, seoul-1200w.webp 1200w, seoul-1600w.webp 1600w"' in page
    assert (site.root / "site/2025/06/워드캠프-서울/seoul-800w.jpg").is_file()


def test_a_refetch_asks_conditionally_and_changes_no_byte(served):
    site, url, files, _ = served
    assert fetch_cli(site.root, url) == 0
    before = snapshot(site.root)
    files.seen.clear()
    assert fetch_cli(site.root, url) == 0
    assert snapshot(site.root) == before  # bytes and inodes: nothing rewritten
    assert [(p, bool(tag)) for p, tag in files.seen] == [
        ("/news/files/2025/06/seoul.jpg", True),
        ("/news/files/2025/04/cecil.png", False),  # still missing: asked plainly
        ("/news/files/2025/04/cecil-1024x576.png", True),
    ]
    # The upstream picture changes: only that file is rewritten.
    files.files["/news/files/2025/06/seoul.jpg"] = jpeg(80, 60)
    assert fetch_cli(site.root, url) == 0
    after = snapshot(site.root)
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == ["content/.fetch-state.json", f"{SEOUL}/seoul.jpg"]  # the new ETag, the new bytes


def refused_feed(base: str) -> bytes:
    body = "".join(
        f'<p><img src="{base}{name}" alt="{alt}"/></p>'
        for name, alt in (("fake.png", "가짜"), ("huge.png", "큰 그림"), ("away.png", "다른 곳"), ("gone.png", ""))
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>WordPress News</title><link>https://wordpress.org/news</link><description>d</description>
<item><title>Pictures</title><link>https://wordpress.org/news/2025/05/pictures/</link>
<dc:creator>Anne</dc:creator><pubDate>Thu, 01 May 2025 10:00:00 +0000</pubDate>
<guid isPermaLink="false">https://wordpress.org/news/?p=17100</guid>
<content:encoded><![CDATA[<p>Text before.</p>{body}<p>Text after.</p>]]></content:encoded></item>
</channel></rss>""".encode()


def test_refused_images_become_links_to_the_original_with_a_reason(site, httpserver, capsys):
    base = httpserver.url_for("/files/")
    httpserver.expect_request("/feed/").respond_with_data(refused_feed(base), content_type="application/rss+xml")
    httpserver.expect_request("/files/fake.png").respond_with_data(
        b"<svg onload=alert(1)></svg>", content_type="image/png"
    )
    httpserver.expect_request("/files/huge.png").respond_with_data(b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024))
    other = httpserver.url_for("/files/x.png").replace("localhost", "127.0.0.1")
    httpserver.expect_request("/files/away.png").respond_with_data("", status=302, headers={"Location": other})
    httpserver.expect_request("/files/gone.png").respond_with_data("", status=404)
    site.config(raw=PYPROJECT.format(extra="").replace("fetch_images = false", 'image_hosts = ["localhost"]'))
    assert (
        main(["fetch", "--root", str(site.root), "--feed", httpserver.url_for("/feed/"), "--max-image-size", "1"]) == 0
    )
    err = capsys.readouterr().err
    folder = site.root / "content/posts/2025/05/pictures"
    body = frontmatter.loads((folder / "en.md").read_text()).content
    assert body.split("\n\n") == [
        "Text before.",
        f"[가짜]({base}fake.png)",
        f"[큰 그림]({base}huge.png)",
        f"[다른 곳]({base}away.png)",
        f"[gone.png]({base}gone.png)",
        "Text after.",
    ]
    assert sorted(p.name for p in folder.iterdir()) == ["en.md", "ko.md"]
    assert "fake.png is kept as a link to the original" in err and "not a PNG, JPEG, GIF, WebP or AVIF image" in err
    assert "larger than the limit of 1,048,576 bytes" in err
    assert "redirected to 127.0.0.1, which is not allowed" in err
    assert "gone.png: not found (404)" in err


def test_a_failing_image_server_leaves_the_image_remote_for_the_next_fetch(site, httpserver):
    base = httpserver.url_for("/files/")
    httpserver.expect_request("/feed/").respond_with_data(refused_feed(base), content_type="application/rss+xml")
    for name in ("fake.png", "huge.png", "away.png", "gone.png"):
        httpserver.expect_request(f"/files/{name}").respond_with_data("busy", status=503)
    site.config(raw=PYPROJECT.format(extra="").replace("fetch_images = false", 'image_hosts = ["localhost"]'))
    config, _ = config_mod.load(site.root)
    summary = fetch(config, Options(feed=httpserver.url_for("/feed/"), retries=0), sleep=lambda s: None)
    body = (site.root / "content/posts/2025/05/pictures/en.md").read_text()
    assert f"![가짜]({base}fake.png)" in body and f"![]({base}gone.png)" in body
    assert sum("stays remote until the next fetch" in w.message for w in summary.warnings) == 4


def test_an_existing_post_whose_english_did_not_change_is_left_alone(site, httpserver):
    """Posts fetched before images were kept keep their remote addresses: their translations stay current."""
    base = httpserver.url_for("/news/files/")
    body = feed("wordpress-news.xml").replace(b"https://wordpress.org/news/files/", base.encode())
    httpserver.expect_request(FEED_PATH).respond_with_data(body, content_type="application/rss+xml")
    url = httpserver.url_for(FEED_PATH)
    assert fetch_cli(site.root, url) == 0  # fetch_images = false: remote addresses
    before = snapshot(site.root)
    site.config(raw=PYPROJECT.format(extra="").replace("fetch_images = false", 'image_hosts = ["localhost"]'))
    assert fetch_cli(site.root, url) == 0
    after = snapshot(site.root)
    assert {k: v for k, v in after.items() if k != "pyproject.toml"} == {
        k: v for k, v in before.items() if k != "pyproject.toml"
    }
    assert [r for r in httpserver.log if "/news/files/" in r[0].path] == []


@pytest.mark.parametrize(
    ("data", "ext"),
    [
        (b"\x89PNG\r\n\x1a\nrest", "png"),
        (b"\xff\xd8\xff\xe0rest", "jpg"),
        (b"GIF89a...", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x1cftypavif", "avif"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"<!doctype html><script>", None),
        (b"", None),
    ],
)
def test_sniff_admits_only_raster_images(data, ext):
    assert images.sniff(data) == ext


def test_file_names_are_safe_and_never_collide():
    taken: set[str] = {"en.md", "ko.md"}
    names = [
        images.safe_name("https://w.org/files/2025/06/Poster%20Big.JPG", "jpg", taken),
        images.safe_name("https://w.org/files/2024/01/poster-big.jpg", "jpg", taken),
        images.safe_name("https://w.org/files/..", "png", taken),
        images.safe_name("https://w.org/files/.hidden.png", "png", taken),
        images.safe_name("https://w.org/files/%EC%84%9C%EC%9A%B8.gif", "gif", taken),  # 서울, NFC
        images.safe_name("https://w.org/files/a%2F..%2Fb.png", "png", taken),
        images.safe_name("https://w.org/files/x.svg", "png", taken),  # the extension follows the bytes
    ]
    assert names == ["Poster-Big.jpg", "poster-big-2.jpg", "image.png", "hidden.png", "서울.gif", "a-b.png", "x.png"]
    assert all("/" not in n and not n.startswith(".") and ".." not in n for n in names)


def test_sized_copies_are_traded_for_their_original():
    assert images.originals("https://w.org/f/a-1024x683.jpg?resize=1") == [
        "https://w.org/f/a.jpg",
        "https://w.org/f/a-1024x683.jpg?resize=1",
    ]
    assert images.originals("https://w.org/f/plain.png") == ["https://w.org/f/plain.png"]
