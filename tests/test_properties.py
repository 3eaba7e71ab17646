"""Property-based tests: whatever the input, a clear error or safe output, never a traceback.

Covers the front-matter loader, slug validation and path mapping, Markdown -> safe HTML and feed
generation with arbitrary titles. Example counts stay modest so the suite stays fast.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import lxml.html
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from kowp_site.errors import KowpError
from kowp_site.paths import UnsafePath, check_slug, inside, key_from_link
from kowp_site.site import config as config_mod
from kowp_site.site import content as content_mod
from kowp_site.site import feeds
from kowp_site.site.markdown import Renderer
from kowp_site.site.render import make_view
from tests.conftest import SiteBuilder, en_md, ko_md, sha
from tests.test_security import PAYLOADS, unsafe_markup

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that reaches the interesting branches: markup, entities, YAML syntax, paths, Hangul, controls.
FRAGMENTS = [p["payload"] for p in PAYLOADS] + [
    "---", "\n", ": ", "- ", "[", "]", "{", "}", '"', "'", "#", "&", "&#", ";", "<", ">", "/", "..", "\\",
    "%2e", "%2f", "%00", "%ff", "\x00", "\x01", "\u202e", "\ufeff", "한국어", "title", "status", "javascript:",
    "<a href=", "<img src=", "onerror=", "](", "![", "\t", "    ", "|", "`", "```",
]  # fmt: skip
mixed = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=12).map("".join)
anything = st.one_of(st.text(max_size=200), mixed)


# --- slugs and paths -------------------------------------------------------------------------------


def test_the_slug_pattern_admits_no_control_or_invisible_character() -> None:
    """check_slug trusts SLUG_RE alone for a valid slug; this is why it may (every code point)."""
    import sys
    import unicodedata

    from kowp_site.paths import SLUG_RE

    for ch in map(chr, range(sys.maxunicode + 1)):
        if SLUG_RE.fullmatch(f"a{ch}") or SLUG_RE.fullmatch(ch):
            assert not unicodedata.category(ch).startswith("C"), hex(ord(ch))


@SETTINGS
@given(anything)
@example("%ff")
@example("..")
@example("a%2fb")
def test_check_slug_is_safe_or_refuses(raw: str) -> None:
    try:
        slug = check_slug(raw)
    except UnsafePath:
        return
    assert slug and "/" not in slug and "\\" not in slug and slug not in (".", "..")
    assert all(ch.isprintable() for ch in slug)
    base = Path(tempfile.gettempdir()) / "kowp-base"
    assert inside(base, slug).parent == base


@SETTINGS
@given(st.one_of(anything, anything.map(lambda s: f"https://wordpress.org/news/2026/08/{s}/")))
@example("javascript:alert(1)//2026/08/x/")
@example("https://wordpress.org/news/2026/08/%ff/")
@example("http://[::1/2026/08/x/")
def test_key_from_link_maps_inside_or_refuses(link: str) -> None:
    try:
        key = key_from_link(link)
    except UnsafePath:
        return
    assert link.startswith(("http://", "https://"))
    base = Path(tempfile.gettempdir()) / "kowp-posts"
    target = inside(base, key.path)
    assert target.resolve().relative_to(base.resolve()).as_posix() == key.path


@SETTINGS
@given(st.lists(anything, min_size=1, max_size=4))
@example(["..", "x"])
@example(["a/../../b"])
@example(["/etc/passwd"])
def test_inside_never_leaves_the_base(parts: list[str]) -> None:
    base = Path(tempfile.gettempdir()) / "kowp-inside"
    try:
        target = inside(base, *parts)
    except (UnsafePath, ValueError):
        return  # ValueError: a NUL byte, refused by the OS layer as well
    resolved = target.resolve()
    assert resolved == base.resolve() or base.resolve() in resolved.parents


# --- Markdown -> safe HTML ----------------------------------------------------------------------------

renderer = Renderer("/kowp/", "example.org")


@settings(max_examples=200, deadline=None)
@given(anything)
def test_rendered_html_is_always_safe(text: str) -> None:
    rendered = renderer.render(text)
    assert unsafe_markup(rendered.html, page=False) == []
    for ch in rendered.html + rendered.summary:
        assert ch in "\t\n\r" or ord(ch) >= 0x20, f"control character {ch!r} in the output"
    assert len(rendered.summary) <= 200
    if rendered.html.strip():
        lxml.html.fragments_fromstring(rendered.html)


# --- the front-matter loader ---------------------------------------------------------------------------

front_matter = st.one_of(
    anything,
    st.dictionaries(
        st.sampled_from(["title", "status", "translators", "reviewers", "source_hash", "translated", "summary", "x"]),
        st.one_of(
            anything,
            st.integers(),
            st.booleans(),
            st.none(),
            st.lists(anything, max_size=3),
            st.dates().map(str),
            st.sampled_from(["published", "draft", "review", "untranslated"]),
        ),
        max_size=8,
    ).map(lambda meta: "\n".join(f"{k}: {json.dumps(v)}" for k, v in meta.items())),
)


@FEW
@given(fm=front_matter, body=anything, raw=st.booleans())
def test_front_matter_loader_reports_problems_or_loads(fm: str, body: str, raw: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = SiteBuilder(Path(tmp))
        folder = site.post("post", translation=False)
        text = fm if raw else f"---\n{fm}\n---\n\n{body}"
        (folder / "ko.md").write_bytes(text.encode("utf-8", "surrogatepass"))
        config, _ = config_mod.load(site.root)
        try:
            loaded, problems = content_mod.load(config)
        except KowpError:
            return
        for problem in problems:
            assert problem.path.startswith("content/posts/2026/08/post/"), problem
            assert problem.message
        if not [p for p in problems if p.severity == "error"]:
            post = loaded.posts[0]
            assert post.translation is not None
            assert post.translation.status in content_mod.STATUSES


@FEW
@given(name=anything)
def test_post_folders_with_any_name_are_reported_not_crashed(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site = SiteBuilder(root)
        try:
            folder = root / "content" / "posts" / "2026" / "08" / name
            folder.mkdir(parents=True)
        except (OSError, ValueError):
            return  # the file system refuses the name itself
        if folder.resolve().parent != (root / "content" / "posts" / "2026" / "08").resolve():
            return  # a name such as '..' or 'a/b' is a different folder, not a post folder
        site.write(f"content/posts/2026/08/{name}/en.md", en_md("x"))
        config, _ = config_mod.load(root)
        loaded, problems = content_mod.load(config)
        for post in loaded.posts:
            assert inside(root / "site", post.key.path)


# --- feeds with arbitrary titles ----------------------------------------------------------------------


@FEW
@given(titles=st.lists(anything, min_size=1, max_size=3))
def test_feeds_stay_well_formed_with_any_title(titles: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site = SiteBuilder(root)
        for n, title in enumerate(titles):
            folder = site.post(f"p{n}", translation=False)
            en = (folder / "en.md").read_bytes()
            ko = ko_md(title="x", source_hash=sha(en)).replace("title: 'x'", f"title: {json.dumps(title)}")
            (folder / "ko.md").write_text(ko, encoding="utf-8")
        config = config_mod.load(root)[0]
        try:
            loaded, problems = content_mod.load(config)
        except KowpError:
            return
        if [p for p in problems if p.severity == "error"]:
            return  # a clear, reported problem (e.g. an empty title or control characters)
        views = [make_view(config, p, renderer.render(p.translation.body)) for p in loaded.posts]
        rss = etree.fromstring(feeds.rss(config, views))
        assert sorted(rss.xpath("//item/title/text()")) == sorted(v.title for v in views)
        atom = etree.fromstring(feeds.atom(config, views))
        assert len(atom.findall("{http://www.w3.org/2005/Atom}entry")) == len(views)
        data = json.loads(feeds.json_feed(config, views))
        assert sorted(i["title"] for i in data["items"]) == sorted(v.title for v in views)
