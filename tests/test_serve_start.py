"""A file saved while serve is still starting (its first build running) is served as quickly as a
later save: its post's page at once, the rest with a build after the first one."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import lxml.html
import pytest

from kowp_site.site import serve
from kowp_site.site.build import BuildOptions, build
from tests.test_serve import WAIT, Events
from tests.test_serve_quick import Started, preview_page, server, slow_post_pages  # noqa: F401 - a fixture

SLOW = "느린 글"  # the post whose page keeps the first build running


def start_kind(site, kind: str) -> None:  # noqa: ANN001 - the site fixture
    """What serve finds when it starts: a last preview, a built site/, or nothing built; and a theme
    whose page of the post titled SLOW takes a while, so the first build is still running."""
    site.post("saved", ko={"title": "첫 제목"})  # among the newest posts (a first preview shows it)
    site.post("slow", year=2025, month=1, en={"date": "2025-01-05T10:00:00+00:00"}, ko={"title": SLOW})
    if kind == "restart":
        serve.start(site.root, port=0).close()  # an earlier serve left its preview
    elif kind == "site built":
        build(site.root, BuildOptions())
    else:  # nothing built: more posts than a first preview shows
        for n in range(serve.FIRST_POSTS):
            site.post(f"new-{n:02d}", ko={"title": f"새 글 {n}"})
    slow_post_pages(site, f'post.title == "{SLOW}"')


def building(started: Started) -> bool:
    """Whether the event stream says the preview is being built (serve's first build runs)."""
    with started.client.stream("GET", started.url + "__kowp/events") as stream:
        return next(stream.iter_lines()) == "retry: 100"


def title(started: Started, path: str) -> str:
    page = started.client.get(started.url + path)
    return lxml.html.fromstring(page.content).xpath("string(//h1)") if page.status_code == 200 else ""


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("kind", ["restart", "site built", "nothing built"])
def test_a_save_while_the_first_build_runs_is_served_before_that_build_ends(site, kind):
    start_kind(site, kind)
    started = Started(site)
    try:
        assert started.first("2026/08/saved/").status_code == 200
        assert building(started)
        deadline = time.monotonic() + WAIT
        while title(started, "2026/08/saved/") != "시작하는 동안 고친 제목":
            # Saved again until the watcher (up a moment after the first page) has seen it.
            site.post("saved", ko={"title": "시작하는 동안 고친 제목", "body": "시작하는 동안 쓴 본문.\n"})
            assert time.monotonic() < deadline, "the saved page never came"
            time.sleep(0.05)
        assert building(started)  # the new text came while the first build still ran
        started.wait_for_the_builders_server()
        home = ""
        while "시작하는 동안 고친 제목" not in home:  # a build after the first one has the save
            home = started.client.get(started.url).text
            assert time.monotonic() < deadline + 2 * WAIT, "the save was never built"
            time.sleep(0.05)
        assert title(started, "2026/08/saved/") == "시작하는 동안 고친 제목"
    finally:
        err = started.stop()  # waits for a build under way
    assert "Traceback" not in err
    clean = build(
        site.root,
        BuildOptions(
            drafts=True, output=site.root / "clean", base_url=started.url, extra_head=serve.RELOAD_SCRIPT, cards=False
        ),
    )
    assert tree(serve.serve_folder(site.root)) == tree(clean.output)


def test_serve_stopped_while_it_starts_leaves_nothing_serving(site):
    """SIGTERM while the first build runs: serve exits cleanly and the last preview's server with it."""
    import httpx

    start_kind(site, "restart")
    started = Started(site)
    assert started.first("2026/08/saved/").status_code == 200
    assert building(started)
    assert "stopped" in started.stop()
    with httpx.Client(timeout=WAIT) as client, pytest.raises(httpx.ConnectError):
        client.get(started.url)


def test_a_page_owed_to_a_save_before_any_build_knew_its_post_is_made_once(server, site):  # noqa: F811
    """Saved before the first build had read the posts: no page yet; made once a build knows the
    post, and announced once; the build that follows finds it written."""
    events = Events(server.url + "__kowp/events")
    known, server.session.last = server.session.last, None  # as while serve's first build reads the posts
    path = site.post("hello", ko={"title": "hello 제목", "body": "일찍 고친 본문.\n"}) / "ko.md"
    server.saved([path], None)
    assert "일찍 고친 본문." not in preview_page("hello", site).decode()
    server.pay_owed()  # nothing knows the post yet
    version = server.state.version
    server.session.building = known  # the first build has read every post
    server.pay_owed()
    assert "일찍 고친 본문." in preview_page("hello", site).decode()
    name, _ = events.next_event()
    assert name == "reload" and server.state.version == version + 1
    server.pay_owed()
    server.session.building, server.session.last = None, known
    server.pay_owed()  # owed once: made once
    assert server.state.version == version + 1
    result = server.rebuild()
    assert result is not None and "2026/08/hello/index.html" not in result.changed


FORKS_BESIDE_THE_WATCHER = """
import os, sys, threading
from pathlib import Path
from kowp_site import parallel
from kowp_site.site.watching import Watcher

def pid(_chunk):
    return os.getpid()

watcher = Watcher.begin(Path(sys.argv[1]), lambda *_: None, lambda: None, 20)
assert watcher.up.is_set()
beside = set(parallel.map_chunks(pid, [[n] for n in range(4)], 2))
other = threading.Thread(target=threading.Event().wait, args=(5,), daemon=True)
other.start()
alone = set(parallel.map_chunks(pid, [[n] for n in range(4)], 2))
watcher.close()
print(os.getpid() in beside, alone == {os.getpid()})
"""


def test_the_watcher_lets_the_first_build_fork_its_workers(site):
    """The watcher's thread runs beside forked workers; any other thread still keeps them in-process."""
    site.post("hello")
    done = subprocess.run(
        [sys.executable, "-c", FORKS_BESIDE_THE_WATCHER, str(site.root)],
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
