"""Interrupted work leaves nothing half-done: a build that fails while writing keeps the old site,
a fetch whose connection breaks mid-body leaves content/ exactly as it was."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kowp_site.errors import KowpError
from kowp_site.fetch.network import Options, fetch
from kowp_site.site import output
from kowp_site.site.build import BuildOptions, build
from kowp_site.site.config import load as load_config
from tests.conftest import SiteBuilder


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes, hidden ones included."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("exception", [OSError(28, "No space left on device"), KeyboardInterrupt()])
@pytest.mark.parametrize("into", ["the site in place", "a fresh staging folder"])
def test_build_interrupted_while_writing_keeps_the_previous_site(
    site: SiteBuilder, monkeypatch: pytest.MonkeyPatch, exception: BaseException, into: str
) -> None:
    site.post("first", ko={"title": "첫 글"})
    build(site.root, BuildOptions())
    before = tree(site.root / "site")
    assert "2026/08/first/index.html" in before

    site.post("second", month=9, ko={"title": "둘째 글", "translated": "2026-09-20"})
    if into == "a fresh staging folder":  # without the last build's manifest the whole site is rewritten
        for manifest in (site.root / ".kowp-cache" / "build").glob("outputs-*.pickle"):
            manifest.unlink()
    real_put = output._put  # every file either way of writing goes through it
    calls = []

    def failing_write(target: Path, data: bytes | Path) -> None:
        calls.append(target)
        if len(calls) == 5:
            raise exception
        real_put(target, data)

    monkeypatch.setattr(output, "_put", failing_write)
    with pytest.raises(type(exception)):
        build(site.root, BuildOptions())
    assert len(calls) == 5
    assert tree(site.root / "site") == before
    leftovers = sorted(p.name for p in site.root.iterdir() if p.name.startswith(".site"))
    assert leftovers == [], "no staging folder is left behind"

    monkeypatch.setattr(output, "_put", real_put)
    build(site.root, BuildOptions())
    assert "2026/09/second/index.html" in tree(site.root / "site")


def _feed(n: int) -> bytes:
    items = "".join(
        f"<item><title>Post {i}</title><link>https://wordpress.org/news/2026/08/post-{i}/</link>"
        f"<guid>https://wordpress.org/news/?p={i}</guid><dc:creator>Josepha</dc:creator>"
        f"<pubDate>Mon, 10 Aug 2026 10:0{i}:00 +0000</pubDate><category>Releases</category>"
        f"<content:encoded><![CDATA[<p>{'Body text. ' * 400}</p>]]></content:encoded></item>"
        for i in range(n)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>News</title><link>https://wordpress.org/news/</link>{items}</channel></rss>"
    ).encode()


class BreakingServer:
    """Answers every request with full headers and half the body, then resets the connection (RST)."""

    def __init__(self, body: bytes):
        self.body = body
        self.requests = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/feed/"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.requests += 1
            conn.recv(65536)
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=UTF-8\r\n"
                f"Content-Length: {len(self.body)}\r\n\r\n"
            ).encode()
            conn.sendall(head + self.body[: len(self.body) // 2])
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def breaking_server() -> Iterator[BreakingServer]:
    server = BreakingServer(_feed(5))
    yield server
    server.close()


def test_fetch_reset_mid_body_leaves_content_as_it_was(site: SiteBuilder, breaking_server: BreakingServer) -> None:
    site.post("existing", ko={"title": "있던 글"})
    (site.root / "content" / "posts" / "2026" / "08" / "existing" / "ko.md").write_text("---\nbroken: [\n")
    before = tree(site.root / "content")
    config, _ = load_config(site.root)
    sleeps: list[float] = []
    with pytest.raises(KowpError) as caught:
        fetch(config, Options(feed=breaking_server.url, retries=2), sleep=sleeps.append)
    message = str(caught.value)
    assert breaking_server.url in message and "nothing was written" in message
    assert breaking_server.requests == 3 and len(sleeps) == 2  # retried, then gave up
    assert tree(site.root / "content") == before


def test_fetch_cut_off_on_a_later_page_writes_nothing(site: SiteBuilder, tmp_path: Path) -> None:
    """Page 1 arrives whole, page 2 breaks off: the posts of page 1 are not written either."""
    from pytest_httpserver import HTTPServer
    from werkzeug import Response

    before = tree(site.root / "content") if (site.root / "content").exists() else {}
    with HTTPServer(host="127.0.0.1") as server:
        server.expect_request("/feed/", query_string="").respond_with_data(_feed(3), content_type="application/rss+xml")
        cut = _feed(6)
        server.expect_request("/feed/", query_string="paged=2").respond_with_response(
            Response(cut[: len(cut) // 2], content_type="application/rss+xml")
        )
        config, _ = load_config(site.root)
        with pytest.raises(KowpError):
            fetch(config, Options(feed=server.url_for("/feed/"), pages=2, retries=0), sleep=lambda s: None)
    after = tree(site.root / "content") if (site.root / "content").exists() else {}
    assert after == before
