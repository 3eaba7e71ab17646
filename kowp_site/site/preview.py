"""The page of the post a translator just saved, made before the whole rebuild (serve only).

``kowp-site serve`` shows a saved post's new text at once: :func:`quick_page` renders only that
post's page from what the last good build's pages were made from (its templates and the other
posts' views), and the preview reloads; the incremental build follows and writes everything else
(lists, feeds, search) and the page again when its neighbours changed. Nothing here writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kowp_site.site import cache
from kowp_site.site.entries import folder_images, make_renderer, shown

if TYPE_CHECKING:
    from kowp_site.site.groups import SiteData
    from kowp_site.site.markdown import Renderer


@dataclass(frozen=True)
class QuickPage:
    """One post page made ahead of its build."""

    path: str  # output path, e.g. "2026/08/hello/index.html"
    data: bytes


def changed_post(root: Path, language: str, changed: Iterable[Path]) -> tuple[str, str, str, Path] | None:
    """(year, month, slug, folder) when every changed file is a Markdown file of one post folder."""
    posts = (root / "content" / "posts").resolve()
    found = None
    for path in changed:
        try:
            parts = path.resolve().relative_to(posts).parts
        except ValueError:
            return None
        if len(parts) != 4 or parts[3] not in ("en.md", f"{language}.md"):
            return None
        if found is not None and found != parts[:3]:
            return None
        found = parts[:3]
    if found is None:
        return None
    year, month, slug = found
    return year, month, slug, posts / year / month / slug


class QuickPages:
    """Makes :class:`QuickPage` from the last build's :class:`SiteData`; keeps one Markdown renderer."""

    def __init__(self) -> None:
        self._renderer: tuple[object, Renderer] | None = None

    def renderer(self, data: SiteData) -> Renderer:
        if self._renderer is None or self._renderer[0] is not data.config:
            self._renderer = (data.config, make_renderer(data.config))
        return self._renderer[1]

    def make(self, data: SiteData, year: str, month: str, slug: str, folder: Path) -> QuickPage | None:
        """The post's page, or None when only a whole build can tell (a new, hidden or broken post)."""
        from kowp_site.site import content as content_mod
        from kowp_site.site import render

        config, name = data.config, f"{year}/{month}/{slug}"
        try:
            i = data.names.index(name)
        except ValueError:
            return None  # not shown by the last build: its lists and neighbours must be made first
        post, problems, assets = content_mod.load_post(config, year, month, slug, folder)
        if post is None or post.translation is None or not shown(post, data.drafts):
            return None
        if any(p.severity == "error" for p in problems):
            return None
        rendered = self.renderer(data).render(post.translation.body, dict(folder_images(config, assets, problems)))
        # As the build makes it: a light view (the HTML kept apart), made whole for its page.
        view = render.make_view(config, cache.light(post), dataclasses.replace(rendered, html=""))
        whole = dataclasses.replace(view, html=rendered.html)
        views = data.views
        older = views[i + 1] if i + 1 < len(views) else None
        newer = views[i - 1] if i > 0 else None
        env = data.templates.env
        html_of = env.html_of
        env.html_of = lambda v: v.html if v is whole else (html_of(v) if html_of else v.html)  # type: ignore[misc]
        try:
            page = render.render_post(data.templates, whole, older, newer)
        finally:
            env.html_of = html_of  # type: ignore[misc]
        return QuickPage(f"{name}/index.html", page.encode("utf-8"))
