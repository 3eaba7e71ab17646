"""The only module that talks to the network: download the source feed, then write post stubs.

Flow of :func:`fetch` (called by ``kowp-site fetch``): take the lock, download every page (with
conditional GET, retries and a size limit), parse and convert every entry, decide what to write,
and only then write all files at once (temporary files, then ``os.replace``). A translation file
that exists is never written; en.md is rewritten only when its bytes change; the state file keeps
only the feed's ETag and Last-Modified, so a second run over the same feed changes no byte.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from kowp_site import __version__, ui
from kowp_site.errors import KowpError, Problem
from kowp_site.fetch import images
from kowp_site.fetch.importer import Converted, EmptyFeed, Entry, Feed, convert, parse_feed
from kowp_site.fetch.plan import STATE_FILE, Item, apply, left_out, lock, plan, problems, read_states, state_write
from kowp_site.site.config import Config

MAX_BYTES = 20 * 1024 * 1024  # largest feed page accepted (the real News feed is ~1 MB)
TIMEOUT = 30.0  # seconds to connect, and between two chunks of the answer
RETRIES = 3  # extra attempts after a connection error, a timeout, 5xx or 429
BACKOFF = 2.0  # seconds before the first retry; doubles each time
MAX_RETRY_AFTER = 120.0  # longest Retry-After honoured, in seconds
MAX_PAGES = 10_000  # safety stop for --all
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_REDIRECTS = 5


class FetchError(KowpError):
    """The feed could not be downloaded; nothing was written.

    ``transient``: the server or the network failed (worth trying again later), rather than
    answering something unacceptable.
    """

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Options:
    """What ``kowp-site fetch`` was asked to do."""

    feed: str = ""  # empty: the configured source_feed
    pages: int = 1
    all_pages: bool = False
    since: dt.date | None = None
    from_file: Path | None = None
    dry_run: bool = False
    max_bytes: int = MAX_BYTES
    max_image_bytes: int = images.MAX_IMAGE_BYTES
    verbose: bool = False  # say which translations the translation memory skipped, and why
    timeout: float = TIMEOUT
    retries: int = RETRIES


@dataclass(frozen=True)
class Reply:
    status: int  # 200, 304 or 404
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""


@dataclass(frozen=True)
class Summary:
    new: tuple[Item, ...] = ()
    updated: tuple[Item, ...] = ()
    unchanged: tuple[Item, ...] = ()
    skipped: tuple[Item, ...] = ()
    warnings: tuple[Problem, ...] = ()
    not_modified: bool = False  # the server answered 304: nothing to do
    dry_run: bool = False
    written: tuple[str, ...] = ()  # files written (or, with --dry-run, that would be), root-relative
    dropped: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (post folder, what its Markdown left out)
    notes: tuple[str, ...] = ()  # with --verbose: translations the translation memory skipped, and why

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated)

    def as_json(self) -> dict[str, Any]:
        def items(group: tuple[Item, ...]) -> list[dict[str, Any]]:
            out = []
            for item in group:
                entry: dict[str, Any] = {"title": item.title, "path": item.path}
                if item.pretranslated is not None:
                    entry["pretranslated"] = item.pretranslated
                if item.reason:
                    entry.update(link=item.link, reason=item.reason)
                out.append(entry)
            return out

        return {
            "changed": self.changed,
            "not_modified": self.not_modified,
            "dry_run": self.dry_run,
            "new": items(self.new),
            "updated": items(self.updated),
            "unchanged": items(self.unchanged),
            "skipped": items(self.skipped),
            "dropped": [{"path": path, "dropped": list(what)} for path, what in self.dropped],
        }


def user_agent(config: Config) -> str:
    return f"kowp-site/{__version__} (+{config.repo_url})" if config.repo_url else f"kowp-site/{__version__}"


def _retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, min(when.timestamp() - now(), MAX_RETRY_AFTER))


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "the server did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({exc})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the connection broke off ({exc})"
    return f"{type(exc).__name__}: {exc}"


class Http:
    """A polite HTTP client: timeouts, size limit, gzip, retries with backoff, Retry-After."""

    def __init__(
        self,
        agent: str,
        *,
        timeout: float = TIMEOUT,
        max_bytes: int = MAX_BYTES,
        retries: int = RETRIES,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.max_bytes = max_bytes
        self.retries = retries
        self.sleep = sleep
        self.client = httpx.Client(
            headers={
                "User-Agent": agent,
                "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
                "Accept-Encoding": "gzip",
            },
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
        )

    def close(self) -> None:
        self.client.close()

    def get(
        self,
        url: str,
        *,
        etag: str = "",
        last_modified: str = "",
        missing_ok: bool = False,
        max_bytes: int | None = None,
        allow: Callable[[str], bool] | None = None,
    ) -> Reply:
        """GET ``url``. Returns 200 (body), 304, or 404 when ``missing_ok``; raises FetchError otherwise.

        ``max_bytes`` replaces the client's size limit; with ``allow``, every redirect's target must
        pass it (images may come only from allowed hosts) or the answer is a FetchError.
        """
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            wait = BACKOFF * 2**attempt
            try:
                with self._open(url, headers, allow) as response:
                    return self._reply(url, response, attempt, etag, last_modified, missing_ok, max_bytes)
            except _Retry as retry:
                wait = retry.wait
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                if attempt >= self.retries:
                    raise FetchError(
                        f"{url}: {_describe(exc)}, {attempt + 1} attempts; nothing was written", transient=True
                    ) from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise FetchError(f"{url}: {_describe(exc)}; nothing was written") from None
            attempt += 1
            self.sleep(wait)

    def _reply(
        self,
        url: str,
        response: httpx.Response,
        attempt: int,
        etag: str,
        last_modified: str,
        missing_ok: bool,
        max_bytes: int | None,
    ) -> Reply:
        """The Reply of one attempt's answer; raises _Retry for a status worth asking again (after
        the wait the server asks for, if any), FetchError for any other."""
        status = response.status_code
        if status == 304:
            return Reply(304, etag=etag, last_modified=last_modified)
        if status == 404 and missing_ok:
            return Reply(404)
        if status in RETRY_STATUSES:
            if attempt >= self.retries:
                raise FetchError(
                    f"{url}: the server answered {status} {response.reason_phrase} "
                    f"{attempt + 1} times — try again later; nothing was written",
                    transient=True,
                )
            wait = BACKOFF * 2**attempt
            if status in (429, 503) and response.headers.get("Retry-After"):
                wait = _retry_after(response.headers.get("Retry-After")) or wait
            raise _Retry(wait)
        if status != 200:
            raise FetchError(f"{url}: the server answered {status} {response.reason_phrase}; nothing was written")
        body = self._read(url, response, max_bytes)
        return Reply(
            200,
            body,
            response.headers.get("ETag", ""),
            response.headers.get("Last-Modified", ""),
            response.headers.get("Content-Type", ""),
        )

    @contextmanager
    def _open(self, url: str, headers: dict[str, str], allow: Callable[[str], bool] | None) -> Iterator[httpx.Response]:
        """The answer to GET ``url``, redirects followed (by hand with ``allow``, which vets each target)."""
        if allow is None:
            with self.client.stream("GET", url, headers=headers) as response:
                yield response
            return
        for _ in range(MAX_REDIRECTS + 1):
            with self.client.stream("GET", url, headers=headers, follow_redirects=False) as response:
                target = response.headers.get("Location", "") if response.is_redirect else ""
                if not target:
                    yield response
                    return
            target = urljoin(url, target)
            if not allow(target):
                raise FetchError(f"{url}: redirected to {urlsplit(target).hostname or target}, which is not allowed")
            url = target
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _read(self, url: str, response: httpx.Response, max_bytes: int | None = None) -> bytes:
        declared = response.headers.get("Content-Length", "")
        limit = max_bytes or self.max_bytes
        what = "the image" if max_bytes else "the feed"
        hint = "" if max_bytes else " — raise it with --max-size"
        too_big = f"{url}: {what} is larger than the limit of {limit:,} bytes{hint}"
        if declared.isdigit() and int(declared) > limit and not response.headers.get("Content-Encoding"):
            raise FetchError(too_big)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():  # decoded: the limit also stops a gzip bomb
            size += len(chunk)
            if size > limit:
                raise FetchError(too_big)
            chunks.append(chunk)
        return b"".join(chunks)


class _Retry(Exception):
    def __init__(self, wait: float):
        self.wait = wait


def page_url(url: str, page: int) -> str:
    """WordPress feed pagination: ``…/feed/?paged=2``."""
    if page == 1:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    query.append(("paged", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _download(
    config: Config, options: Options, url: str, saved: dict[str, str], sleep: Callable[[float], None]
) -> tuple[list[Feed], dict[str, str] | None]:
    """Every requested page of the feed, parsed. ``(feeds, validators)``; validators None on 304.

    Conditional GET is used for a plain one-page fetch (the scheduled job); a backfill reads all.
    """
    limit = MAX_PAGES if options.all_pages else max(1, options.pages)
    conditional = limit == 1
    http = Http(
        user_agent(config), timeout=options.timeout, max_bytes=options.max_bytes, retries=options.retries, sleep=sleep
    )
    feeds: list[Feed] = []
    validators: dict[str, str] = {}
    seen: set[str] = set()
    try:
        with ui.progress("Reading feed pages", None if options.all_pages else limit, enabled=limit > 1) as bar:
            for number in range(1, limit + 1):
                address = page_url(url, number)
                reply = http.get(
                    address,
                    etag=saved.get("etag", "") if conditional else "",
                    last_modified=saved.get("last_modified", "") if conditional else "",
                    missing_ok=number > 1,
                )
                if reply.status == 304:
                    return [], None
                if reply.status == 404:
                    break  # past the last page of the archive
                if number == 1:
                    validators = {"etag": reply.etag, "last_modified": reply.last_modified}
                try:
                    feed = parse_feed(reply.body, address, reply.content_type)
                except EmptyFeed:
                    if number == 1:
                        raise
                    break
                ids = {e.guid or e.link for e in feed.entries}
                if number > 1 and ids <= seen:
                    break  # the server ignores ?paged and repeats the first page
                seen |= ids
                feeds.append(feed)
                bar.advance(bar.task_ids[0])
                if options.since and all(e.date and e.date.date() < options.since for e in feed.entries):
                    break  # newest first: older pages hold nothing newer
    finally:
        http.close()
    return feeds, validators


def _read_file(path: Path, max_bytes: int) -> Feed:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise KowpError(
                f"{path}: the file is larger than the limit of {max_bytes:,} bytes — raise it with --max-size"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise KowpError(f"{path}: cannot read the feed file ({exc.strerror or exc})") from None
    return parse_feed(data, str(path))


def _keep_images(
    config: Config,
    options: Options,
    results: list[Any],
    saved: dict[str, dict[str, str]],
    sleep: Callable[[float], None],
) -> images.Kept:
    """The posts' body images, downloaded with a client like the feed's (see :mod:`kowp_site.fetch.images`)."""
    http = Http(user_agent(config), timeout=options.timeout, retries=options.retries, sleep=sleep)
    http.client.headers["Accept"] = "image/avif, image/webp, image/png, image/jpeg, image/gif;q=0.9"
    try:
        return images.keep_all(config, http.get, results, saved, options.max_image_bytes)
    finally:
        http.close()


def _entries(feeds: list[Feed], since: dt.date | None) -> list[Entry]:
    entries: list[Entry] = []
    for feed in feeds:
        for entry in feed.entries:
            if since and entry.date and entry.date.date() < since:
                continue
            entries.append(entry)
    return entries


def fetch(config: Config, options: Options, *, sleep: Callable[[float], None] = time.sleep) -> Summary:
    """Download (or read) the feed and write new and changed posts. Raises KowpError; writes nothing then."""
    if config.language == "en":
        raise KowpError("language 'en' would make translations overwrite en.md — set language to the translation's")
    if options.from_file is None:
        url = options.feed or config.source_feed
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise KowpError(f"feed URL {url!r} is not an http(s) address such as https://wordpress.org/news/feed/")
    content_dir = config.content_dir
    if not options.dry_run:
        content_dir.mkdir(parents=True, exist_ok=True)
    with nullcontext() if options.dry_run else lock(content_dir):
        return _fetch(config, options, sleep)


def _memory(config: Config, options: Options, notes: list[str]) -> Callable[[bytes], tuple[bytes, float]] | None:
    """The translation memory's stub filler (None with ``tm = false``); with ``verbose``, each
    translation it skips becomes a note."""
    if not config.tm:
        return None
    from kowp_site.translation.prefill import Filler

    filler = Filler(config, notes.append if options.verbose else None)

    def fill(stub: bytes) -> tuple[bytes, float]:
        done = filler(stub)
        return done.data, done.share

    return fill


def _fetch(config: Config, options: Options, sleep: Callable[[float], None]) -> Summary:
    content_dir = config.content_dir
    state, saved_images, state_notes = read_states(content_dir)
    warnings = [Problem(f"content/{STATE_FILE}", None, note, severity="warning") for note in state_notes]
    new_images = dict(saved_images)  # kept as they were unless this fetch looks at images
    new_state = {url: dict(values) for url, values in state.items()}
    read = _read_feeds(config, options, new_state, sleep)
    if read is None:
        return Summary(not_modified=True, dry_run=options.dry_run, warnings=tuple(warnings))
    feeds, where = read
    entries = _entries(feeds, options.since)
    warnings += _feed_warnings(where, feeds, entries)
    results, image_writes = [convert(e) for e in entries], []
    if config.fetch_images and options.from_file is None and any(isinstance(r, Converted) for r in results):
        kept = _keep_images(config, options, results, saved_images, sleep)
        results, image_writes, new_images = kept.results, kept.writes, kept.state
        warnings += [Problem(where, None, note, severity="warning") for note in kept.notes]
    notes: list[str] = []
    decided = plan(config, results, _memory(config, options, notes))
    dropped = left_out(results, decided)
    warnings += problems(where, decided, dropped)
    writes = list(decided.writes) + image_writes
    state = state_write(content_dir, new_state, new_images)
    if state is not None:
        writes.append(state)
    if not options.dry_run:
        apply(writes)
    return Summary(
        new=decided.new,
        updated=decided.updated,
        unchanged=decided.unchanged,
        skipped=decided.skipped,
        warnings=tuple(warnings),
        notes=tuple(notes),
        dry_run=options.dry_run,
        written=tuple(w.path.relative_to(config.root).as_posix() for w in writes),
        dropped=tuple(dropped),
    )


def _read_feeds(
    config: Config, options: Options, new_state: dict[str, dict[str, str]], sleep: Callable[[float], None]
) -> tuple[list[Feed], str] | None:
    """The feed's pages and where they came from (``--from-file`` or the feed URL), or None when the
    server says nothing changed; a download's validators go into ``new_state``."""
    if options.from_file is not None:
        return [_read_file(options.from_file, options.max_bytes)], str(options.from_file)
    url = options.feed or config.source_feed
    feeds, validators = _download(config, options, url, new_state.get(url, {}), sleep)
    if validators is None:
        return None
    new_state[url] = {k: v for k, v in validators.items() if v}
    if not new_state[url]:
        del new_state[url]
    return feeds, url


def _feed_warnings(where: str, feeds: list[Feed], entries: list[Entry]) -> list[Problem]:
    """The feed parser's warnings, and one for each entry without a guid."""
    found = [Problem(where, None, w, severity="warning") for feed in feeds for w in feed.warnings]
    for entry in entries:
        if not entry.guid and entry.link:
            found.append(
                Problem(
                    where, None, f"{entry.link}: the entry has no guid; its link is used instead", severity="warning"
                )
            )
    return found
