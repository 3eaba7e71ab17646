"""The last preview, served by a forked process while ``serve`` builds the new one (serve only).

A restarted ``kowp-site serve`` shows its previous preview at once: :func:`serving_last_preview`
forks a process that answers on the already bound socket, its event stream saying "building",
until the build is done; then it finishes the answers under way and the builder's own server
takes the socket over.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from kowp_site import ui

if TYPE_CHECKING:
    from kowp_site.site.serve import LiveState

INTERIM_GRACE_SECONDS = 3.0  # how long the last preview's server may take to finish its answers


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
