"""``kowp-site build``: configuration -> content -> pure renderers -> one writer.

Everything is read and validated first; nothing is written until every page, feed and file of
the new site exists in memory, so a content error never leaves half a site.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from kowp_site import config as config_mod
from kowp_site import content as content_mod
from kowp_site import feeds, render
from kowp_site.config import Config
from kowp_site.content import Content, Post
from kowp_site.errors import ContentError, Problem
from kowp_site.markdown import Renderer
from kowp_site.output import OutputSet, guard_destination, write_site


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    output: Path | None = None
    strict: bool = False
    base_url: str | None = None
    extra_head: str = ""  # markup injected into every page's <head>; only `serve` uses it


@dataclass
class BuildResult:
    output: Path
    files: int
    posts: int
    pages: int
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def load_site(root: Path, options: BuildOptions) -> tuple[Config, Content, list[Problem]]:
    """Read and validate configuration and content; raise with every error at once."""
    overrides = {"base_url": options.base_url} if options.base_url else None
    config, warnings = config_mod.load(root, strict=options.strict, overrides=overrides)
    content, problems = content_mod.load(config)
    errors = [p for p in problems if p.severity == "error"]
    found_warnings = [p for p in problems if p.severity == "warning"]
    if options.strict:
        errors += [Problem(w.path, w.line, w.message, w.hint) for w in found_warnings]
        found_warnings = []
    if errors:
        raise ContentError(errors)
    return config, content, warnings + found_warnings


def shown(post: Post, drafts: bool) -> bool:
    """Published posts always; draft and review posts only in a preview build."""
    return post.status == "published" or (drafts and post.status in ("draft", "review"))


def make_renderer(config: Config) -> Renderer:
    return Renderer(config.base_path, (urlsplit(config.base_url).hostname or "").lower(), config.embeds)


def post_views(
    config: Config, posts: Sequence[Post], drafts: bool, render_body: Callable[[str], object] | None = None
) -> list[render.PostView]:
    """Render the body of every shown post; newest first, as ``posts`` is ordered."""
    renderer = make_renderer(config)
    body = render_body or renderer.render
    views = []
    for post in posts:
        if shown(post, drafts) and post.translation is not None:
            views.append(render.make_view(config, post, body(post.translation.body)))  # type: ignore[arg-type]
    return views


def render_site(config: Config, content: Content, views: Sequence[render.PostView], options: BuildOptions) -> OutputSet:
    """Every output of the site, in memory. Pure apart from reading theme files."""
    t = render.Templates(config, drafts=options.drafts, extra_head=options.extra_head)
    out = OutputSet()
    published = [v for v in views if v.status == "published"]

    for i, view in enumerate(views):
        newer = views[i - 1] if i > 0 else None
        older = views[i + 1] if i + 1 < len(views) else None
        out.add(view.post.path + "index.html", render.render_post(t, view, older, newer), view.post.key.path)

    for page in render.paginate(config, views, ""):
        out.add(page.path + "index.html", render.render_list(t, page), "home")

    by_category: dict[str, tuple[render.CategoryView, list[render.PostView]]] = {}
    for view in views:
        for cat in view.categories:
            by_category.setdefault(cat.slug, (cat, []))[1].append(view)
    for slug, (cat, cat_views) in sorted(by_category.items()):
        base = f"category/{slug}/"
        for page in render.paginate(config, cat_views, base):
            out.add(page.path + "index.html", render.render_list(t, page, category=cat), f"category {cat.name}")
        cat_published = [v for v in cat_views if v.status == "published"]
        out.add(base + "feed.xml", feeds.rss(config, cat_published, base + "feed.xml", f"{config.title} — {cat.name}"))

    out.add("archive/index.html", render.render_archive(t, views), "archive")

    renderer = make_renderer(config)
    shown_pages = [p for p in content.pages if options.drafts or not p.draft]
    for page in shown_pages:
        out.add(
            page.url_path + "index.html", render.render_page(t, page, renderer.render(page.body).html), str(page.path)
        )

    out.add("404.html", render.render_not_found(t), "404")
    out.add("feed.xml", feeds.rss(config, published))
    out.add("atom.xml", feeds.atom(config, published))
    out.add("feed.json", feeds.json_feed(config, published))
    out.add("sitemap.xml", sitemap(config, published, shown_pages, sorted(by_category)))
    out.add("robots.txt", robots(config, options.drafts))

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
            f"  <url><loc>{escape(loc)}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
        )
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots(config: Config, drafts: bool) -> str:
    if drafts:  # previews are never indexed
        return "User-agent: *\nDisallow: /\n"
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.url('sitemap.xml')}\n"


def build(root: Path, options: BuildOptions) -> BuildResult:
    """Build the site at ``root`` into its output folder (default ``site/``)."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    config, content, warnings = load_site(root, options)
    dest = guard_destination(options.output or config.root / "site", config.root)
    timings["load"] = time.perf_counter() - start

    mark = time.perf_counter()
    views = post_views(config, content.posts, options.drafts)
    timings["markdown"] = time.perf_counter() - mark

    mark = time.perf_counter()
    outputs = render_site(config, content, views, options)
    timings["render"] = time.perf_counter() - mark

    mark = time.perf_counter()
    count = write_site(dest, outputs)
    timings["write"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - start
    return BuildResult(dest, count, len(views), len(content.pages), warnings, timings)
