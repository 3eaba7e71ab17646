"""Picture cards: each post's own 1200 x 630 PNG for link previews (``og:image``), drawn with Pillow.

A card shows the Korean title (wrapped only at spaces, as ``word-break: keep-all``; a word too
long for a line breaks between letters as a last resort), the categories, the date and the site
name, in the light colours of the theme's stylesheet, from a Korean font file: ``card_font`` in the
configuration, else Noto Sans CJK / Noto Sans KR found in the usual font folders.

A post gets a drawn card only when the font has a glyph for every letter it would draw, so a card
never shows boxes ("tofu"). Otherwise, and when no Korean font is found at all (said once per
build, as a warning), the post's link preview falls back to its own first image or the site's
default image. A post folder with its own ``card.png`` (or ``.jpg``, ``.jpeg``, ``.webp``) uses that
file instead of a drawn card.

Cards are deterministic: the same text, colours, font file and code give the same bytes (no
timestamp or other metadata in the PNG). Drawing costs a millisecond or two, so every card is also
kept in ``.kowp-cache/build/cards/<digest>.png`` under the digest of everything it shows: a build
with a restored cache (a CI deploy) draws none again. Pillow is imported only when a card is drawn
or a font is opened; what the build's cache key needs (:func:`signature`) is a stat of the font.
The fonts are found in :mod:`kowp_site.site.card_fonts`, what a card shows is a
:class:`kowp_site.site.card_spec.Spec`, and it is drawn in :mod:`kowp_site.site.card_drawing` (each letter
once per process, :mod:`kowp_site.site.card_glyphs`; the PNG file, :mod:`kowp_site.site.card_png`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kowp_site.errors import Problem
from kowp_site.site import card_fonts
from kowp_site.site.card_fonts import find_fonts, missing
from kowp_site.site.card_spec import FORMAT, HEIGHT, WIDTH, Spec
from kowp_site.site.config import Config

if TYPE_CHECKING:
    from kowp_site.site.content import Post

CARD_FILE = "card.png"  # a drawn card's name in its post's folder of the site
OWN_FILES = ("card.png", "card.jpg", "card.jpeg", "card.webp")  # a post folder's own card, first found wins

# The light colours of the default theme (style.css :root); a theme's own stylesheet overrides them.
COLOURS = {"bg": "#ffffff", "fg": "#1d2327", "muted": "#50575e", "accent": "#2271b1", "border": "#dcdcde"}
_COLOUR_RE = re.compile(r"--(bg|fg|muted|accent|border)\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\s*;")
_ROOT_RE = re.compile(r":root\s*\{([^}]*)\}")


@dataclass(frozen=True)
class CardImage:
    """What a post's link preview shows: its URL, alternative text and, when known, its size."""

    url: str
    alt: str
    kind: str  # "drawn" (a card of this build), "own" (the post folder's card file), "image", "default"
    width: int = 0
    height: int = 0
    file: Path | None = None  # the local file of an own or default image


# --- what the build knows of the fonts -------------------------------------------------------------


def signature(config: Config) -> tuple[object, ...]:
    """What the build's cache key needs to know of the card fonts (cheap: no Pillow, one stat)."""
    fonts = find_fonts(config)
    return ("cards", FORMAT, card_fonts.file_identity(fonts.bold, fonts.regular) if fonts else None)


def warnings(config: Config) -> list[Problem]:
    """The build's one warning when no Korean font is found."""
    if not config.cards or find_fonts(config) is not None:
        return []
    return [
        Problem(
            "pyproject.toml",
            None,
            "no Korean font for picture cards: link previews use each post's first image or the default image",
            "install fonts-noto-cjk (Debian, Ubuntu) or set card_font to a .ttf/.otf/.ttc file with Hangul",
            severity="warning",
        )
    ]


# --- what a post's preview shows --------------------------------------------------------------------


def theme_colours(config: Config) -> tuple[tuple[str, str], ...]:
    """The light colours of the theme's stylesheet (its first ``:root`` block), over the defaults."""
    from kowp_site.site.theme import theme_dirs

    colours = dict(COLOURS)
    for folder in reversed(theme_dirs(config)):  # the site's theme last, so it wins
        css = folder / "static" / "css" / "style.css"
        try:
            text = css.read_text(encoding="utf-8")
        except OSError:
            continue
        root = _ROOT_RE.search(text)
        if root:
            colours.update(_COLOUR_RE.findall(root.group(1)))
    return tuple(sorted(colours.items()))


def date_text(config: Config, post: Post) -> str:
    day = post.published.astimezone(config.tz)
    return config.date_format.format(year=day.year, month=day.month, day=day.day)


def texts(config: Config, post: Post) -> tuple[str, str, str, str]:
    """What a card of ``post`` says: title, categories, date and site name."""
    title = " ".join(post.title.split())
    categories = " · ".join(c.name for c in post.categories)
    return title, categories, date_text(config, post), config.title


def drawable(config: Config, post: Post) -> bool:
    """Whether ``post`` gets a drawn card: a Korean font is found and has every letter it shows."""
    fonts = find_fonts(config)
    return fonts is not None and not missing(fonts, "".join(texts(config, post)) + "…")


def spec_of(config: Config, post: Post, colours: tuple[tuple[str, str], ...] | None = None) -> Spec | None:
    """The card of ``post``, or None when it gets none (no font, or letters the font lacks);
    ``colours``: the theme's (:func:`theme_colours`), read now when not given."""
    fonts = find_fonts(config)
    if fonts is None:
        return None
    title, categories, date, site = shown = texts(config, post)
    if missing(fonts, "".join(shown) + "…"):
        return None
    colours = colours or theme_colours(config)
    return Spec(title, categories, date, site, colours, fonts, (*fonts.identity(), *_code_identity()))


# The source files whose bytes a card follows.
_CODE = tuple(
    str(Path(__file__).with_name(f"{name}.py"))
    for name in ("cards", "card_fonts", "card_spec", "card_drawing", "card_glyphs", "card_png")
)


@functools.lru_cache(maxsize=1)
def _code_identity() -> tuple[object, ...]:
    import PIL
    from PIL import features

    code = hashlib.blake2b(digest_size=16)
    for source in _CODE:  # an edit to the fonts' choice, the drawing or what a card shows: new cards
        code.update(Path(source).read_bytes())
    return (code.hexdigest(), PIL.__version__, features.version("freetype2"))


def own_card(post: Post, assets: Set[str] | None = None) -> Path | None:
    """The post folder's own card file, if it has one; ``assets``: the site paths of every post
    folder's files (``Content.assets``), to look there instead of on disk."""
    if assets is not None:  # thousands of posts a build, nearly all without one: no Path made
        key = post.key.path
        for name in OWN_FILES:
            if f"{key}/{name}" in assets:
                return post.source.path.parent / name
        return None
    folder = post.source.path.parent
    for name in OWN_FILES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def image_of(config: Config, view: Any) -> CardImage:
    """The link preview of a post view: its own card file, its drawn card, its first image, or the
    site's default image, in that order."""
    post = view.post
    own = own_card(post)
    if own is not None:
        width, height = image_size(own)
        return CardImage(config.url(post.path + own.name), view.title, "own", width, height, own)
    if drawable(config, post):
        alt = " · ".join(part for part in texts(config, post) if part)
        return CardImage(config.url(post.path + CARD_FILE), alt, "drawn", WIDTH, HEIGHT)
    if view.image:
        return CardImage(view.image, view.image_alt or view.title, "image")
    return default_image(config)


def default_image(config: Config) -> CardImage:
    """The site's default link-preview image (``default_image`` among the theme's static files)."""
    from kowp_site.site.theme import theme_dirs

    for folder in theme_dirs(config):
        candidate = folder / "static" / config.default_image
        if candidate.is_file():
            width, height = image_size(candidate)
            return CardImage(
                config.url("static/" + config.default_image), config.title, "default", width, height, candidate
            )
    return CardImage(config.url("static/" + config.default_image), config.title, "default")


@functools.lru_cache(maxsize=256)
def image_size(path: Path) -> tuple[int, int]:
    """Width and height of an image file (its header only), or (0, 0) when it cannot be read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError, ValueError):
        return 0, 0


# --- outputs -------------------------------------------------------------------------------------------


def cache_dir(config: Config) -> Path:
    from kowp_site.site.cache import cache_root

    return cache_root(config) / "cards"


Decision = tuple[str, str] | None  # a post's card: (its site path, its digest), or None when it gets none


def outputs(
    config: Config,
    views: Sequence[Any],
    cache: Path | None,
    assets: Set[str] | None = None,
    settings: str = "",
    digests: Mapping[str, str] | None = None,
) -> list[tuple[str, Callable[[], bytes], str]]:
    """(site path, maker of the PNG bytes, digest of everything drawn) of every card to draw.

    One per view that gets a drawn card (see :func:`image_of`); ``cache`` keeps drawn cards by
    their digest between builds (None: draw without keeping); ``assets``: as for :func:`own_card`.
    With ``settings`` and ``digests`` (the digest of the site's settings and of each light post:
    its front matter, what a card shows) too, each post's decision is kept in ``cache`` and made
    again only for the posts whose front matter or the settings changed: an edit of a body decides
    no card, a new title one. Whether the folder has its own card file is looked up every build.
    """
    found = []
    colours = theme_colours(config)
    header = _decisions_header(settings) if cache is not None and settings and digests is not None else ""
    kept, letters = _load_decisions(cache, header) if cache is not None and header else ({}, "")
    fonts = find_fonts(config)
    if letters and fonts is not None:  # letters a kept build found the fonts draw: no font opened for them
        card_fonts.drawn_letters(fonts).update(letters)
    decided: dict[str, tuple[str, Decision]] = {}
    for view in views:
        post = view.post
        name = post.key.path
        digest = digests.get(name, "") if digests is not None else ""
        old = kept.get(name)
        drawn = old[1] if digest and old is not None and old[0] == digest else drawn_card(config, post, colours)
        if digest:
            decided[name] = (digest, drawn)
        decision = None if own_card(post, assets) is not None else drawn
        if decision is not None:
            found.append((decision[0], partial(draw_post, config, post, colours, cache), decision[1]))
    if cache is not None and fonts is not None:  # a build that draws nothing (serve) leaves the kept cards alone
        known = "".join(sorted(card_fonts.drawn_letters(fonts)))
        changed = decided != kept or known != letters
        _LAST[cache] = _Decided({f"{digest}.png" for _, _, digest in found}, header, decided, known, changed)
    return found


def drawn_card(config: Config, post: Post, colours: tuple[tuple[str, str], ...]) -> Decision:
    """The card drawn for ``post`` unless its folder has its own: None when it gets none (no font,
    or letters the font lacks). What it reads is the light post and the settings."""
    spec = spec_of(config, post, colours)
    return (post.path + CARD_FILE, spec.digest) if spec is not None else None


def draw_post(config: Config, post: Post, colours: tuple[tuple[str, str], ...], cache: Path | None) -> bytes:
    """The PNG of ``post``'s drawn card (it was decided to get one, see :func:`drawn_card`)."""
    spec = spec_of(config, post, colours)
    if spec is None:
        raise ValueError(f"{post.path}: no card to draw")
    return make(spec, cache)


# Beside the drawings' folder, which holds drawings only; each file starts with the header its
# contents follow. The letters are apart: a build that decides no card still reads them (seed_letters).
DECISIONS_FILE = "card-decisions.pickle"
LETTERS_FILE = "card-letters.pickle"


def _decisions_header(settings: str) -> str:
    """What every kept decision follows: the site's settings (configuration, theme colours, the
    fonts, kowp-site's code) and the installed Pillow (it draws, so its version is in each digest)."""
    import importlib.util

    from kowp_site.site.cache import hash_text

    files = []
    for module in ("PIL", "PIL._imagingft"):  # the package and the FreeType glyph renderer
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            st = os.stat(spec.origin)
            files.append((spec.origin, st.st_size, st.st_mtime_ns))
    return hash_text(FORMAT, settings, files)


def _load_decisions(cache: Path, header: str) -> tuple[dict[str, tuple[str, Decision]], str]:
    """The kept decisions, and the letters the fonts were found to draw, if they follow ``header``."""
    decided = _kept(cache.parent / DECISIONS_FILE, header, dict)
    letters = _kept(cache.parent / LETTERS_FILE, header, str)
    return decided or {}, letters or ""


def _kept(path: Path, header: str, kind: type) -> Any:
    """What the kept file ``path`` holds, if it follows ``header`` and is a ``kind``; else None."""
    import pickle

    try:
        with path.open("rb") as f:
            stored_header, value = pickle.load(f)
    except Exception:  # noqa: BLE001 - none kept, or a damaged file: decided (or asked of the fonts) again
        return None
    return value if stored_header == header and isinstance(value, kind) else None


@dataclass(frozen=True)
class _Decided:
    """What the last :func:`outputs` of this process decided for one drawings folder."""

    wanted: set[str]  # the file names of the drawings its cards use
    header: str  # what the decisions follow ("": none to keep)
    decisions: dict[str, tuple[str, Decision]]  # post -> (its light post's digest, its drawn card)
    letters: str  # every letter found drawn by the fonts, sorted
    changed: bool  # the decisions or letters differ from those kept: write them


_LAST: dict[Path, _Decided] = {}


def prune(config: Config) -> int:
    """Keep the last :func:`outputs`' decisions and remove the kept drawings it did not ask for
    (cards of old titles, dates or fonts); returns how many were removed. Does nothing before outputs()
    (a build that kept every card's key from the last one calls none), once more after the same
    outputs(), nor when the decisions are those kept (the build that kept them pruned; a drawing
    that a post folder's new own card file replaced stays until the decisions change)."""
    folder = cache_dir(config)
    last = _LAST.pop(folder, None)  # each outputs() is pruned once: a build whose cards were kept made none
    if last is None:
        return 0
    if last.header and not last.changed:  # the same cards as the build that kept these decisions: it pruned
        return 0
    if last.header:
        _save_decisions(folder, last.header, last.decisions, last.letters)
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if entry.name.endswith(".png") and entry.name not in last.wanted:
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
    return removed


def _save_decisions(folder: Path, header: str, decided: dict[str, tuple[str, Decision]], letters: str) -> None:
    import pickle

    from kowp_site.site.disk import write_atomic

    with contextlib.suppress(OSError):  # a cache that cannot be written only costs the next build its decisions
        write_atomic(folder.parent / DECISIONS_FILE, pickle.dumps((header, decided), protocol=pickle.HIGHEST_PROTOCOL))
        write_atomic(folder.parent / LETTERS_FILE, pickle.dumps((header, letters), protocol=pickle.HIGHEST_PROTOCOL))


def seed_letters(config: Config, settings: str) -> None:
    """Let this process know the letters an earlier build found the fonts draw, without reading its
    decisions: for a build that decides no card but shows whether a post has one (its page's
    og:image), so no font is opened for letters already checked."""
    fonts = find_fonts(config)
    if fonts is None or not settings:
        return
    letters = _kept(cache_dir(config).parent / LETTERS_FILE, _decisions_header(settings), str)
    if letters:
        card_fonts.drawn_letters(fonts).update(letters)


def draw(spec: Spec) -> bytes:
    """The card's PNG, drawn (:mod:`kowp_site.site.card_drawing`, imported only when a card is drawn:
    a build that draws none, as a one-post edit, does not load the drawing code)."""
    from kowp_site.site import card_drawing

    return card_drawing.draw(spec)


def make(spec: Spec, cache: Path | None) -> bytes:
    """The card's PNG: from ``cache`` when kept there, else drawn (and kept)."""
    if cache is None:
        return draw(spec)
    path = cache / f"{spec.digest}.png"
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = draw(spec)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_bytes(data)
        os.replace(temp, path)
    except OSError:
        pass  # a cache that cannot be written only costs the next build a drawing
    return data


def card_file(config: Config, post: Post) -> Path | None:
    """The card of ``post`` as a file (the folder's own, else the kept drawing, drawn now if need be),
    for uploads such as a Bluesky thumbnail; None when the post gets no card."""
    own = own_card(post)
    if own is not None:
        return own
    spec = spec_of(config, post)
    if spec is None:
        return None
    folder = cache_dir(config)
    make(spec, folder)
    path = folder / f"{spec.digest}.png"
    return path if path.is_file() else None
