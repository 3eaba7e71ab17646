"""``kowp-site serve``: build a preview, serve it on loopback, rebuild on save, reload the browser.

Only used by the serve command. The preview goes to ``.kowp-cache/serve/site`` (never ``site/``),
built with drafts by default and with a small script in every page's ``<head>`` that listens to
``/__kowp/events`` (Server-Sent Events): ``reload`` after a good rebuild, ``problem`` with the
messages when a rebuild fails. The last good site stays served while content has errors.

A saved post's own page is made and sent first (:mod:`kowp_site.site.preview`), before the whole
incremental rebuild; each ``reload`` names the pages that changed, and a page reloads only when it
is one of them (or when a style sheet, script or picture changed). Files are watched from before
the first build (:mod:`kowp_site.site.watching`): a save made while serve starts gets its page as
soon as a build knows the post, and a build after the first one.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from kowp_site import ui
from kowp_site.errors import KowpError, ProblemsError
from kowp_site.site import cache, preview
from kowp_site.site.build import BuildOptions, BuildResult, Session, build
from kowp_site.site.cache import CACHE_DIR
from kowp_site.site.interim import FIRST_POSTS, first_preview, serving_last_preview, shown_folder
from kowp_site.site.output import Record, digest, guard_destination, write_changes
from kowp_site.site.timings import timing_line
from kowp_site.site.watching import Watcher

if TYPE_CHECKING:
    from kowp_site.site.groups import SiteData

EVENTS_PATH = "/__kowp/events"
HEARTBEAT_SECONDS = 10.0
AHEAD = ".ahead"  # the temporaries of pages written ahead of a build (see output.write_changes)
BUILDER_GRACE_SECONDS = 10.0  # how long stopping waits for a build under way
WATCHER_UP_SECONDS = 10.0  # how long the first build waits for the watcher to be up
RELOAD_SCRIPT = """<script>(() => {
  const show = (text) => {
    let box = document.getElementById("kowp-problem");
    if (!box) {
      box = document.createElement("div");
      box.id = "kowp-problem";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
        "background:rgba(20,20,20,.94);color:#ffd7d7;font:14px/1.5 monospace;white-space:pre-wrap";
      document.body.append(box);
    }
    box.textContent = "kowp-site: 빌드 오류 (build failed) — 고치고 저장하면 다시 빌드합니다.\\n\\n" + text;
  };
  const events = new EventSource("/__kowp/events");
  let stale = false;  // this page is the last preview, served while the new one is built
  events.addEventListener("building", () => {
    stale = true;
    const bar = document.createElement("div");
    bar.id = "kowp-building";
    bar.setAttribute("role", "status");
    bar.style.cssText = "position:fixed;inset:0 0 auto 0;z-index:2147483647;padding:.4rem 1rem;" +
      "background:#1d4ed8;color:#fff;font:14px/1.4 system-ui,sans-serif;text-align:center";
    bar.textContent = "kowp-site: 미리보기를 다시 만드는 중입니다 (building) — 끝나면 새로 고칩니다.";
    document.body.append(bar);
  });
  events.addEventListener("open", () => { if (stale) location.reload(); });  // the new preview is up
  events.addEventListener("reload", (e) => {
    const paths = JSON.parse(e.data).paths;
    if (!paths || paths.includes(location.pathname)) location.reload();
  });
  events.addEventListener("problem", (e) => show(JSON.parse(e.data).message));
})();</script>"""


def serve_folder(root: Path) -> Path:
    """Where serve writes its preview: inside the cache, so site/ never holds drafts or the script."""
    return root / CACHE_DIR / "serve" / "site"


@dataclass
class LiveState:
    """The last build's outcome, shared by the builder and every open event stream."""

    version: int = 0
    problem: str = ""  # messages of the failed build, "" after a good one
    paths: tuple[str, ...] | None = None  # the pages the last reload is for; None: every page
    building: bool = False  # the files served are the last preview, being built again
    stopping: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, problem: str = "", paths: Sequence[str] | None = None) -> None:
        with self.changed:
            self.version += 1
            self.problem = problem
            self.paths = tuple(paths) if paths is not None else None
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()


class Handler(SimpleHTTPRequestHandler):
    """Static files of the preview, 404.html for unknown paths, and the event stream."""

    state: LiveState
    folder: Path

    def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003 - http.server's signature
        super().__init__(*args, directory=str(self.folder), **kwargs)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet: the terminal shows builds
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == EVENTS_PATH:
            self.stream_events()
        else:
            super().do_GET()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.folder / "404.html"
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def stream_events(self) -> None:
        state = self.state
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.end_headers()
        with state.changed:
            seen = state.version
            first = event(state)
        if state.building:  # reconnect soon: the new preview's server answers then
            first = b"retry: 100\n\nevent: building\ndata: {}\n\n"
        elif not state.problem:
            first = b"retry: 1000\n\n" + f": connected {seen}\n\n".encode()
        else:
            first = b"retry: 1000\n\n" + first
        try:
            self.wfile.write(first)
            self.wfile.flush()
            while True:
                with state.changed:
                    state.changed.wait_for(lambda s=seen: state.version != s or state.stopping, HEARTBEAT_SECONDS)
                    if state.stopping:
                        return
                    message = event(state) if state.version != seen else b": ping\n\n"
                    seen = state.version
                self.wfile.write(message)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


class PreviewServer(ThreadingHTTPServer):
    """The preview's HTTP server: a reader who leaves during an answer (a reload, a closed tab) is
    no error to print."""

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # BrokenPipeError, ConnectionResetError, ...
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def event(state: LiveState) -> bytes:
    """The SSE message for the state's current version."""
    if state.problem:
        data = json.dumps({"version": state.version, "message": state.problem}, ensure_ascii=False)
        return f"event: problem\ndata: {data}\n\n".encode()
    paths = list(state.paths) if state.paths is not None else None
    return f"event: reload\ndata: {json.dumps({'version': state.version, 'paths': paths})}\n\n".encode()


# Outputs whose change a shown page must load again; others (feeds, search shards) it does not show.
RELOAD_ALL_SUFFIXES = (".css", ".js", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg", ".ico", ".woff", ".woff2")


def page_addresses(changed: Sequence[str] | None) -> list[str] | None:
    """The addresses a reload is for, from a build's changed output paths; None: every page."""
    if changed is None or any(path.endswith(RELOAD_ALL_SUFFIXES) for path in changed):
        return None
    found = []
    for path in changed:
        if path.endswith(".html"):
            found.append("/" + path)
            if path == "index.html" or path.endswith("/index.html"):
                found.append("/" + path[: -len("index.html")])
    return found


def problem_text(exc: KowpError) -> str:
    if isinstance(exc, ProblemsError):
        return "\n".join(str(p) for p in exc.problems)
    return str(exc)


@dataclass
class Server:
    """A running preview: the HTTP server thread plus what the watcher needs to rebuild."""

    root: Path
    options: BuildOptions
    httpd: ThreadingHTTPServer
    state: LiveState
    thread: threading.Thread
    session: Session = field(default_factory=Session)  # posts and manifest kept in memory between builds
    timings: bool = False  # print where the time of each rebuild went (serve --timings)
    quick: preview.QuickPages = field(default_factory=preview.QuickPages)
    # Saved posts' pages are written by the watcher while the builder thread may be building:
    lock: threading.Lock = field(default_factory=threading.Lock)  # pages written ahead vs a build's end
    ahead: dict[str, tuple[int, bytes]] = field(default_factory=dict)  # path -> (its number, its bytes)
    written_ahead: int = 0  # pages written ahead so far (their numbers)
    wake: threading.Event = field(default_factory=threading.Event)  # files were saved: build
    watching: threading.Event = field(default_factory=threading.Event)  # set once the watcher is up
    builds: int = 0  # builds the builder thread has finished
    pending: tuple[float | None, float, float | None] | None = None  # the oldest unbuilt save, for timings
    watcher: Watcher | None = None
    first_data: SiteData | None = None  # what the first preview (the newest posts only) was made from
    owed: list[Path] = field(default_factory=list)  # saved before any build knew the post: its page is owed
    owed_tried: SiteData | None = None  # what the owed page was last tried with

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def rebuild(self, saved_at: float | None = None, changes: Iterable[Path] = ()) -> BuildResult | None:
        """Write the saved post's page first, then build into the preview, in this thread; publish
        reload or the problem. Returns None when the build failed.

        ``changes``: the files saved since the last build; when they are one post's Markdown, its
        page is written and sent first. ``saved_at``: when the newest of them was written
        (``time.time()``), for ``--timings``.
        """
        began = time.time()
        quick = self.quick_page(changes)
        return self.build_now(saved_at, began, time.time() if quick else None)

    def saved(self, changes: Sequence[Path], saved_at: float | None) -> None:
        """Files were saved (the watcher calls this): the saved post's page now, and a build soon
        in the builder thread (:meth:`keep_building`), which may still be busy with the last one."""
        began = time.time()
        quick = self.quick_page(changes)
        with self.lock:
            if self.pending is None:
                self.pending = (saved_at, began, time.time() if quick else None)
            if quick is None and self.session.last is None:  # serve is starting: made once a build knows the post
                self.owed.extend(changes)
                self.owed_tried = self.page_data()
        self.wake.set()

    def pay_owed(self) -> None:
        """Nothing was saved for a while (the watcher calls this): the page owed to a save made
        before a build knew its post, if one knows it now."""
        with self.lock:
            data = self.page_data()
            if not self.owed or data is None or data is self.owed_tried:
                return
            owed, self.owed_tried = list(self.owed), data
            if data is self.session.last:  # a whole good build: the last try
                self.owed = []
        self.quick_page(owed)

    def page_data(self) -> SiteData | None:
        """What a saved post's page is made from: the last good build's, else that of the first
        build under way (once it has read every post), else the first preview's (the newest posts)."""
        return self.session.last or self.session.building or self.first_data

    def keep_building(self, stop: threading.Event) -> None:
        """The builder thread: one build after each batch of saves, until ``stop`` is set."""
        while True:
            self.wake.wait()
            if stop.is_set():
                return
            self.wake.clear()
            with self.lock:
                pending, self.pending = self.pending, None
            saved_at, began, page_sent = pending or (None, time.time(), None)
            try:
                self.build_now(saved_at, began, page_sent)
            except Exception as exc:  # noqa: BLE001 - a bug of ours: say so, keep serving the last good site
                import traceback

                traceback.print_exc()
                ui.fail(f"kowp-site failed while building (a bug; please report it): {exc!r}")
                self.state.publish(f"kowp-site failed while building: {exc!r}")
            self.builds += 1

    def build_now(self, saved_at: float | None, began: float, page_sent: float | None) -> BuildResult | None:
        """Build into the preview; publish reload (naming the changed pages) or the problem."""
        with self.lock:
            first = self.written_ahead
        build_began = time.time()
        started = time.perf_counter()
        try:
            result = build(self.root, self.options, self.session)
        except KowpError as exc:
            if isinstance(exc, ProblemsError):
                ui.report(exc.problems)
            ui.fail("build failed; still serving the last good site — fix and save to rebuild")
            self.state.publish(problem_text(exc) or "build failed")
            return None
        late = self.settle_ahead(first)
        ui.report(result.warnings)
        ui.info(
            f"built {result.posts} posts in {time.perf_counter() - started:.2f}s: "
            f"{result.written} files written, {result.removed} removed"
        )
        changed = None if result.changed is None else (*result.changed, *late)
        if changed == () and not self.state.problem:
            return result  # nothing to reload (an unchanged save, or serve's catch-up build)
        self.state.publish(paths=None if self.state.problem else page_addresses(changed))
        if self.timings:
            ui.info(timing_line(result, saved_at, began, time.time(), page_sent, build_began))
        return result

    def settle_ahead(self, first: int) -> list[str]:
        """Pages written ahead while the build that just ended ran (numbered after ``first``): the
        build may have written an older text over them, so they are written again, and recorded
        so that the next build (their saves woke it) compares with them. Returns their paths."""
        with self.lock:
            late = {path: data for path, (number, data) in self.ahead.items() if number > first}
            self.ahead.clear()
            if not late:
                return []
            dest = self.preview_folder()
            forget = lambda: cache.forget_manifest(self.session.last.config, dest)  # type: ignore[union-attr]  # noqa: E731
            write_changes(dest, late, [], forget, writer=AHEAD)
            manifest = self.session.manifests.get(dest)
            if manifest is not None:
                written = {path: Record("", digest(data)) for path, data in late.items()}
                self.session.manifests[dest] = replace(manifest, inputs="", records={**manifest.records, **written})
        return sorted(late)

    def preview_folder(self) -> Path:
        return guard_destination(self.options.output or self.root / "site", self.root)

    def quick_page(self, changes: Iterable[Path]) -> str | None:
        """Write and announce the saved post's page before the build (see :mod:`kowp_site.site.preview`).

        Returns its output path, or None when the change is not one shown post's text.
        """
        last = self.page_data()
        if last is None or self.state.problem:
            return None
        found = preview.changed_post(self.root, last.config.language, changes)
        if found is None:
            return None
        try:
            page = self.quick.make(last, *found)
        except (KowpError, OSError):
            return None  # the build that follows reports it
        if page is None:
            return None
        dest = self.preview_folder()
        with self.lock:
            shown = same_bytes(dest / page.path, page.data)  # a build wrote this text already
            write_changes(dest, {page.path: page.data}, [], lambda: cache.forget_manifest(last.config, dest), AHEAD)
            self.written_ahead += 1
            self.ahead[page.path] = (self.written_ahead, page.data)
            manifest = self.session.manifests.get(dest)  # None while a build runs (it holds it)
            if manifest is not None:  # the next build compares with this page: it is not written twice
                records = {**manifest.records, page.path: Record("", digest(page.data))}
                self.session.manifests[dest] = replace(manifest, inputs="", records=records)
        if not shown:
            self.state.publish(paths=page_addresses([page.path]))
        return page.path

    def begin_watching(self) -> Watcher:
        """Watch the site's files, from now on (this returns once they are watched)."""
        self.watcher = Watcher.begin(self.root, self.saved, self.pay_owed, WATCHER_UP_SECONDS)
        self.watching.set()
        return self.watcher

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.close()
        self.state.stop()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def start(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    drafts: bool = True,
    timings: bool = False,
    watch_files: bool = False,
) -> Server:
    """Bind the port, build once, then serve in a thread. Port 0 picks a free port (tests).

    ``watch_files``: watch the site's files from before the first build (see :func:`watch`).
    """
    state = LiveState()
    folder = serve_folder(root.resolve())
    handler = type("PreviewHandler", (Handler,), {"state": state, "folder": folder})
    try:
        httpd = PreviewServer((host, port), handler)
    except OSError as exc:
        raise KowpError(f"cannot listen on {host}:{port}: {exc.strerror} — try --port with another number") from None
    httpd.daemon_threads = True
    bound_host, bound_port = httpd.server_address[:2]
    shown_host = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    options = BuildOptions(
        drafts=drafts,
        output=folder,
        base_url=f"http://{shown_host}:{bound_port}/",
        extra_head=RELOAD_SCRIPT,
        cards=False,  # a preview needs no link-preview pictures; drawing them would delay the first page
    )
    thread = threading.Thread(target=httpd.serve_forever, name="kowp-serve", daemon=True)
    server = Server(root, options, httpd, state, thread, timings=timings)
    first_build(server, watch_files)
    thread.start()
    return server


def first_build(server: Server, watch_files: bool) -> None:
    """Serve's first build, while something is shown already: the last preview, the built site or
    a first preview of the newest posts (made here first); the files watched meanwhile."""
    folder = server.options.output
    assert folder is not None
    stand_in = built_site(server.root)
    shown = shown_folder(folder, stand_in)
    shown_as = ""
    if shown is None:
        shown_as = newest_posts_first(server, folder)
    # Forks the server of what is shown before any thread runs; then the watcher's thread starts,
    # one that lets the build fork its workers too (see kowp_site.parallel.beside).
    with serving_last_preview(server.httpd, server.state, folder, stand_in, RELOAD_SCRIPT, shown_as):
        if watch_files:
            server.begin_watching()
            if shown is not None and shown != folder:  # site/ is shown: the newest posts' pages, made aside
                newest_posts_first(server, folder.parent / "newest")
        server.rebuild()


def newest_posts_first(server: Server, output: Path) -> str:
    """Build the newest posts into ``output``; a saved post's page is made from them until the
    first build has read every post. What is shown from ``output`` meanwhile ("" when not built)."""
    first = Session()
    if not first_preview(server.root, server.options, first, output):
        return ""
    server.first_data = first.last
    return f"the newest {FIRST_POSTS} posts"


def built_site(root: Path) -> tuple[Path, str] | None:
    """The site's own build (``site/``) and its base path, shown while a first preview is built."""
    from kowp_site.site import config as config_mod

    try:
        config, _ = config_mod.load(root)
    except KowpError:
        return None  # the build that follows says what is wrong
    return config.root / "site", config.base_path


def watch(server: Server, stop: threading.Event) -> None:
    """Until ``stop`` is set (Ctrl-C sets it in run): each batch of saved files gets its post's
    page at once and a build in the builder thread, so a save never waits for the last build.

    Files are watched from here on when :func:`start` did not watch them already; what was saved
    since its first build is then built at once.
    """
    watcher = server.watcher
    if watcher is None:
        watcher = server.begin_watching()
        server.saved([], None)  # a build that finds what was saved meanwhile (or, finding none, writes nothing)
    builder = threading.Thread(target=server.keep_building, args=(stop,), name="kowp-build", daemon=True)
    builder.start()
    try:
        while not stop.wait(0.2) and watcher.thread.is_alive():
            pass
    finally:
        stop.set()
        server.wake.set()
        builder.join(timeout=BUILDER_GRACE_SECONDS)
        watcher.close()
    if watcher.failed is not None:
        raise watcher.failed
