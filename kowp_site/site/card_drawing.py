"""The picture cards' drawing: a card's text laid out and drawn with Pillow into palette PNG bytes."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kowp_site.site.card_fonts import Fonts, face

WIDTH, HEIGHT = 1200, 630
FORMAT = 1  # raise when the drawing changes in a way the cards' modules' bytes do not show

PAD = 72
TITLE_SIZES = (68, 60, 52, 46)  # the largest whose wrapped title fits the title area wins
TITLE_TOP, TITLE_BOTTOM = 168, 492
LINE_HEIGHT = 1.32
META_SIZE = 30

INKS = ("fg", "muted", "accent", "border")  # the colours drawn on the background, 64 shades each
SHADES = 64


@dataclass(frozen=True)
class Spec:
    """Everything one card shows and how: its bytes follow from this alone."""

    title: str
    categories: str
    date: str
    site: str
    colours: tuple[tuple[str, str], ...]
    fonts: Fonts
    identity: tuple[object, ...]  # of the font files, Pillow and the cards' modules

    @property
    def digest(self) -> str:
        """The hash of ``repr((FORMAT, title, categories, date, site, colours, identity))``; the
        repr of the last two, the same for every card of a build, is made once."""
        head = f"({FORMAT!r}, {self.title!r}, {self.categories!r}, {self.date!r}, {self.site!r}, "
        text = head + _shared_repr(self.colours, self.identity)
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


@functools.lru_cache(maxsize=8)
def _shared_repr(colours: tuple[tuple[str, str], ...], identity: tuple[object, ...]) -> str:
    return f"{colours!r}, {identity!r})"


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

    meta_bold = face(spec.fonts.bold, META_SIZE)
    meta = face(spec.fonts.regular, META_SIZE)
    if spec.categories:
        label = wrap(spec.categories, inner, meta_bold.getlength)[0]
        _text(canvas, "accent", (PAD, 84), label, meta_bold)

    size, lines = fit_title(spec.title, inner, TITLE_BOTTOM - TITLE_TOP, lambda s: face(spec.fonts.bold, s))
    title_font = face(spec.fonts.bold, size)
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
