"""Posts and pages -> HTML strings through the theme's Jinja2 templates. Pure: no disk writes.

Templates see typed views (:class:`PostView`, :class:`ListPage`), never a shared mutable dict.
A site overrides single templates by putting them in ``themes/<theme>/templates/``; the bundled
default theme fills in the rest.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urljoin

import jinja2
import markupsafe

from kowp_site import __version__, gitlog
from kowp_site.errors import KowpError
from kowp_site.site import cache, cards, jstext, locale
from kowp_site.site.config import Category, Config
from kowp_site.site.content import Page, Post
from kowp_site.site.markdown import Rendered
from kowp_site.site.theme import theme_dirs


@dataclass(frozen=True)
class CategoryView:
    name: str
    slug: str
    href: str


@dataclass(frozen=True)
class PostView:
    """Everything a template shows about one post."""

    post: Post
    html: str
    summary: str
    image: str  # absolute URL or ""
    image_alt: str
    minutes: int
    href: str
    url: str
    categories: tuple[CategoryView, ...]

    @property
    def title(self) -> str:
        return self.post.title

    @property
    def status(self) -> str:
        return self.post.status

    @property
    def source(self):  # noqa: ANN201 - the Source dataclass
        return self.post.source

    @property
    def translation(self):  # noqa: ANN201 - the Translation dataclass
        return self.post.translation

    @property
    def published(self) -> dt.datetime:
        return self.post.published

    @property
    def outdated(self) -> bool:
        return self.post.outdated


@dataclass(frozen=True)
class ListPage:
    """One page of a paginated list (home or a category)."""

    posts: tuple[PostView, ...]
    number: int
    total: int
    href: str
    prev_href: str
    next_href: str
    path: str  # output path of the page's index.html folder


@dataclass(frozen=True)
class ArchiveEntry:
    """What the archive page knows of one post: nothing drawn from its body, so editing a post's
    text (its summary or reading time) never makes the archive again."""

    title: str
    href: str
    url: str
    date: dt.datetime  # the original's date
    published: dt.datetime  # the translation's date (else the original's)
    status: str
    categories: tuple[CategoryView, ...]


def archive_entry(view: PostView) -> ArchiveEntry:
    return ArchiveEntry(
        view.title, view.href, view.url, view.post.source.date, view.published, view.status, view.categories
    )


def summary_of(post: Post, rendered: Rendered) -> str:
    from kowp_site.site.markdown import trim

    if post.translation and post.translation.summary:
        return trim(post.translation.summary)
    return rendered.summary


def make_view(config: Config, post: Post, rendered: Rendered) -> PostView:
    url = config.url(post.path)
    image = urljoin(url, rendered.image) if rendered.image else ""
    return PostView(
        post=post,
        html=rendered.html,
        summary=summary_of(post, rendered),
        image=image,
        image_alt=rendered.image_alt,
        minutes=max(1, math.ceil(rendered.chars / config.reading_speed)),
        href=config.href(post.path),
        url=url,
        categories=tuple(category_view(config, c) for c in post.categories),
    )


def category_view(config: Config, category: Category) -> CategoryView:
    return CategoryView(category.name, category.slug, config.href(f"category/{category.slug}/"))


def paginate(config: Config, views: Sequence[PostView], base: str) -> list[ListPage]:
    """Split ``views`` into pages: ``base`` (e.g. "" or "category/x/"), then ``base/page/N/``."""
    per = config.posts_per_page
    total = max(1, math.ceil(len(views) / per))

    def path(n: int) -> str:
        return base if n == 1 else f"{base}page/{n}/"

    pages = []
    for n in range(1, total + 1):
        pages.append(
            ListPage(
                posts=tuple(views[(n - 1) * per : n * per]),
                number=n,
                total=total,
                href=config.href(path(n)),
                prev_href=config.href(path(n - 1)) if n > 1 else "",
                next_href=config.href(path(n + 1)) if n < total else "",
                path=path(n),
            )
        )
    return pages


def json_script(value: object) -> markupsafe.Markup:
    """JSON for a ``<script type="application/ld+json">``: ``<``, ``>`` and ``&`` escaped as ``\\u003c``
    etc., so no string in it (a post title) can close the script element."""
    text = json.dumps(value, ensure_ascii=False, indent=None, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return markupsafe.Markup(text)


def html_escaped(name: str | None) -> bool:
    """Every template's output is HTML-escaped but a script's (``templates/js/*.js``), whose
    messages are JavaScript string literals (:mod:`kowp_site.site.jstext`)."""
    return not (name or "").endswith(".js")


class ThemeEnvironment(jinja2.Environment):
    """A Jinja2 environment in which a post's ``html`` is fetched when a template reads it.

    An incremental build hands templates light views (no body HTML); ``html_of`` gives the body
    of one, so a list page or a neighbour link never loads bodies it does not show.
    """

    html_of: Callable[[PostView], str] | None = None

    def getattr(self, obj: object, attribute: str) -> object:
        if attribute == "html" and self.html_of is not None and type(obj) is PostView:
            return self.html_of(obj)
        return super().getattr(obj, attribute)

    def getitem(self, obj: object, argument: object) -> object:
        if argument == "html" and self.html_of is not None and type(obj) is PostView:
            return self.html_of(obj)
        return super().getitem(obj, argument)


def kept_gettext(translate: Callable[[str], str]) -> Callable[..., str]:
    """Jinja2's new-style ``gettext`` (a message is a format string, escaped where autoescape is
    on), with each message that names no value translated and formatted once per build: pages
    ask for the same few dozen messages hundreds of thousands of times."""
    kept: dict[tuple[str, bool], str] = {}

    @jinja2.pass_eval_context
    def gettext(eval_ctx: jinja2.nodes.EvalContext, message: str, **variables: object) -> str:
        if variables:
            found = translate(message)
            return (markupsafe.Markup(found) if eval_ctx.autoescape else found) % variables
        key = (message, eval_ctx.autoescape)
        done = kept.get(key)
        if done is None:
            found = translate(message)
            done = kept[key] = (markupsafe.Markup(found) if eval_ctx.autoescape else found) % {}
        return done

    return gettext


class Templates:
    """The Jinja2 environment of one build: autoescape on, undefined names are errors, interface
    strings from the theme's message catalogs (compiled once here, so workers forked later share them)."""

    def __init__(self, config: Config, *, drafts: bool = False, extra_head: str = ""):
        self.config = config
        self.dirs = theme_dirs(config)
        self.messages = locale.load_kept(self.dirs, config.language, cache.catalogs_dir(config))
        self.env = ThemeEnvironment(
            loader=jinja2.FileSystemLoader([str(d / "templates") for d in self.dirs]),
            extensions=["jinja2.ext.i18n"],
            autoescape=html_escaped,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # One environment serves one build (serve makes a new one per rebuild), so a template
            # is read once and never checked for changes again: thousands of renders, no stat.
            auto_reload=False,
        )
        self.env.install_gettext_translations(self.messages.translations, newstyle=True)  # type: ignore[attr-defined]
        self.env.globals["_"] = self.env.globals["gettext"] = kept_gettext(self.messages.translations.gettext)
        self.templates: dict[str, jinja2.Template] = {}
        self.env.filters["kdate"] = self.format_date
        self.env.filters["isodate"] = lambda d: d.isoformat()
        self.env.filters["jsonld"] = json_script
        self.env.globals.update(
            site=config,
            href=config.href,
            url=config.url,
            drafts=drafts,
            version=__version__,
            extra_head=extra_head,
            feeds=self.feed_links(),
            article_ld=self.article_ld,
            source_changed=gitlog.ChangeDates(config.root),  # when an outdated post's en.md changed
            preview_image=partial(cards.image_of, config),  # a post's og:image: its picture card or a fallback
            month_name=self.messages.month,
            # Theme scripts (templates/js/): messages as JavaScript string expressions (see jstext).
            js_string=jstext.js_string,
            js_format=jstext.js_format,
            js_ngettext=partial(jstext.js_ngettext, self.messages),
        )

    def format_date(self, value: dt.datetime | dt.date) -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.config.tz)
        return self.config.date_format.format(year=value.year, month=value.month, day=value.day)

    def article_ld(self, post: PostView) -> dict[str, object]:
        """schema.org NewsArticle data of a post page, for ``{{ article_ld(post) | jsonld }}``."""
        c = self.config
        published = post.published.isoformat()
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": post.title,
            "description": post.summary,
            "url": post.url,
            "mainEntityOfPage": post.url,
            "image": cards.image_of(c, post).url,
            "datePublished": published,
            "dateModified": published,
            "inLanguage": c.language,
            "isBasedOn": post.source.link,
            "publisher": {"@type": "Organization", "name": c.title, "url": c.url("")},
        }
        if post.source.author:
            data["author"] = {"@type": "Person", "name": post.source.author}
        translators = post.translation.translators if post.translation else ()
        if translators:
            data["translator"] = [{"@type": "Person", "name": name} for name in translators]
        return data

    def feed_links(self) -> list[dict[str, str]]:
        c = self.config
        return [
            {"type": "application/rss+xml", "href": c.href("feed.xml"), "title": f"{c.title} (RSS)"},
            {"type": "application/atom+xml", "href": c.href("atom.xml"), "title": f"{c.title} (Atom)"},
            {"type": "application/feed+json", "href": c.href("feed.json"), "title": f"{c.title} (JSON Feed)"},
        ]

    def render(self, name: str, **context: object) -> str:
        try:
            template = self.templates.get(name)
            if template is None:
                template = self.templates[name] = self.env.get_template(name)
            return template.render(**context)
        except jinja2.TemplateError as exc:
            where = getattr(exc, "filename", None) or name
            line = getattr(exc, "lineno", None)
            raise KowpError(f"{where}:{line or ''}: template error: {exc}") from None

    def static_dirs(self) -> list[Path]:
        """Static folders, lowest priority first, so a site's own files win when copied last."""
        return [d / "static" for d in reversed(self.dirs) if (d / "static").is_dir()]


def render_post(t: Templates, view: PostView, prev: PostView | None, next_: PostView | None) -> str:
    return t.render("post.html", post=view, prev=prev, next=next_, canonical=view.url)


def render_list(t: Templates, page: ListPage, *, category: CategoryView | None = None) -> str:
    return t.render("list.html", page=page, category=category, canonical=t.config.url(page.path))


def render_page(t: Templates, page: Page, html: str) -> str:
    return t.render("page.html", page=page, html=html, canonical=t.config.url(page.url_path))


def render_archive(t: Templates, views: Sequence[PostView]) -> str:
    years: dict[int, dict[int, list[ArchiveEntry]]] = {}
    for v in views:  # by the YYYY/MM of the post's address, as the original site files it
        years.setdefault(v.post.key.year, {}).setdefault(v.post.key.month, []).append(archive_entry(v))
    groups = [(y, [(m, years[y][m]) for m in sorted(years[y], reverse=True)]) for y in sorted(years, reverse=True)]
    return t.render("archive.html", groups=groups, count=len(views), canonical=t.config.url("archive/"))


def render_not_found(t: Templates) -> str:
    return t.render("404.html", canonical=t.config.url("404.html"))
