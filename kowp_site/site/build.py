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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from kowp_site.errors import ContentError, Problem, split_problems

# Only what a build with nothing to do needs is imported here; Markdown, templates and feeds are
# imported where they are used, so a no-change rebuild starts fast.
from kowp_site.site import cache, cards, groups, locale, theme
from kowp_site.site import config as config_mod
from kowp_site.site.config import Config
from kowp_site.site.entries import WholeViews, assemble, load_posts, shown
from kowp_site.site.output import (
    OutputSet,
    Record,
    Staging,
    can_write_in_place,
    guard_destination,
    plan,
    write_changes,
)
from kowp_site.site.outputs import Group, Keys, LateGroup, kept_keys, remembered

if TYPE_CHECKING:
    from kowp_site.site import render
    from kowp_site.site.content import Content

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
    cards: bool = True  # False: draw no picture cards whatever the configuration says (serve previews)
    newest: int = 0  # N > 0: only the N newest post folders (serve's first preview of a site never built)
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
    changed: tuple[str, ...] | None = None  # output paths written or removed; None: a fresh folder (all)


def load_site(root: Path, options: BuildOptions) -> tuple[Config, Content, list[Problem]]:
    """Read and validate configuration and content; raise with every error at once."""
    from kowp_site.site import content as content_mod

    config, warnings = load_config(root, options)
    content, problems = content_mod.load(config)
    return config, content, warnings + checked(problems, options.strict)


def load_config(root: Path, options: BuildOptions) -> tuple[Config, list[Problem]]:
    overrides: dict[str, object] = {"base_url": options.base_url} if options.base_url else {}
    if not options.cards:
        overrides["cards"] = False
    return config_mod.load(root, strict=options.strict, overrides=overrides or None)


def checked(problems: Sequence[Problem], strict: bool) -> list[Problem]:
    """The warnings among ``problems``; raise ContentError with every error (and, if strict, warning)."""
    errors, found_warnings = split_problems(list(problems), strict)
    if errors:
        raise ContentError(errors)
    return found_warnings


# The site, group by group: each returns its outputs with what they read (see kowp_site.site.outputs).
GROUPS: tuple[Group, ...] = (
    groups.post_pages,
    groups.list_pages,
    groups.feeds,
    groups.archive,
    groups.progress_pages,
    groups.standalone_pages,
    groups.sitemap,
    groups.files,
    groups.scripts,
    groups.images,
    groups.search,
    groups.cards,
    groups.follow_pages,
)
# Groups that name everything their outputs read in one digest: while it is the last build's, they
# are not run (4,500 picture cards at 5,000 posts, none of which a body edit changes); the second
# function does what the group's run would have done for the rest of the build.
DIGESTS: Mapping[Group, tuple[Callable[[groups.SiteData], str], Callable[[groups.SiteData], None]]] = {
    groups.cards: (groups.cards_digest, groups.cards_kept),
}


def render_site(
    config: Config,
    content: Content,
    views: Sequence[render.PostView],
    options: BuildOptions,
    keys: Keys | None = None,
    full: Callable[[render.PostView], render.PostView] | None = None,
    bytecode: Path | None = None,
) -> OutputSet:
    """Every output of the site, from :data:`GROUPS`. Pure apart from reading theme files.

    With ``keys`` an output that declares what it reads is deferred: added as a function plus the
    key derived from its declaration, and made only if the previous build's output had another
    key. ``full`` turns a light view (no HTML: see :class:`WholeViews`) into a whole one; it is
    called only when a template reads a view's ``html`` or a feed carries the post. Compiled
    templates are kept in ``bytecode`` (a folder) when given.
    """
    return declare(site_data(config, content, views, options, keys, full, bytecode), keys)


def site_data(
    config: Config,
    content: Content,
    views: Sequence[render.PostView],
    options: BuildOptions,
    keys: Keys | None = None,
    full: Callable[[render.PostView], render.PostView] | None = None,
    bytecode: Path | None = None,
) -> groups.SiteData:
    """What every group reads, with the build's templates (see :func:`render_site`)."""
    from kowp_site.site import render

    t = render.Templates(config, drafts=options.drafts, extra_head=options.extra_head)
    if bytecode is not None:
        import jinja2

        bytecode.mkdir(parents=True, exist_ok=True)
        t.env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(bytecode))
    data = groups.SiteData(
        config,
        content,
        views,
        t,
        options.drafts,
        keys is not None,
        full,
        keys.site if keys is not None else "",
        keys.posts if keys is not None else {},
        keys.cards if keys is not None else {},
    )
    groups.attach_bodies(data)
    return data


def declare(data: groups.SiteData, keys: Keys | None, last: cache.Manifest | None = None) -> OutputSet:
    """The outputs of every group of :data:`GROUPS`, deferred with their derived key when ``keys``.

    A group of :data:`DIGESTS` whose digest is the one ``last`` (the previous build's manifest)
    kept is not run: its outputs keep their keys (see kowp_site.site.outputs.kept_keys).
    """
    out = OutputSet()
    kept, records = (last.groups, last.records) if last is not None else ({}, {})
    for group in GROUPS:
        name, digested = group.__name__, DIGESTS.get(group) if keys is not None else None
        digest = digested[0](data) if digested is not None else ""
        found = kept_keys(kept.get(name), digest, records)
        if found is not None and digested is not None:
            digested[1](data)
            late = LateGroup(group, data)
            for path, key in found:
                out.add(path, partial(late.make, path), kept[name].owner, key=key)
            out.groups[name] = kept[name]
            continue
        made = list(group(data))
        for output in made:
            key = keys.key(output) if keys is not None and output.reads is not None else None
            out.add(output.path, output.make, output.owner, key=key, together=output.together)
        if digest and (remember := remembered(digest, made)) is not None:
            out.groups[name] = remember
    return out


@dataclass
class Session:
    """What a long-running process (``serve``) keeps between builds, so a rebuild reads no cache files."""

    posts: cache.PostCache | None = None
    manifests: dict[Path, cache.Manifest] = field(default_factory=dict)
    last: groups.SiteData | None = None  # what the last good build's pages were made from (serve's quick page)
    building: groups.SiteData | None = None  # what the build under way makes its pages from, once it knows


def build(root: Path, options: BuildOptions, session: Session | None = None) -> BuildResult:
    """Build the site at ``root`` into its output folder (default ``site/``), incrementally."""
    # A build makes few reference cycles but holds many objects (every post of the cache): the
    # cyclic collector would walk all of them again and again, for nothing. It runs after the build.
    with cache.no_gc():
        try:
            return _build(root, options, session)
        finally:
            if session is not None:
                session.building = None


class Clock:
    """Seconds spent in each phase of a build, for ``--timings``."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.start = self.mark = time.perf_counter()

    def phase(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + now - self.mark
        self.mark = now

    def total(self) -> dict[str, float]:
        self.timings["total"] = time.perf_counter() - self.start
        return self.timings


def site_key(config: Config, options: BuildOptions, tool: str) -> str:
    """What every output reads: the tool, the configuration, the theme and the build options."""
    return cache.hash_text(
        tool,
        repr(config),
        cache.theme_signature(config),  # every file of the themes: templates, static files, message catalogs
        options.drafts,
        options.extra_head,
        os.environ.get("SOURCE_DATE_EPOCH", ""),
        cards.signature(config),  # which font draws the cards decides every post's og:image
        options.newest,
    )


def _build(root: Path, options: BuildOptions, session: Session | None) -> BuildResult:
    clock = Clock()
    config, warnings = load_config(root, options)
    warnings += cards.warnings(config)  # once: no Korean font to draw picture cards with
    warnings += locale.warnings(theme.theme_dirs(config), config.language)  # once: no catalog, English shown
    dest = guard_destination(options.output or config.root / "site", config.root)
    tool = cache.tool_fingerprint()
    site = site_key(config, options, tool)
    found = cache.scan(config)
    if options.newest > 0:
        found = newest(found, options.newest)
    inputs = cache.hash_text(site, found.key, options.strict, cache.git_signature(config.root))
    if session is None and (done := nothing_to_do(config, dest, inputs, warnings, clock)) is not None:
        return done
    manifest = last_manifest(config, dest, session)
    clock.phase("scan")
    if (done := unchanged(config, dest, inputs, manifest, session, warnings, clock)) is not None:
        return done
    posts_cache = open_post_cache(config, tool, session)
    clock.phase("cache")
    entries = load_posts(config, found, posts_cache, options.drafts, options.progress)
    clock.phase("load")
    content, problems = assemble(config, entries)
    try:
        found_warnings = checked(problems, options.strict)
    finally:
        posts_cache.save()
        clock.phase("cache")

    by_key = {e.post.key.path: e for e in entries if e.post is not None}
    views = shown_views(config, content, by_key, options.drafts)
    keys = Keys(
        site,
        {path: e.digest for path, e in by_key.items()},
        {path: e.card for path, e in by_key.items()},
        {path: e.view_card for path, e in by_key.items()},
    )
    data = site_data(
        config, content, views, options, keys, WholeViews(config, found, posts_cache), posts_cache.dir / "templates"
    )
    if session is not None:
        session.building = data  # the saved post's page can be made from it while outputs are written
    outputs = declare(data, keys, manifest)
    result = BuildResult(dest, len(outputs), len(views), len(content.pages), warnings + found_warnings, clock.timings)
    records = write_outputs(config, outputs, dest, manifest, result, options.progress, clock)
    if posts_cache.bodies.dirty:  # bodies made again for outputs (the cache had lost them)
        posts_cache.bodies.save(posts_cache.entries)
    summary = (len(outputs), len(views), len(content.pages), tuple(found_warnings))
    written = cache.Manifest(inputs, records, summary, outputs.groups)
    cache.save_manifest(config, dest, written)
    cards.prune(config)  # kept card drawings no output of this build uses
    if session is not None:
        session.manifests[dest] = written  # never changed in place: serve replaces it
        session.last = data
    clock.phase("write")
    clock.total()
    return result


def nothing_to_do(config: Config, dest: Path, inputs: str, warnings: list[Problem], clock: Clock) -> BuildResult | None:
    """The result of a build with nothing to read (not even the manifest) or write, when the last
    build of ``dest`` was made from ``inputs``."""
    summary = cache.unchanged_summary(config, dest, inputs)
    if summary is None:
        return None
    clock.phase("scan")
    return summary_result(dest, summary, warnings, clock)


def unchanged(
    config: Config,
    dest: Path,
    inputs: str,
    manifest: cache.Manifest | None,
    session: Session | None,
    warnings: list[Problem],
    clock: Clock,
) -> BuildResult | None:
    """The result when ``manifest`` says nothing changed: nothing to read or write (but a
    session's first build makes what it keeps)."""
    if manifest is None or manifest.inputs != inputs or (session is not None and session.last is None):
        return None
    if session is not None:
        session.manifests[dest] = manifest
    else:  # the small file that says so was missing, damaged or older
        cache.save_inputs(config, dest, manifest)
    return summary_result(dest, manifest.summary, warnings, clock)


def summary_result(
    dest: Path, summary: tuple[int, int, int, tuple[Problem, ...]], warnings: list[Problem], clock: Clock
) -> BuildResult:
    """What a build that wrote nothing reports: the last build's files, posts, pages and warnings."""
    files, posts, pages, stored = summary
    return BuildResult(dest, files, posts, pages, warnings + list(stored), clock.total(), changed=())


def last_manifest(config: Config, dest: Path, session: Session | None) -> cache.Manifest | None:
    """What the last build wrote into ``dest``: the session's (taken: put back once written), else stored."""
    if session is not None and dest in session.manifests and dest.is_dir():
        return session.manifests.pop(dest)
    return cache.load_manifest(config, dest)


def newest(found: cache.Scan, count: int) -> cache.Scan:
    """``found`` with only its ``count`` newest post folders (by year and month, then name)."""
    kept = sorted(found.folders)[-count:]
    sigs = {name: found.signatures[name] for name in kept}
    folders = {name: found.folders[name] for name in kept}
    return cache.Scan(
        folders, sigs, found.pages, cache.hash_text(sorted(sigs.items()), found.pages, count), partial=True
    )


def open_post_cache(config: Config, tool: str, session: Session | None) -> cache.PostCache:
    """The post cache of this tool and configuration: the session's when it kept one, else read."""
    from kowp_site.site.entries import media_labels

    # Bodies say the catalog's labels where a player or an embed becomes a link: they are part of the key.
    posts_cache = cache.PostCache(config, cache.hash_text(tool, repr(config), media_labels(config)))
    if session is not None and session.posts is not None and session.posts.dir == posts_cache.dir:
        return session.posts
    posts_cache.load()
    if session is not None:
        session.posts = posts_cache
    return posts_cache


def shown_views(
    config: Config, content: Content, by_key: Mapping[str, cache.PostEntry], drafts: bool
) -> list[render.PostView]:
    """The view of every post this build shows, newest first (from the cache when it kept one)."""
    from kowp_site.site import render

    views = []
    for post in content.posts:
        if shown(post, drafts) and post.translation is not None:
            entry = by_key[post.key.path]
            views.append(entry.view or render.make_view(config, post, entry.rendered))  # type: ignore[arg-type]
    return views


def write_outputs(
    config: Config,
    outputs: OutputSet,
    dest: Path,
    manifest: cache.Manifest | None,
    result: BuildResult,
    progress: Progress | None,
    clock: Clock,
) -> dict[str, Record]:
    """Write what changed since ``manifest`` in place, or everything into a fresh folder; the records."""
    changes = None
    if manifest is not None:
        changes = plan(outputs, manifest.records, partial(make_outputs, progress=progress))
        clock.phase("render")
        if not can_write_in_place(dest, changes.changed):  # a file stands where a folder must go
            changes = None
    if changes is not None:
        write_changes(dest, changes.changed, changes.stale, lambda: cache.forget_manifest(config, dest))
        result.written, result.removed, result.rendered = len(changes.changed), len(changes.stale), changes.rendered
        result.changed = (*sorted(changes.changed), *changes.stale)
        return changes.records
    # First build here: every output into a fresh folder, deferred ones made (and written) by workers.
    with Staging(dest) as staging:
        records = write_deferred(outputs, staging, progress)
        for path, data in outputs.files.items():
            if not callable(data):
                records[path] = staging.write(path, data)
    result.written = len(records)
    result.rendered = len(outputs.keys)
    return records


def make_outputs(outputs: OutputSet, paths: list[str], progress: Progress | None = None) -> dict[str, bytes]:
    """Make deferred outputs, in worker processes when there are many.

    Outputs cut from one value (the search index's files) count as one: hundreds of them are one
    task, and forking workers for it and a handful of pages costs more than it saves.
    """
    from kowp_site import parallel

    if sum(1 for path in paths if path not in outputs.together) < PARALLEL_OUTPUTS:
        return {path: outputs.make(path) for path in paths}
    advance = progress("making pages", len(paths)) if progress else None
    made: dict[str, bytes] = {}
    for chunk in parallel.map_chunks(partial(_make_chunk, outputs), tasks(outputs, paths)):
        made.update(chunk)
        if advance:
            advance(len(chunk))
    return made


def tasks(outputs: OutputSet, paths: Sequence[str]) -> list[Sequence[str]]:
    """``paths`` cut into tasks for worker processes: the outputs made from one shared value (see
    :attr:`Output.together`) as one task each, first (they are the longest), then the rest in chunks.

    Spread over workers, each would make that value again (the search index, once per process).
    """
    from kowp_site import parallel

    batches: dict[str, list[str]] = {}
    rest = []
    for path in paths:
        name = outputs.together.get(path)
        if name:
            batches.setdefault(name, []).append(path)
        else:
            rest.append(path)
    return [*batches.values(), *parallel.chunked(rest, OUTPUTS_PER_TASK)]


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
    for chunk in parallel.map_chunks(partial(_write_chunk, outputs, staging), tasks(outputs, paths)):
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
