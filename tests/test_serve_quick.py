"""serve sends a saved post's own page before the whole rebuild, and reloads only the pages that changed."""

from __future__ import annotations

import json
import re
import threading
import time

import lxml.html
import pytest

from kowp_site.site import preview, serve
from kowp_site.site.build import BuildOptions, build
from tests.test_serve import WAIT, Events


@pytest.fixture
def server(site):
    for day, slug in enumerate(("older", "hello", "newer"), start=10):
        site.post(slug, en={"date": f"2026-08-{day}T09:00:00+00:00"}, ko={"title": f"{slug} 제목"})
    running = serve.start(site.root, port=0)
    try:
        yield running
    finally:
        running.close()


def preview_page(slug: str, site) -> bytes:
    return (serve.serve_folder(site.root) / f"2026/08/{slug}/index.html").read_bytes()


def test_the_saved_post_page_equals_the_page_the_build_makes(server, site):
    ko = site.post("hello", ko={"title": "hello 제목", "body": "고친 본문입니다.\n\n## 새 제목\n"}) / "ko.md"
    assert server.quick_page([ko]) == "2026/08/hello/index.html"
    quick = preview_page("hello", site)
    doc = lxml.html.fromstring(quick)
    assert doc.xpath("string(//main//h2)") == "새 제목"
    assert "고친 본문입니다." in doc.xpath("string(//main)")
    # Neighbours come from the last build: the older and newer posts' links stay.
    hrefs = doc.xpath("//a/@href")
    assert "/2026/08/older/" in hrefs and "/2026/08/newer/" in hrefs
    result = server.rebuild()
    assert result is not None
    assert preview_page("hello", site) == quick  # the build found the page already right
    assert "2026/08/hello/index.html" not in result.changed
    assert "index.html" in result.changed  # the home page shows the new summary
    clean = build(
        site.root,
        BuildOptions(
            drafts=True,
            output=site.root / "clean",
            base_url=server.options.base_url,
            extra_head=serve.RELOAD_SCRIPT,
            cards=False,
        ),
    )
    assert (clean.output / "2026/08/hello/index.html").read_bytes() == quick


def test_a_new_title_is_sent_at_once_and_the_neighbours_follow_with_the_build(server, site):
    ko = site.post("hello", ko={"title": "새 이름"}) / "ko.md"
    assert server.quick_page([ko]) is not None
    assert lxml.html.fromstring(preview_page("hello", site)).xpath("string(//h1)") == "새 이름"
    assert "새 이름" not in preview_page("older", site).decode()  # not yet: the build makes it
    result = server.rebuild()
    assert "새 이름" in preview_page("older", site).decode()
    assert "2026/08/older/index.html" in result.changed and "2026/08/newer/index.html" in result.changed


@pytest.mark.parametrize(
    "change",
    ["new post", "two posts", "a page", "the configuration", "broken front matter", "nothing"],
)
def test_no_quick_page_where_only_a_whole_build_can_tell(server, site, change):
    before = preview_page("hello", site)
    if change == "new post":
        paths = [site.post("fresh") / "ko.md"]
    elif change == "two posts":
        paths = [site.post("hello", ko={"title": "a"}) / "ko.md", site.post("older", ko={"title": "b"}) / "ko.md"]
    elif change == "a page":
        paths = [site.page("about", "소개", "본문")]
    elif change == "the configuration":
        paths = [site.root / "pyproject.toml"]
    elif change == "broken front matter":
        path = site.root / "content/posts/2026/08/hello/ko.md"
        path.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
        paths = [path]
    else:
        paths = []
    assert server.quick_page(paths) is None
    assert preview_page("hello", site) == before
    assert server.state.version == 1  # nothing was announced


def test_no_quick_page_for_a_post_the_preview_stops_showing(site):
    site.post("hello")
    server = serve.start(site.root, port=0, drafts=False)  # as serve --no-drafts
    try:
        before = preview_page("hello", site)
        path = site.post("hello", ko={"status": "draft", "translated": None}) / "ko.md"
        assert server.quick_page([path]) is None
        assert preview_page("hello", site) == before
        server.rebuild(changes=[path])
        assert not (serve.serve_folder(site.root) / "2026/08/hello/index.html").exists()
    finally:
        server.close()


def test_changed_post_accepts_only_one_post_folders_markdown(tmp_path):
    posts = tmp_path / "content/posts"
    folder = posts / "2026/08/hello"
    folder.mkdir(parents=True)
    assert preview.changed_post(tmp_path, "ko", [folder / "ko.md", folder / "en.md"]) == (
        "2026",
        "08",
        "hello",
        folder.resolve(),
    )
    assert preview.changed_post(tmp_path, "ja", [folder / "ja.md"])[2] == "hello"
    assert preview.changed_post(tmp_path, "ko", [folder / "ja.md"]) is None
    assert preview.changed_post(tmp_path, "ko", [folder / "photo.png"]) is None
    assert preview.changed_post(tmp_path, "ko", [posts / "2026/08/ko.md"]) is None
    assert preview.changed_post(tmp_path, "ko", [tmp_path / "themes/x/post.html"]) is None
    assert preview.changed_post(tmp_path, "ko", [folder / "../../../../../../etc/ko.md"]) is None
    assert preview.changed_post(tmp_path, "ko", []) is None


def test_page_addresses_name_pages_and_style_changes_reload_every_page():
    assert serve.page_addresses(["index.html", "2026/08/hello/index.html", "404.html", "feed.xml"]) == [
        "/index.html",
        "/",
        "/2026/08/hello/index.html",
        "/2026/08/hello/",
        "/404.html",
    ]
    assert serve.page_addresses(["search/ab.json", "atom.xml"]) == []
    assert serve.page_addresses(["index.html", "static/css/style.css"]) is None
    assert serve.page_addresses(None) is None
    assert serve.page_addresses(()) == []


def test_the_reload_events_name_the_page_first_then_what_the_build_changed(server, site):
    events = Events(server.url + "__kowp/events")
    stop = threading.Event()
    watcher = threading.Thread(target=serve.watch, args=(server, stop), daemon=True)
    watcher.start()
    assert server.watching.wait(WAIT)
    deadline = time.monotonic() + WAIT
    while server.builds < 1:  # the build that catches up with saves made while serve started
        assert time.monotonic() < deadline
        time.sleep(0.02)
    try:
        save = lambda: site.post("hello", ko={"title": "hello 제목", "body": "다시 쓴 본문.\n"})  # noqa: E731
        save()
        name, data = events.next_event(poke=save)
        assert name == "reload"
        first = json.loads(data)
        assert first["paths"] == ["/2026/08/hello/index.html", "/2026/08/hello/"]
        assert "다시 쓴 본문." in preview_page("hello", site).decode()
        name, data = events.next_event(timeout=WAIT)
        second = json.loads(data)
        assert name == "reload" and second["version"] == first["version"] + 1
        assert "/" in second["paths"] and "/2026/08/hello/" not in second["paths"]
    finally:
        stop.set()
        watcher.join(timeout=WAIT)


def test_timings_show_when_the_saved_page_went_out(site, capsys):
    site.post("hello")
    server = serve.start(site.root, port=0, timings=True)
    try:
        capsys.readouterr()
        path = site.post("hello", ko={"body": "새 본문.\n"}) / "ko.md"
        assert server.rebuild(saved_at=path.stat().st_mtime, changes=[path]) is not None
        line = capsys.readouterr().err.strip().splitlines()[-1]
        found = re.match(
            r"timings: save -> page (\d+) ms: its page made and sent in (\d+) ms; save -> reload (\d+) ms: ", line
        )
        assert found, line
        page, made, reload = map(int, found.groups())
        assert made <= page <= reload
        assert server.state.version == 3  # the page, then the build
    finally:
        server.close()


def test_a_browser_reloads_only_for_its_own_page(server, site, browser):
    """The preview's script reloads when a reload event names its page (or names none)."""
    context = browser.new_context()
    page = context.new_page()
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    try:
        with page.expect_response(lambda r: r.url.endswith(serve.EVENTS_PATH)):
            page.goto(server.url + "2026/08/hello/")
        page.wait_for_timeout(300)  # the server reads the stream's version after its headers
        assert loads == [server.url + "2026/08/hello/"]
        server.state.publish(paths=["/2026/08/older/", "/"])
        # The reloaded page opens its stream again (waited for, so the next event reaches it).
        with (
            page.expect_response(lambda r: r.url.endswith(serve.EVENTS_PATH), timeout=WAIT * 1000),
            page.expect_event("load", timeout=WAIT * 1000),
        ):
            server.state.publish(paths=["/2026/08/hello/index.html", "/2026/08/hello/"])
        assert len(loads) == 2  # the event for other pages did not reload this one
        page.wait_for_timeout(300)
        with page.expect_event("load", timeout=WAIT * 1000):
            server.state.publish(paths=None)  # a style sheet changed: every page
        assert len(loads) == 3
    finally:
        context.close()


class Started:
    """``kowp-site serve`` of ``site`` in its own process, on a free port, and an HTTP client."""

    def __init__(self, site) -> None:  # noqa: ANN001 - the site fixture
        import socket
        import subprocess
        import sys

        import httpx

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        command = [sys.executable, "-m", "kowp_site", "serve", "--root", str(site.root), "--port", str(port)]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{port}/"
        self.client = httpx.Client(timeout=WAIT)
        self.deadline = time.monotonic() + WAIT
        self.err = ""

    def first(self, path: str):  # noqa: ANN201 - an httpx.Response
        """The first answer for ``path``, asked again until the server listens."""
        import httpx

        while True:
            try:
                return self.client.get(self.url + path)
            except httpx.TransportError:
                assert time.monotonic() < self.deadline, "serve never answered"
                time.sleep(0.02)

    def events_say_building(self) -> None:
        with self.client.stream("GET", self.url + "__kowp/events") as stream:
            lines = stream.iter_lines()
            assert [next(lines) for _ in range(4)] == ["retry: 100", "", "event: building", "data: {}"]

    def wait_for_the_builders_server(self) -> None:
        """Until the builder's own server answers the event stream (its retry is 1000)."""
        while True:
            with self.client.stream("GET", self.url + "__kowp/events") as stream:
                if next(stream.iter_lines()) == "retry: 1000":
                    return
            assert time.monotonic() < self.deadline + WAIT, "the new preview never came"
            time.sleep(0.05)

    def stop(self) -> str:
        """Stop serve; what it printed (it must have exited cleanly)."""
        self.client.close()
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=WAIT)
        assert self.proc.returncode == 0, err.decode()
        return err.decode()


# Steps of the slow page's empty loop: about 4 s on the 2-core machines here. The tests assume
# a saved page is served while the first build runs; at 60 million (about 1.5 s) an occasional
# stall of a second let the build end first (seen in a CI run).
SLOW_STEPS = 150_000_000


def slow_post_pages(site, condition: str = "true") -> None:  # noqa: ANN001 - the site fixture
    """A theme whose post page takes a while to make where ``condition`` holds, so a build is
    still running when the test looks."""
    from kowp_site.site.theme import bundled_theme

    post_html = (bundled_theme() / "templates/post.html").read_text(encoding="utf-8")
    slow = f"{{% if {condition} %}}{{% for i in range({SLOW_STEPS}) %}}{{% endfor %}}{{% endif %}}"
    site.write("themes/slow/templates/post.html", slow + post_html)
    site.config(extra='theme = "slow"')


def test_a_restart_serves_the_last_preview_at_once_while_it_is_built_again(site):
    """serve started again shows the previous preview, marked as building, until the new one is up."""
    site.post("hello", ko={"title": "첫 제목"})
    serve.start(site.root, port=0).close()  # an earlier serve left its preview
    slow_post_pages(site)
    site.post("hello", ko={"title": "새 제목"})
    started = Started(site)
    try:
        first = started.first("2026/08/hello/")
        assert first.status_code == 200
        assert lxml.html.fromstring(first.content).xpath("string(//h1)") == "첫 제목"  # the last preview
        started.events_say_building()
        started.wait_for_the_builders_server()
        page = started.client.get(started.url + "2026/08/hello/")
        assert lxml.html.fromstring(page.content).xpath("string(//h1)") == "새 제목"
    finally:
        err = started.stop()
    assert "serving the last preview at " in err


def test_a_save_while_a_build_runs_gets_its_page_at_once_and_the_newest_text_wins(server, site, monkeypatch):
    """The builder thread may still be busy with the last save: the next save's page does not wait,
    and the build that was running cannot leave its older page in place."""
    gate, building = threading.Event(), threading.Event()
    real_build = serve.build

    def slow_build(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - stands in for build()
        result = real_build(*args, **kwargs)  # it read the first save's text
        page = serve.serve_folder(site.root) / "2026/08/hello/index.html"
        made = page.read_bytes()
        building.set()
        assert gate.wait(WAIT)
        page.write_bytes(made)  # as a build that writes its (older) page after the next save's
        return result

    monkeypatch.setattr(serve, "build", slow_build)
    stop = threading.Event()
    builder = threading.Thread(target=server.keep_building, args=(stop,), daemon=True)
    builder.start()
    try:
        first = site.post("hello", ko={"title": "hello 제목", "body": "첫 번째 저장.\n"}) / "ko.md"
        server.saved([first], None)
        assert building.wait(WAIT)  # the build of the first save is under way (and has written)
        second = site.post("hello", ko={"title": "hello 제목", "body": "두 번째 저장.\n"}) / "ko.md"
        server.saved([second], None)
        assert "두 번째 저장." in preview_page("hello", site).decode()  # at once, the build still running
        version = server.state.version
        assert server.state.paths == ("/2026/08/hello/index.html", "/2026/08/hello/")
        building.clear()
        gate.set()  # the first build ends; the second save's build follows
        assert building.wait(WAIT)
        deadline = time.monotonic() + WAIT
        while server.state.version < version + 2:  # both builds announced
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        stop.set()
        gate.set()
        server.wake.set()
        builder.join(timeout=WAIT)
    assert "두 번째 저장." in preview_page("hello", site).decode()
    clean = build(
        site.root,
        BuildOptions(
            drafts=True,
            output=site.root / "clean",
            base_url=server.options.base_url,
            extra_head=serve.RELOAD_SCRIPT,
            cards=False,
        ),
    )
    assert (clean.output / "2026/08/hello/index.html").read_bytes() == preview_page("hello", site)


def test_a_first_start_shows_the_built_site_until_its_first_preview_is_up(site):
    """No preview yet, but site/ was built (the README's first command does): its pages show at
    once, under their own base path too, with the preview's script, until the preview is up."""
    site.post("hello", ko={"title": "첫 제목"})
    build(site.root, BuildOptions())  # site/, with the configured base path /kowp/
    slow_post_pages(site)
    started = Started(site)
    try:
        first = started.first("2026/08/hello/")
        doc = lxml.html.fromstring(first.content)
        assert first.status_code == 200 and doc.xpath("string(//h1)") == "첫 제목"
        assert 'new EventSource("/__kowp/events")' in doc.xpath("string(//head/script[last()])")
        under_base = started.client.get(started.url + "kowp/2026/08/hello/")  # as the built pages link to it
        assert under_base.status_code == 200 and under_base.content == first.content
        css = started.client.get(started.url + "kowp/static/css/style.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        started.events_say_building()
        started.wait_for_the_builders_server()
        assert (
            started.client.get(started.url + "kowp/2026/08/hello/").status_code == 404
        )  # the preview has no base path
    finally:
        err = started.stop()
    assert "serving the built site (site/) at " in err


def test_a_first_start_of_a_site_never_built_serves_the_newest_posts_while_it_builds(site):
    """Neither a preview nor site/: the newest posts are built first and served at once, marked as
    building; an older post's address shows the 404 page with the preview's script until the whole
    preview is up, then the post."""
    for n in range(serve.FIRST_POSTS):
        site.post(f"new-{n:02d}", ko={"title": f"새 글 {n}"})
    site.post("old", year=2025, month=1, en={"date": "2025-01-05T10:00:00+00:00"}, ko={"title": "오래된 글"})
    slow_post_pages(site, 'post.title == "오래된 글"')
    started = Started(site)
    try:
        first = started.first("2026/08/new-00/")
        assert first.status_code == 200
        assert lxml.html.fromstring(first.content).xpath("string(//h1)") == "새 글 0"
        old = started.client.get(started.url + "2025/01/old/")
        assert old.status_code == 404
        script = lxml.html.fromstring(old.content).xpath("string(//head/script[last()])")
        assert 'new EventSource("/__kowp/events")' in script
        started.events_say_building()
        started.wait_for_the_builders_server()
        old = started.client.get(started.url + "2025/01/old/")
        assert old.status_code == 200
        assert lxml.html.fromstring(old.content).xpath("string(//h1)") == "오래된 글"
    finally:
        err = started.stop()
    assert f"serving the newest {serve.FIRST_POSTS} posts at " in err
    assert "Traceback" not in err


def test_a_bug_in_a_build_is_shown_and_the_builder_keeps_going(server, site, monkeypatch, capsys):
    calls = []
    real_build = serve.build

    def failing_once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - stands in for build()
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return real_build(*args, **kwargs)

    monkeypatch.setattr(serve, "build", failing_once)
    stop = threading.Event()
    builder = threading.Thread(target=server.keep_building, args=(stop,), daemon=True)
    builder.start()
    try:
        server.saved([], None)
        deadline = time.monotonic() + WAIT
        while not server.state.problem:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert "RuntimeError('boom')" in server.state.problem
        site.post("hello", ko={"title": "고친 제목"})
        server.saved([], None)
        while server.state.problem:  # the next build went through and cleared it
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        stop.set()
        server.wake.set()
        builder.join(timeout=WAIT)
    assert not builder.is_alive()
    assert "a bug; please report it" in capsys.readouterr().err


def test_a_save_made_while_serve_was_starting_is_built(server, site):
    """The watcher starts after the first build: what was saved meanwhile is built once it is up."""
    events = Events(server.url + "__kowp/events")
    site.post("hello", ko={"title": "시작하는 동안 고친 제목"})  # before anything watches
    stop = threading.Event()
    watcher = threading.Thread(target=serve.watch, args=(server, stop), daemon=True)
    watcher.start()
    try:
        name, data = events.next_event()
        assert name == "reload" and "/2026/08/hello/" in json.loads(data)["paths"]
        assert "시작하는 동안 고친 제목" in preview_page("hello", site).decode()
    finally:
        stop.set()
        watcher.join(timeout=WAIT)
