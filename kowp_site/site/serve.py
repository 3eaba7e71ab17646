"""``kowp-site serve``: build a preview, serve it on loopback, rebuild on save, reload the browser.

Only used by the serve command. The preview goes to ``.kowp-cache/serve/site`` (never ``site/``),
built with drafts by default and with a small script in every page's ``<head>`` that listens to
``/__kowp/events`` (Server-Sent Events): ``reload`` after a good rebuild, ``problem`` with the
messages when a rebuild fails. The last good site stays served while content has errors.

A saved post's own page is made and sent first (:mod:`kowp_site.site.preview`), before the whole
incremental rebuild; each ``reload`` names the pages that changed, and a page reloads only when it
is one of them (or when a style sheet, script or picture changed).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kowp_site import ui
from kowp_site.errors import KowpError, ProblemsError
from kowp_site.site import cache, preview
from kowp_site.site.build import BuildOptions, BuildResult, Session, build
from kowp_site.site.cache import CACHE_DIR
from kowp_site.site.output import Record, digest, guard_destination, write_changes

EVENTS_PATH = "/__kowp/events"
HEARTBEAT_SECONDS = 10.0
INTERIM_GRACE_SECONDS = 3.0  # how long the last preview's server may take to finish its answers
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

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def rebuild(self, saved_at: float | None = None, changes: Iterable[Path] = ()) -> BuildResult | None:
        """Build into the preview; publish reload or the problem. Returns None when the build failed.

        ``changes``: the files saved since the last build; when they are one post's Markdown, its
        page is written and sent first. ``saved_at``: when the newest of them was written
        (``time.time()``), for ``--timings``.
        """
        began = time.time()
        quick = self.quick_page(changes)
        page_sent = time.time() if quick else None
        started = time.perf_counter()
        try:
            result = build(self.root, self.options, self.session)
        except KowpError as exc:
            if isinstance(exc, ProblemsError):
                ui.report(exc.problems)
            ui.fail("build failed; still serving the last good site — fix and save to rebuild")
            self.state.publish(problem_text(exc) or "build failed")
            return None
        ui.report(result.warnings)
        ui.info(
            f"built {result.posts} posts in {time.perf_counter() - started:.2f}s: "
            f"{result.written} files written, {result.removed} removed"
        )
        self.state.publish(paths=None if self.state.problem else page_addresses(result.changed))
        if self.timings:
            ui.info(timing_line(result, saved_at, began, time.time(), page_sent))
        return result

    def quick_page(self, changes: Iterable[Path]) -> str | None:
        """Write and announce the saved post's page before the build (see :mod:`kowp_site.site.preview`).

        Returns its output path, or None when the change is not one shown post's text.
        """
        last = self.session.last
        if last is None or self.state.problem:
            return None
        found = preview.changed_post(self.root, last.config.language, changes)
        dest = guard_destination(self.options.output or self.root / "site", self.root)
        manifest = self.session.manifests.get(dest)
        if found is None or manifest is None:
            return None
        try:
            page = self.quick.make(last, *found)
        except (KowpError, OSError):
            return None  # the build that follows reports it
        if page is None:
            return None
        write_changes(dest, {page.path: page.data}, [], lambda: cache.forget_manifest(last.config, dest))
        # The build compares with what is on disk now: it writes the page again only if it differs.
        records = {**manifest.records, page.path: Record("", digest(page.data))}
        self.session.manifests[dest] = cache.Manifest("", records, manifest.summary)
        self.state.publish(paths=page_addresses([page.path]))
        return page.path

    def close(self) -> None:
        self.state.stop()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def timing_line(
    result: BuildResult, saved_at: float | None, began: float, published: float, page_sent: float | None = None
) -> str:
    """Where a rebuild's time went, from the save to the reload event (``serve --timings``).

    ``page_sent``: when the saved post's own page was sent ahead of the build, if it was.
    """
    ms = lambda seconds: f"{seconds * 1000:.0f} ms"  # noqa: E731
    phases = ", ".join(f"{name} {ms(s)}" for name, s in result.timings.items() if name != "total")
    parts = []
    if saved_at is not None and page_sent is not None:
        parts.append(f"save -> page {ms(page_sent - saved_at)}: its page made and sent in {ms(page_sent - began)}")
    if saved_at is not None:
        parts.append(
            f"save -> reload {ms(published - saved_at)}: waiting for the save to settle {ms(began - saved_at)}"
        )
    parts.append(f"build {ms(result.timings.get('total', published - began))} ({phases})")
    build_began = page_sent if page_sent is not None else began
    parts.append(f"reload sent {ms(published - build_began - result.timings.get('total', 0.0))} after")
    return "timings: " + "; ".join(parts)


def start(
    root: Path, *, host: str = "127.0.0.1", port: int = 8000, drafts: bool = True, timings: bool = False
) -> Server:
    """Bind the port, build once, then serve in a thread. Port 0 picks a free port (tests)."""
    state = LiveState()
    folder = serve_folder(root.resolve())
    handler = type("PreviewHandler", (Handler,), {"state": state, "folder": folder})
    try:
        httpd = ThreadingHTTPServer((host, port), handler)
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
    with serving_last_preview(httpd, state, folder):
        server.rebuild()  # before any thread runs: a cold build may fork worker processes
    thread.start()
    return server


@contextmanager
def serving_last_preview(httpd: ThreadingHTTPServer, state: LiveState, folder: Path) -> Iterator[bool]:
    """While the first build runs, serve the last preview (from an earlier ``serve``) marked as
    being built again, so its first page shows at once; yields whether it does.

    A forked process serves it on the already bound socket and stops when the build is done; the
    pages' event stream then reconnects to this process, which reloads them. Forking happens
    before any thread starts, so the build keeps its worker processes.
    """
    if not (folder / "index.html").is_file() or not hasattr(os, "fork") or threading.active_count() > 1:
        yield False
        return
    host, port = httpd.server_address[:2]
    ui.info(f"serving the last preview at http://{host}:{port}/ while it is built again")
    pid = os.fork()
    if pid == 0:  # the interim server: it only reads files and never returns into the caller
        os._exit(_serve_until_stopped(httpd, state))
    try:
        yield True
    finally:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + INTERIM_GRACE_SECONDS
        while os.waitpid(pid, os.WNOHANG) == (0, 0):  # answers under way finish; a stuck one does not wait
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                break
            time.sleep(0.01)


class _Stopped(Exception):
    """Raised in the interim server by SIGTERM: the new preview is ready."""


def _serve_until_stopped(httpd: ThreadingHTTPServer, state: LiveState) -> int:
    """The interim server's life: serve until SIGTERM, then finish the answers under way (their
    event streams end at once) so that no reader gets half a page. Its exit code."""

    def stop(*_: object) -> None:
        raise _Stopped

    try:
        signal.signal(signal.SIGTERM, stop)
        state.building = True
        httpd.daemon_threads = False  # so that server_close() waits for each answer under way
        httpd.serve_forever(poll_interval=0.05)
    except _Stopped:
        pass
    except BaseException:  # noqa: BLE001 - a forked child must never run the parent's code
        return 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        state.stop()
        httpd.server_close()  # this process's copy of the socket; the builder keeps its own
    except BaseException:  # noqa: BLE001
        return 1
    return 0


def watch_paths(root: Path) -> list[Path]:
    paths = [root / "content", root / "themes", root / "pyproject.toml"]
    return [p for p in paths if p.exists()]


def relevant(root: Path) -> Callable[[object, str], bool]:
    """Ignore editor droppings (dot-files, swap and backup files)."""

    def check(_change: object, path: str) -> bool:
        name = Path(path).name
        return not (name.startswith(".") or name.endswith(("~", ".swp", ".swx", ".tmp")))

    return check


# How long the watcher waits for more changes after one before it rebuilds: an editor's save
# (a temporary file, then a rename) takes a few milliseconds.
WATCH_STEP_MS = 20


def watch(server: Server, stop: threading.Event) -> None:
    """Rebuild after every batch of changes until ``stop`` is set (Ctrl-C sets it in run)."""
    from watchfiles import Change
    from watchfiles import watch as watch_files

    for changes in watch_files(
        *watch_paths(server.root),
        watch_filter=relevant(server.root),
        stop_event=stop,
        debounce=150,
        step=WATCH_STEP_MS,
        rust_timeout=500,
        yield_on_timeout=False,
        raise_interrupt=False,
    ):
        saved = [] if any(c == Change.deleted for c, _ in changes) else [Path(p) for _, p in changes]
        server.rebuild(saved_at=newest_change(changes), changes=saved)


def newest_change(changes: set[tuple[object, str]]) -> float | None:
    """The latest modification time among the changed files that still exist (a deletion has none)."""
    times = []
    for _, path in changes:
        try:
            times.append(Path(path).stat().st_mtime)
        except OSError:
            continue
    return max(times) if times else None
