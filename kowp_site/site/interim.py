"""What ``serve`` shows while it builds its first preview: the last preview (or the built site, or
a quick preview of the newest posts), served by a forked process (serve only).

A restarted ``kowp-site serve`` shows its previous preview at once: :func:`serving_last_preview`
forks a process that answers on the already bound socket, its event stream saying "building",
until the build is done; then it finishes the answers under way and the builder's own server
takes the socket over.
"""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from kowp_site import ui
from kowp_site.errors import KowpError
from kowp_site.site import cache

if TYPE_CHECKING:
    from kowp_site.site.build import BuildOptions, Session
    from kowp_site.site.serve import LiveState

FIRST_POSTS = 30  # a first start with nothing to show builds these newest posts first


def shown_folder(folder: Path, stand_in: tuple[Path, str] | None) -> Path | None:
    """What a first build can show meanwhile: the last preview in ``folder``, else the built site
    of ``stand_in``, else None."""
    if (folder / "index.html").is_file():
        return folder
    if stand_in is not None and (stand_in[0] / "index.html").is_file():
        return stand_in[0]
    return None


def first_preview(
    root: Path, options: BuildOptions, session: Session | None = None, output: Path | None = None
) -> bool:
    """Build the newest posts into the preview, to be served while the whole preview is built
    (a first start of a site never built: the first page in about a second, not after a whole
    build); whether it did (a site of so few posts is built whole at once).

    Pages of older posts are not there yet: their address shows the preview's 404 page, marked as
    building, which reloads once the whole preview is up. A problem is left to the whole build to say.
    ``session`` keeps what its pages were made from (a saved post's page is made from it meanwhile);
    ``output``: another folder than the preview's (one made for that only, while site/ is shown).
    """
    from kowp_site.site import config as config_mod
    from kowp_site.site.build import build

    try:
        config, _ = config_mod.load(root)
        if len(cache.post_folders(config.content_dir / "posts")) <= FIRST_POSTS:
            return False
        build(root, replace(options, newest=FIRST_POSTS, output=output or options.output), session)
    except KowpError:
        return False
    return True


INTERIM_GRACE_SECONDS = 3.0  # how long the last preview's server may take to finish its answers


@contextmanager
def serving_last_preview(
    httpd: ThreadingHTTPServer,
    state: LiveState,
    folder: Path,
    stand_in: tuple[Path, str] | None = None,
    script: str = "",
    shown_as: str = "",
) -> Iterator[bool]:
    """While the first build runs, serve the last preview (from an earlier ``serve``) marked as
    being built again, so its first page shows at once; yields whether it does.

    With no preview yet, ``stand_in`` (the built site's folder and its base path, see
    :func:`stand_in_handler`) is served instead, with ``script`` (the preview's) in every page.
    ``shown_as`` names what is served in the terminal's line, when not the last preview (a first
    preview of the newest posts). A forked process serves it on the already bound socket and
    stops when the build is done; the pages' event stream then reconnects to this process, which
    reloads them. Forking happens before any thread starts, so the build keeps its worker processes.
    """
    shown = shown_folder(folder, stand_in)
    if shown is None or not hasattr(os, "fork") or threading.active_count() > 1:
        yield False
        return
    host, port = httpd.server_address[:2]
    what = shown_as or ("the last preview" if shown == folder else f"the built site ({shown.name}/)")
    ui.info(f"serving {what} at http://{host}:{port}/ while the preview is built")
    pid = os.fork()
    if pid == 0:  # the interim server: it only reads files and never returns into the caller
        if shown != folder and stand_in is not None:
            handler = stand_in_handler(httpd.RequestHandlerClass, shown, stand_in[1], script, folder)
            httpd.RequestHandlerClass = handler
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


def stand_in_handler(base: type, folder: Path, base_path: str, script: str, ahead: Path | None = None) -> type:
    """``base`` (the preview's request handler) serving the built site in ``folder``: addresses
    under the site's ``base_path`` are found too (its pages link there), and every page gets the
    preview's ``script``, which shows that the preview is being built and reloads when it is.

    A page that is in ``ahead`` (the preview's folder: a saved post's page, written ahead of the
    build) is served from there, as it is.
    """

    class StandIn(base):  # type: ignore[misc, valid-type]
        def translate_path(self, path: str) -> str:
            if base_path != "/" and path.startswith(base_path):
                path = "/" + path[len(base_path) :]
            return super().translate_path(path)

        def send_head(self):  # noqa: ANN202 - http.server's: a file object or None
            address = self.path.split("?", 1)[0].split("#", 1)[0]
            found = Path(self.translate_path(address))
            if address.endswith("/"):
                found = found / "index.html"
            written = ahead / found.relative_to(folder) if ahead is not None and found.is_relative_to(folder) else None
            if written is not None and written.suffix == ".html" and written.is_file():
                body = written.read_bytes()
            elif found.suffix != ".html" or not found.is_file():
                return super().send_head()
            else:
                body = with_script(found.read_bytes(), script)
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)

    StandIn.folder = folder
    return StandIn


def with_script(page: bytes, script: str) -> bytes:
    """``page`` with ``script`` at the end of its head (or at its start when it has none)."""
    tag = script.encode("utf-8")
    at = page.find(b"</head>")
    return page[:at] + tag + page[at:] if at >= 0 else tag + page


def _serve_until_stopped(httpd: ThreadingHTTPServer, state: LiveState) -> int:
    """The interim server's life: serve until SIGTERM, then finish the answers under way (their
    event streams end at once) so that no reader gets half a page, nor a connection accepted and
    closed unanswered. Its exit code.

    SIGTERM is waited for, not handled: raised into the server's loop, it could land between the
    accepting of a connection and its answer.
    """
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # the serving thread inherits it
        state.building = True
        httpd.daemon_threads = False  # so that server_close() waits for each answer under way
        serving = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        serving.start()
        signal.sigwait({signal.SIGTERM})
        httpd.shutdown()  # no more accepting: what waits to be accepted goes to the builder's server
        state.stop()
        httpd.server_close()  # this process's copy of the socket; the builder keeps its own
    except BaseException:  # noqa: BLE001 - a forked child must never run the parent's code
        return 1
    return 0
