"""Post entries for a build: from the cache while a folder's files are unchanged, else loaded
(and their Markdown rendered) in worker processes; light views made whole for the outputs made.

Called by :func:`kowp_site.site.build.build`. Heavy imports (content, Markdown, templates) are made
inside the functions, so a build with nothing to do never imports them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from kowp_site.errors import ContentError, Problem
from kowp_site.site import cache
from kowp_site.site.config import Config

if TYPE_CHECKING:
    from kowp_site.site import render
    from kowp_site.site.content import Content, Post
    from kowp_site.site.images import ImageInfo
    from kowp_site.site.markdown import Renderer
    from kowp_site.site.media_links import MediaLabels

PARALLEL_POSTS = 96  # fewer changed posts than this are loaded in this process
POSTS_PER_TASK = 48


def shown(post: Post, drafts: bool) -> bool:
    """Published posts always; draft and review posts only in a preview build."""
    return post.status == "published" or (drafts and post.status in ("draft", "review"))


def make_renderer(config: Config) -> Renderer:
    from kowp_site.site.markdown import FOOTNOTES_LABEL, Renderer

    return Renderer(
        config.base_path,
        (urlsplit(config.base_url).hostname or "").lower(),
        config.embeds,
        config.image_hosts,
        FOOTNOTES_LABEL.get(config.language, "Notes"),
        media_labels(config),
    )


def media_labels(config: Config) -> MediaLabels:
    """What the site's bodies say for a player or an embed made a link, from its message catalog."""
    from kowp_site.site import locale
    from kowp_site.site.theme import theme_dirs

    return locale.load_kept(theme_dirs(config), config.language, cache.catalogs_dir(config)).media_labels()


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


def load_posts(
    config: Config,
    found: cache.Scan,
    posts_cache: cache.PostCache,
    drafts: bool,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
) -> list[cache.PostEntry]:
    """Every post folder's entry: from the cache when its files kept their stat (or, stat changed,
    their content), else loaded anew.

    Shown posts also get their Markdown rendered. Many changed folders are spread over worker
    processes in chunks of whole months.
    """
    import pickle

    todo = []
    for name, (_, _, _, folder) in found.folders.items():
        sig = found.signatures[name]
        entry = posts_cache.get(name, sig)
        old = posts_cache.entries.get(name) if entry is None else None
        if old is not None and old.digest == cache.hash_text(name, cache.folder_content(folder, sig)):
            entry = dataclasses.replace(old, signature=sig)  # stat changed, content did not
            posts_cache.put(entry)
        if entry is None or needs_markdown(entry, drafts):
            todo.append(name)
    if not found.partial:
        posts_cache.keep_only(found.folders)

    by_shard: dict[str, list[str]] = {}
    for name in todo:
        by_shard.setdefault(cache.shard_of(name), []).append(name)
    sizes = shard_sizes(found)
    whole = {shard for shard, names in by_shard.items() if len(names) == sizes[shard] and not found.partial}
    task = partial(_load_chunk, config, found, posts_cache, drafts, whole)
    if len(todo) < PARALLEL_POSTS:
        results = [task(list(by_shard.values()))]
    else:  # whole months per task, so a worker can write their cache file itself
        chunks: list[list[list[str]]] = [[]]
        for names in by_shard.values():
            if sum(map(len, chunks[-1])) >= POSTS_PER_TASK:
                chunks.append([])
            chunks[-1].append(names)
        from kowp_site import parallel

        results = parallel.map_chunks(task, chunks)
    advance = progress("reading posts", len(todo)) if progress and len(todo) >= PARALLEL_POSTS else None
    with cache.no_gc():
        for chunk in results:
            for shard, data, bodies, saved in chunk:
                posts_cache.put_shard(shard, data, saved)
                posts_cache.bodies.put_month(shard, pickle.loads(bodies) if bodies is not None else None, saved)
                if advance:
                    advance(len(by_shard[shard]))
    return [posts_cache.entries[name] for name in found.folders]


class WholeViews:
    """Light views (from the light cache entries) made whole with their post's :class:`cache.Body`.

    Called while outputs are made, possibly in forked workers, each reading the months it needs.
    A body that is missing or stale (a damaged cache file) is made again from the post's files.
    """

    def __init__(self, config: Config, found: cache.Scan, posts_cache: cache.PostCache):
        self.config = config
        self.found = found
        self.posts = posts_cache
        self.done: dict[str, render.PostView] = {}

    def __call__(self, view: render.PostView) -> render.PostView:
        name = view.post.key.path
        whole = self.done.get(name)
        if whole is None:
            entry = self.posts.entries[name]
            body = self.posts.bodies.get(name, entry.digest)
            if body is None:
                body = self.remake(name)
                self.posts.bodies.put(name, body)  # saved at the end of the build (by the main process)
            whole = self.done[name] = dataclasses.replace(view, html=body.html)
        return whole

    def remake(self, name: str) -> cache.Body:
        from kowp_site.site import content as content_mod

        year, month, slug, folder = self.found.folders[name]
        post, _, _ = content_mod.load_post(self.config, year, month, slug, Path(folder))
        if post is None or post.translation is None:  # the files changed during the build
            raise ContentError([Problem(Path(folder), None, "the post changed during the build", "build again")])
        html = make_renderer(self.config).render(post.translation.body, dict(self.posts.entries[name].images)).html
        return cache.Body(self.posts.entries[name].digest, html)


def shard_sizes(found: cache.Scan) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for name in found.folders:
        shard = cache.shard_of(name)
        sizes[shard] = sizes.get(shard, 0) + 1
    return sizes


def rendered_here(post: Post, drafts: bool) -> bool:
    """Whether a build (preview or not) renders the post's translation."""
    return post.translation is not None and shown(post, drafts)


def needs_markdown(entry: cache.PostEntry, drafts: bool) -> bool:
    return entry.post is not None and entry.rendered is None and rendered_here(entry.post, drafts)


def _load_chunk(
    config: Config,
    found: cache.Scan,
    posts_cache: cache.PostCache,
    drafts: bool,
    whole: set[str],
    shards: Sequence[Sequence[str]],
) -> list[tuple[str, bytes, bytes | None, bool]]:
    """Load (or only render) the post folders of some months; runs in a worker or in this process.

    Returns each month's light entries and bodies pickled; a month whose every folder was loaded
    here (``whole``) is also written to the cache, so the main process need not pickle it a second
    time, nor read its bodies unless an output needs them.
    """
    import pickle

    renderer = make_renderer(config)
    done = []
    with cache.no_gc():
        for names in shards:
            bodies: dict[str, cache.Body] = {}
            # Changed, new, or cached without rendered Markdown (a draft a preview now shows).
            entries = {name: _load_entry(config, found, name, renderer, drafts, bodies) for name in names}
            shard = cache.shard_of(names[0])
            data = cache.dumps(entries)
            packed = pickle.dumps(bodies, protocol=pickle.HIGHEST_PROTOCOL)
            saved = shard in whole
            if saved:
                cache.write_atomic(posts_cache.bodies.dir / f"{shard}.pickle", packed)
                cache.write_atomic(posts_cache.dir / f"{shard}.pickle", data)
            done.append((shard, data, None if saved else packed, saved))
    return done


def _load_entry(
    config: Config, found: cache.Scan, name: str, renderer: Renderer, drafts: bool, bodies: dict[str, cache.Body]
) -> cache.PostEntry:
    """The cache entry of one post folder, loaded now; its rendered HTML, when rendered here, goes
    into ``bodies``."""
    from kowp_site.site import content as content_mod
    from kowp_site.site import render

    sig = found.signatures[name]
    year, month, slug, folder = found.folders[name]
    read: dict[str, bytes] = {}
    post, problems, assets = content_mod.load_post(config, year, month, slug, Path(folder), read)
    digest = cache.hash_text(name, cache.folder_content(folder, sig, read))
    if post is None:
        return cache.PostEntry(name, sig, None, tuple(problems), tuple(assets), digest, None)
    rendered = view = None
    images = folder_images(config, assets, problems)
    if rendered_here(post, drafts):
        rendered = renderer.render(post.translation.body, dict(images))  # type: ignore[union-attr]
        bodies[name] = cache.Body(digest, rendered.html)
        rendered = dataclasses.replace(rendered, html="")  # the HTML lives in the Body
    light = cache.light(post)
    if rendered is not None:
        view = render.make_view(config, light, rendered)
    return cache.PostEntry(
        name,
        sig,
        light,
        tuple(problems),
        tuple(assets),
        digest,
        rendered,
        view,
        card=cache.hash_text(light),
        view_card=cache.hash_text(render.archive_entry(view)) if view else "",  # what the archive shows
        images=images,
    )


def folder_images(
    config: Config, assets: Sequence[tuple[str, Path]], problems: list[Problem]
) -> tuple[tuple[str, ImageInfo], ...]:
    """(file name, size) of each good image among a post folder's files; a bad one adds a warning
    to ``problems`` and is published as it is."""
    if not assets:
        return ()
    from kowp_site.errors import display_path
    from kowp_site.site.images import probe

    found = []
    for _, path in assets:
        info = probe(path)
        if isinstance(info, str):
            problems.append(
                Problem(
                    display_path(path, config.root),
                    None,
                    f"this image {info}",
                    "replace the file; the page shows it unsized and without smaller copies",
                    "warning",
                )
            )
        else:
            found.append((path.name, info))
    return tuple(found)


def assemble(config: Config, entries: Sequence[cache.PostEntry]) -> tuple[Content, list[Problem]]:
    """The same Content and problems as :func:`kowp_site.site.content.load`, from post entries."""
    from kowp_site.site import content as content_mod

    problems: list[Problem] = [p for e in entries for p in e.problems]
    posts = [e.post for e in entries if e.post is not None]
    assets = [a for e in entries for a in e.assets]
    images = {f"{e.folder}/{name}": info for e in entries for name, info in e.images}
    pages = content_mod._load_pages(config, problems)  # pages are few: read every build
    return content_mod.assemble(config, posts, pages, assets, problems, images), problems
