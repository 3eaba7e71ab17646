"""`kowp-site serve` on loopback, driven by a real HTTP client: pages, 404, reload events, overlay.

Every wait is bounded, so a broken server fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import lxml.html
import pytest

from kowp_site.site import serve, watching
from kowp_site.site.build import BuildOptions, build

WAIT = 20.0  # seconds; generous for a loaded CI machine, but never infinite


@dataclass
class Running:
    server: serve.Server
    client: httpx.Client

    def get(self, path: str) -> httpx.Response:
        return self.client.get(self.server.url + path.lstrip("/"))


@pytest.fixture
def running(site) -> Iterator[Running]:
    site.post("hello", ko={"title": "첫 제목"})
    site.post("wip", ko={"title": "쓰는 중", "status": "draft", "translated": None})
    server = serve.start(site.root, port=0)
    stop = threading.Event()
    watcher = threading.Thread(target=serve.watch, args=(server, stop), daemon=True)
    watcher.start()
    assert server.watching.wait(WAIT)
    client = httpx.Client(timeout=WAIT)
    try:
        yield Running(server, client)
    finally:
        stop.set()
        server.close()
        client.close()
        watcher.join(timeout=WAIT)
        assert not watcher.is_alive()


class Events:
    """Reads the SSE stream in a thread; ``next_event`` waits (bounded) for one named event."""

    def __init__(self, url: str):
        self.lines: queue.Queue[str] = queue.Queue()
        self.connected = threading.Event()
        self.thread = threading.Thread(target=self._read, args=(url,), daemon=True)
        self.thread.start()
        assert self.connected.wait(WAIT), "event stream did not open"

    def _read(self, url: str) -> None:
        try:
            with httpx.Client(timeout=httpx.Timeout(WAIT, read=60)) as client, client.stream("GET", url) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                for line in response.iter_lines():
                    if line.startswith(": connected") or line.startswith("event:"):
                        self.connected.set()
                    self.lines.put(line)
        except httpx.HTTPError:
            pass

    def next_event(self, poke=None, timeout: float = WAIT) -> tuple[str, str]:
        """The next (event, data); calls ``poke`` again every 2 s meanwhile (the watcher may lag)."""
        deadline = time.monotonic() + timeout
        name = ""
        last_poke = time.monotonic()
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if poke is not None and time.monotonic() - last_poke > 2:
                    poke()
                    last_poke = time.monotonic()
                continue
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: ") and name:
                return name, line[len("data: ") :]
        raise AssertionError("no event from the server in time")


def title_of(response: httpx.Response) -> str:
    return lxml.html.fromstring(response.content).xpath("string(//h1)")


def test_serves_the_preview_with_drafts_404_and_the_reload_script(running, site):
    home = running.get("/")
    assert home.status_code == 200
    assert home.headers["content-type"].startswith("text/html")
    doc = lxml.html.fromstring(home.content)
    assert 'new EventSource("/__kowp/events")' in doc.xpath("string(//head/script)")
    assert running.get("/2026/08/hello/").status_code == 200
    draft = running.get("/2026/08/wip/")
    assert draft.status_code == 200 and title_of(draft) == "쓰는 중"
    # Links point at the preview server, not at the configured base_url's subpath.
    assert doc.xpath("//link[@rel='stylesheet']/@href") == ["/static/css/style.css"]
    missing = running.get("/no/such/page/")
    assert missing.status_code == 404
    assert title_of(missing) == "페이지를 찾을 수 없습니다"
    # The preview lives in the cache; a production site/ is never written by serve.
    assert not (site.root / "site").exists()
    assert (site.root / ".kowp-cache/serve/site/index.html").is_file()


def test_save_triggers_reload_event_and_new_content(running, site):
    events = Events(running.server.url + "__kowp/events")
    site.post("hello", ko={"title": "고친 제목"})
    name, data = events.next_event(poke=lambda: site.post("hello", ko={"title": "고친 제목"}))
    assert name == "reload" and json.loads(data)["version"] >= 2
    assert title_of(running.get("/2026/08/hello/")) == "고친 제목"


def test_content_error_shows_overlay_keeps_last_good_site_and_recovers(running, site):
    events = Events(running.server.url + "__kowp/events")
    broken = site.root / "content/posts/2026/08/hello/ko.md"
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    name, data = events.next_event(poke=lambda: broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8"))
    assert name == "problem"
    message = json.loads(data)["message"]
    assert message.startswith("content/posts/2026/08/hello/ko.md:2: front matter is not valid YAML")
    assert title_of(running.get("/2026/08/hello/")) == "첫 제목"  # the last good site
    # A tab opened while the error stands gets the problem as soon as it connects.
    late = Events(running.server.url + "__kowp/events")
    assert late.next_event()[0] == "problem"

    site.post("hello", ko={"title": "다시 된 제목"})
    name, _ = events.next_event(poke=lambda: site.post("hello", ko={"title": "다시 된 제목"}))
    assert name == "reload"
    assert title_of(running.get("/2026/08/hello/")) == "다시 된 제목"


def test_no_drafts_preview_and_production_build_have_no_script(site, tmp_path):
    site.post("hello")
    site.post("wip", ko={"status": "draft", "translated": None})
    server = serve.start(site.root, port=0, drafts=False)
    try:
        with httpx.Client(timeout=WAIT) as client:
            assert client.get(server.url + "2026/08/wip/").status_code == 404
            assert client.get(server.url + "2026/08/hello/").status_code == 200
    finally:
        server.close()
    result = build(site.root, BuildOptions())
    page = (result.output / "2026/08/hello/index.html").read_text(encoding="utf-8")
    assert "EventSource" not in page and "__kowp" not in page


def test_port_in_use_is_a_clear_error(site):
    site.post("hello")
    server = serve.start(site.root, port=0)
    try:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        with pytest.raises(serve.KowpError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve.start(site.root, port=port)
    finally:
        server.close()


def test_ctrl_c_stops_the_command_cleanly(site):
    site.post("hello")
    env = dict(os.environ, PYTHONUNBUFFERED="1", COLUMNS="200")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kowp_site", "serve", "--root", str(site.root), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = ""
        deadline = time.monotonic() + WAIT
        while not url and time.monotonic() < deadline:
            line = proc.stderr.readline()
            found = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            url = found.group(1) if found else ""
        assert url, "serve did not print its address"
        assert httpx.get(url, timeout=WAIT).status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=WAIT) == 0
        assert "stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=WAIT)


def test_timings_say_where_a_rebuild_went_from_save_to_reload(site, capsys):
    site.post("hello", ko={"title": "첫 제목"})
    server = serve.start(site.root, port=0, timings=True)
    try:
        capsys.readouterr()
        path = site.post("hello", ko={"title": "고친 제목"}) / "ko.md"
        saved = path.stat().st_mtime
        assert watching.newest_change({("modified", str(path)), ("deleted", str(path.parent / "gone.md"))}) == saved
        result = server.rebuild(saved_at=saved)
        assert result is not None and result.written >= 1
        line = capsys.readouterr().err.strip().splitlines()[-1]
        found = re.fullmatch(
            r"timings: save -> reload (\d+) ms: waiting for the save to settle (\d+) ms; "
            r"build (\d+) ms \(scan \d+ ms, cache \d+ ms, load \d+ ms, render \d+ ms, write \d+ ms\); "
            r"reload sent (\d+) ms after",
            line,
        )
        assert found, line
        total, settle, build_ms, after = map(int, found.groups())
        assert total >= build_ms and total >= settle
        assert server.state.version == 2  # the reload went out
    finally:
        server.close()
    quiet = serve.start(site.root, port=0)  # without --timings, no such line
    try:
        capsys.readouterr()
        quiet.rebuild()
        assert "timings:" not in capsys.readouterr().err
    finally:
        quiet.close()


def test_previews_draw_no_picture_cards_and_a_site_may_turn_them_off(site, tmp_path):
    """Cards cost a font render per post: serve shows its first page without them, and cards = false
    turns them off for a site (link previews fall back to the post's image or the default one)."""
    site.post("hello")
    server = serve.start(site.root, port=0)
    try:
        assert not (serve.serve_folder(site.root) / "2026/08/hello/card.png").exists()
        assert server.options.cards is False
    finally:
        server.close()
    result = build(site.root, BuildOptions())
    page = lxml.html.fromstring((result.output / "2026/08/hello/index.html").read_bytes())
    from kowp_site.site import cards

    if cards.find_fonts(serve_config(site.root)) is not None:  # a machine with a Korean font draws them
        assert (result.output / "2026/08/hello/card.png").is_file()
        assert page.xpath("string(//meta[@property='og:image']/@content)").endswith("/2026/08/hello/card.png")
    site.config(extra="cards = false")
    off = build(site.root, BuildOptions(output=tmp_path / "off"))
    assert not (off.output / "2026/08/hello/card.png").exists()
    page = lxml.html.fromstring((off.output / "2026/08/hello/index.html").read_bytes())
    assert page.xpath("string(//meta[@property='og:image']/@content)").endswith("static/images/og-default.png")
    assert off.warnings == []  # no "no Korean font" warning for cards that are off


def serve_config(root):
    from kowp_site.site import config as config_mod

    return config_mod.load(root)[0]
