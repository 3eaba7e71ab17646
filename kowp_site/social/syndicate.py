"""``kowp-site syndicate``: announce each new published translation once on Mastodon, Bluesky and Threads.

Flow of one run::

    due posts (published, not older than max_age_days)  ->  messages per target (pure)
      -> per target, per message: pending marker -> send -> record      (state.py, mastodon.py, bluesky.py, threads.py)

A post is due on a target until the state file records it there. Before each send a pending
marker is written; a run that finds one asks the service whether the post exists (Mastodon: the
account's recent statuses; Bluesky: the record under the post's deterministic key; Threads: the
account's recent threads, by link) before sending
again, so a crash between sending and recording never makes a second post. A failing target stops
at its first failure and is retried by the next run; the other targets carry on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from kowp_site.errors import KowpError
from kowp_site.paths import UnsafePath, inside
from kowp_site.site.config import Config, source_date
from kowp_site.site.content import Content, Post
from kowp_site.social import TARGETS, Posted, Secrets, TargetError, compose
from kowp_site.social.compose import Card, Message
from kowp_site.social.state import STATE_FILE, State

ENV = {
    "mastodon": ("KOWP_MASTODON_URL", "KOWP_MASTODON_TOKEN"),
    "bluesky": ("KOWP_BLUESKY_HANDLE", "KOWP_BLUESKY_PASSWORD"),
    "threads": ("KOWP_THREADS_TOKEN",),
}
SERVICE_ENV = "KOWP_BLUESKY_SERVICE"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


class Target(Protocol):
    """A service client: :mod:`kowp_site.social.mastodon`, :mod:`~kowp_site.social.bluesky`,
    :mod:`~kowp_site.social.threads`, or a test's. A client may also have ``checkup(now)``
    (warnings and notes about its credentials) and ``close()``."""

    name: str

    def find(self, message: Message) -> Posted | None: ...

    def send(self, message: Message) -> Posted: ...


@dataclass(frozen=True)
class Outcome:
    """What happened to one message: posted, recorded (found after a crash), failed or would-post."""

    target: str
    guid: str
    path: str
    status: str
    url: str = ""
    error: str = ""


@dataclass
class Report:
    now: dt.datetime
    dry_run: bool
    messages: list[Message] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # shown as ::warning:: annotations on GitHub Actions
    configured: dict[str, bool] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(o.status == "failed" for o in self.outcomes)


def now_from(environ: Mapping[str, str]) -> dt.datetime:
    """The run's "now": ``SOURCE_DATE_EPOCH`` when set (tests, previews), else the clock."""
    return source_date(environ) or dt.datetime.now(dt.UTC)


def due(posts: Sequence[Post], now: dt.datetime, max_age_days: int) -> list[Post]:
    """Published translations from the last ``max_age_days`` days (not dated after ``now``), oldest first."""
    oldest = now - dt.timedelta(days=max_age_days)
    found = [p for p in posts if p.status == "published" and p.translation is not None and oldest <= p.published <= now]
    return sorted(found, key=lambda p: (p.published, p.key.path))


def idempotency_key(target: str, guid: str) -> str:
    """Mastodon's ``Idempotency-Key`` for one post: the same on every run, different per post."""
    return "kowp-" + hashlib.sha256(f"{target}\n{guid}".encode()).hexdigest()[:32]


def record_key(guid: str, published: dt.datetime) -> str:
    """A Bluesky record key for one post: a valid TID derived from its guid and publication time.

    Bluesky's app only shows posts whose key is a TID (13 base32-sortable characters: 53 bits of
    microseconds, 10 bits of clock id). The microseconds are the publication second plus a
    guid-derived fraction and the clock id comes from the guid, so two posts never share a key and
    one post always gets the same key.
    """
    digest = hashlib.sha256(guid.encode()).digest()
    micros = int(published.timestamp()) * 1_000_000 + int.from_bytes(digest[:4], "big") % 1_000_000
    clock = int.from_bytes(digest[4:6], "big") & 0x3FF
    value = (micros << 10) | clock
    return "".join(TID_ALPHABET[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


def site_file(config: Config, content: Content, url: str) -> Path | None:
    """The file of this site that ``url`` serves (a theme static file or a post's image), if any.

    Only the site's own files are ever uploaded as thumbnails: nothing is fetched from other hosts.
    """
    if not url.startswith(config.base_url):
        return None
    rel = unquote(urlsplit(url).path)[len(urlsplit(config.base_url).path) :]
    try:
        if rel.startswith("static/"):
            from kowp_site.site.theme import theme_dirs

            for folder in theme_dirs(config):
                candidate = inside(folder / "static", rel.removeprefix("static/"))
                if candidate.is_file():
                    return candidate
            return None
    except (UnsafePath, KowpError):
        return None
    return dict(content.assets).get(rel)


def usable_thumb(path: Path | None) -> Path | None:
    """``path`` when Bluesky accepts it as a card thumbnail (an image type, at most 1 MB)."""
    from kowp_site.social.bluesky import THUMB_BYTES, THUMB_TYPES

    if path is None or path.suffix.lower() not in THUMB_TYPES:
        return None
    try:
        return path if path.stat().st_size <= THUMB_BYTES else None
    except OSError:
        return None


def card_for(config: Config, content: Content, view: object) -> Card:
    """The link card of a post: og:title, og:description, og:image of its page.

    The image is the post's picture card (see :mod:`kowp_site.site.cards`), uploaded as the
    thumbnail; without one, its first image when that is a file of this site that Bluesky accepts,
    else the site's default image: we never download other hosts' files.
    """
    from kowp_site.site import cards

    default = config.url("static/" + config.default_image)
    preview = cards.image_of(config, view)
    if preview.kind == "drawn":
        thumb = usable_thumb(cards.card_file(config, view.post))  # type: ignore[attr-defined]
    else:
        thumb = usable_thumb(preview.file or site_file(config, content, preview.url))
    thumb = thumb or usable_thumb(site_file(config, content, default))
    return Card(uri=view.url, title=view.title, description=view.summary, image=preview.url, thumb=thumb)  # type: ignore[attr-defined]


def messages_for(
    config: Config, content: Content, posts: Sequence[Post], targets: Sequence[str], now: dt.datetime, state: State
) -> list[Message]:
    """The message for every due post not yet recorded on each target, in target then date order."""
    from kowp_site.site.entries import post_views

    views = {v.post.key.path: v for v in post_views(config, posts, drafts=False)}
    tags = config.syndication.hashtags
    out: list[Message] = []
    for target in targets:
        for post in posts:
            view = views.get(post.key.path)
            entry = state.get(target, post.source.guid)
            if view is None or (entry is not None and entry.done):
                continue
            if target == "mastodon":
                text = compose.mastodon(view.title, view.summary, view.url, tags)
                key, card = idempotency_key(target, post.source.guid), None
            elif target == "threads":
                text = compose.threads(view.title, view.summary, view.url, tags)
                key, card = view.url, None  # the link a retry recognises the post by; the card is Threads' own
            else:
                text = compose.bluesky(view.title, view.summary, view.url, tags)
                key, card = record_key(post.source.guid, post.published), card_for(config, content, view)
            out.append(Message(target, post.source.guid, post.path, view.url, key, text, config.language, now, card))
    return out


def configured(environ: Mapping[str, str]) -> dict[str, bool]:
    return {t: all(environ.get(name, "").strip() for name in ENV[t]) for t in TARGETS}


def make_target(name: str, environ: Mapping[str, str], secrets: Secrets) -> Target:
    """The real client of one configured service; secrets are registered before anything can fail."""
    values = [environ[n].strip() for n in ENV[name]]
    secrets.add(values[-1])
    if name == "threads":
        from kowp_site.social.threads import API_ENV, ThreadsTarget

        return ThreadsTarget(environ.get(API_ENV, "").strip(), values[0], secrets)
    first, second = values
    if name == "mastodon":
        from kowp_site.social.mastodon import MastodonTarget

        return MastodonTarget(first, second, secrets)
    from kowp_site.social.bluesky import BlueskyTarget

    return BlueskyTarget(environ.get(SERVICE_ENV, "").strip(), first, second, secrets)


def deliver(target: Target, messages: Sequence[Message], state: State, now: dt.datetime) -> list[Outcome]:
    """Send one target's messages in order, recording each; stop at the first failure."""
    outcomes: list[Outcome] = []
    for message in messages:
        entry = state.get(target.name, message.guid)
        try:
            found = target.find(message) if entry is not None and not entry.done else None
            if found is not None:
                state.mark_done(target.name, message.guid, found, now)
                outcomes.append(Outcome(target.name, message.guid, message.path, "recorded", found.url))
                continue
            state.mark_pending(target.name, message.guid, message.key, now)
            posted = target.send(message)
        except TargetError as exc:
            outcomes.append(Outcome(target.name, message.guid, message.path, "failed", error=str(exc)))
            break
        state.mark_done(target.name, message.guid, posted, now)
        outcomes.append(Outcome(target.name, message.guid, message.path, "posted", posted.url))
    return outcomes


def syndicate(
    config: Config,
    content: Content,
    *,
    environ: Mapping[str, str] | None = None,
    targets: Sequence[str] = TARGETS,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    clients: Mapping[str, Target] | None = None,
    secrets: Secrets | None = None,
) -> Report:
    """Announce due posts on ``targets``. ``clients`` replaces the real services (tests)."""
    environ = os.environ if environ is None else environ
    now = now or now_from(environ)
    secrets = secrets or Secrets()
    for name in (n for names in ENV.values() for n in names):
        if name.endswith(("TOKEN", "PASSWORD")):
            secrets.add(environ.get(name))
    state_path = config.content_dir / STATE_FILE
    report = Report(now=now, dry_run=dry_run, configured=configured(environ))
    posts = due(content.posts, now, config.syndication.max_age_days)

    if dry_run:
        report.messages = messages_for(config, content, posts, targets, now, State.load(state_path))
        report.outcomes = [Outcome(m.target, m.guid, m.path, "would post") for m in report.messages]
        return report

    from kowp_site.social.state import locked

    with locked(config.content_dir):
        state = State.load(state_path)  # read under the lock: a run that just finished is seen
        report.messages = messages_for(config, content, posts, targets, now, state)
        for name in targets:
            mine = [m for m in report.messages if m.target == name]
            if not report.configured[name] and (clients is None or name not in clients):
                report.notes.append(f"{name}: {' and '.join(ENV[name])} not set — skipped")
                continue
            if not mine and name != "threads":  # a Threads token ages: check it on every run, posts or not
                continue
            try:
                target = clients[name] if clients and name in clients else make_target(name, environ, secrets)
            except TargetError as exc:
                report.outcomes += [Outcome(name, m.guid, m.path, "failed", error=str(exc)) for m in mine[:1]]
                if not mine:
                    report.warnings.append(str(exc))
                continue
            try:
                checkup = getattr(target, "checkup", None)
                if checkup is not None:
                    warnings, notes = checkup(now)
                    report.warnings += warnings
                    report.notes += notes
                report.outcomes += deliver(target, mine, state, now)
            finally:
                close = getattr(target, "close", None)
                if close is not None:
                    close()
    return report
