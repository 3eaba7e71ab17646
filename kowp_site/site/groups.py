"""The site's output groups: post pages, lists, categories, feeds, the archive, progress pages, …

Each group is a function of one :class:`SiteData` that returns its outputs with what each reads
(see :mod:`kowp_site.site.outputs`); :func:`kowp_site.site.build.render_site` is the list of them.
Nothing here writes or computes a key.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from kowp_site.site import cache
from kowp_site.site.config import Config
from kowp_site.site.outputs import Output, Reads

if TYPE_CHECKING:
    from kowp_site.site import content as content_mod
    from kowp_site.site import render
    from kowp_site.site.content import Content


@dataclass(frozen=True)
class SiteData:
    """What every group reads: the settings, the content and the shown posts, newest first."""

    config: Config
    content: Content
    views: Sequence[render.PostView]  # every shown post, newest first (by original date, then address: Post.sort_key)
    templates: render.Templates
    drafts: bool = False
    incremental: bool = False  # outputs are made only when their key changed (a dependency date is looked up)
    full: Callable[[render.PostView], render.PostView] | None = field(default=None, compare=False)
    # What the build knows of its inputs, for groups that keep a cache of their own (search terms):
    settings: str = ""  # digest of the site's settings (tool, configuration, theme, options)
    post_digests: Mapping[str, str] = field(default_factory=dict)  # post key path -> digest of its files
    light_digests: Mapping[str, str] = field(default_factory=dict)  # post key path -> digest of its light post

    @cached_property
    def names(self) -> list[str]:
        """The key path of each of ``views``."""
        return [v.post.key.path for v in self.views]

    @cached_property
    def published(self) -> list[render.PostView]:
        return [v for v in self.views if v.post.translation.status == "published"]  # type: ignore[union-attr]

    @cached_property
    def published_names(self) -> list[str]:
        return [v.post.key.path for v in self.published]

    @cached_property
    def in_feed_order(self) -> list[render.PostView]:
        """Published posts as feeds order them (feeds.feed_order of a subset is the whole order filtered).

        Feeds order by publication, then by original date and address; ``views`` already stand in
        that second order, which a stable sort by publication alone keeps among equal ones (half
        the cost of comparing the three).
        """
        return sorted(self.published, key=attrgetter("published"), reverse=True)

    @cached_property
    def by_category(self) -> dict[str, tuple[render.CategoryView, list[render.PostView]]]:
        """Category slug -> its view and its shown posts, newest first."""
        found: dict[str, tuple[render.CategoryView, list[render.PostView]]] = {}
        for view in self.views:
            for cat in view.categories:
                found.setdefault(cat.slug, (cat, []))[1].append(view)
        return found

    @cached_property
    def shown_pages(self) -> list[content_mod.Page]:
        return [p for p in self.content.pages if self.drafts or not p.draft]

    def whole(self, view: render.PostView) -> render.PostView:
        """``view`` with its body HTML (views may come light from the cache)."""
        return self.full(view) if self.full is not None else view


def attach_bodies(data: SiteData) -> None:
    """Let templates read a body's HTML when they show it (see ThemeEnvironment.html_of)."""
    if data.full is None:
        return
    # Weakly: a Jinja2 environment is a reference cycle, and everything it holds strongly (here the
    # whole post cache) would wait for the cyclic collector after the build.
    made_whole = weakref.ref(data.full)
    data.templates.env.html_of = lambda view: made_whole()(view).html  # type: ignore[misc]


def post_pages(data: SiteData) -> Iterator[Output]:
    """Each post's page: it reads its post whole and its neighbours (for their titles and links)."""
    from kowp_site.site import render

    t, views, names = data.templates, data.views, data.names
    changed_on = t.env.globals.get("source_changed")  # an outdated post's notice dates the English change (Git)
    dated = data.incremental and callable(changed_on)
    for i, view in enumerate(views):
        newer = views[i - 1] if i > 0 else None
        older = views[i + 1] if i + 1 < len(views) else None
        neighbours = (names[i + 1] if older else "", names[i - 1] if newer else "")
        notice = changed_on(view.source.path) if dated and view.post.outdated else None  # type: ignore[misc]
        yield Output(
            names[i] + "/index.html",
            partial(render.render_post, t, view, older, newer),
            Reads(posts=(names[i], *neighbours), values=(notice,)),
            names[i],
        )


def list_pages(data: SiteData) -> Iterator[Output]:
    """The home page and its following pages, then each category's pages."""
    from kowp_site.site import render

    t = data.templates
    for page in render.paginate(data.config, data.views, ""):
        yield Output(page.path + "index.html", partial(render.render_list, t, page), list_reads(page), "home")
    for slug, (cat, views) in sorted(data.by_category.items()):
        for page in render.paginate(data.config, views, f"category/{slug}/"):
            yield Output(
                page.path + "index.html",
                partial(render.render_list, t, page, category=cat),
                list_reads(page, cat),
                f"category {cat.name}",
            )


def list_reads(page: render.ListPage, *values: object) -> Reads:
    return Reads(posts=[v.post.key.path for v in page.posts], values=(page.number, page.total, *values))


def feeds(data: SiteData) -> Iterator[Output]:
    """RSS, Atom and JSON Feed of the newest published posts, and each category's RSS feed."""
    from kowp_site.site import feeds as feeds_mod

    config = data.config
    newest = data.in_feed_order[: config.feed_items]
    names = [v.post.key.path for v in newest]
    for path, make in (("feed.xml", feeds_mod.rss), ("atom.xml", feeds_mod.atom), ("feed.json", feeds_mod.json_feed)):
        yield Output(path, partial(feed, data, make, newest), Reads(posts=names))
    by_category: dict[str, list[render.PostView]] = {}  # what each category's feed shows
    for v in data.in_feed_order:
        for cat in v.categories:
            found = by_category.setdefault(cat.slug, [])
            if len(found) < config.feed_items:
                found.append(v)
    for slug, (cat, _) in sorted(data.by_category.items()):
        path, title = f"category/{slug}/feed.xml", f"{config.title} — {cat.name}"
        shown = by_category.get(slug, [])
        yield Output(
            path,
            partial(feed, data, feeds_mod.rss, shown, path, title),
            Reads(posts=[v.post.key.path for v in shown], values=(title,)),
        )


def feed(data: SiteData, make: Callable[..., bytes], newest: Sequence[render.PostView], *args: object) -> bytes:
    # A feed shows its newest items only (in feed order): only those are made whole.
    return make(data.config, [data.whole(v) for v in newest], *args, messages=data.templates.messages)


def archive(data: SiteData) -> Iterator[Output]:
    """Every shown post by year and month: titles and dates only, so a text edit leaves it alone."""
    from kowp_site.site import render

    yield Output(
        "archive/index.html",
        partial(render.render_archive, data.templates, data.views),
        Reads(entries=data.names),
        "archive",
    )


def progress_pages(data: SiteData) -> Iterator[Output]:
    """/translate/ and /contributors/: every post's front matter (light), the stubs' files, content warnings."""
    dates = data.templates.env.globals.get("source_changed")
    if callable(getattr(dates, "load", None)) and any(v.post.outdated for v in data.published):
        dates.load()  # type: ignore[union-attr]  # one `git log`, before any worker renders a post page
    every_post = [p.key.path for p in data.content.posts]  # in the scan's (sorted) order
    # The translation memory's share of each stub is read from the stubs' files when the pages are
    # made; the pages read those posts' files (their digest), not only their front matter.
    stubs = [p.key.path for p in data.content.posts if p.status != "published"] if data.config.tm else []
    reads = Reads(posts=stubs, light=every_post, values=(tuple(data.content.warnings),))
    made: dict[str, str] = {}

    def page(path: str) -> str:
        if not made:
            from kowp_site.translation import progress  # imported only when the progress pages are made
            from kowp_site.translation.memory import shares

            pretranslated = shares(data.content.posts) if data.config.tm else {}
            made.update(progress.progress_pages(data.config, data.content, data.templates, pretranslated))
        return made[path]

    for path in ("translate/index.html", "contributors/index.html"):  # what progress_pages makes
        yield Output(path, partial(page, path), reads, "translation progress")


def standalone_pages(data: SiteData) -> Iterator[Output]:
    """content/pages/*.md, the 404 page and robots.txt: cheap, made each build and compared by bytes."""
    from kowp_site.site import render
    from kowp_site.site.entries import make_renderer

    renderer = make_renderer(data.config)
    t = data.templates
    for page in data.shown_pages:
        yield Output(
            page.url_path + "index.html",
            render.render_page(t, page, renderer.render(page.body).html),
            owner=str(page.path),
        )
    yield Output("404.html", render.render_not_found(t), owner="404")
    yield Output("robots.txt", robots(data.config, data.drafts))


def sitemap(data: SiteData) -> Iterator[Output]:
    """sitemaps.org XML: published posts (address and date), pages, categories and the archive."""
    categories = sorted(data.by_category)
    listed = ([p.url_path for p in data.shown_pages], categories)
    yield Output(
        "sitemap.xml",
        partial(sitemap_xml, data.config, data.published, data.shown_pages, categories),
        Reads(light=data.published_names, values=listed),
    )


def files(data: SiteData) -> Iterator[Output]:
    """The theme's static files (a site's own theme over the bundled one) and the files of post folders."""
    from kowp_site.site.output import tree_files

    static: dict[str, Path] = {}
    for folder in data.templates.static_dirs():  # lowest priority first: later folders win
        static.update(tree_files(folder, "static/"))
    for path, source in static.items():
        yield Output(path, source, owner="theme")
    for site_path, source in data.content.assets:
        yield Output(site_path, source, owner="post files")


def scripts(data: SiteData) -> Iterator[Output]:
    """The theme's scripts (``templates/js/*.js``), rendered with the site's messages to ``static/js/``.
    A static file of the same name in a site's theme is copied instead (by :func:`files`): it wins."""
    from kowp_site.site.theme import script_templates

    t = data.templates
    static = t.static_dirs()
    for name in script_templates(t.dirs):
        if not any((folder / "js" / name).is_file() for folder in static):
            yield Output(f"static/js/{name}", partial(t.render, f"js/{name}"), Reads(), "theme scripts")


def images(data: SiteData) -> Iterator[Output]:
    """Smaller copies (WebP, and the original format) of post-folder images wider than the column."""
    from kowp_site.site.images import variant_bytes, variants

    sources = dict(data.content.assets)
    made_in = data.config.root / cache.CACHE_DIR / "images"
    for site_path, info in sorted(data.content.images.items()):
        folder, name = site_path.rsplit("/", 1)
        for file, width, fmt in variants(name, info):
            yield Output(
                f"{folder}/{file}",
                partial(variant_bytes, sources[site_path], info, width, fmt, made_in),
                Reads(values=(info.digest, width, fmt)),
                "post images",
            )


def search(data: SiteData) -> Iterator[Output]:
    """/search/ and its index (kowp_site.search): every index file reads the published posts it holds."""
    from kowp_site.search import outputs as search_mod

    yield Output(search_mod.PAGE, search_mod.search_page(data.templates), owner="search")
    term_keys, settings = None, ""
    if data.incremental:  # each post's terms are kept by the search module under its files' digest
        settings = cache.hash_text(data.settings, "search terms")
        digests = data.post_digests
        term_keys = cache.hashes_after(settings, [digests.get(p, "") for p in data.published_names])
    found = search_mod.site_outputs(data.config, data.published, data.whole, term_keys, settings, PATCH_NOW)
    names: dict[int, list[str]] = {}  # id(posts read) -> their key paths: most files read all posts
    for path, (make, reads) in found.files.items():
        # Every file but the documents files is cut from one index, made once per process.
        together = "" if path.startswith(search_mod.PREFIX + "docs/") else "search index"
        shard = found.digests.get(path)
        if shard is not None:  # patched for an edit: its bytes are known, and all that it reads
            yield Output(path, make, Reads(values=("search index", shard)), "search", together)
            continue
        read = names.get(id(reads))
        if read is None:
            read = names[id(reads)] = [v.post.key.path for v in reads]
        yield Output(path, make, Reads(posts=read), "search", together)


# At most this many changed published posts: the search index is patched while the outputs are
# declared, so each of its files is keyed by its own bytes and only the shards that changed are
# made and compared (an edit changes a few of 512). More, and the index is made with the outputs,
# in a worker beside the others.
PATCH_NOW = 96


def cards(data: SiteData) -> Iterator[Output]:
    """Each shown post's picture card (kowp_site.site.cards): it reads everything the card draws."""
    from kowp_site.site import cards as cards_mod

    made_in = cards_mod.cache_dir(data.config) if data.incremental else None
    post_files = {site_path for site_path, _ in data.content.assets}
    found = cards_mod.outputs(data.config, data.views, made_in, post_files, data.settings, data.light_digests)
    for path, make, drawn in found:
        yield Output(path, make, Reads(values=("card", drawn)), "picture cards")


def cards_digest(data: SiteData) -> str:
    """Everything the picture cards read (see :func:`cards`), as one digest: the settings, which
    posts are shown, each one's light post (its front matter) and which post folders have a card
    file of their own. "" when a shown post has no light digest: the cards are declared again."""
    from kowp_site.site.cards import OWN_FILES

    light = data.light_digests
    digests = [light.get(name, "") for name in data.names]
    if not data.incremental or not all(digests):
        return ""
    own = sorted(path for path, _ in data.content.assets if path.rpartition("/")[2] in OWN_FILES)
    return cache.hash_text("cards", data.settings, "\x00".join(data.names), "\x00".join(digests), own)


def cards_kept(data: SiteData) -> None:
    """What a build whose cards were all kept still does: learn the letters the fonts draw, which
    the pages' previews ask about (see cards.seed_letters)."""
    from kowp_site.site import cards as cards_mod

    if data.incremental:
        cards_mod.seed_letters(data.config, data.settings)


def follow_pages(data: SiteData) -> Iterator[Output]:
    """/subscribe/ and the Mastodon share page (kowp_site.site.follow), with the category feeds they list."""
    from kowp_site.site import follow

    categories = [data.by_category[slug][0] for slug in sorted(data.by_category)]
    for path, make, parts in follow.pages(data.templates, categories):
        yield Output(path, make, Reads(values=("follow", parts)), "follow pages")


def sitemap_xml(
    config: Config, published: Sequence[render.PostView], pages: Sequence[content_mod.Page], categories: list[str]
) -> str:
    entries: list[tuple[str, str]] = [(config.url(""), "")]
    entries += [(v.url, v.published.date().isoformat()) for v in published]
    entries += [(config.url(p.url_path), "") for p in pages]
    entries += [(config.url(f"category/{slug}/"), "") for slug in categories]
    entries.append((config.url("archive/"), ""))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc, lastmod in entries:
        lines.append(
            f"  <url><loc>{xml_escape(loc)}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
        )
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def xml_escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as entities (as xml.sax.saxutils.escape, whose import costs more than this)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def robots(config: Config, drafts: bool) -> str:
    if drafts:  # previews are never indexed
        return "User-agent: *\nDisallow: /\n"
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.url('sitemap.xml')}\n"
