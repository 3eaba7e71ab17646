"""Hostile content cannot run, load or break anything: a payload corpus fed in as a translator and as the feed.

tests/hostile/payloads.toml holds the corpus with each payload's source. It goes in two ways:
as translators' ko.md files (title, summary, body, translator names) and as an upstream feed
served on 127.0.0.1 to ``kowp-site fetch`` (title, category, author, body, link). Both sites are
built and then checked three ways: the HTML parsed with lxml (no script, handler, dangerous URL,
form, meta refresh...), every page loaded in Chromium (no dialog, no ``window.__pwned``, no
request off 127.0.0.1), and the feeds (well-formed XML, titles that stay text).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

import feedparser
import lxml.html
import pytest
import yaml
from lxml import etree

from kowp_site.cli import main as cli_main
from kowp_site.site.markdown import IMAGE_HOSTS, Renderer, feed_html
from tests.conftest import PYPROJECT, SiteBuilder, en_md, sha
from tests.test_browser import (
    LocalServer,
    Watch,
    build_for,
    needs_chromium,
    watched_context,
)

CORPUS = Path(__file__).parent / "hostile" / "payloads.toml"
PAYLOADS: list[dict[str, str]] = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["payload"]
REQUIRED_CATEGORIES = {
    "script", "event-handler", "url", "encoded", "svg-mathml", "iframe", "form-meta", "css", "template",
    "control-chars", "dom-clobbering", "request",
}  # fmt: skip

# Links a hostile feed may carry; fetch must skip them or keep them inside content/.
HOSTILE_LINKS = (
    "javascript:alert(1)//2026/09/js-link/",
    "data:text/html,<script>alert(1)</script>/2026/09/data-link/",
    "https://wordpress.org/news/2026/09/../../../../tmp/escape/",
    "https://wordpress.org/news/2026/09/%2e%2e/",
    "https://wordpress.org/news/2026/09/a%2fb/",
    "https://wordpress.org/news/2026/09/%00nul/",
    "https://wordpress.org/news/2026/09/%ff/",
    "https://wordpress.org/news/2026/09/%E2%80%AEcod.exe/",
    "https://evil.example/2026/09/foreign-host/",
)

_URL_ATTRS = {"href", "src", "cite", "action", "formaction", "data", "poster", "background", "xlink:href", "srcset"}
_FORBIDDEN_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
    "textarea", "select", "option", "base", "foreignobject", "math", "template", "noscript", "video", "audio", "source",
    "marquee", "listing", "xmp",
}  # fmt: skip
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\ufffd]")
_SAFE_DATA_IMAGE = re.compile(r"data:image/(png|gif|jpeg|webp|avif);base64,", re.IGNORECASE)


def first_line(payload: str) -> str:
    return payload.strip().splitlines()[0][:300]


def dangerous_url(value: str, *, image: bool = False) -> bool:
    """A URL that runs code or smuggles a document, however it is spaced, cased or hidden."""
    probe = _INVISIBLE.sub("", value).lower()
    if probe.startswith(("javascript:", "vbscript:", "livescript:")):
        return True
    return probe.startswith("data:") and not (image and _SAFE_DATA_IMAGE.match(probe))


def _inert_json_ld(text: str) -> bool:
    """Structured data is data: valid JSON with no raw '<' that could close the script element."""
    try:
        json.loads(text)
    except ValueError:
        return False
    return "<" not in text


_SEARCH_FORM_ATTRS = {"role", "action", "class", "aria-label"}
_SEARCH_FIELD_ATTRS = {"type", "id", "name", "placeholder", "maxlength", "autocomplete", "spellcheck", "class", "for"}


def _theme_search_markup(elements: list) -> set:  # noqa: ANN001 - lxml elements
    """The theme's own search box (the header's, and the search page's with its script and
    notice): a form role=search posting to .../search/ in the header or in #search, holding only
    a label, a search input named q and a submit button. Anything else stays suspect."""
    own = set()
    for el in elements:
        parent = el.getparent()
        if el.tag == "form" and el.get("role") == "search" and set(el.attrib) <= _SEARCH_FORM_ATTRS:
            in_header = parent is not None and parent.getparent() is not None and parent.getparent().tag == "header"
            action = el.get("action", "")
            local = action.startswith("/") and not action.startswith("//") and action.endswith("/search/")
            if not (local and (in_header or parent.get("id") == "search")):
                continue
            fields = [f for f in el.iter() if f is not el]
            if all(
                f.tag in ("label", "div", "input", "button")
                and set(f.attrib) <= _SEARCH_FIELD_ATTRS
                and (f.tag != "input" or (f.get("type"), f.get("name")) == ("search", "q"))
                and (f.tag != "button" or f.get("type") in (None, "submit"))
                for f in fields
            ):
                own.update([el, *fields])
            continue
        notice = el.tag == "noscript" and parent is not None and parent.get("id") == "search"
        script = (
            el.tag == "script"
            and set(el.attrib) == {"src", "defer"}
            and el.get("src", "").endswith("/static/js/search.js")
            and not (el.text or "").strip()
            and parent is not None
            and parent.tag == "main"
        )
        if notice or script:
            own.add(el)
    return own


def _theme_script(el) -> bool:  # noqa: ANN001 - an lxml element
    """The theme's own share script: an empty, deferred external script of this site's static/js/."""
    src = el.get("src") or ""
    return (
        not (el.text or "").strip()
        and set(el.attrib) == {"src", "defer"}
        and re.fullmatch(r"(/[\w-]+)*/static/js/share\.js", src) is not None
    )


def _theme_control(el) -> bool:  # noqa: ANN001 - an lxml element
    """The theme's own share and copy buttons and the Mastodon share form, outside any post body.

    Post bodies are in ``div.content``: nothing in there is ever a control."""
    if any("content" in (a.get("class") or "").split() for a in el.iterancestors()):
        return False
    form = next((a for a in el.iterancestors("form")), None)
    in_share_form = form is not None and form.get("data-mastodon-share") is not None and "action" not in form.attrib
    tag = el.tag.lower()
    if tag == "button":
        own = el.get("data-copy") is not None or el.get("data-share-url") is not None
        return (el.get("type") == "button" and own) or (el.get("type") == "submit" and in_share_form)
    if tag == "form":
        return el.get("data-mastodon-share") is not None and "action" not in el.attrib
    if tag in ("input", "textarea"):
        return in_share_form and el.get("id") in ("mastodon-server", "mastodon-text")
    if tag == "noscript":
        return any("share-page" in (a.get("class") or "").split() for a in el.iterancestors("article"))
    return False


def unsafe_markup(html: str, *, page: bool = True) -> list[str]:
    """Everything in ``html`` that could run script, load from elsewhere or change the page's behaviour."""
    if page:
        tree = lxml.html.document_fromstring(html)
        body = tree.find("body")
        scope = [body] if body is not None else [tree]
        head = tree.find("head")
    else:
        scope = lxml.html.fragments_fromstring(html) if html.strip() else []
        scope = [el for el in scope if not isinstance(el, str)]
        head = None
    found: list[str] = []
    elements = [el for root in scope for el in root.iter() if isinstance(el.tag, str)]
    own = _theme_search_markup(elements) if page else set()
    if head is not None:
        for el in head.iter():
            if not isinstance(el.tag, str):
                continue
            if el.tag == "script" and el.get("type") == "application/ld+json":
                if not _inert_json_ld(el.text or ""):
                    found.append("JSON-LD that is not inert JSON")
            elif el.tag == "script" and _theme_script(el):
                pass
            elif el.tag in ("script", "style", "base", "iframe", "object", "embed"):
                found.append(f"<{el.tag}> in head")
            if el.tag == "meta" and el.get("http-equiv"):
                found.append(f"meta http-equiv={el.get('http-equiv')!r} in head")
            urls = [el.get("href"), el.get("src")]
            if el.get("property") in ("og:url", "og:image"):
                urls.append(el.get("content"))
            for url in urls:
                if url and dangerous_url(url):
                    found.append(f"<{el.tag}> pointing at {url!r} in head")
    for el in elements:
        tag = el.tag.lower()
        if _theme_control(el):
            continue
        if tag in _FORBIDDEN_TAGS and el not in own:
            found.append(f"<{tag}>")
        if tag in ("meta", "link"):
            found.append(f"<{tag}> in body")
        for name, value in el.attrib.items():
            lname = name.lower()
            if lname.startswith("on"):
                found.append(f"<{tag} {name}>")
            elif el in own and lname == "name" and value == "q":
                continue  # the search box's query parameter
            elif lname in ("style", "srcdoc", "name", "formaction", "autofocus") or (
                lname in _URL_ATTRS and dangerous_url(value, image=tag == "img" and lname == "src")
            ):
                found.append(f"<{tag} {name}={value!r}>")
            elif lname == "id" and value.lstrip("_") in ("pwned", "main") and not (tag == "main" and value == "main"):
                found.append(f"<{tag} id={value!r}>")
    return found


def test_corpus_is_large_sourced_and_covers_every_category() -> None:
    assert len(PAYLOADS) >= 40
    ids = [p["id"] for p in PAYLOADS]
    assert len(ids) == len(set(ids))
    for p in PAYLOADS:
        assert set(p) == {"id", "category", "source", "payload"}, p["id"]
        assert p["source"].strip() and p["payload"].strip(), p["id"]
    assert {p["category"] for p in PAYLOADS} >= REQUIRED_CATEGORIES
    text = "".join(p["payload"] for p in PAYLOADS)
    assert "\x00" in text and "\u202e" in text  # NUL and bidi controls are really in there


def test_the_checker_catches_what_it_looks_for() -> None:
    """The checks below are only worth something if they fail on unsafe markup."""
    bad = [
        "<script>x</script>",
        '<img src=x onerror="y">',
        '<a href=" java\tscript:alert(1)">x</a>',
        '<a href="\u2028javascript:alert(1)">x</a>',
        '<a href="java\ufffdscript:alert(1)">x</a>',
        '<img src="data:image/svg+xml;base64,AA">',
        '<iframe srcdoc="x"></iframe>',
        '<p style="color:red">x</p>',
        '<h2 id="__pwned">x</h2>',
        '<form action="/x"></form>',
    ]
    for markup in bad:
        assert unsafe_markup(markup, page=False), markup
    assert (
        unsafe_markup('<p><a href="https://wordpress.org/">ok</a><img src="data:image/png;base64,AA"></p>', page=False)
        == []
    )


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p["id"] for p in PAYLOADS])
def test_renderer_makes_every_payload_safe(payload: dict[str, str]) -> None:
    rendered = Renderer("/kowp/", "example.org").render(payload["payload"])
    assert unsafe_markup(rendered.html, page=False) == []
    assert "\x00" not in rendered.html
    for ch in rendered.summary:
        assert ch in "\t\n" or ch >= " ", f"control character {ch!r} in the summary"


def _players(html: str) -> tuple[list[tuple[str, dict[str, str], int]], str]:
    """The audio/video elements of a rendered body, and the body without them (for unsafe_markup)."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    found = []
    for el in list(root.iter("audio", "video")):
        found.append((el.tag, dict(el.attrib), len(el) + len((el.text or "").strip())))
        el.drop_tree()
    for el in list(root.iter("iframe")):  # checked by their own tests: allowlisted and sandboxed
        el.drop_tree()
    return found, lxml.html.tostring(root, encoding="unicode")


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p["id"] for p in PAYLOADS])
def test_players_are_inert_and_local_even_with_embeds_as_iframes(payload: dict[str, str]) -> None:
    """With ``embeds = "iframe"`` players are allowed: only controls, preload="none" and an allowed src."""
    rendered = Renderer("/kowp/", "example.org", "iframe").render(payload["payload"])
    players, rest = _players(rendered.html)
    assert unsafe_markup(rest, page=False) == []
    for tag, attrs, children in players:
        assert set(attrs) == {"controls", "preload", "src"}, (tag, attrs)
        assert attrs["preload"] == "none" and children == 0
        src = attrs["src"]
        assert not dangerous_url(src) and not src.startswith("//")
        host = urlsplit(src).hostname
        assert host is None or _upstream(src), src  # the post's folder or the upstream's file servers


def test_hostile_players_become_what_they_should() -> None:
    """The media payloads, one by one: what is left of each, in both embed modes."""
    by_id = {p["id"]: p["payload"] for p in PAYLOADS}

    def shown(payload_id: str, embeds: str) -> list[tuple[str, str, str]]:
        html = Renderer("/kowp/", "example.org", embeds).render(by_id[payload_id]).html
        root = lxml.html.fragment_fromstring(html, create_parent="div")
        return [
            (el.tag, el.get("src") or el.get("href") or "", el.text_content())
            for el in root.iter("audio", "video", "a", "img", "iframe")
        ]

    for embeds in ("link", "iframe"):
        assert shown("media-javascript-src", embeds) == []
        assert shown("media-data-src", embeds) == []
        # A third-party file is only ever a link: no autoplay, no poster, nothing requested.
        assert shown("media-third-party", embeds) == [
            ("a", "https://evil.example/beacon.mp4", "동영상 보기 (beacon.mp4)")
        ]
    assert shown("media-onerror", "iframe") == [("video", "x.mp4", ""), ("audio", "x", "")]
    assert shown("media-onerror", "link") == [("a", "x.mp4", "동영상 보기 (x.mp4)"), ("a", "x", "오디오 듣기 (x)")]
    assert shown("media-nested-srcdoc", "iframe") == [("audio", "/kowp/ok.mp3", "")]
    breakout = shown("media-attribute-breakout", "iframe")
    assert [tag for tag, _, _ in breakout] == ["video", "audio"]
    assert breakout[0][1] == 'https://wordpress.org/a.mp4"><img src=x onerror=alert(1)>'  # one value, never markup
    details = lxml.html.fragment_fromstring(
        Renderer().render(by_id["details-summary-handlers"]).html, create_parent="div"
    )
    assert [(el.tag, dict(el.attrib)) for el in details.iter("details", "summary", "dl", "dt", "dd")] == [
        ("details", {"open": ""}),
        ("summary", {}),
        ("dl", {}),
        ("dt", {}),
        ("dd", {}),
    ]


def test_feeds_get_links_not_players() -> None:
    html = Renderer("/kowp/", "example.org", "iframe").render('<audio controls src="ep.mp3"></audio>').html
    assert "<audio" in html
    feed = lxml.html.fragment_fromstring(feed_html(html, "https://example.org/kowp/2026/08/x/"), create_parent="div")
    assert [el.tag for el in feed.iter("audio", "video", "source")] == []
    assert [(a.get("href"), a.text_content()) for a in feed.iter("a")] == [
        ("https://example.org/kowp/2026/08/x/ep.mp3", "오디오 듣기 (ep.mp3)")
    ]


def test_template_syntax_stays_literal_text() -> None:
    payload = next(p["payload"] for p in PAYLOADS if p["id"] == "template-jinja")
    text = lxml.html.fragment_fromstring(Renderer().render(payload).html, create_parent="div").text_content()
    assert "{{ 7*7 }}" in text and "{% if true %}jinja-ran{% endif %}" in text
    assert "49" not in text


# --- whole sites built from hostile input -------------------------------------------------------------


@dataclass(frozen=True)
class HostileSite:
    root: Path
    folder: Path
    url: str
    titles: dict[str, str]  # post path ("2026/08/slug/") -> the title the page must show as text
    upstream_images: bool = False  # fetched posts may load images from WordPress.org


def _yaml_quoted(value: str) -> str:
    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar


def _html_pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


@pytest.fixture(scope="module")
def translator_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileSite]:
    """One post per payload: ko.md title, summary, translators and body all hostile; one page of all."""
    root = tmp_path_factory.mktemp("hostile-ko") / "root"
    root.mkdir()
    builder = SiteBuilder(root)
    builder.config(raw=PYPROJECT.format(extra="").replace("posts_per_page = 2", "posts_per_page = 200"))
    titles = {}
    for n, p in enumerate(PAYLOADS):
        slug = f"p{n:02d}"
        folder = f"content/posts/2026/08/{slug}"
        en = builder.write(f"{folder}/en.md", en_md(slug, title=f"Hostile {p['id']}"))
        # Control characters in front matter are refused (see the test below); in the body they stay.
        title = _xml_safe(first_line(p["payload"]))
        ko = (
            "---\n"
            f"title: {_yaml_quoted(title)}\n"
            "status: published\n"
            f"translators: [{_yaml_quoted(title[:60])}, minji]\n"
            f"summary: {_yaml_quoted(title)}\n"
            f"source_hash: {sha(en.read_bytes())}\n"
            "translated: 2026-08-20\n"
            f"---\n\n{p['payload']}\n"
        )
        builder.write(f"{folder}/ko.md", ko)
        titles[f"2026/08/{slug}/"] = yaml.safe_load(ko.split("---\n")[1])["title"].strip()
    builder.page("hostile", "악성 입력 모음", "\n\n".join(p["payload"] for p in PAYLOADS) + "\n")
    server = LocalServer(root.parent / "site")
    try:
        yield HostileSite(root, build_for(root, server), server.url, titles)
    finally:
        server.close()


@pytest.mark.parametrize("key", ["title", "summary", "translators"])
def test_control_characters_in_front_matter_are_a_clear_error(site: SiteBuilder, key: str, capsys) -> None:
    folder = site.post("ctrl", translation=False)
    meta = {"title": '"제목"', "summary": '"요약"', "translators": "[minji]"}
    hostile = _yaml_quoted("제목\x00<script>\x01")
    meta[key] = f"[{hostile}]" if key == "translators" else hostile
    lines = [f"{k}: {v}" for k, v in meta.items()]
    lines += ["status: published", f"source_hash: {sha((folder / 'en.md').read_bytes())}", "translated: 2026-08-20"]
    site.write("content/posts/2026/08/ctrl/ko.md", "---\n" + "\n".join(lines) + "\n---\n\n본문\n")
    assert cli_main(["build", "--root", str(site.root)]) == 1
    err = capsys.readouterr().err
    assert "content/posts/2026/08/ctrl/ko.md:" in err
    assert f"'{key}' contains control characters" in err
    assert not (site.root / "site").exists()


def _rss(items: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<channel><title>WordPress News</title><link>https://wordpress.org/news/</link>"
        "<description>News</description>" + "".join(items) + "</channel></rss>\n"
    ).encode()


def _xml_text(value: str) -> str:
    """XML 1.0 cannot carry C0 controls at all; a server that sends them sends a broken feed."""
    return xml_escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value))


def _item(n: int, title: str, link: str, author: str, categories: tuple[str, ...], html: str) -> str:
    date = email.utils.format_datetime(dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=n))
    cdata = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", html).replace("]]>", "]]]]><![CDATA[>")
    cats = "".join(f"<category>{_xml_text(c)}</category>" for c in categories)
    return (
        f"<item><title>{_xml_text(title)}</title><link>{_xml_text(link)}</link>"
        f"<dc:creator>{_xml_text(author)}</dc:creator><pubDate>{date}</pubDate>{cats}"
        f'<guid isPermaLink="false">https://wordpress.org/news/?p={9000 + n}</guid>'
        f"<description>{_xml_text(title)}</description>"
        f"<content:encoded><![CDATA[{cdata}]]></content:encoded></item>"
    )


def hostile_feed() -> bytes:
    items = []
    for n, p in enumerate(PAYLOADS):
        line = first_line(p["payload"])
        link = f"https://wordpress.org/news/2026/09/h{n:02d}/"
        items.append(_item(n, line, link, line[:80], (line[:80], "Releases"), p["payload"]))
    for m, link in enumerate(HOSTILE_LINKS, start=len(PAYLOADS)):
        items.append(_item(m, f"Hostile link {m}", link, "Mallory", ("General",), "<p>Body of a hostile link.</p>"))
    return _rss(items)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _publish_stub(path: Path) -> None:
    """What a translator does to a stub: mark it published (the body stays the fetched English)."""
    text = path.read_text(encoding="utf-8")
    _, fm, body = text.split("---\n", 2)
    meta = yaml.safe_load(fm)
    meta.update(status="published", translators=["minji"], translated="2026-09-20")
    path.write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body, encoding="utf-8")


@pytest.fixture(scope="module")
def fetched_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileSite]:
    """The corpus as an upstream feed on loopback, fetched, published as-is and built."""
    base = tmp_path_factory.mktemp("hostile-feed")
    root = base / "root"
    root.mkdir()
    SiteBuilder(root)
    feed_server = LocalServer(base / "feed")
    (base / "feed" / "feed.xml").write_bytes(hostile_feed())
    outside_before = {p for p in base.rglob("*") if root not in p.parents and p != root}
    try:
        assert cli_main(["fetch", "--root", str(root), "--feed", feed_server.url + "feed.xml"]) == 0
    finally:
        feed_server.close()
    outside_after = {p for p in base.rglob("*") if root not in p.parents and p != root}
    assert outside_after == outside_before, "fetch wrote outside the site root"
    written = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    for rel in written:
        assert rel == "pyproject.toml" or rel.startswith("content/"), rel
    stubs = sorted((root / "content" / "posts").glob("*/*/*/ko.md"))
    # Entries whose whole body is active markup sanitize to nothing and are skipped by fetch.
    assert len(stubs) >= 40
    titles = {}
    for stub in stubs:
        _publish_stub(stub)
        key = stub.parent.relative_to(root / "content" / "posts").as_posix() + "/"
        titles[key] = yaml.safe_load(stub.read_text(encoding="utf-8").split("---\n")[1])["title"].strip()
    server = LocalServer(base / "site")
    try:
        yield HostileSite(root, build_for(root, server), server.url, titles, upstream_images=True)
    finally:
        server.close()


@pytest.fixture(params=["translator", "fetched"])
def hostile_site(request: pytest.FixtureRequest) -> HostileSite:
    return request.getfixturevalue(f"{request.param}_site")


def test_fetch_keeps_every_post_folder_safe(fetched_site: HostileSite) -> None:
    posts = fetched_site.root / "content" / "posts"
    folders = sorted(p.relative_to(posts).as_posix() for p in posts.glob("*/*/*") if p.is_dir())
    for folder in folders:
        assert re.fullmatch(r"2026/09/[^\W_][\w-]*", folder), folder
    hostile = {f"2026/09/h{n:02d}" for n in range(len(PAYLOADS))}
    assert len(set(folders) & hostile) >= 40
    # Of the hostile links only the foreign host's well-formed one may become a post.
    assert set(folders) - hostile == {"2026/09/foreign-host"}


def test_hostile_pages_hold_no_active_markup(hostile_site: HostileSite) -> None:
    pages = _html_pages(hostile_site.folder)
    assert len(pages) >= len(PAYLOADS)
    problems = {}
    for page in pages:
        found = unsafe_markup(page.read_text(encoding="utf-8"))
        if found:
            problems[page.relative_to(hostile_site.folder).as_posix()] = found
    assert problems == {}


def test_hostile_titles_stay_text_on_pages(hostile_site: HostileSite) -> None:
    for path, title in hostile_site.titles.items():
        page = hostile_site.folder / path / "index.html"
        if not page.is_file():
            continue  # a post the build does not show
        tree = lxml.html.document_fromstring(page.read_text(encoding="utf-8"))
        h1 = tree.find(".//article/header/h1")
        assert h1 is not None and len(h1) == 0, f"{path}: the title became markup"
        shown = h1.text or ""
        assert shown == title.replace("\x00", "\ufffd"), path


def test_hostile_feeds_stay_well_formed_and_titles_stay_text(hostile_site: HostileSite) -> None:
    folder = hostile_site.folder
    xml_feeds = [folder / "feed.xml", folder / "atom.xml", folder / "sitemap.xml", *folder.glob("category/*/feed.xml")]
    for path in xml_feeds:
        etree.fromstring(path.read_bytes())  # raises on anything not well-formed
    by_url = {hostile_site.url + path: title for path, title in hostile_site.titles.items()}
    rss = etree.fromstring((folder / "feed.xml").read_bytes())
    items = rss.findall("channel/item")
    assert items
    for item in items:  # RSS titles are plain XML text: exactly what the translator wrote
        assert item.findtext("title") == by_url[item.findtext("link")], item.findtext("link")
    for name in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse((folder / name).read_bytes(), sanitize_html=False)
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert len(parsed.entries) == len(items)
    for entry in feedparser.parse((folder / "atom.xml").read_bytes(), sanitize_html=False).entries:
        assert entry.title_detail.type == "text/plain", entry.link  # Atom says so explicitly
        assert entry.title == by_url[entry.link], entry.link
    items = json.loads((folder / "feed.json").read_bytes())["items"]
    assert items
    for item in items:
        assert item["title"] == by_url[item["url"]]


def _xml_safe(text: str) -> str:
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)


@needs_chromium
@pytest.mark.browser
def test_hostile_pages_run_nothing_in_the_browser(browser, hostile_site: HostileSite) -> None:
    watch = Watch()
    context = watched_context(browser, watch)
    pages = _html_pages(hostile_site.folder)
    assert len(pages) >= len(PAYLOADS)
    failures = []
    page = context.new_page()
    for path in pages:
        rel = path.relative_to(hostile_site.folder).as_posix()
        url = hostile_site.url + rel.removesuffix("index.html")
        response = page.goto(url, wait_until="load")
        assert response is not None
        # Hover and focus what the reader would touch, so pointer and focus handlers get a chance.
        page.mouse.move(180, 300)
        page.keyboard.press("Tab")
        state = page.evaluate(
            """() => ({pwned: typeof window.__pwned, url: location.href,
                       mains: document.querySelectorAll('#main').length,
                       mainTag: document.getElementById('main') && document.getElementById('main').tagName})"""
        )
        if state["pwned"] != "undefined" or state["mains"] != 1 or state["mainTag"] != "MAIN":
            failures.append(f"{rel}: {state}")
        if not state["url"].startswith(hostile_site.url):
            failures.append(f"{rel}: navigated away to {state['url']}")
    context.close()
    assert failures == []
    assert watch.dialogs == []
    errors = [e for e in watch.console_errors if "404" not in e]
    outside = watch.outside
    if hostile_site.upstream_images:
        # Fetched posts keep the upstream's images (relative ones made absolute by fetch): those
        # requests, aborted here, go to WordPress.org's own servers and nowhere else.
        outside = [u for u in outside if not _upstream(u)]
        errors = [e for e in errors if "net::ERR_FAILED" not in e]
    assert outside == []
    assert errors == []


def _upstream(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in IMAGE_HOSTS)


def test_only_the_themes_own_search_box_is_allowed() -> None:
    box = (
        '<form role="search" action="/search/" class="site-search"><label for="q1">검색</label>'
        '<input type="search" id="q1" name="q"><button type="submit">검색</button></form>'
    )
    page = '<html><body><header><div class="wrap">{head}</div></header><main id="main">{main}</main></body></html>'
    assert unsafe_markup(page.format(head=box, main="<p>글</p>")) == []
    # The same box inside a post, one with an extra field or another target, and a foreign script are not.
    assert "<form>" in unsafe_markup(page.format(head="", main=f"<article>{box}</article>"))
    extra = box.replace("</button>", '</button><input type="hidden" name="token">')
    assert "<input>" in unsafe_markup(page.format(head=extra, main=""))
    for target in ("https://evil.example/", "https://evil.example/search/", "//evil.example/search/"):
        assert "<form>" in unsafe_markup(page.format(head=box.replace('"/search/"', f'"{target}"'), main=""))
    assert "<script>" in unsafe_markup(
        page.format(head="", main='<script src="https://evil.example/search.js" defer></script>')
    )


def test_theme_controls_pass_only_outside_post_bodies() -> None:
    own = '<script src="/kowp/static/js/share.js" defer></script>'
    body = (
        '<section class="share"><button type="button" data-copy="u">복사</button></section>'
        '<div class="content"><button type="button" data-copy="u">x</button>'
        '<form data-mastodon-share><input id="mastodon-server"></form></div>'
    )
    assert unsafe_markup(f"<html><head>{own}</head><body>{body}</body></html>") == ["<button>", "<form>", "<input>"]
    for script in (
        '<script src="https://evil.example/static/js/share.js" defer></script>',
        '<script src="/kowp/static/js/share.js" defer>alert(1)</script>',
        '<script src="/kowp/static/js/other.js" defer></script>',
    ):
        assert unsafe_markup(f"<html><head>{script}</head><body></body></html>") == ["<script> in head"], script
    loose = '<html><body><button type="submit">x</button><form data-mastodon-share action="https://x.example/"></form></body></html>'
    assert unsafe_markup(loose) == ["<button>", "<form>"]
