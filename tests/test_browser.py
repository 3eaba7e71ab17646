"""The built site in a real Chromium: navigation, layout on a phone, dark mode, keyboard, axe-core.

The sample site (the repository's own content/) is built for ``http://127.0.0.1:<port>/`` and
served by a thread in the test process, with 404.html for unknown paths as GitHub Pages does.
Every page is watched: a console error or a request to any host but 127.0.0.1 fails the test.
The helpers here (:class:`LocalServer`, :func:`launch`, :class:`Watch`) are shared with
tests/test_security.py.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree

from kowp_site.cli import main as cli_main
from tests.conftest import SiteBuilder

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: install Debian's chromium and fonts-noto-cjk (.ci/run does)",
)
pytestmark = [pytest.mark.browser, needs_chromium]

WIDTHS = (360, 1280)
MIN_CONTRAST = 4.5


# --- serving a built site on loopback ---------------------------------------------------------------


class _Handler(SimpleHTTPRequestHandler):
    """Static files; unknown paths get the site's 404.html with status 404, like GitHub Pages."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".xml": "application/xml", ".json": "application/json"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class LocalServer:
    """Serves ``folder`` on 127.0.0.1 from a thread; the port is known before the site is built."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def build_for(root: Path, server: LocalServer, *args: str) -> Path:
    """Build ``root`` into the served folder with canonical links on the local server."""
    code = cli_main(["build", "--root", str(root), "--output", str(server.folder), "--base-url", server.url, *args])
    assert code == 0, f"kowp-site build of {root} failed"
    return server.folder


# --- the browser -------------------------------------------------------------------------------------


@dataclass
class Watch:
    """What the pages of one browser context did that they must not: leave loopback, log errors."""

    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def attach(self, page) -> None:  # noqa: ANN001 - playwright Page
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(f"{page.url}: {msg.text}"))
        page.on("pageerror", lambda exc: self.console_errors.append(f"{page.url}: {exc}"))

        def dialog(d) -> None:  # noqa: ANN001
            self.dialogs.append(f"{page.url}: {d.type} {d.message!r}")
            d.dismiss()

        page.on("dialog", dialog)


def watched_context(browser, watch: Watch, **options):  # noqa: ANN001, ANN201
    """A browser context whose every request to a host other than 127.0.0.1 is recorded and aborted."""
    context = browser.new_context(**options)

    def route(r) -> None:  # noqa: ANN001
        url = r.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            r.continue_()
        else:
            watch.outside.append(url)
            r.abort()

    context.route("**/*", route)
    context.on("page", watch.attach)
    return context


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def clean_watch(watch: Watch) -> Iterator[Watch]:
    """A Watch that fails the test on any outside request, console error or dialog."""
    yield watch
    assert watch.outside == [], "requests left 127.0.0.1"
    assert watch.console_errors == [], "console errors"
    assert watch.dialogs == [], "dialogs opened"


# --- the sites under test ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    url: str
    folder: Path
    pages: dict[str, str]  # page type -> site path


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The repository's own sample content, built for and served on loopback."""
    server = LocalServer(tmp_path_factory.mktemp("sample") / "site")
    folder = build_for(REPO, server)
    posts = sorted(p.parent.relative_to(folder).as_posix() + "/" for p in folder.glob("[0-9]*/*/*/index.html"))
    assert posts, "the sample site has no published post"
    pages = {
        "home": "",
        "post": posts[-1],  # the newest
        "category": "category/releases/",
        "archive": "archive/",
        "page": "about/",
        "subscribe": "subscribe/",
        "share": "share/?text=%EA%B8%80%20https%3A//example.org/",
        "404": "no-such-page/",
        "search": "search/?q=%ED%85%8C%EB%A7%88",  # 테마: results on screen
    }
    if (folder / "translate" / "index.html").is_file():
        pages["translate"] = "translate/"
    try:
        yield Site(server.url, folder, pages)
    finally:
        server.close()


@pytest.fixture(scope="session")
def paged_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Five published posts at two per page: home has pages 1-3, a category two."""
    root = tmp_path_factory.mktemp("paged") / "root"
    root.mkdir()
    builder = SiteBuilder(root)
    for n in range(1, 6):
        builder.post(
            f"post-{n}",
            month=n,
            en={"title": f"Post {n}", "categories": ("Releases",) if n % 2 else ("Community",)},
            ko={
                "title": f"{n}번째 글: 워드프레스 소식",
                "translated": f"2026-0{n}-20",
                "body": "한국어 본문입니다.\n" * 3,
            },
        )
    server = LocalServer(root.parent / "site")
    folder = build_for(root, server)
    try:
        yield Site(server.url, folder, {"home": "", "page-2": "page/2/", "page-3": "page/3/"})
    finally:
        server.close()


def all_pages(site: Site) -> list[tuple[str, str]]:
    return sorted(site.pages.items())


def open_page(context, url: str, expect_status: int = 200):  # noqa: ANN001, ANN201
    page = context.new_page()
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == expect_status, f"{url}: status {response and response.status}"
    return page


# --- navigation ------------------------------------------------------------------------------------


def test_navigation_home_post_category_archive_and_back(browser, sample_site: Site, clean_watch: Watch) -> None:
    context = watched_context(browser, clean_watch)
    page = open_page(context, sample_site.url)
    assert page.title() == "워드프레스 뉴스 한국어판"
    first = page.locator("ol.post-list > li h2 a").first
    post_title = first.inner_text()
    first.click()
    page.wait_for_load_state("load")
    assert re.fullmatch(re.escape(sample_site.url) + r"\d{4}/\d{2}/[^/]+/", page.url)
    assert page.locator("article.post h1").inner_text() == post_title
    assert page.locator("link[rel=canonical]").get_attribute("href") == page.url
    post_url = page.url

    category = page.locator("article.post header p.meta a").first
    category_name = category.inner_text()
    category.click()
    page.wait_for_load_state("load")
    assert page.url.startswith(sample_site.url + "category/")
    assert page.locator("main h1").inner_text() == category_name
    assert post_title in page.locator("ol.post-list").inner_text()

    page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="보관함").click()
    page.wait_for_load_state("load")
    assert page.url == sample_site.url + "archive/"
    archive_links = page.locator("main a").evaluate_all("links => links.map(a => a.href)")
    assert post_url in archive_links

    page.go_back()
    assert page.url.startswith(sample_site.url + "category/")
    page.go_back()
    assert page.url == post_url
    assert page.locator("article.post h1").inner_text() == post_title
    page.go_back()
    assert page.url == sample_site.url
    context.close()


def test_pagination_walks_every_page_and_back(browser, paged_site: Site, clean_watch: Watch) -> None:
    context = watched_context(browser, clean_watch)
    page = open_page(context, paged_site.url)
    seen: list[str] = []
    for number in (1, 2, 3):
        nav = page.get_by_role("navigation", name="페이지 이동")
        assert nav.locator("span").inner_text() == f"{number} / 3"
        seen += page.locator("ol.post-list h2 a").all_inner_texts()
        if number < 3:
            nav.locator("a[rel=next]").click()
            page.wait_for_load_state("load")
            assert page.url == f"{paged_site.url}page/{number + 1}/"
    assert page.locator("a[rel=next]").count() == 0
    assert seen == [f"{n}번째 글: 워드프레스 소식" for n in (5, 4, 3, 2, 1)]
    page.get_by_role("navigation", name="페이지 이동").locator("a[rel=prev]").click()
    page.wait_for_load_state("load")
    assert page.url == f"{paged_site.url}page/2/"
    page.get_by_role("navigation", name="페이지 이동").locator("a[rel=prev]").click()
    page.wait_for_load_state("load")
    assert page.url == paged_site.url
    assert page.locator("a[rel=prev]").count() == 0
    context.close()


def test_translation_status_page(browser, sample_site: Site, clean_watch: Watch) -> None:
    if "translate" not in sample_site.pages:
        pytest.skip("the 번역 현황 page (/translate/) is not built by kowp-site yet")
    context = watched_context(browser, clean_watch)
    page = open_page(context, sample_site.url + "translate/")
    assert page.locator("main h1").inner_text() == "번역 현황"
    # The progress line counts the sample content, and every post still needing work is linked.
    statuses = {}
    for en in sorted(REPO.glob("content/posts/*/*/*/en.md")):
        ko = en.with_name("ko.md")
        found = re.search(r"^status: *(\w+)", ko.read_text(encoding="utf-8"), re.M) if ko.is_file() else None
        statuses[en.parent.name] = found.group(1) if found else "untranslated"
    published = sum(1 for s in statuses.values() if s == "published")
    assert f"전체 {len(statuses)}편 중 {published}편" in page.locator("main").inner_text()
    hrefs = " ".join(page.locator("main a").evaluate_all("links => links.map(a => a.href)"))
    for slug, status in statuses.items():
        if status != "published":
            assert f"/{slug}/" in hrefs, f"{slug} ({status}) is not listed"
    # The menu link leads here.
    home = open_page(context, sample_site.url)
    home.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="번역 현황").click()
    home.wait_for_load_state("load")
    assert home.url == sample_site.url + "translate/"
    context.close()


def test_feed_links_in_head_resolve_to_feeds(browser, sample_site: Site, clean_watch: Watch) -> None:
    context = watched_context(browser, clean_watch)
    page = open_page(context, sample_site.url)
    links = page.locator("head link[rel=alternate]").evaluate_all(
        "ls => ls.map(l => ({type: l.type, href: l.href, title: l.title}))"
    )
    types = {link["type"] for link in links}
    assert "application/rss+xml" in types
    for link in links:
        assert link["href"].startswith(sample_site.url), link
        response = context.request.get(link["href"])
        assert response.status == 200, link
        body = response.body()
        if link["type"] == "application/feed+json":
            feed = json.loads(body)
            assert feed["version"] == "https://jsonfeed.org/version/1.1"
            assert feed["items"]
            continue
        etree.fromstring(body)  # well-formed XML
        parsed = feedparser.parse(body)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version in ("rss20", "atom10"), link
        assert parsed.feed.title == "워드프레스 뉴스 한국어판"
        assert parsed.entries
        for entry in parsed.entries:
            assert entry.link.startswith(sample_site.url)
            assert context.request.get(entry.link).status == 200
    context.close()


def test_unknown_url_gets_the_404_page(browser, sample_site: Site, watch: Watch) -> None:
    context = watched_context(browser, watch)
    page = open_page(context, sample_site.url + "2026/01/no-such-post/", expect_status=404)
    assert "페이지를 찾을 수 없습니다" in page.title() or page.locator("main h1").count() == 1
    assert page.locator("link[rel=stylesheet]").count() == 1
    # The stylesheet loads from a nested unknown path too (links are root-relative).
    assert page.evaluate("getComputedStyle(document.body).wordBreak") == "keep-all"
    assert page.locator("main a[href='/']").count() >= 1
    assert watch.outside == [] and watch.dialogs == []
    assert all("404" in e for e in watch.console_errors), watch.console_errors
    context.close()


# --- layout ------------------------------------------------------------------------------------------


def test_korean_text_keeps_words_together(browser, sample_site: Site, clean_watch: Watch) -> None:
    context = watched_context(browser, clean_watch, viewport={"width": 360, "height": 740})
    page = open_page(context, sample_site.url + sample_site.pages["post"])
    styles = page.locator("article.post h1, article.post .content p").evaluate_all(
        "els => els.map(e => [e.tagName, getComputedStyle(e).wordBreak, e.closest('[lang]').lang])"
    )
    assert len(styles) >= 2
    for tag, word_break, lang in styles:
        assert lang == "ko"
        assert word_break == "keep-all", tag
    home = open_page(context, sample_site.url)
    assert home.locator("ol.post-list p").first.evaluate("e => getComputedStyle(e).wordBreak") == "keep-all"
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(browser, sample_site: Site, paged_site: Site, watch: Watch, width: int) -> None:
    context = watched_context(browser, watch, viewport={"width": width, "height": 800})
    checked = []
    for site in (sample_site, paged_site):
        for kind, path in all_pages(site):
            page = open_page(context, site.url + path, 404 if kind == "404" else 200)
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner, f"{kind} /{path} scrolls sideways at {width}px: {scroll} > {inner}"
            checked.append(kind)
            page.close()
    assert {"home", "post", "category", "archive", "page", "404", "page-2"} <= set(checked)
    assert watch.outside == []
    context.close()


# --- colours, contrast, keyboard ----------------------------------------------------------------------

# Every visible element with its own text: its colour, the first opaque background behind it.
_TEXT_COLOURS = """() => {
  const opaque = (c) => !/rgba\\(.*,\\s*0\\)$/.test(c) && c !== 'transparent';
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width < 2 || box.height < 2) continue;
    if (box.bottom < 0 || box.right < 0) continue;  // parked off-screen, like the skip link
    let bg = null;
    for (let n = el; n; n = n.parentElement) {
      const b = getComputedStyle(n).backgroundColor;
      if (opaque(b)) { bg = b; break; }
    }
    out.push({tag: el.tagName.toLowerCase(), cls: el.className, text: el.textContent.trim().slice(0, 30),
              color: style.color, bg: bg || 'rgb(255, 255, 255)'});
  }
  return out;
}"""


def _rgb(css: str) -> tuple[float, float, float, float]:
    nums = [float(x) for x in re.findall(r"[\d.]+", css)]
    assert len(nums) >= 3, css
    return nums[0], nums[1], nums[2], nums[3] if len(nums) > 3 else 1.0


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg_css: str, bg_css: str) -> float:
    """WCAG 2 contrast ratio; a translucent text colour is blended over its background first."""
    *bg, _ = _rgb(bg_css)
    r, g, b, a = _rgb(fg_css)
    fg = tuple(a * c + (1 - a) * d for c, d in zip((r, g, b), bg, strict=True))
    hi, lo = sorted((_luminance(fg), _luminance(tuple(bg))), reverse=True)  # type: ignore[arg-type]
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula() -> None:
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21.0)
    assert contrast("rgb(119, 119, 119)", "rgb(255, 255, 255)") == pytest.approx(4.48, abs=0.01)
    assert contrast("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(1.0)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_in_light_and_dark_mode(browser, sample_site: Site, watch: Watch, scheme: str) -> None:
    context = watched_context(browser, watch, color_scheme=scheme)
    low: list[str] = []
    for kind, path in all_pages(sample_site):
        page = open_page(context, sample_site.url + path, 404 if kind == "404" else 200)
        for item in page.evaluate(_TEXT_COLOURS):
            ratio = contrast(item["color"], item["bg"])
            if ratio < MIN_CONTRAST:
                low.append(f"{kind}: <{item['tag']} class={item['cls']!r}> {item['text']!r} {ratio:.2f}:1")
        page.close()
    assert low == [], f"text below {MIN_CONTRAST}:1 in {scheme} mode"
    assert watch.outside == []
    context.close()


def test_dark_mode_changes_colours(browser, sample_site: Site, clean_watch: Watch) -> None:
    colours = {}
    for scheme in ("light", "dark"):
        context = watched_context(browser, clean_watch, color_scheme=scheme)
        page = open_page(context, sample_site.url + sample_site.pages["post"])
        colours[scheme] = page.evaluate(
            """() => ({bg: getComputedStyle(document.body).backgroundColor,
                       fg: getComputedStyle(document.body).color,
                       link: getComputedStyle(document.querySelector('main a')).color})"""
        )
        context.close()
    light, dark = colours["light"], colours["dark"]
    assert light["bg"] != dark["bg"] and light["fg"] != dark["fg"] and light["link"] != dark["link"]
    assert _luminance(_rgb(dark["bg"])[:3]) < _luminance(_rgb(light["bg"])[:3])
    for scheme, c in colours.items():
        assert contrast(c["fg"], c["bg"]) >= 7, scheme
        assert contrast(c["link"], c["bg"]) >= MIN_CONTRAST, scheme


@pytest.mark.parametrize(("scheme", "width"), [("light", 360), ("dark", 1280)])
def test_skip_link_and_focus_ring_by_keyboard(
    browser, sample_site: Site, clean_watch: Watch, scheme: str, width: int
) -> None:
    context = watched_context(browser, clean_watch, color_scheme=scheme, viewport={"width": width, "height": 740})
    page = open_page(context, sample_site.url + sample_site.pages["post"])
    hidden = page.locator(".skip-link").evaluate("e => e.getBoundingClientRect().bottom")
    assert hidden <= 0, "the skip link is entirely off-screen until it gets focus"
    focus_style = """() => { const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
        return {cls: e.className, id: e.id, tag: e.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                colour: s.outlineColor, top: r.top, bottom: r.bottom, inMain: !!e.closest('main'),
                bg: getComputedStyle(document.body).backgroundColor}; }"""
    page.keyboard.press("Tab")
    skip = page.evaluate(focus_style)
    assert skip["cls"] == "skip-link"
    assert skip["top"] >= 0 and skip["bottom"] <= 740, "the focused skip link is on screen"
    assert skip["outline"] != "none" and skip["width"] >= 2
    assert page.locator(".skip-link").inner_text() == "본문으로 건너뛰기"

    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#main'", timeout=5000)  # the jump is not instantaneous
    assert page.url.endswith("#main")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.evaluate("document.querySelectorAll('#main').length") == 1

    page.keyboard.press("Tab")
    ring = page.evaluate(focus_style)
    assert ring["inMain"] and ring["tag"] == "A", "Tab after the skip link moves into the content"
    assert ring["outline"] == "solid" and ring["width"] >= 2
    assert contrast(ring["colour"], ring["bg"]) >= 3, "the focus ring stands out from the page"
    context.close()


# --- accessibility and screenshots ---------------------------------------------------------------------


def test_axe_finds_no_serious_or_critical_violations(
    browser, sample_site: Site, paged_site: Site, watch: Watch
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    summary: dict[str, dict[str, object]] = {}
    failures: list[str] = []
    for scheme in ("light", "dark"):
        context = watched_context(browser, watch, color_scheme=scheme)
        targets = [(k, sample_site.url + p) for k, p in all_pages(sample_site)] + [
            ("page-2", paged_site.url + "page/2/")
        ]
        for kind, url in targets:
            page = open_page(context, url, 404 if kind == "404" else 200)
            violations = axe.run(page).response["violations"]
            summary[f"{kind} ({scheme})"] = {
                "url": url,
                "violations": {v["id"]: v["impact"] for v in violations},
            }
            for v in violations:
                if v["impact"] in ("serious", "critical"):
                    nodes = ", ".join(n["target"][0] for n in v["nodes"][:3])
                    failures.append(f"{kind} ({scheme}): {v['id']} [{v['impact']}] {v['help']} at {nodes}")
            page.close()
        context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    assert failures == []
    assert watch.outside == []


def test_screenshots_of_home_and_post(browser, sample_site: Site, clean_watch: Watch) -> None:
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    made = []
    for width in WIDTHS:
        context = watched_context(browser, clean_watch, viewport={"width": width, "height": 900})
        for kind in ("home", "post"):
            page = open_page(context, sample_site.url + sample_site.pages[kind])
            page.evaluate("document.fonts.ready")
            # Hangul is drawn with a real CJK font, not fallback boxes.
            assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK KR\"', '한국어')")
            target = shots / f"{kind}-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            made.append(target)
            page.close()
        context.close()
    for target in made:
        data = target.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, target


# --- images on a phone ---------------------------------------------------------------------------------

VITALS = """() => new Promise(resolve => {
  let shift = 0;
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) shift += e.value;
  }).observe({type: "layout-shift", buffered: true});
  let largest = null;
  new PerformanceObserver(list => { const all = list.getEntries(); largest = all[all.length - 1]; })
    .observe({type: "largest-contentful-paint", buffered: true});
  setTimeout(() => resolve({
    shift,
    tag: largest && largest.element ? largest.element.tagName : null,
    loading: largest && largest.element ? largest.element.getAttribute("loading") : null,
    priority: largest && largest.element ? largest.element.getAttribute("fetchpriority") : null,
    current: largest && largest.element && largest.element.currentSrc ? largest.element.currentSrc : null,
  }), 800);
})"""


@pytest.mark.parametrize("width", WIDTHS)
def test_post_images_cause_no_layout_shift_and_the_largest_loads_eagerly(
    browser, sample_site: Site, clean_watch: Watch, width: int
) -> None:
    """Lighthouse's two image findings, on a slow connection: unsized images shift the text when
    they arrive (CLS), and a lazy largest image delays the largest paint."""
    with_images = sorted(
        p.parent.relative_to(sample_site.folder).as_posix() + "/"
        for p in sample_site.folder.glob("[0-9]*/*/*/index.html")
        if "<img" in p.read_text(encoding="utf-8").split("<main", 1)[1]
    )
    assert len(with_images) >= 2, "the published sample posts with images"
    context = watched_context(browser, clean_watch, viewport={"width": width, "height": 800}, device_scale_factor=2)
    for path in with_images:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(  # about a slow phone connection: images arrive after the text is laid out
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 150, "downloadThroughput": 40_000, "uploadThroughput": 20_000},
        )
        page.goto(sample_site.url + path, wait_until="load")
        vitals = page.evaluate(VITALS)
        assert vitals["shift"] == 0, f"{path}: layout shift {vitals['shift']}"
        if vitals["tag"] == "IMG":
            assert vitals["loading"] != "lazy" and vitals["priority"] == "high", f"{path}: {vitals}"
            assert vitals["current"].startswith(sample_site.url), vitals
        page.close()
    context.close()
