"""The picture cards' drawing: a card's text laid out and drawn with Pillow into palette PNG bytes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from kowp_site.site.card_glyphs import Letters, letters
from kowp_site.site.card_png import encode
from kowp_site.site.card_spec import HEIGHT, WIDTH, Spec

PAD = 72
TITLE_SIZES = (68, 60, 52, 46)  # the largest whose wrapped title fits the title area wins
TITLE_TOP, TITLE_BOTTOM = 168, 492
LINE_HEIGHT = 1.32
META_SIZE = 30

INKS = ("fg", "muted", "accent", "border")  # the colours drawn on the background, 64 shades each
SHADES = 64


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


Rows = list[tuple[int, int]]  # the (top, bottom) rows of what is drawn on a card (for card_png.encode)


def _text(
    canvas: Any, ink: str, xy: tuple[int, int], text: str, letters: Letters, rows: Rows, *, kept: bool = False
) -> None:
    """Draw ``text`` at ``xy`` (top left) in ``ink`` on the palette-index ``canvas``.

    The text's box is filled with the ink's first shade (the background colour) and the text drawn
    in its last, so its anti-aliased edges fall on the ink's shades in between; that goes onto the
    canvas by the lighter of each pixel, so neighbouring lines of the same ink keep each other's
    edges. The text is put together from its letters drawn once (:mod:`card_glyphs`), or drawn by
    Pillow when only Pillow draws it exactly; the pixels are the same. ``kept``: a text that comes
    back on many cards (the site name, the categories), its piece drawn once per process."""
    from PIL import ImageChops

    drawn = (_kept_piece if kept else _piece)(letters, text, ink)
    if drawn is None:
        return
    (left, top, right, bottom), piece = drawn
    box = (xy[0] + left, xy[1] + top, xy[0] + right, xy[1] + bottom)
    canvas.paste(ImageChops.lighter(canvas.crop(box), piece), box[:2])
    rows.append((box[1], box[3]))


def _piece(letters: Letters, text: str, ink: str) -> tuple[tuple[int, int, int, int], Any] | None:
    """The box of ``text`` from its origin and the text drawn in it in the shades of ``ink``."""
    from PIL import Image, ImageDraw

    first = INKS.index(ink) * SHADES
    line = letters.line(text)
    if line is not None:
        box, mask = line
        piece = Image.new("L", mask.size, first)
        piece.paste(first + SHADES - 1, (0, 0), mask)  # what ImageDraw.text does with Pillow's own mask
        return box, piece
    left, top, right, bottom = box = letters.font.getbbox(text)
    if right <= left or bottom <= top:
        return None
    piece = Image.new("L", (right - left, bottom - top), first)
    ImageDraw.Draw(piece).text((-left, -top), text, font=letters.font, fill=first + SHADES - 1)
    return box, piece


@functools.lru_cache(maxsize=256)
def _kept_piece(letters: Letters, text: str, ink: str) -> tuple[tuple[int, int, int, int], Any] | None:
    """:func:`_piece`, kept: the same object for the same text (never changed by its users)."""
    return _piece(letters, text, ink)


def _fill(canvas: Any, ink: str, box: tuple[int, int, int, int], rows: Rows) -> None:
    canvas.paste(INKS.index(ink) * SHADES + SHADES - 1, box)
    rows.append((box[1], box[3]))


def draw(spec: Spec) -> bytes:
    """The card's PNG bytes (1200 x 630, 8-bit palette, no metadata; written by :mod:`card_png`).

    The picture is the background and four inks; each text's anti-aliased edges are drawn in 64
    shades of its ink in a palette. A palette PNG is a third of the bytes of an RGB one and needs no
    row filters, so it is encoded several times faster, for the same picture."""
    from PIL import Image

    canvas = Image.new("L", (WIDTH, HEIGHT), 0)
    rows: Rows = []
    _fill(canvas, "accent", (0, 0, WIDTH, 16), rows)
    inner = WIDTH - 2 * PAD

    meta_bold = letters(spec.fonts.bold, META_SIZE)
    meta = letters(spec.fonts.regular, META_SIZE)
    if spec.categories:
        label = _label(meta_bold, spec.categories, inner)
        _text(canvas, "accent", (PAD, 84), label, meta_bold, rows, kept=True)

    size, lines = fit_title(spec.title, inner, TITLE_BOTTOM - TITLE_TOP, lambda s: letters(spec.fonts.bold, s))
    title_letters = letters(spec.fonts.bold, size)
    step = size * LINE_HEIGHT
    top = TITLE_TOP + (TITLE_BOTTOM - TITLE_TOP - step * len(lines)) / 2  # centred in the title area
    for n, line in enumerate(lines):
        _text(canvas, "fg", (PAD, round(top + n * step)), line, title_letters, rows)

    _fill(canvas, "border", (PAD, 521, WIDTH - PAD, 523), rows)
    date_width = meta.length(spec.date)
    site = _site(meta_bold, spec.site, inner - date_width - 40)
    _text(canvas, "fg", (PAD, 548), site, meta_bold, rows, kept=True)
    _text(canvas, "muted", (round(WIDTH - PAD - date_width), 548), spec.date, meta, rows)
    return encode(canvas, _palette_bytes(spec.colours), rows)


@functools.lru_cache(maxsize=64)
def _label(meta_bold: Letters, categories: str, inner: int) -> str:
    return wrap(categories, inner, meta_bold.length)[0]


@functools.lru_cache(maxsize=64)
def _site(meta_bold: Letters, site: str, room: float) -> str:
    while site and meta_bold.length(site) > room:
        site = site[:-1]
    return site


@functools.lru_cache(maxsize=8)
def _palette_bytes(colours: tuple[tuple[str, str], ...]) -> bytes:
    return bytes(_palette(colours))
