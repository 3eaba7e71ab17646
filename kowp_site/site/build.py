"""``kowp-site build``: configuration -> content -> pure renderers -> one writer.

Everything is read and validated first; nothing is written until every changed page, feed and
file of the new site exists in memory, so a content error never leaves half a site.

Builds are incremental (see :mod:`kowp_site.site.cache`): post folders whose files did not change
(stat first) come from the cache with their rendered Markdown, changed ones are loaded and
rendered in worker processes, every deferred output carries a key of everything it depends on
and is rendered again only when that key changed, and only files whose bytes changed are
written. When nothing changed at all, nothing is read beyond a stat of the inputs.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

# Only what a build with nothing to do needs is imported here; Markdown, templates and feeds are
# imported where they are used, so a no-change rebuild starts fast.
from kowp_site.site import cache, cards
from kowp_site.site import config as config_mod
from kowp_site.site.config import Config
from kowp_site.site.entries import WholeViews, assemble, load_posts, make_renderer, shown
from kowp_site.errors import ContentError, Problem, split_problems
from kowp_site.site.output import (
    OutputSet,
    Record,
    Staging,
    can_write_in_place,
    guard_destination,
    plan,
    write_changes,
)

if TYPE_CHECKING:
    from kowp_site.site import content as content_mod
    from kowp_site.site import render
    from kowp_site.site.content import Content, Post

PARALLEL_OUTPUTS = 256  # fewer outputs to make than this are made in this process
OUTPUTS_PER_TASK = 96


# Progress reporting: ``start(description, total)`` returns ``advance(done)`` (see ui.phases).
Progress = Callable[[str, int], Callable[[int], None]]


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    output: Path | None = None
    strict: bool = False
    base_url: str | None = None
    extra_head: str = ""  # markup injected into every page's <head>; only `serve` uses it
    progress: Progress | None = field(default=None, compare=False)  # told about long phases


@dataclass
class BuildResult:
    output: Path
    files: int
    posts: int
    pages: int
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    written: int = 0  # files created or replaced by this build
    removed: int = 0  # files of the previous build that are no longer produced
    rendered: int = 0  # outputs rendered again because something they depend on changed


@dataclass(frozen=True)
class OutputKeys:
    """What deferred outputs depend on: the whole site's settings and each shown post's files."""

    site: str  # tool, configuration, theme templates and build options
    posts: Mapping[str, str]  # post key path -> digest of its files
    cards: Mapping[str, str] = field(default_factory=dict)  # post key path -> digest of the light post, every post
    view_cards: Mapping[str, str] = field(default_factory=dict)  # post key path -> digest of its archive entry
    _memo: dict[int, str] = field(default_factory=dict, compare=False, repr=False)  # id(view) -> digest

    def of(self, *parts: object) -> str:
        """``cache.hash_text(site, *parts)``, from a copy of the hash of ``site`` (thousands of calls)."""
        return cache.hash_more(cache.hashed_prefix(self.site).copy(), parts)

    def prime(self, views: Sequence[render.PostView], names: Sequence[str]) -> None:
        """Remember the digest of each of ``views`` (``names``: their key paths), in one pass."""
        posts = self.posts
        self._memo.update((id(v), posts[name]) for v, name in zip(views, names, strict=True))

    def views(self, views: Sequence[render.PostView | None]) -> list[str]:
        found = []
        for v in views:
            if v is None:
                found.append("")
                continue
            digest = self._memo.get(id(v))
            if digest is None:
                digest = self._memo[id(v)] = self.posts[v.post.key.path]
            found.append(digest)
        return found

    def light(self, paths: Sequence[str], cards: Mapping[str, str]) -> list[str]:
        """What outputs shown only light posts or views (no HTML or bodies) depend on: their ``cards``."""
        return [cards.get(p) or self.posts.get(p, "") for p in paths]


def load_site(root: Path, options: BuildOptions) -> tuple[Config, Content, list[Problem]]:
    """Read and validate configuration and content; raise with every error at once."""
    from kowp_site.site import content as content_mod

    config, warnings = load_config(root, options)
    content, problems = content_mod.load(config)
    return config, content, warnings + checked(problems, options.strict)


def load_config(root: Path, options: BuildOptions) -> tuple[Config, list[Problem]]:
    overrides = {"base_url": options.base_url} if options.base_url else None
    return config_mod.load(root, strict=options.strict, overrides=overrides)


def checked(problems: Sequence[Problem], strict: bool) -> list[Problem]:
    """The warnings among ``problems``; raise ContentError with every error (and, if strict, warning)."""
    errors, found_warnings = split_problems(list(problems), strict)
    if errors:
        raise ContentError(errors)
    return found_warnings


def post_views(
    config: Config, posts: Sequence[Post], drafts: bool, render_body: Callable[[str], object] | None = None
) -> list[render.PostView]:
    """Render the body of every shown post; newest first, as ``posts`` is ordered."""
    from kowp_site.site import render

    renderer = make_renderer(config)
    body = render_body or renderer.render
    views = []
    for post in posts:
        if shown(post, drafts) and post.translation is not None:
            views.append(render.make_view(config, post, body(post.translation.body)))  # type: ignore[arg-type]
    return views


def render_site(
    config: Config,
    content: Content,
    views: Sequence[render.PostView],
    options: BuildOptions,
    keys: OutputKeys | None = None,
    full: Callable[[render.PostView], render.PostView] | None = None,
    bytecode: Path | None = None,
) -> OutputSet:
    """Every output of the site. Pure apart from reading theme files.

    With ``keys`` the costly outputs are deferred: added as a function plus the key of what they
    depend on, and made only if the previous build's output had another key. ``full`` turns a
    light view (no HTML: see :class:`WholeViews`) into a whole one; it is called only when a
    template reads a view's ``html`` or a feed carries the post, and never for the archive.
    Compiled templates are kept in ``bytecode`` (a folder) when given.
    """
    from kowp_site.site import feeds
    from kowp_site.site import render

    t = render.Templates(config, drafts=options.drafts, extra_head=options.extra_head)
    if bytecode is not None:
        import jinja2

        bytecode.mkdir(parents=True, exist_ok=True)
        t.env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(bytecode))
    out = OutputSet()
    names = [v.post.key.path for v in views]
    published, published_names = [], []
    for v, name in zip(views, names, strict=True):
        if v.post.translation.status == "published":  # type: ignore[union-attr]
            published.append(v)
            published_names.append(name)
    if keys is not None:
        keys.prime(views, names)

    def key(*parts: object) -> str | None:
        return keys.of(*parts) if keys is not None else None

    def digests(some: Sequence[render.PostView | None]) -> list[str]:
        return keys.views(some) if keys is not None else []

    # Feeds show their newest items: feeds.feed_order of a subset is the whole order filtered.
    in_feed_order = feeds.feed_order(published, len(published))
    newest_by_category: dict[str, list[render.PostView]] = {}  # what each category's feed shows
    for v in in_feed_order:
        for cat in v.categories:
            found = newest_by_category.setdefault(cat.slug, [])
            if len(found) < config.feed_items:
                found.append(v)

    changed_on = t.env.globals.get("source_changed")  # an outdated post's notice dates the English change (Git)
    outdated = [v.post.outdated for v in views]

    def notice(i: int) -> object:
        return changed_on(views[i].source.path) if keys is not None and outdated[i] and callable(changed_on) else None

    whole = full or (lambda v: v)
    if full is not None:  # templates read a body's HTML when they show it (see ThemeEnvironment)
        # Weakly: a Jinja2 environment is a reference cycle, and everything it holds strongly
        # (here the whole post cache) would wait for the cyclic collector after the build.
        made_whole = weakref.ref(full)
        t.env.html_of = lambda view: made_whole()(view).html  # type: ignore[misc]

    def post_page(view: render.PostView, older: render.PostView | None, newer: render.PostView | None) -> str:
        return render.render_post(t, view, older, newer)

    def list_page(page: render.ListPage, category: render.CategoryView | None = None) -> str:
        return render.render_list(t, page, category=category)

    def feed(make: Callable[..., bytes], newest: Sequence[render.PostView], *args: object) -> bytes:
        # A feed shows its newest items only (in feed order): only those are made whole.
        return make(config, [whole(v) for v in newest], *args)

    # Each post page: its post and the titles of its neighbours (their digests, "" at either end).
    around = ["", *digests(views), ""]
    for i, view in enumerate(views):
        newer = views[i - 1] if i > 0 else None
        older = views[i + 1] if i + 1 < len(views) else None
        out.add(
            names[i] + "/index.html",
            partial(post_page, view, older, newer),
            names[i],
            key=key("post", [around[i + 1], around[i + 2], around[i]], notice(i)) if keys is not None else None,
        )

    for page in render.paginate(config, views, ""):
        out.add(
            page.path + "index.html",
            partial(list_page, page),
            "home",
            key=key("list", page.number, page.total, digests(page.posts)),
        )

    by_category: dict[str, tuple[render.CategoryView, list[render.PostView]]] = {}
    for view in views:
        for cat in view.categories:
            by_category.setdefault(cat.slug, (cat, []))[1].append(view)
    for slug, (cat, cat_views) in sorted(by_category.items()):
        base = f"category/{slug}/"
        for page in render.paginate(config, cat_views, base):
            out.add(
                page.path + "index.html",
                partial(list_page, page, cat),
                f"category {cat.name}",
                key=key("category", cat, page.number, page.total, digests(page.posts)),
            )
        newest = newest_by_category.get(slug, [])
        title = f"{config.title} — {cat.name}"
        out.add(
            base + "feed.xml",
            partial(feed, feeds.rss, newest, base + "feed.xml", title),
            key=key("rss", base, title, digests(newest)),
        )

    archive_key = key("archive", keys.light(names, keys.view_cards)) if keys is not None else None
    out.add("archive/index.html", partial(render.render_archive, t, views), "archive", key=archive_key)
    dates = t.env.globals.get("source_changed")
    if callable(getattr(dates, "load", None)) and any(
        o and v.status == "published" for v, o in zip(views, outdated, strict=True)
    ):
        dates.load()  # type: ignore[union-attr]  # one `git log`, before any worker renders a post page
    # Every post's card, in the scan's (sorted) order: content.posts is ordered from them.
    progress_key = key("progress", list(keys.cards.values()), content.warnings) if keys else None
    made: dict[str, str] = {}

    def progress_page(path: str) -> str:
        if not made:
            from kowp_site.translation import progress  # imported only when the progress pages are made

            made.update(progress.progress_pages(config, content, t))
        return made[path]

    for path in ("translate/index.html", "contributors/index.html"):  # what progress_pages makes
        out.add(path, partial(progress_page, path), "translation progress", key=progress_key)

    renderer = make_renderer(config)
    shown_pages = [p for p in content.pages if options.drafts or not p.draft]
    for page in shown_pages:
        out.add(
            page.url_path + "index.html", render.render_page(t, page, renderer.render(page.body).html), str(page.path)
        )

    newest_items = in_feed_order[: config.feed_items]
    newest = digests(newest_items)
    out.add("404.html", render.render_not_found(t), "404")
    out.add("feed.xml", partial(feed, feeds.rss, newest_items), key=key("rss", newest))
    out.add("atom.xml", partial(feed, feeds.atom, newest_items), key=key("atom", newest))
    out.add("feed.json", partial(feed, feeds.json_feed, newest_items), key=key("json", newest))
    categories = sorted(by_category)
    listed = [p.url_path for p in shown_pages], categories
    sitemap_key = key("sitemap", keys.light(published_names, keys.cards), listed) if keys else None
    out.add("sitemap.xml", partial(sitemap, config, published, shown_pages, categories), key=sitemap_key)
    out.add("robots.txt", robots(config, options.drafts))

    # Reach (kowp_site.site.cards, kowp_site.site.follow): every post's picture card, drawn only when
    # what it shows changed (and kept in .kowp-cache/build/cards/ by that digest); /subscribe/ and
    # the Mastodon share page.
    card_cache = cards.cache_dir(config) if keys is not None else None
    post_files = {site_path for site_path, _ in content.assets}
    for path, make_card, drawn in cards.outputs(config, views, card_cache, post_files):
        out.add(path, make_card, "picture cards", key=key("card", drawn))
    from kowp_site.site import follow

    for path, make_page, parts in follow.pages(t, [cat for cat, _ in (by_category[s] for s in categories)]):
        out.add(path, make_page, "follow pages", key=key("follow", path, parts))

    for folder in t.static_dirs():
        out.add_tree(folder, "static/", "theme", replace=True)
    for site_path, source in content.assets:
        out.add(site_path, source, "post files")
    return out


def sitemap(
    config: Config, published: Sequence[render.PostView], pages: Sequence[content_mod.Page], categories: list[str]
) -> str:
    """sitemaps.org XML of published posts, pages, categories and the archive."""
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


@dataclass
class Session:
    """What a long-running process (``serve``) keeps between builds, so a rebuild reads no cache files."""

    posts: cache.PostCache | None = None
    manifests: dict[Path, cache.Manifest] = field(default_factory=dict)


def build(root: Path, options: BuildOptions, session: Session | None = None) -> BuildResult:
    """Build the site at ``root`` into its output folder (default ``site/``), incrementally."""
    # A build makes few reference cycles but holds many objects (every post of the cache): the
    # cyclic collector would walk all of them again and again, for nothing. It runs after the build.
    with cache.no_gc():
        return _build(root, options, session)


def _build(root: Path, options: BuildOptions, session: Session | None) -> BuildResult:
    timings: dict[str, float] = {}
    start = mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - mark
        mark = now

    config, warnings = load_config(root, options)
    dest = guard_destination(options.output or config.root / "site", config.root)
    tool = cache.tool_fingerprint()
    site_key = cache.hash_text(
        tool,
        repr(config),
        cache.theme_signature(config),
        options.drafts,
        options.extra_head,
        os.environ.get("SOURCE_DATE_EPOCH", ""),
        cards.signature(config),  # which font draws the cards decides every post's og:image
    )
    warnings += cards.warnings(config)
    found = cache.scan(config)
    inputs = cache.hash_text(site_key, found.key, options.strict, cache.git_signature(config.root))
    if session is not None and dest in session.manifests and dest.is_dir():
        manifest: cache.Manifest | None = session.manifests.pop(dest)  # put back once written
    else:
        manifest = cache.load_manifest(config, dest)
    phase("scan")
    if manifest is not None and manifest.inputs == inputs:
        if session is not None:
            session.manifests[dest] = manifest
        files, posts, pages, stored = manifest.summary
        timings["total"] = time.perf_counter() - start
        return BuildResult(dest, files, posts, pages, warnings + list(stored), timings)

    posts_cache = cache.PostCache(config, cache.hash_text(tool, repr(config)))
    if session is not None and session.posts is not None and session.posts.dir == posts_cache.dir:
        posts_cache = session.posts
    else:
        posts_cache.load()
        if session is not None:
            session.posts = posts_cache
    phase("cache")
    entries = load_posts(config, found, posts_cache, options.drafts, options.progress)
    phase("load")
    content, problems = assemble(config, entries)
    try:
        found_warnings = checked(problems, options.strict)
    finally:
        posts_cache.save()
        phase("cache")

    from kowp_site.site import render

    by_key = {e.post.key.path: e for e in entries if e.post is not None}
    views = [
        by_key[post.key.path].view or render.make_view(config, post, by_key[post.key.path].rendered)  # type: ignore[arg-type]
        for post in content.posts
        if shown(post, options.drafts) and post.translation is not None
    ]
    keys = OutputKeys(
        site_key,
        {path: e.digest for path, e in by_key.items()},
        {path: e.card for path, e in by_key.items()},
        {path: e.view_card for path, e in by_key.items()},
    )
    outputs = render_site(
        config, content, views, options, keys, WholeViews(config, found, posts_cache), posts_cache.dir / "templates"
    )
    all_warnings = warnings + found_warnings
    summary = (len(outputs), len(views), len(content.pages), tuple(found_warnings))
    result = BuildResult(dest, len(outputs), len(views), len(content.pages), all_warnings, timings)

    changes = None
    if manifest is not None:
        changes = plan(outputs, manifest.records, partial(make_outputs, progress=options.progress))
        phase("render")
        if not can_write_in_place(dest, changes.changed):  # a file stands where a folder must go
            changes = None
    if changes is not None:
        write_changes(dest, changes.changed, changes.stale, lambda: cache.forget_manifest(config, dest))
        records = changes.records
        result.written, result.removed, result.rendered = len(changes.changed), len(changes.stale), changes.rendered
    else:  # first build here: every output into a fresh folder, deferred ones made (and written) by workers
        with Staging(dest) as staging:
            records = write_deferred(outputs, staging, options.progress)
            for path, data in outputs.files.items():
                if not callable(data):
                    records[path] = staging.write(path, data)
        result.written = len(records)
        result.rendered = len(outputs.keys)
    if posts_cache.bodies.dirty:  # bodies made again for outputs (the cache had lost them)
        posts_cache.bodies.save(posts_cache.entries)
    cache.save_manifest(config, dest, cache.Manifest(inputs, records, summary))
    cards.prune(config)  # kept card drawings no output of this build uses
    if session is not None:
        session.manifests[dest] = cache.Manifest(inputs, records, summary)
    phase("write")
    timings["total"] = time.perf_counter() - start
    return result


def make_outputs(outputs: OutputSet, paths: list[str], progress: Progress | None = None) -> dict[str, bytes]:
    """Make deferred outputs, in worker processes when there are many."""
    from kowp_site import parallel

    if len(paths) < PARALLEL_OUTPUTS:
        return {path: outputs.make(path) for path in paths}
    advance = progress("making pages", len(paths)) if progress else None
    made: dict[str, bytes] = {}
    for chunk in parallel.map_chunks(partial(_make_chunk, outputs), parallel.chunked(paths, OUTPUTS_PER_TASK)):
        made.update(chunk)
        if advance:
            advance(len(chunk))
    return made


def _make_chunk(outputs: OutputSet, paths: Sequence[str]) -> dict[str, bytes]:
    with cache.no_gc():
        return {p: outputs.make(p) for p in paths}


def write_deferred(outputs: OutputSet, staging: Staging, progress: Progress | None = None) -> dict[str, Record]:
    """Make every deferred output and write it into ``staging``; in workers when there are many,
    each writing its own files, so only the small records come back."""
    from kowp_site import parallel

    paths = sorted(outputs.keys)
    if len(paths) < PARALLEL_OUTPUTS:
        return _write_chunk(outputs, staging, paths)
    advance = progress("writing pages", len(paths)) if progress else None
    records: dict[str, Record] = {}
    for chunk in parallel.map_chunks(
        partial(_write_chunk, outputs, staging), parallel.chunked(paths, OUTPUTS_PER_TASK)
    ):
        records.update(chunk)
        if advance:
            advance(len(chunk))
    return records


def _write_chunk(outputs: OutputSet, staging: Staging, paths: Sequence[str]) -> dict[str, Record]:
    records = {}
    with cache.no_gc():
        for path in paths:
            record = staging.write(path, outputs.make(path))
            records[path] = Record(outputs.keys[path], record.hash)
    return records
