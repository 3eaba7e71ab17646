"""Incremental builds: after any change, site/ equals a clean build byte for byte, and a build
with nothing to do writes nothing."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import lxml.html
import pytest

from kowp_site.site import build as build_mod
from kowp_site.site import entries, output
from kowp_site.site.build import BuildOptions, build
from tests.conftest import PYPROJECT

PRODUCTION = BuildOptions()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def clean_build(root: Path, scratch: Path, options: BuildOptions = PRODUCTION) -> dict[str, bytes]:
    """A build of a copy of the site with no cache and no previous output."""
    copy = scratch / "clean-root"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".kowp-cache", "site", "preview"))
    out = copy / "out"
    build(copy, BuildOptions(drafts=options.drafts, output=out))
    return tree(out)


def assert_same_as_clean(root: Path, scratch: Path, options: BuildOptions = PRODUCTION):
    result = build(root, options)
    incremental = tree(result.output)
    assert incremental.keys() == clean_build(root, scratch, options).keys()
    assert incremental == clean_build(root, scratch, options)
    return result


@pytest.fixture
def blog(site):
    for day in range(1, 8):
        site.post(
            f"post-{day}",
            en={"date": f"2026-08-0{day}T10:00:00+00:00", "categories": ("Releases", "Community")[: 1 + day % 2]},
            ko={"title": f"글 {day}", "translated": f"2026-09-0{day}", "body": f"본문 {day}. [링크](../post-1/)\n"},
        )
    site.post("wip", en={"date": "2026-08-09T10:00:00+00:00"}, ko={"status": "draft", "translated": None})
    site.page("about", "소개", "소개 글입니다.\n")
    build(site.root, BuildOptions())
    return site


def test_no_change_rebuild_writes_nothing(blog):
    out = blog.root / "site"
    before = stats(out)
    result = build(blog.root, BuildOptions())
    assert (result.written, result.removed, result.rendered) == (0, 0, 0)
    assert result.files == len(before) and result.posts == 7 and result.pages == 1
    assert stats(out) == before
    # Touching a file without changing it re-reads that post but writes nothing.
    ko = blog.root / "content/posts/2026/08/post-3/ko.md"
    os.utime(ko, ns=(ko.stat().st_atime_ns, ko.stat().st_mtime_ns + 10_000_000))
    result = build(blog.root, BuildOptions())
    assert result.written == 0 and stats(out) == before


def test_a_build_with_nothing_to_do_reads_the_small_inputs_file_not_the_manifest(blog, tmp_path, monkeypatch):
    from kowp_site.site import cache
    from kowp_site.site.config import load as load_config

    config = load_config(blog.root)[0]
    manifest = cache.manifest_path(config, blog.root / "site")
    monkeypatch.setattr(cache, "load_manifest", lambda *a: pytest.fail("the manifest was read"))
    result = build(blog.root, BuildOptions())
    assert (result.written, result.files, result.posts, result.pages) == (0, len(stats(blog.root / "site")), 7, 1)
    monkeypatch.undo()
    for damage in (b"not a pickle", None):  # damaged, or missing: the manifest decides, and nothing is written
        inputs = manifest.with_suffix(".inputs")
        if damage is None:
            inputs.unlink()
        else:
            inputs.write_bytes(damage)
        result = build(blog.root, BuildOptions())
        assert (result.written, result.posts) == (0, 7) and inputs.is_file()
    manifest.unlink()  # the inputs file alone is not trusted: the site is built afresh
    result = build(blog.root, BuildOptions())
    assert result.written == result.files == len(stats(blog.root / "site"))
    blog.post("post-2", en={"date": "2026-08-02T10:00:00+00:00"}, ko={"title": "글 2 고침", "translated": "2026-09-02"})
    assert_same_as_clean(blog.root, tmp_path)


def test_edit_writes_only_affected_outputs_and_equals_clean_build(blog, tmp_path):
    out = blog.root / "site"
    before = tree(out)
    blog.post(
        "post-4",
        en={"date": "2026-08-04T10:00:00+00:00", "categories": ("Releases",)},
        ko={"title": "글 4 고침", "translated": "2026-09-04", "body": "새 본문.\n"},
    )
    result = assert_same_as_clean(blog.root, tmp_path)
    after = tree(out)
    changed = sorted(p for p in after if after[p] != before.get(p))
    assert "2026/08/post-4/index.html" in changed
    assert "2026/08/post-3/index.html" in changed  # its neighbour links to the new title
    assert "feed.xml" in changed and "archive/index.html" in changed
    assert "2026/08/post-1/index.html" not in changed
    assert "about/index.html" not in changed
    assert result.written == len(changed)


def test_body_edit_leaves_the_archive_and_progress_pages_alone(blog, tmp_path, monkeypatch):
    from kowp_site.site import render
    from kowp_site.translation import progress

    out = blog.root / "site"
    before, before_stats = tree(out), stats(out)
    blog.post(
        "post-4",
        en={"date": "2026-08-04T10:00:00+00:00", "categories": ("Releases",)},
        ko={"title": "글 4", "translated": "2026-09-04", "body": "새 첫 문단입니다.\n\n본문 4. [링크](../post-1/)\n"},
    )
    made = []
    for module, name in ((render, "render_archive"), (progress, "progress_pages")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _f=original, _n=name: made.append(_n) or _f(*a))
    build(blog.root, PRODUCTION)
    assert made == []
    monkeypatch.undo()
    assert_same_as_clean(blog.root, tmp_path)
    after = tree(out)
    changed = {p for p in after if after[p] != before.get(p)}
    assert "2026/08/post-4/index.html" in changed and "feed.json" in changed  # its text and summary
    assert "2026/08/post-3/index.html" not in changed  # the neighbour shows only the title
    # The archive shows titles and dates only: not even rendered again, so its file is untouched.
    for untouched in ("archive/index.html", "translate/index.html", "contributors/index.html"):
        assert untouched not in changed and stats(out)[untouched] == before_stats[untouched]


def test_a_list_template_that_shows_bodies_gets_them(blog, tmp_path):
    """Templates read a post's HTML on demand: a theme whose home page shows whole posts gets them."""
    blog.write(
        "themes/default/templates/list.html",
        '{% extends "base.html" %}{% block main %}{% for post in page.posts %}'
        "<article>{{ post.html | safe }}</article>{% endfor %}{% endblock %}\n",
    )
    build(blog.root, PRODUCTION)
    blog.post(
        "post-6",
        en={"date": "2026-08-06T10:00:00+00:00", "categories": ("Releases",)},
        ko={"title": "글 6", "translated": "2026-09-06", "body": "고친 본문 6.\n"},
    )
    assert_same_as_clean(blog.root, tmp_path)
    home = lxml.html.fromstring((blog.root / "site/index.html").read_bytes())
    assert [a.text_content().strip() for a in home.xpath("//article")][:2] == ["본문 7. 링크", "고친 본문 6."]


def test_templates_read_a_body_only_where_they_show_it(blog):
    """The default theme shows a body on its own post page only: list pages and neighbour links
    ask for none."""
    from kowp_site.site import config as config_mod
    from kowp_site.site import content, render
    from kowp_site.site.entries import post_views

    config, _ = config_mod.load(blog.root)
    whole = post_views(config, content.load(config)[0].posts, drafts=False)
    light = [dataclasses.replace(v, html="") for v in whole]
    asked = []
    t = render.Templates(config)
    t.env.html_of = lambda view: asked.append(view.title) or whole[light.index(view)].html
    page = render.paginate(config, light, "")[0]
    render.render_list(t, page)
    assert asked == []
    text = render.render_post(t, light[1], light[2], light[0])
    assert asked == [light[1].title]
    assert whole[1].html.strip() in text


def test_a_build_leaves_no_posts_for_the_cyclic_collector(blog):
    """Everything a build held is freed as soon as it returns: a one-post edit of a large site does
    not end with a pause while the cyclic collector walks every post (the CLI exits right after)."""
    import gc

    from kowp_site.site import cache

    blog.post("post-2", en={"date": "2026-08-02T10:00:00+00:00"}, ko={"title": "글 2", "body": "고침.\n"})
    gc.collect()
    gc.disable()
    try:
        build(blog.root, PRODUCTION)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, cache.PostEntry | cache.PostCache)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []


def test_long_phases_report_their_progress(site, monkeypatch):
    """A build tells ``progress`` about its long phases (the CLI shows bars on a terminal)."""
    monkeypatch.setattr(entries, "PARALLEL_POSTS", 4)
    monkeypatch.setattr(build_mod, "PARALLEL_OUTPUTS", 4)
    for day in range(1, 10):
        site.post(f"post-{day}", en={"date": f"2026-08-0{day}T10:00:00+00:00"}, ko={"title": f"글 {day}"})
    reported: dict[str, list[int]] = {}

    def start(description: str, total: int):
        reported[description] = [total]
        return reported[description].append

    first = build(site.root, BuildOptions(progress=start))
    assert set(reported) == {"reading posts", "writing pages"}
    assert reported["reading posts"][0] == 9 == sum(reported["reading posts"][1:])
    assert reported["writing pages"][0] == first.rendered == sum(reported["writing pages"][1:])
    reported.clear()
    site.config(raw=PYPROJECT.format(extra="").replace("posts_per_page = 2", "posts_per_page = 3"))
    # A new configuration: every post is read and every page made again, into the existing site.
    second = build(site.root, BuildOptions(progress=start))
    assert list(reported) == ["reading posts", "making pages"]
    assert reported["making pages"][0] == second.rendered == sum(reported["making pages"][1:]) > 4
    reported.clear()
    assert build(site.root, BuildOptions(progress=start)).written == 0 and reported == {}


def test_progress_bars_show_on_a_terminal_only_and_start_no_thread(monkeypatch):
    import io
    import threading

    from kowp_site import ui

    monkeypatch.delenv("CI", raising=False)
    with ui.phases() as start:
        assert start is None  # stderr is captured here: no bars, rich not needed
    terminal = io.StringIO()
    terminal.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stderr", terminal)
    threads = threading.active_count()
    with ui.phases() as start:
        assert start is not None
        advance = start("reading posts", 10)
        advance(4)
        advance(6)
        assert threading.active_count() == threads  # a build forks workers while the bars show
    monkeypatch.setenv("CI", "true")
    with ui.phases() as start:
        assert start is None


@pytest.mark.parametrize(
    "change",
    ["add", "delete", "rename", "publish", "unpublish", "theme", "config", "page", "asset", "category"],
)
def test_incremental_equals_clean_after(blog, tmp_path, change):
    root = blog.root
    posts = root / "content/posts/2026/08"
    if change == "add":
        blog.post("post-new", en={"date": "2026-08-08T10:00:00+00:00"}, ko={"title": "새 글"})
    elif change == "delete":
        shutil.rmtree(posts / "post-2")
    elif change == "rename":
        (posts / "post-5").rename(posts / "post-five")
        blog.post("post-five", en={"date": "2026-08-05T10:00:00+00:00"}, ko={"title": "글 5"})
    elif change == "publish":
        blog.post("wip", en={"date": "2026-08-09T10:00:00+00:00"}, ko={"title": "이제 공개"})
    elif change == "unpublish":
        blog.post("post-6", en={"date": "2026-08-06T10:00:00+00:00"}, ko={"status": "review", "translated": None})
    elif change == "theme":
        blog.write("themes/default/templates/404.html", "<!doctype html><title>내 404</title><p>{{ site.title }}</p>\n")
        blog.write("themes/default/static/extra.txt", "theme file\n")
    elif change == "config":
        blog.config(raw=PYPROJECT.format(extra="").replace("posts_per_page = 2", "posts_per_page = 3"))
    elif change == "page":
        (root / "content/pages/about.md").unlink()
        blog.page("join", "참여", "참여 안내.\n")
    elif change == "asset":
        (posts / "post-2/photo.png").write_bytes(b"\x89PNG one")
        build(root, BuildOptions())
        (posts / "post-2/photo.png").write_bytes(b"\x89PNG two, longer")
    elif change == "category":
        blog.post("post-7", en={"date": "2026-08-07T10:00:00+00:00", "categories": ("Design",)}, ko={"title": "글 7"})
    result = assert_same_as_clean(root, tmp_path)
    assert result.written > 0
    # And a second build right after has nothing left to do.
    again = build(root, BuildOptions())
    assert (again.written, again.removed) == (0, 0)


def test_removed_outputs_disappear_with_their_empty_folders(blog, tmp_path):
    shutil.rmtree(blog.root / "content/posts/2026/08/post-7")
    blog.config(raw=PYPROJECT.format(extra="").replace("posts_per_page = 2", "posts_per_page = 10"))
    result = assert_same_as_clean(blog.root, tmp_path)
    assert result.removed > 0
    assert not (blog.root / "site/2026/08/post-7").exists()
    assert not (blog.root / "site/page").exists()


def test_drafts_build_never_leaks_into_a_production_build(blog, tmp_path):
    out = blog.root / "site"
    build(blog.root, BuildOptions(drafts=True))
    assert (out / "2026/08/wip/index.html").is_file()
    result = assert_same_as_clean(blog.root, tmp_path)  # the same folder, now without drafts
    assert not (out / "2026/08/wip").exists()
    assert b"wip" not in (out / "sitemap.xml").read_bytes()
    assert result.removed > 0
    # A separate preview folder keeps its own record of what it holds.
    preview = BuildOptions(drafts=True, output=blog.root / "preview")
    build(blog.root, preview)
    assert build(blog.root, BuildOptions()).written == 0
    assert (blog.root / "preview/2026/08/wip/index.html").is_file()


def test_failure_while_writing_in_place_leaves_the_site_and_recovers(blog, tmp_path, monkeypatch):
    out = blog.root / "site"
    before = tree(out)
    blog.post("post-2", en={"date": "2026-08-02T10:00:00+00:00"}, ko={"title": "바뀐 제목"})
    calls = {"n": 0}
    real = output._write_file

    def flaky(target, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real(target, data)

    monkeypatch.setattr(output, "_write_file", flaky)
    with pytest.raises(OSError, match="disk full"):
        build(blog.root, BuildOptions())
    assert tree(out) == before
    assert not [p for p in out.rglob("*") if p.name.endswith(output.TEMP_SUFFIX)]
    monkeypatch.setattr(output, "_write_file", real)
    assert_same_as_clean(blog.root, tmp_path)


def test_interrupted_swap_is_repaired_by_the_next_build(blog, tmp_path, monkeypatch):
    blog.post("post-2", en={"date": "2026-08-02T10:00:00+00:00"}, ko={"title": "바뀐 제목"})
    real_replace = os.replace
    calls = {"n": 0}

    def crash_after_one(src, dst):
        if str(src).endswith(output.TEMP_SUFFIX):
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", crash_after_one)
    with pytest.raises(KeyboardInterrupt):
        build(blog.root, BuildOptions())
    monkeypatch.setattr(output.os, "replace", real_replace)
    assert_same_as_clean(blog.root, tmp_path)  # the manifest was forgotten: a full, clean write


def test_damaged_cache_is_ignored(blog, tmp_path):
    for path in (blog.root / ".kowp-cache").rglob("*.pickle"):
        path.write_bytes(b"not a pickle")
    blog.post("post-1", en={"date": "2026-08-01T10:00:00+00:00"}, ko={"title": "첫 글 고침"})
    assert_same_as_clean(blog.root, tmp_path)


def test_parallel_build_equals_serial_build(blog, tmp_path, monkeypatch):
    monkeypatch.setattr(entries, "PARALLEL_POSTS", 1)
    monkeypatch.setattr(build_mod, "PARALLEL_OUTPUTS", 1)
    monkeypatch.setattr(entries, "POSTS_PER_TASK", 2)
    monkeypatch.setattr(build_mod, "OUTPUTS_PER_TASK", 3)
    monkeypatch.setenv("KOWP_WORKERS", "2")
    for month in range(1, 7):  # several months: the loading work is split by month
        blog.post(f"m{month}", month=month, ko={"title": f"{month}월 글"})
    shutil.rmtree(blog.root / ".kowp-cache")
    parallel = build(blog.root, BuildOptions(output=tmp_path / "parallel"))
    assert parallel.written == parallel.files and parallel.rendered > 2 * parallel.posts
    shards = sorted(p.name for p in (blog.root / ".kowp-cache/build").glob("posts-*/*.pickle"))
    assert shards == [f"2026-{m:02d}.pickle" for m in range(1, 9) if m != 7]

    from kowp_site.site import content

    def no_parsing(*args, **kwargs):
        raise AssertionError("the cache written by the workers was not used")

    monkeypatch.setattr(content, "load_post", no_parsing)
    again = build(blog.root, BuildOptions(output=tmp_path / "again"))
    assert tree(tmp_path / "again") == tree(tmp_path / "parallel") and again.posts == parallel.posts
    monkeypatch.undo()
    assert tree(tmp_path / "parallel") == clean_build(blog.root, tmp_path)


def test_cache_output_folder_is_refused(blog):
    with pytest.raises(output.OutputError, match="refusing"):
        build(blog.root, BuildOptions(output=blog.root / ".kowp-cache"))
    with pytest.raises(output.OutputError, match="refusing"):
        build(blog.root, BuildOptions(output=blog.root / ".kowp-cache/build/x"))


def test_a_session_keeps_posts_and_manifest_in_memory(blog, tmp_path, monkeypatch):
    from kowp_site.site import cache
    from kowp_site.site.build import Session

    session = Session()
    blog.post("post-3", en={"date": "2026-08-03T10:00:00+00:00"}, ko={"title": "첫 편집"})
    build(blog.root, PRODUCTION, session)
    assert session.posts is not None and len(session.manifests) == 1

    def no_disk(*args, **kwargs):
        raise AssertionError("a session build read the cache from disk")

    monkeypatch.setattr(cache.PostCache, "load", no_disk)
    monkeypatch.setattr(cache, "load_manifest", no_disk)
    blog.post("post-3", en={"date": "2026-08-03T10:00:00+00:00"}, ko={"title": "둘째 편집"})
    result = build(blog.root, PRODUCTION, session)
    assert 0 < result.written < result.files
    assert build(blog.root, PRODUCTION, session).written == 0
    monkeypatch.undo()
    assert tree(result.output) == clean_build(blog.root, tmp_path)


def test_a_commit_is_an_input_even_when_no_file_changed(site, tmp_path):
    import subprocess

    def git(*args: str, date: str = "2026-09-01T12:00:00+09:00") -> None:
        env = dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date, GIT_AUTHOR_NAME="t")
        env.update(GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
        subprocess.run(["git", "-C", str(site.root), *args], check=True, capture_output=True, env=env)

    site.post("old", matching_hash=False)
    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "first")
    build(site.root, PRODUCTION)
    en = site.root / "content/posts/2026/08/old/en.md"
    en.write_text(en.read_text(encoding="utf-8") + "\nMore English.\n", encoding="utf-8")
    build(site.root, PRODUCTION)  # the change is not committed yet: the notice has the first date
    git("commit", "-q", "-am", "English changed", date="2026-10-05T12:00:00+09:00")
    result = assert_same_as_clean(site.root, tmp_path)
    notice = (result.output / "2026/08/old/index.html").read_text(encoding="utf-8")
    assert 'datetime="2026-10-05' in notice


def test_changed_stat_with_the_same_content_reuses_the_cache(blog, tmp_path, monkeypatch):
    """A restored CI cache or a fresh checkout: every stat differs, no content does."""
    from kowp_site.site import content

    for path in (blog.root / "content/posts").rglob("*.md"):
        data = path.read_bytes()
        path.unlink()
        path.write_bytes(data)  # a new inode and mtime, the same bytes

    def no_parsing(*args, **kwargs):
        raise AssertionError("a post whose content did not change was parsed again")

    monkeypatch.setattr(content, "load_post", no_parsing)
    result = build(blog.root, PRODUCTION)
    assert (result.written, result.removed) == (0, 0)
    monkeypatch.undo()
    assert tree(result.output) == clean_build(blog.root, tmp_path)


def test_the_scan_finds_exactly_the_folders_the_loader_reads(blog):
    from kowp_site.site.cache import post_folders
    from kowp_site.site.content import post_dirs

    posts = blog.root / "content/posts"
    blog.post("later", year=2027, month=1)
    (posts / ".git-keep").mkdir()
    (posts / "2026/.hidden").mkdir()
    (posts / "2026/08/.draft-folder").mkdir()
    (posts / "2026/08/stray.md").write_text("not a folder\n", encoding="utf-8")
    (posts / "README.md").write_text("notes\n", encoding="utf-8")
    expected = [(y, m, s, str(f)) for y, m, s, f in post_dirs(posts)]
    assert post_folders(posts) == expected
    assert [s for _, _, s, _ in expected][-1] == "later"
    assert post_folders(blog.root / "no-such-folder") == []


def test_an_edit_reads_the_bodies_only_of_posts_whose_outputs_are_made_again(blog, tmp_path, monkeypatch):
    """Every build reads the light entries; Markdown bodies and HTML only for outputs made again."""
    from kowp_site.site import cache

    for n in range(8, 12):  # more posts than a feed holds (feed_items = 10)
        blog.post(f"post-{n}", en={"date": f"2026-08-{n:02d}T10:00:00+00:00"}, ko={"translated": f"2026-09-{n:02d}"})
    blog.post("old", year=2024, month=1, en={"date": "2024-01-05T10:00:00+00:00"}, ko={"translated": "2024-02-01"})
    build(blog.root, PRODUCTION)
    read: list[str] = []
    month = cache.BodyStore.month

    def spy(self, shard):
        read.append(shard)
        return month(self, shard)

    monkeypatch.setattr(cache.BodyStore, "month", spy)
    blog.post("post-9", en={"date": "2026-08-09T10:00:00+00:00"}, ko={"title": "고친 글", "translated": "2026-09-09"})
    result = build(blog.root, PRODUCTION)
    assert "2026-08" in read and "2024-01" not in read  # the old post is in no output made again
    assert 0 < result.rendered < result.files / 2
    monkeypatch.undo()
    assert tree(result.output) == clean_build(blog.root, tmp_path)
    old = (result.output / "2024/01/old/index.html").read_text(encoding="utf-8")
    assert "<p>" in old  # its page still has its body (made by the first build)


def test_lost_bodies_are_made_again_from_the_post_files(blog, tmp_path):
    for path in (blog.root / ".kowp-cache").rglob("bodies/*.pickle"):
        path.unlink()
    blog.post("post-2", en={"date": "2026-08-02T10:00:00+00:00"}, ko={"title": "두 번째 고침"})
    blog.post("post-5", en={"date": "2026-08-05T10:00:00+00:00"}, ko={"title": "다섯 번째 고침"})
    assert_same_as_clean(blog.root, tmp_path)
    shutil.rmtree(blog.root / "site")  # every output made again, most from bodies made anew
    assert_same_as_clean(blog.root, tmp_path)


def test_a_preview_after_a_production_build_reads_only_the_drafts_again(blog, tmp_path, monkeypatch):
    from kowp_site.site import content

    loaded = []
    original = content.load_post

    def recording(config, year, month, slug, *args):
        loaded.append(f"{year}/{month}/{slug}")
        return original(config, year, month, slug, *args)

    monkeypatch.setattr(content, "load_post", recording)
    preview = BuildOptions(drafts=True, output=blog.root / "preview")
    build(blog.root, preview)
    monkeypatch.undo()
    assert loaded == ["2026/08/wip"]  # published posts come from the cache; the draft's Markdown is read
    assert tree(blog.root / "preview") == clean_build(blog.root, tmp_path, preview)
    assert (blog.root / "preview/2026/08/wip/index.html").is_file()


# --- search index (kowp_site.search) ---------------------------------------------------------------


def search_slugs(out: Path, query: str) -> list[str]:
    from tests.test_search import Reader

    return Reader(out)(query)


def test_search_index_follows_edits_and_equals_clean(blog, tmp_path):
    out = blog.root / "site"
    assert sorted(search_slugs(out, "본문")) == [f"post-{n}" for n in range(1, 8)]
    # A body edit: the new word is found, the old one no longer.
    blog.post(
        "post-4",
        en={"date": "2026-08-04T10:00:00+00:00", "categories": ("Releases",)},
        ko={"title": "글 4", "translated": "2026-09-04", "body": "플러그인을 고쳤습니다.\n"},
    )
    assert_same_as_clean(blog.root, tmp_path)
    assert search_slugs(out, "플러그인") == ["post-4"] and "post-4" not in search_slugs(out, "본문")
    # A title edit alone.
    blog.post(
        "post-4",
        en={"date": "2026-08-04T10:00:00+00:00", "categories": ("Releases",)},
        ko={"title": "보안 공지", "translated": "2026-09-04", "body": "플러그인을 고쳤습니다.\n"},
    )
    assert_same_as_clean(blog.root, tmp_path)
    assert search_slugs(out, "보안") == ["post-4"]
    # A new post, and a post taken back to draft.
    blog.post("post-8", en={"date": "2026-08-08T10:00:00+00:00"}, ko={"title": "글 8", "body": "플러그인의 새 글.\n"})
    blog.post("post-2", en={"date": "2026-08-02T10:00:00+00:00"}, ko={"status": "draft", "body": "본문 2.\n"})
    assert_same_as_clean(blog.root, tmp_path)
    assert search_slugs(out, "플러그인") == ["post-8", "post-4"]
    assert "post-2" not in search_slugs(out, "본문")
    # A drafts preview next to it indexes the same published posts.
    assert_same_as_clean(blog.root, tmp_path, BuildOptions(drafts=True, output=tmp_path / "preview"))
    assert search_slugs(tmp_path / "preview", "본문") == search_slugs(out, "본문")


def test_search_rewrites_only_the_shards_whose_terms_changed(blog, tmp_path, monkeypatch):
    import json

    from kowp_site.search import index as search_index

    monkeypatch.setattr(search_index, "DOCS_PER_SHARD", 1)  # 8 shards for 7 posts
    options = BuildOptions(output=tmp_path / "eight-shards")
    out = build(blog.root, options).output
    before, before_stats = tree(out), stats(out)
    shards = json.loads(before["search/meta.json"])["shards"]
    assert shards == 8
    blog.post(
        "post-4",
        en={"date": "2026-08-04T10:00:00+00:00", "categories": ("Releases",)},
        ko={"title": "글 4", "translated": "2026-09-04", "body": "본문 4. 새낱말 [링크](../post-1/)\n"},
    )
    assert_same_as_clean(blog.root, tmp_path, options)
    after, after_stats = tree(out), stats(out)
    rewritten = {p for p in after if p.startswith("search/index/") and after_stats[p] != before_stats[p]}
    expected = {f"search/index/{search_index.shard_of(t, shards)}.json" for t in ("새낱", "낱말")}
    assert rewritten == expected
    assert all(after[p] != before[p] for p in rewritten)
    assert after["search/meta.json"] != before["search/meta.json"]  # post-4's length
    old_rows, new_rows = json.loads(before["search/docs/0.json"]), json.loads(after["search/docs/0.json"])
    changed_rows = [new[1] for old, new in zip(old_rows, new_rows, strict=True) if old != new]
    assert changed_rows == ["2026/08/post-4/"] and new_rows[3][4] == "본문 4. 새낱말 링크"  # its summary


def test_an_edit_makes_only_the_search_files_it_changes_and_a_big_change_makes_them_all(blog, tmp_path, monkeypatch):
    """An edit patches the kept index while the outputs are declared: each index file is keyed by
    its own bytes, so only the shards whose bytes the edit changed (and meta.json) are made.
    More changed posts than groups.PATCH_NOW: every index file reads every post and is made."""
    import json

    from kowp_site.search import index as search_index
    from kowp_site.site import groups

    monkeypatch.setattr(search_index, "DOCS_PER_SHARD", 1)  # 8 shards for 7 posts
    options = BuildOptions(output=tmp_path / "eight-shards")
    build(blog.root, options)
    made: list[str] = []
    real_make = output.OutputSet.make

    def record() -> None:
        monkeypatch.setattr(output.OutputSet, "make", lambda self, path: made.append(path) or real_make(self, path))

    def index_files(out: Path) -> dict[str, bytes]:
        return {
            f"search/{p.relative_to(out / 'search').as_posix()}": p.read_bytes()
            for p in sorted((out / "search").rglob("*.json"))
            if "docs" not in p.parts
        }

    def edit(body: str) -> tuple[set[str], set[str]]:
        """The index files made by an edit, and those whose bytes it changed."""
        before = index_files(options.output)
        made.clear()
        blog.post(
            "post-4",
            en={"date": "2026-08-04T10:00:00+00:00", "categories": ("Releases",)},
            ko={"title": "글 4", "translated": "2026-09-04", "body": body},
        )
        out = build(blog.root, options).output
        found = {p for p in made if p.startswith("search/") and not p.startswith("search/docs/")}
        after = index_files(out)
        assert tree(out) == clean_build(blog.root, tmp_path, options)
        assert before.keys() == after.keys()
        return found, {p for p in after if after[p] != before[p]}

    record()
    shards = json.loads((options.output / "search" / "meta.json").read_text())["shards"]
    everything = {"search/meta.json", *(f"search/index/{n}.json" for n in range(shards))}
    # The first build made the index whole: its files were keyed by the posts they read, so the
    # first edit makes every one again, keyed by its bytes from then on.
    assert edit("본문 4. 첫 편집.\n")[0] == everything
    for body in ("본문 4. 새낱말 [링크](../post-1/)\n", "본문 4. 새낱말 [링크](../post-1/)\n\n둘째 문단.\n"):
        found, changed = edit(body)
        assert found == changed | {"search/meta.json"}
        new_shards = {f"search/index/{search_index.shard_of(t, shards)}.json" for t in ("새낱", "둘째")}
        assert changed & new_shards and len(changed) < shards
    monkeypatch.setattr(groups, "PATCH_NOW", 0)  # as a change of more posts than that
    assert edit("본문 4. 새낱말 [링크](../post-1/)\n")[0] == everything
    monkeypatch.undo()  # back to patching at once, from the index the big change kept
    monkeypatch.setattr(search_index, "DOCS_PER_SHARD", 1)
    record()
    # Keyed by the posts again after the big change: the next edit makes them all, the one after
    # only those it changes.
    assert edit("본문 4. 다른 말.\n")[0] == everything
    found, changed = edit("본문 4. 또 다른 말.\n")
    assert found == changed | {"search/meta.json"} and len(changed) < shards


def test_search_terms_cache_is_used_and_a_broken_one_is_rebuilt(blog, tmp_path, monkeypatch):
    from kowp_site.search import outputs as search_outputs
    from kowp_site.site import cache

    [terms] = (cache.cache_root(_config(blog)) / "search").glob("ko-*/terms/2026-08.marshal")
    analysed = []
    original = search_outputs.analyse_document
    monkeypatch.setattr(
        search_outputs, "analyse_document", lambda d, lang: analysed.append(d.path) or original(d, lang)
    )
    blog.post("post-5", en={"date": "2026-08-05T10:00:00+00:00"}, ko={"title": "글 5", "body": "고친 본문.\n"})
    build(blog.root, PRODUCTION)
    assert analysed == ["2026/08/post-5/"]  # the six others came from the cache
    terms.write_bytes(b"\x00not marshal")
    shard = max((terms.parent.parent / "index").iterdir(), key=lambda p: p.stat().st_size)
    shard.write_bytes(b"{}")  # a kept shard damaged as well: the index is made afresh
    blog.post("post-6", en={"date": "2026-08-06T10:00:00+00:00"}, ko={"title": "글 6", "body": "또 고친 본문.\n"})
    assert_same_as_clean(blog.root, tmp_path)
    assert sorted(search_slugs(blog.root / "site", "고친")) == ["post-5", "post-6"]


def _config(blog):
    from kowp_site.site import config as config_mod

    return config_mod.load(blog.root)[0]


def test_the_newest_posts_first_then_the_whole_site_equals_a_clean_build(site, tmp_path, monkeypatch):
    """serve's first preview of a site never built: the newest posts, then the whole site in place.
    The first build keeps the post cache of the posts it did not read, and the second renders
    only the posts the first did not."""
    for n, (year, month) in enumerate(((2025, 11), (2025, 12), (2026, 1), (2026, 2), (2026, 3))):
        site.post(
            f"post-{n}",
            year=year,
            month=month,
            en={"date": f"{year}-{month:02d}-05T10:00:00+00:00"},
            ko={"title": f"글 {n}", "body": f"본문 {n}.\n"},
        )
    build(site.root, BuildOptions(output=site.root / "whole"))  # the cache holds every post
    loaded: list[str] = []
    real = entries._load_entry

    def counting(config, found, name, *args):  # noqa: ANN001, ANN002, ANN202 - stands in for _load_entry
        loaded.append(name)
        return real(config, found, name, *args)

    monkeypatch.setattr(entries, "_load_entry", counting)
    site.post("post-4", year=2026, month=3, en={"date": "2026-03-05T10:00:00+00:00"}, ko={"title": "새 글 4"})
    site.post("post-0", year=2025, month=11, en={"date": "2025-11-05T10:00:00+00:00"}, ko={"title": "새 글 0"})
    out = site.root / "first"
    first = build(site.root, BuildOptions(output=out, newest=2))
    assert loaded == ["2026/03/post-4"]  # the changed post of the two newest; nothing older is read
    assert first.posts == 2
    assert sorted(p.parent.relative_to(out).as_posix() for p in out.glob("*/*/*/index.html")) == [
        "2026/02/post-3",
        "2026/03/post-4",
    ]
    home = lxml.html.fromstring((out / "index.html").read_bytes())
    assert [a.text_content().strip() for a in home.xpath("//main//h2/a")] == ["새 글 4", "글 3"]
    loaded.clear()
    whole = build(site.root, BuildOptions(output=out))
    assert loaded == ["2025/11/post-0"]  # the other unchanged posts came from the cache the first build kept
    assert whole.posts == 5
    assert tree(out) == clean_build(site.root, tmp_path, BuildOptions())
