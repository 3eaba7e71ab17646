"""The pages that help readers follow and share the site: ``/subscribe/`` (구독하기) and
``/share/`` (the Mastodon share page that asks for the reader's own server).

Mastodon has no single compose address: every server has its own ``https://<server>/share``. A
third-party "share to Mastodon" service would learn what every reader shares, so the post pages
link to this site's own ``/share/?text=…`` page instead: the reader types their server once (kept
in their browser only), and our own script (static/js/share.js) sends them to that server's share
page. Nothing is requested from another host before the reader chooses to go there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kowp_site.site.render import CategoryView, Templates

SUBSCRIBE = "subscribe/"
SHARE = "share/"


def pages(t: Templates, categories: Sequence[CategoryView]) -> list[tuple[str, Callable[[], str], object]]:
    """(output path, maker, what the page shows beyond the configuration) of each follow page;
    ``categories``: the site's categories that have posts, whose feeds /subscribe/ lists."""
    listed = tuple(categories)
    return [
        (SUBSCRIBE + "index.html", partial(subscribe_page, t, listed), [(c.name, c.slug) for c in listed]),
        (SHARE + "index.html", partial(share_page, t), None),
    ]


def feeds(t: Templates) -> list[dict[str, str]]:
    c = t.config
    return [
        {"name": "RSS", "url": c.url("feed.xml")},
        {"name": "Atom", "url": c.url("atom.xml")},
        {"name": "JSON Feed", "url": c.url("feed.json")},
    ]


def accounts(t: Templates) -> list[dict[str, str]]:
    """The configured accounts, in a fixed order; unset ones are left out."""
    a = t.config.accounts
    found = [("Mastodon", a.mastodon), ("Bluesky", a.bluesky), ("Threads", a.threads)]
    return [{"name": name, "url": url} for name, url in found if url]


def subscribe_page(t: Templates, categories: Sequence[CategoryView]) -> str:
    c = t.config
    category_feeds = [
        {"name": cat.name, "url": c.url(f"category/{cat.slug}/feed.xml"), "href": cat.href} for cat in categories
    ]
    return t.render(
        "subscribe.html",
        feed_urls=feeds(t),
        category_feeds=category_feeds,
        accounts=accounts(t),
        canonical=c.url(SUBSCRIBE),
    )


def share_page(t: Templates) -> str:
    return t.render("share.html", canonical=t.config.url(SHARE))
