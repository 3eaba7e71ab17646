"""``content/.syndication.json``: what was announced where, committed with the content.

Per target, each post's guid maps to where it landed, or to a pending marker written *before* the
post was sent::

    {
      "bluesky": {
        "https://wordpress.org/news/?p=1": {"id": "at://did:plc:…/app.bsky.feed.post/3m…",
                                            "time": "2026-09-12T01:00:00+00:00",
                                            "url": "https://bsky.app/profile/did:plc:…/post/3m…"}
      },
      "mastodon": {
        "https://wordpress.org/news/?p=2": {"key": "kowp-…", "pending": "2026-09-12T01:00:00+00:00"}
      },
      "threads": {
        "https://wordpress.org/news/?p=2": {"key": "https://example.org/2026/09/slug/",
                                            "pending": "2026-09-12T01:00:00+00:00"}
      },
      "version": 1
    }

A pending entry means a run stopped between sending and recording; the next run asks the service
whether the post exists before sending again. Only one run at a time holds the lock; every write
replaces the file atomically, so a crash leaves the old or the new file, never half of one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kowp_site.errors import KowpError, Problem, ProblemsError
from kowp_site.social import TARGETS, Posted

STATE_FILE = ".syndication.json"
VERSION = 1


@dataclass(frozen=True)
class Entry:
    """One post on one target: done (id and url set) or pending (key set, id empty)."""

    id: str = ""
    url: str = ""
    time: str = ""
    key: str = ""  # the idempotency key or record key a pending send used

    @property
    def done(self) -> bool:
        return bool(self.id)


class State:
    """The loaded state file. Only :func:`locked` and the syndicate run write it."""

    def __init__(self, path: Path, entries: dict[str, dict[str, Entry]]):
        self.path = path
        self.entries = entries

    @classmethod
    def load(cls, path: Path) -> State:
        if not path.exists():
            return cls(path, {t: {} for t in TARGETS})
        where = path.name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            raise ProblemsError(
                [Problem(f"content/{where}", line, f"not valid JSON: {exc}", "restore the file from Git history")]
            ) from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ProblemsError(
                [Problem(f"content/{where}", None, f"expected a version {VERSION} syndication record", "restore it")]
            )
        entries: dict[str, dict[str, Entry]] = {}
        for target in TARGETS:
            raw = data.get(target, {})
            if not isinstance(raw, dict):
                raise ProblemsError([Problem(f"content/{where}", None, f"'{target}' must be an object")])
            entries[target] = {}
            for guid, value in raw.items():
                if not isinstance(value, dict):
                    raise ProblemsError(
                        [Problem(f"content/{where}", None, f"'{target}' entry {guid!r} is not an object")]
                    )
                if "pending" in value:
                    entries[target][guid] = Entry(time=str(value["pending"]), key=str(value.get("key", "")))
                else:
                    entries[target][guid] = Entry(
                        id=str(value.get("id", "")), url=str(value.get("url", "")), time=str(value.get("time", ""))
                    )
        return cls(path, entries)

    def get(self, target: str, guid: str) -> Entry | None:
        return self.entries.setdefault(target, {}).get(guid)

    def mark_pending(self, target: str, guid: str, key: str, now: dt.datetime) -> None:
        self.entries.setdefault(target, {})[guid] = Entry(time=_stamp(now), key=key)
        self.save()

    def mark_done(self, target: str, guid: str, posted: Posted, now: dt.datetime) -> None:
        self.entries.setdefault(target, {})[guid] = Entry(id=posted.id, url=posted.url, time=_stamp(now))
        self.save()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": VERSION}
        for target in TARGETS:
            data[target] = {
                guid: ({"id": e.id, "time": e.time, "url": e.url} if e.done else {"key": e.key, "pending": e.time})
                for guid, e in sorted(self.entries.get(target, {}).items())
            }
        return data

    def save(self) -> None:
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        write_atomic(self.path, text.encode("utf-8"))


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def locked(folder: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (content/) so two runs never read the same state.

    The lock is an ``flock`` on the folder itself: no lock file to commit or to leave behind, and
    the system releases it when a run dies.
    """
    try:
        import fcntl
    except ImportError:  # Windows: syndication runs in CI on Linux; a preview (--dry-run) needs no lock
        raise KowpError("kowp-site syndicate can post only on Linux or macOS; use --dry-run here") from None
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise KowpError(
                        f"another kowp-site syndicate run holds the lock on {folder.name}/ — wait for it to finish"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
