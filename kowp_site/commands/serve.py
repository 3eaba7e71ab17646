"""``kowp-site serve``: preview the site on this computer, rebuilt and reloaded on every save."""

from __future__ import annotations

import argparse
import signal
import threading

from kowp_site import ui

HELP = "Preview the site (with drafts) on http://127.0.0.1:8000/, rebuilding and reloading the browser on save."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this computer only)"
    )
    parser.add_argument("--no-drafts", action="store_true", help="show only published posts, as the real site does")
    parser.add_argument(
        "--timings", action="store_true", help="after each rebuild, print where the time went from save to reload"
    )


def run(args: argparse.Namespace) -> int:
    from kowp_site.site import serve

    # `kill` stops as cleanly as Ctrl-C: while serve starts, by unwinding its first build (the
    # server of the last preview is stopped with it, not left holding the port), then by `stop`.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server = serve.start(
            args.root, host=args.host, port=args.port, drafts=not args.no_drafts, timings=args.timings, watch_files=True
        )
    except KeyboardInterrupt:
        ui.info("stopped")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    ui.info(f"serving {serve.serve_folder(args.root)} at {server.url} — press Ctrl-C to stop")
    try:
        serve.watch(server, stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.close()
        ui.info("stopped")
    return 0
