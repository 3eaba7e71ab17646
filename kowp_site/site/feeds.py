"""Published posts -> RSS 2.0, Atom 1.0 and JSON Feed 1.1 bytes. Pure: no disk writes.

Items are the posts most recently *published in Korean* (``translated``), so a newly translated
older post still reaches feed readers and the tools that syndicate the feed. Each item's id is the
post's permanent Korean URL, which does not change when a title is edited.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from html import escape
from operator import attrgetter

from kowp_site import __version__
from kowp_site.site import cards
from kowp_site.site.config import Config, source_date
from kowp_site.site.locale import Messages
from kowp_site.site.markdown import feed_html
from kowp_site.site.render import PostView


def build_time(views: Sequence[PostView]) -> dt.datetime:
    """The feed's "last updated": its newest item, else SOURCE_DATE_EPOCH, else the epoch."""
    if views:
        return max(v.published for v in views)
    return source_date() or dt.datetime.fromtimestamp(0, dt.UTC)


_FEED_ORDER = attrgetter("published", "source.date", "post.key.path")


def feed_order(views: Sequence[PostView], limit: int) -> list[PostView]:
    """Newest first: by publication of the translation, then of the original, then address."""
    return sorted(views, key=_FEED_ORDER, reverse=True)[:limit]


def messages_of(config: Config) -> Messages:
    """The site's interface messages, for a feed made outside a build (a build passes its own)."""
    from kowp_site.site import locale
    from kowp_site.site.theme import theme_dirs

    return locale.load(theme_dirs(config), config.language)


def item_html(view: PostView, messages: Messages) -> str:
    """Full post HTML for a feed: absolute URLs, embeds as links, and the credits."""
    link = f'<a href="{escape(view.source.link)}">{escape(view.source.title)}</a>'
    credits = [messages.gettext("Original: %(original)s", original=link)]
    if view.source.author:
        credits.append(messages.gettext("Author: %(name)s", name=escape(view.source.author)))
    if view.translation and view.translation.translators:
        names = ", ".join(escape(t) for t in view.translation.translators)
        credits.append(messages.gettext("Translated by %(names)s", names=names))
    return feed_html(view.html, view.url, messages.media_labels()) + "\n<p>" + " · ".join(credits) + "</p>"


def _generator(config: Config, views: Sequence[PostView], self_url: str, title: str, messages: Messages):  # noqa: ANN202
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(config.base_url)
    fg.title(title)
    fg.subtitle(config.description or title)
    # feedgen takes the RSS <link> from the last link given, so the home page goes last.
    fg.link(href=self_url, rel="self")
    fg.link(href=config.base_url, rel="alternate")
    fg.language(config.language)
    fg.generator("kowp-site", version=__version__)
    fg.image(url=config.url("static/" + config.default_image), title=title, link=config.base_url)
    fg.logo(config.url("static/" + config.default_image))
    fg.author({"name": config.title})
    updated = build_time(views)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    fg.pubDate(updated)
    for view in views:
        fe = fg.add_entry(order="append")
        fe.id(view.url)
        fe.guid(view.url, permalink=True)
        fe.title(view.title)
        fe.link(href=view.url, rel="alternate")
        fe.description(view.summary or view.title)
        fe.summary(view.summary or view.title)
        fe.content(item_html(view, messages), type="CDATA")
        fe.published(view.published)
        fe.updated(view.published)
        fe.pubDate(view.published)
        fe.author({"name": view.source.author or config.title})
        fe.dc.dc_creator(view.source.author or config.title)
        if view.translation:
            for name in view.translation.translators:
                fe.contributor({"name": name})
                fe.dc.dc_contributor(name)
        for cat in view.categories:
            fe.category(term=cat.name, label=cat.name)
    return fg


def rss(
    config: Config,
    views: Sequence[PostView],
    path: str = "feed.xml",
    title: str = "",
    *,
    messages: Messages | None = None,
) -> bytes:
    """RSS 2.0 with full HTML in content:encoded."""
    items = feed_order(views, config.feed_items)
    fg = _generator(config, items, config.url(path), title or config.title, messages or messages_of(config))
    return fg.rss_str(pretty=True)


def atom(config: Config, views: Sequence[PostView], *, messages: Messages | None = None) -> bytes:
    items = feed_order(views, config.feed_items)
    messages = messages or messages_of(config)
    fg = _generator(config, items, config.url("atom.xml"), config.title, messages)
    # Atom content is escaped HTML, not CDATA.
    for entry, view in zip(fg.entry(), items, strict=True):
        entry.content(item_html(view, messages), type="html")
    return fg.atom_str(pretty=True)


def json_feed(config: Config, views: Sequence[PostView], *, messages: Messages | None = None) -> bytes:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    messages = messages or messages_of(config)
    items = []
    for view in feed_order(views, config.feed_items):
        item: dict[str, object] = {
            "id": view.url,
            "url": view.url,
            "external_url": view.source.link,
            "title": view.title,
            "content_html": item_html(view, messages),
            "summary": view.summary,
            "date_published": view.published.isoformat(),
            "authors": [{"name": view.source.author or config.title}],
            "tags": [c.name for c in view.categories],
            "language": config.language,
        }
        item["image"] = cards.image_of(config, view).url  # its picture card, else its first or the default image
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": config.title,
        "home_page_url": config.base_url,
        "feed_url": config.url("feed.json"),
        "description": config.description,
        "language": config.language,
        "icon": config.url("static/" + config.default_image),
        "items": items,
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
