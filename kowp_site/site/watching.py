"""The files ``kowp-site serve`` watches, and the thread that tells the preview about each save.

The watcher is up before serve's first build reads anything (:meth:`Watcher.begin` returns once
it is), so a file saved while serve starts is seen like any later save: its post's page is
written at once and a build follows the first one. The thread runs beside the first build's
forked workers (see :func:`kowp_site.parallel.beside`): between its waits for changes, which hold
no lock, it runs only inside :func:`kowp_site.parallel.awake`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from kowp_site import parallel

# How long the watcher waits for more changes after one before it hands them on: an editor's save
# (a temporary file, then a rename) takes a few milliseconds.
WATCH_STEP_MS = 20
DEBOUNCE_MS = 150
# How often the watcher looks up when no file changed: whether it is up, whether a page it could
# not make yet can be made now (see Watcher.begin).
TICK_MS = 50
STOP_SECONDS = 5.0  # how long stopping waits for the thread


def watch_paths(root: Path) -> list[Path]:
    paths = [root / "content", root / "themes", root / "pyproject.toml"]
    return [p for p in paths if p.exists()]


def relevant(root: Path) -> Callable[[object, str], bool]:
    """Ignore editor droppings (dot-files, swap and backup files)."""

    def check(_change: object, path: str) -> bool:
        name = Path(path).name
        return not (name.startswith(".") or name.endswith(("~", ".swp", ".swx", ".tmp")))

    return check


def newest_change(changes: Iterable[tuple[object, str]]) -> float | None:
    """The latest modification time among the changed files that still exist (a deletion has none)."""
    times = []
    for _, path in changes:
        try:
            times.append(Path(path).stat().st_mtime)
        except OSError:
            continue
    return max(times) if times else None


Saved = Callable[[list[Path], "float | None"], None]  # the saved files (none: build all) and when


class Watcher:
    """A thread that watches a site's files and hands each batch of saves to ``saved``; ``idle``
    is called when nothing changed for a tick (pages owed since before there was a build to
    make them from)."""

    def __init__(self, root: Path, saved: Saved, idle: Callable[[], None]) -> None:
        self.root = root
        self.saved = saved
        self.idle = idle
        self.stop = threading.Event()
        self.up = threading.Event()
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="kowp-watch", daemon=True)
        parallel.beside(self.thread)

    @classmethod
    def begin(cls, root: Path, saved: Saved, idle: Callable[[], None], timeout: float) -> Watcher:
        """A watcher whose thread runs, once it watches (or after ``timeout`` seconds)."""
        watcher = cls(root, saved, idle)
        watcher.thread.start()
        watcher.up.wait(timeout)
        return watcher

    def _run(self) -> None:
        from watchfiles import Change
        from watchfiles import watch as watch_files

        try:
            for changes in watch_files(
                *watch_paths(self.root),
                watch_filter=relevant(self.root),
                stop_event=self.stop,
                debounce=DEBOUNCE_MS,
                step=WATCH_STEP_MS,
                rust_timeout=TICK_MS,
                yield_on_timeout=True,  # an empty batch each tick: the first says the watcher is up
                raise_interrupt=False,
            ):
                with parallel.awake():
                    self.up.set()
                    if not changes:
                        self.idle()
                        continue
                    deleted = any(c == Change.deleted for c, _ in changes)
                    self.saved([] if deleted else [Path(p) for _, p in changes], newest_change(changes))
        except BaseException as exc:  # noqa: BLE001 - said by close(); serve keeps serving what it has
            self.failed = exc
        finally:
            self.up.set()

    def close(self) -> None:
        self.stop.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout=STOP_SECONDS)
