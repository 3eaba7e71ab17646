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
timestamp or other metadata in the PNG). Drawing costs tens of milliseconds, so every card is also
kept in ``.kowp-cache/build/cards/<digest>.png`` under the digest of everything it shows: a build
with a restored cache (a CI deploy) draws none again. Pillow is imported only when a card is drawn
or a font is opened; what the build's cache key needs (:func:`signature`) is a stat of the font.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kowp_site.errors import ConfigError, Problem
from kowp_site.site.config import Config

if TYPE_CHECKING:
    from kowp_site.site.content import Post

WIDTH, HEIGHT = 1200, 630
CARD_FILE = "card.png"  # a drawn card's name in its post's folder of the site
OWN_FILES = ("card.png", "card.jpg", "card.jpeg", "card.webp")  # a post folder's own card, first found wins
FORMAT = 1  # raise when the drawing changes in a way the module's bytes do not show

# Where fonts live on Debian/Ubuntu (fonts-noto-cjk), other Linux systems and macOS.
FONT_DIRS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "~/Library/Fonts",
)
# File names of Korean-capable fonts, best first: (bold, regular).
FONT_NAMES = (
    ("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc"),
    ("NotoSansCJKkr-Bold.otf", "NotoSansCJKkr-Regular.otf"),
    ("NotoSansKR-Bold.otf", "NotoSansKR-Regular.otf"),
    ("NotoSansKR-Bold.ttf", "NotoSansKR-Regular.ttf"),
    ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Regular.ttc"),
    ("NotoSansKR-Regular.otf", "NotoSansKR-Regular.otf"),
    ("NotoSansKR-Regular.ttf", "NotoSansKR-Regular.ttf"),
)

# The light colours of the default theme (style.css :root); a theme's own stylesheet overrides them.
COLOURS = {"bg": "#ffffff", "fg": "#1d2327", "muted": "#50575e", "accent": "#2271b1", "border": "#dcdcde"}
_COLOUR_RE = re.compile(r"--(bg|fg|muted|accent|border)\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\s*;")
_ROOT_RE = re.compile(r":root\s*\{([^}]*)\}")

PAD = 72
TITLE_SIZES = (68, 60, 52, 46)  # the largest whose wrapped title fits the title area wins
TITLE_TOP, TITLE_BOTTOM = 168, 492
LINE_HEIGHT = 1.32
META_SIZE = 30


@dataclass(frozen=True)
class Fonts:
    """The font files of the cards: title (bold) and the rest (regular); a file may be both."""

    bold: str
    regular: str

    def identity(self) -> tuple[object, ...]:
        """What names a font file's bytes without reading them: path, size and modification time."""
        return _identity(self.bold, self.regular)


@functools.lru_cache(maxsize=8)
def _identity(*paths: str) -> tuple[object, ...]:
    found: list[object] = []
    for path in paths:
        st = os.stat(path)
        found += [path, st.st_size, st.st_mtime_ns]
    return tuple(found)


@dataclass(frozen=True)
class CardImage:
    """What a post's link preview shows: its URL, alternative text and, when known, its size."""

    url: str
    alt: str
    kind: str  # "drawn" (a card of this build), "own" (the post folder's card file), "image", "default"
    width: int = 0
    height: int = 0
    file: Path | None = None  # the local file of an own or default image


@dataclass(frozen=True)
class Spec:
    """Everything one card shows and how: its bytes follow from this alone."""

    title: str
    categories: str
    date: str
    site: str
    colours: tuple[tuple[str, str], ...]
    fonts: Fonts
    identity: tuple[object, ...]  # of the font files, Pillow and this module

    @property
    def digest(self) -> str:
        text = repr((FORMAT, self.title, self.categories, self.date, self.site, self.colours, self.identity))
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


# --- fonts ---------------------------------------------------------------------------------------------


def find_fonts(config: Config) -> Fonts | None:
    """The card fonts: ``card_font`` (one file for everything), else the first pair found on the
    machine, else None. A ``card_font`` that is not a file is a configuration error."""
    if not config.cards:  # turned off (serve previews, or a site that wants none): nothing is drawn
        return None
    return _find_fonts(config.root, config.card_font)


@functools.lru_cache(maxsize=8)
def _find_fonts(root: Path, card_font: str) -> Fonts | None:
    if card_font:
        path = Path(card_font).expanduser()
        path = path if path.is_absolute() else root / path
        if not path.is_file():
            raise ConfigError(
                [
                    Problem(
                        "pyproject.toml",
                        None,
                        f"'card_font' {card_font!r} is not a font file",
                        "give the path of a .ttf, .otf or .ttc file with Hangul, or remove the key",
                    )
                ]
            )
        return Fonts(str(path), str(path))
    for folder in FONT_DIRS:
        base = Path(folder).expanduser()
        for bold, regular in FONT_NAMES:
            if (base / bold).is_file() and (base / regular).is_file():
                return Fonts(str(base / bold), str(base / regular))
    for folder in FONT_DIRS:  # anywhere below the font folders
        base = Path(folder).expanduser()
        if not base.is_dir():
            continue
        found: dict[str, str] = {}
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in filenames:
                found.setdefault(name, os.path.join(dirpath, name))
        for bold, regular in FONT_NAMES:
            if bold in found and regular in found:
                return Fonts(found[bold], found[regular])
    return None


def signature(config: Config) -> tuple[object, ...]:
    """What the build's cache key needs to know of the card fonts (cheap: no Pillow, one stat)."""
    fonts = find_fonts(config)
    return ("cards", FORMAT, _identity.__wrapped__(fonts.bold, fonts.regular) if fonts else None)


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


@functools.lru_cache(maxsize=32)
def _face(path: str, size: int) -> Any:
    """The Korean face of a font file at ``size`` (in a collection, the face named KR if any)."""
    from PIL import ImageFont

    first = None
    for index in range(16):
        try:
            font = ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)
        except OSError:
            break
        first = first or font
        family = " ".join(font.getname() or ())
        if re.search(r"\bKR\b|Korean", family) and "Mono" not in family:
            return font
    if first is None:
        raise OSError(f"{path}: not a font Pillow can read")
    return first


@functools.lru_cache(maxsize=8192)
def _has_glyph(path: str, char: str) -> bool:
    """Whether the Korean face of ``path`` draws ``char`` as itself, not as its "missing" box."""
    if char.isspace() or unicodedata.category(char) in ("Cf", "Cc", "Zs"):
        return True
    font = _face(path, 40)
    box = font.getbbox(char)
    notdef = _notdef(path)
    if box != notdef[0]:  # a glyph of its own shape: the cheap answer, almost always
        return True
    return _glyph(font, char) != notdef  # the same box as .notdef: compare the drawings


@functools.lru_cache(maxsize=8)
def _notdef(path: str) -> tuple[object, ...]:
    return _glyph(_face(path, 40), "\uffff")  # U+FFFF is never in a font: .notdef


def _glyph(font: Any, char: str) -> tuple[object, ...]:
    from PIL import Image, ImageDraw

    box = font.getbbox(char)
    image = Image.new("L", (64, 80))
    ImageDraw.Draw(image).text((4, 0), char, font=font, fill=255)
    return box, font.getlength(char), image.tobytes()


_DRAWN: dict[Fonts, set[str]] = {}  # letters known to be drawn by each pair of fonts


def missing(fonts: Fonts, text: str) -> list[str]:
    """The letters of ``text`` that the card fonts cannot draw, in order of first appearance."""
    known = _DRAWN.setdefault(fonts, set())
    if known.issuperset(text):  # the common case, for thousands of titles: no letter is new
        return []
    out: list[str] = []
    for char in dict.fromkeys(text):
        if char in known:
            continue
        try:
            ok = _has_glyph(fonts.bold, char) and _has_glyph(fonts.regular, char)
        except OSError:
            ok = False
        if ok:
            known.add(char)
        else:
            out.append(char)
    return out


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


@functools.lru_cache(maxsize=1)
def _code_identity() -> tuple[object, ...]:
    import PIL
    from PIL import features

    code = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=16).hexdigest()
    return (code, PIL.__version__, features.version("freetype2"))


def own_card(post: Post, assets: Set[str] | None = None) -> Path | None:
    """The post folder's own card file, if it has one; ``assets``: the site paths of every post
    folder's files (``Content.assets``), to look there instead of on disk."""
    folder = post.source.path.parent
    for name in OWN_FILES:
        if assets is not None:
            if f"{post.key.path}/{name}" in assets:
                return folder / name
            continue
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


def outputs(
    config: Config, views: Sequence[Any], cache: Path | None, assets: Set[str] | None = None
) -> list[tuple[str, Callable[[], bytes], str]]:
    """(site path, maker of the PNG bytes, digest of everything drawn) of every card to draw.

    One per view that gets a drawn card (see :func:`image_of`); ``cache`` keeps drawn cards by
    their digest between builds (None: draw without keeping); ``assets``: as for :func:`own_card`.
    """
    found = []
    colours = theme_colours(config)
    wanted = _WANTED.setdefault(cache, set()) if cache is not None else set()
    wanted.clear()
    for view in views:
        post = view.post
        if own_card(post, assets) is not None:
            continue
        spec = spec_of(config, post, colours)
        if spec is not None:
            found.append((post.path + CARD_FILE, partial(make, spec, cache), spec.digest))
            wanted.add(f"{spec.digest}.png")
    return found


_WANTED: dict[Path, set[str]] = {}  # kept drawings the last outputs() of this process asked for, by folder


def prune(config: Config) -> int:
    """Remove the kept drawings that the last :func:`outputs` of this process did not ask for
    (cards of old titles, dates or fonts); returns how many. Does nothing before outputs()."""
    folder = cache_dir(config)
    wanted = _WANTED.get(folder)
    if wanted is None:
        return 0
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if entry.name.endswith(".png") and entry.name not in wanted:
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
    return removed


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


# --- drawing -------------------------------------------------------------------------------------------


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` in lines no wider than ``width``: broken only at spaces (keep-all), and a word wider
    than a whole line broken between letters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if measure(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        if measure(word) <= width:
            line = word
            continue
        for char in word:  # the last resort: a word wider than a line
            if line and measure(line + char) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


def fit_title(title: str, width: float, height: float, font_at: Callable[[int], Any]) -> tuple[int, list[str]]:
    """The largest title size whose wrapped lines fit ``height``; at the smallest, the lines that
    fit, the last one ending in an ellipsis."""
    for size in TITLE_SIZES:
        font = font_at(size)
        lines = wrap(title, width, font.getlength)
        if len(lines) * size * LINE_HEIGHT <= height:
            return size, lines
    size = TITLE_SIZES[-1]
    font = font_at(size)
    lines = wrap(title, width, font.getlength)
    keep = max(1, int(height // (size * LINE_HEIGHT)))
    lines = lines[:keep]
    last = lines[-1]
    while last and font.getlength(last + "…") > width:
        last = last[:-1].rstrip()
    lines[-1] = last + "…"
    return size, lines


INKS = ("fg", "muted", "accent", "border")  # the colours drawn on the background, 64 shades each
SHADES = 64


@functools.lru_cache(maxsize=8)
def _palette(colours: tuple[tuple[str, str], ...]) -> tuple[int, ...]:
    return tuple(palette(dict(colours)))


def palette(colours: dict[str, str]) -> list[int]:
    """256 RGB entries: for each ink, 64 steps from the background to the ink (anti-aliased edges)."""
    from PIL import ImageColor

    bg = ImageColor.getrgb(colours["bg"])
    out: list[int] = []
    for name in INKS:
        ink = ImageColor.getrgb(colours[name])
        for step in range(SHADES):
            out += [round(b + (i - b) * step / (SHADES - 1)) for b, i in zip(bg, ink, strict=True)]
    return out


def _text(canvas: Any, ink: str, xy: tuple[int, int], text: str, font: Any) -> None:
    """Draw ``text`` at ``xy`` (top left) in ``ink`` on the palette-index ``canvas``.

    The text is drawn in an image of its own size filled with the ink's first shade (the
    background colour) in its last shade, so its anti-aliased edges fall on the ink's shades in
    between; that image goes onto the canvas by the lighter of each pixel, so neighbouring lines
    of the same ink keep each other's edges."""
    from PIL import Image, ImageChops, ImageDraw

    left, top, right, bottom = font.getbbox(text)
    if right <= left or bottom <= top:
        return
    first = INKS.index(ink) * SHADES
    piece = Image.new("L", (right - left, bottom - top), first)
    ImageDraw.Draw(piece).text((-left, -top), text, font=font, fill=first + SHADES - 1)
    box = (xy[0] + left, xy[1] + top, xy[0] + right, xy[1] + bottom)
    canvas.paste(ImageChops.lighter(canvas.crop(box), piece), box[:2])


def _fill(canvas: Any, ink: str, box: tuple[int, int, int, int]) -> None:
    canvas.paste(INKS.index(ink) * SHADES + SHADES - 1, box)


def draw(spec: Spec) -> bytes:
    """The card's PNG bytes (1200 x 630, 8-bit palette, no metadata).

    The picture is the background and four inks; each text's anti-aliased edges are drawn in 64
    shades of its ink in a palette. A palette PNG is a third of the bytes of an RGB one and needs no
    row filters, so it is encoded several times faster, for the same picture."""
    import io

    from PIL import Image

    canvas = Image.new("L", (WIDTH, HEIGHT), 0)
    _fill(canvas, "accent", (0, 0, WIDTH, 16))
    inner = WIDTH - 2 * PAD

    meta_bold = _face(spec.fonts.bold, META_SIZE)
    meta = _face(spec.fonts.regular, META_SIZE)
    if spec.categories:
        label = wrap(spec.categories, inner, meta_bold.getlength)[0]
        _text(canvas, "accent", (PAD, 84), label, meta_bold)

    size, lines = fit_title(spec.title, inner, TITLE_BOTTOM - TITLE_TOP, lambda s: _face(spec.fonts.bold, s))
    title_font = _face(spec.fonts.bold, size)
    step = size * LINE_HEIGHT
    top = TITLE_TOP + (TITLE_BOTTOM - TITLE_TOP - step * len(lines)) / 2  # centred in the title area
    for n, line in enumerate(lines):
        _text(canvas, "fg", (PAD, round(top + n * step)), line, title_font)

    _fill(canvas, "border", (PAD, 521, WIDTH - PAD, 523))
    date_width = meta.getlength(spec.date)
    site = spec.site
    while site and meta_bold.getlength(site) > inner - date_width - 40:
        site = site[:-1]
    _text(canvas, "fg", (PAD, 548), site, meta_bold)
    _text(canvas, "muted", (round(WIDTH - PAD - date_width), 548), spec.date, meta)

    canvas.putpalette(_palette(spec.colours))
    out = io.BytesIO()
    # zlib's run-length strategy: five times faster than the default on these flat pictures, a
    # few KiB larger (a Pillow that does not know the option ignores it: the same picture, slower).
    canvas.save(out, format="PNG", optimize=False, compress_level=6, compress_type=3)
    return out.getvalue()
