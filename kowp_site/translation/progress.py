"""The public translation pages: /translate/ (번역 현황) and /contributors/ (번역에 참여한 사람들).

Pure: built from the content model alone (no Git, no clock), so both pages are the same on
every build of the same content. The chart of published translations per month is an inline SVG
made here; the page needs no JavaScript. Called once by :func:`kowp_site.site.build.render_site`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from markupsafe import Markup

from kowp_site import gitlog
from kowp_site.site import render
from kowp_site.site.config import Config
from kowp_site.site.content import STATUSES, Content, Post
from kowp_site.site.locale import N_, Messages

MAX_MONTHS = 24  # the chart shows at most the last two years
GITHUB_HANDLE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
# English message ids: the template shows each through the site's catalog (미번역, 번역 중 … in ko).
STATUS_NAMES = {
    "untranslated": N_("Not translated"),
    "draft": N_("Being translated"),
    "review": N_("In review"),
    "published": N_("Published"),
}


@dataclass(frozen=True)
class Item:
    """A post in one of the lists on /translate/."""

    post: Post
    title: str  # the Korean title when there is one, else the English
    original_title: str
    link: str  # the original on wordpress.org
    date: dt.datetime  # the original's date
    status: str
    status_name: str  # a message id (see STATUS_NAMES)
    edit_url: str  # "번역하기": GitHub editor of the translation ("" without repo_url)
    href: str  # the Korean page, for published posts ("" otherwise)
    translators: tuple[str, ...]
    pretranslated: int = 0  # whole percent of the stub the translation memory filled in


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    count: int

    def label(self, messages: Messages) -> str:
        return messages.month_of_year(self.year, self.month)


@dataclass(frozen=True)
class Progress:
    total: int
    counts: dict[str, int]
    outdated: int
    percent: int  # published share, whole percent, rounded down
    untranslated: tuple[Item, ...]
    outdated_items: tuple[Item, ...]
    in_progress: tuple[Item, ...]
    months: tuple[Month, ...]
    chart: Markup


@dataclass(frozen=True)
class PostLink:
    title: str
    href: str


@dataclass(frozen=True)
class Person:
    name: str
    profile: str  # GitHub profile URL, "" when the name is not a GitHub handle
    translated: tuple[PostLink, ...]
    reviewed: tuple[PostLink, ...]

    @property
    def total(self) -> int:
        return len(self.translated) + len(self.reviewed)


def edit_url(config: Config, post: Post) -> str:
    """Where a contributor starts translating: the GitHub editor of ko.md (a new file when missing)."""
    if not config.repo_url:
        return ""
    repo = config.repo_url.rstrip("/")
    folder = f"content/posts/{post.key.path}"
    if post.translation is None:
        return f"{repo}/new/{config.branch}/{folder}?filename={config.language}.md"
    return f"{repo}/edit/{config.branch}/{folder}/{config.language}.md"


def item(config: Config, post: Post, pretranslated: Mapping[str, float] | None = None) -> Item:
    t = post.translation
    return Item(
        post=post,
        title=post.title,
        original_title=post.source.title,
        link=post.source.link,
        date=post.source.date,
        status=post.status,
        status_name=STATUS_NAMES[post.status],
        edit_url=edit_url(config, post),
        href=config.href(post.path) if post.status == "published" else "",
        translators=t.translators if t else (),
        pretranslated=int(100 * (pretranslated or {}).get(post.key.path, 0.0)),
    )


def months(config: Config, posts: tuple[Post, ...]) -> tuple[Month, ...]:
    """Published translations per month of their ``translated`` date, every month from the first
    to the last (at most the last MAX_MONTHS), months without one included."""
    counts: dict[tuple[int, int], int] = {}
    for post in posts:
        t = post.translation
        if post.status == "published" and t is not None and t.translated is not None:
            d = t.translated.astimezone(config.tz)
            counts[(d.year, d.month)] = counts.get((d.year, d.month), 0) + 1
    if not counts:
        return ()
    (y, m), last = min(counts), max(counts)
    out = []
    while (y, m) <= last:
        out.append(Month(y, m, counts.get((y, m), 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out[-MAX_MONTHS:])


def chart_svg(data: tuple[Month, ...], messages: Messages) -> Markup:
    """A bar chart as inline SVG with a <title> and a <desc> that says every value in words."""
    if not data:
        return Markup("")
    bar, gap, height, top, bottom, left = 28, 10, 120, 22, 34, 8
    peak = max(m.count for m in data) or 1
    width = left * 2 + len(data) * (bar + gap) - gap
    total = sum(m.count for m in data)
    title = messages.gettext(
        "Translations published per month (%(first)s – %(last)s)",
        first=data[0].label(messages),
        last=data[-1].label(messages),
    )
    each = (
        messages.ngettext(
            "%(num)d translation in %(month)s", "%(num)d translations in %(month)s", m.count, month=m.label(messages)
        )
        for m in data
    )
    desc = (
        ", ".join(each)
        + ". "
        + messages.ngettext("In all, %(num)d translation.", "In all, %(num)d translations.", total)
    )
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {top + height + bottom}" '
        f'width="{width}" height="{top + height + bottom}" role="img" '
        'aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
        f'<line x1="0" y1="{top + height}" x2="{width}" y2="{top + height}" stroke="currentColor" stroke-width="1"/>',
    ]
    for i, m in enumerate(data):
        x = left + i * (bar + gap)
        h = round(height * m.count / peak)
        y = top + height - h
        cx = x + bar // 2
        parts.append(
            f"<g><title>{escape(bar_title(m, messages))}</title>"
            f'<rect x="{x}" y="{y}" width="{bar}" height="{h}" fill="#2271b1"/>'
            f'<text x="{cx}" y="{y - 6}" text-anchor="middle" font-size="12" fill="currentColor">{m.count}</text>'
            f'<text x="{cx}" y="{top + height + 15}" text-anchor="middle" font-size="11" fill="currentColor">'
            f"{escape(messages.short_month(m.month))}</text>"
        )
        if m.month == 1 or i == 0:
            parts.append(
                f'<text x="{cx}" y="{top + height + 29}" text-anchor="middle" font-size="10" '
                f'fill="currentColor">{m.year}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_title(m: Month, messages: Messages) -> str:
    return messages.ngettext(
        "%(month)s: %(num)d translation", "%(month)s: %(num)d translations", m.count, month=m.label(messages)
    )


def progress(
    config: Config, content: Content, messages: Messages, pretranslated: Mapping[str, float] | None = None
) -> Progress:
    posts = content.posts  # newest first
    counts = dict.fromkeys(STATUSES, 0)
    for post in posts:
        counts[post.status] += 1
    outdated = tuple(item(config, p) for p in posts if p.outdated and p.status == "published")
    data = months(config, posts)
    total = len(posts)
    return Progress(
        total=total,
        counts=counts,
        outdated=len(outdated),
        percent=(100 * counts["published"] // total) if total else 0,
        untranslated=tuple(item(config, p, pretranslated) for p in posts if p.status == "untranslated"),
        outdated_items=outdated,
        in_progress=tuple(item(config, p, pretranslated) for p in posts if p.status in ("draft", "review")),
        months=data,
        chart=chart_svg(data, messages),
    )


def people(config: Config, content: Content) -> tuple[Person, ...]:
    """Everyone credited on a published translation, most contributions first, then by name."""
    translated: dict[str, list[PostLink]] = {}
    reviewed: dict[str, list[PostLink]] = {}
    for post in content.posts:
        t = post.translation
        if t is None or post.status != "published":
            continue
        link = PostLink(t.title, config.href(post.path))
        for name in dict.fromkeys(t.translators):
            translated.setdefault(name, []).append(link)
        for name in dict.fromkeys(t.reviewers):
            reviewed.setdefault(name, []).append(link)
    github = (urlsplit(config.repo_url).hostname or "") == "github.com"
    found = [
        Person(
            name=name,
            profile=f"https://github.com/{name}" if github and GITHUB_HANDLE.fullmatch(name) else "",
            translated=tuple(translated.get(name, ())),
            reviewed=tuple(reviewed.get(name, ())),
        )
        for name in set(translated) | set(reviewed)
    ]
    return tuple(sorted(found, key=lambda p: (-p.total, p.name.casefold(), p.name)))


def progress_pages(
    config: Config,
    content: Content,
    templates: render.Templates,
    pretranslated: Mapping[str, float] | None = None,
) -> list[tuple[str, str]]:
    """(output path, HTML) of /translate/ and /contributors/; ``pretranslated``: post key path ->
    share of its stub the translation memory filled (see :func:`kowp_site.translation.memory.shares`).

    Also fetches, with one ``git log`` before any post page is rendered (perhaps in forked
    workers), the dates the English of outdated published posts changed, for their notice.
    """
    dates = templates.env.globals.get("source_changed")
    if isinstance(dates, gitlog.ChangeDates) and any(p.outdated and p.status == "published" for p in content.posts):
        dates.load()
    return [
        (
            "translate/index.html",
            templates.render(
                "translate.html",
                progress=progress(config, content, templates.messages, pretranslated),
                canonical=config.url("translate/"),
            ),
        ),
        (
            "contributors/index.html",
            templates.render(
                "contributors.html", people=people(config, content), canonical=config.url("contributors/")
            ),
        ),
    ]
