"""The picture cards' letters: each letter of a face drawn by FreeType once per process, and a line
of text put together from those drawings, pixel for pixel as Pillow's basic layout draws it.

Pillow's basic layout puts each letter's bitmap at the whole pixel its pen position rounds to, and a
letter's bitmap is the same wherever it stands; so a line is its letters' bitmaps side by side. The
same syllables come back in thousands of titles, and the site name, the dates' digits and the
categories on every card, so drawing each once saves FreeType most of its work (loading a letter's
outline and its hints, and filling it, once for its box and twice more to draw it). A line is put
together here only when that is exact: the face does not kern, every advance is a whole number of
pixels, and no two letters of the line share a pixel (Pillow blends those). Otherwise
:meth:`Letters.line` says None and the caller draws the line with Pillow.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

# Pairs that a kerning font moves closer (Latin, punctuation, Hangul): one that does is drawn by Pillow.
KERN_PROBES = ("AV", "AT", "To", "Ty", "Wa", "Yo", "LT", "P.", "F,", "r.", "y.", "\u201cA", "(J", "가.", "다,")
MAX_LETTERS = 6000  # a face forgets its drawn letters past this many (a bound on memory, ~4 KiB each)


@dataclass(frozen=True, slots=True)
class Glyph:
    """One letter of a face, drawn alone at the origin (the top left of the face's ascender line)."""

    advance: int  # in 1/64 pixels, as FreeType's basic layout advances the pen
    box: tuple[int, int, int, int]  # font.getbbox(letter): left, top, right, bottom
    ink: Any  # its drawn pixels trimmed to those not blank (an "L" image), or None when it has none
    at: tuple[int, int]  # where ``ink``'s top left corner lies from the origin


class Letters:
    """The letters of one face at one size, each drawn once, and lines made of them."""

    def __init__(self, font: Any) -> None:
        self.font = font
        self.glyphs: dict[str, Glyph] = {}
        self.advances: dict[str, int] = {}  # in 1/64 pixels, measured without drawing
        self.kerns = any(
            font.getlength(pair) != font.getlength(pair[0]) + font.getlength(pair[1]) for pair in KERN_PROBES
        )

    def glyph(self, char: str) -> Glyph:
        found = self.glyphs.get(char)
        if found is None:
            if len(self.glyphs) >= MAX_LETTERS:
                self.glyphs.clear()
            found = self.glyphs[char] = _drawn(self.font, char)
        return found

    def length(self, text: str) -> float:
        """``font.getlength(text)``: the sum of the letters' advances (the face does not kern)."""
        if self.kerns:
            return self.font.getlength(text)
        advances = self.advances
        try:
            return sum([advances[char] for char in text]) / 64
        except KeyError:
            for char in text:
                if char not in advances:
                    advances[char] = round(self.font.getlength(char) * 64)
            return sum([advances[char] for char in text]) / 64

    getlength = length  # as a Pillow font's, for :func:`card_drawing.fit_title`

    def line(self, text: str) -> tuple[tuple[int, int, int, int], Any] | None:
        """``font.getbbox(text)`` and the text drawn in it in shades 0-255 (an "L" image the size of
        the box), as Pillow draws it; None when only Pillow can draw it exactly."""
        if self.kerns or not text:
            return None
        glyphs = [self.glyph(char) for char in text]
        if any(g.advance % 64 for g in glyphs):
            return None
        pens, pen = [], 0
        for g in glyphs:
            pens.append(pen)
            pen += g.advance >> 6
        left = min(0, *(x + g.box[0] for x, g in zip(pens, glyphs, strict=True)))
        top = min(g.box[1] for g in glyphs)
        right = max(x + g.box[2] for x, g in zip(pens, glyphs, strict=True))
        bottom = max(g.box[3] for g in glyphs)
        box = (left, top, right, bottom)
        mask = _put_together(glyphs, pens, box)
        return None if mask is None else (box, mask)


def _put_together(glyphs: list[Glyph], pens: list[int], box: tuple[int, int, int, int]) -> Any:
    from PIL import Image, ImageChops

    left, top, right, bottom = box
    mask = Image.new("L", (right - left, bottom - top), 0)
    reach = -(1 << 30)  # the right edge of the letters put so far
    for pen, g in zip(pens, glyphs, strict=True):
        if g.ink is None:
            continue
        x, y = pen + g.at[0] - left, g.at[1] - top
        if x < reach:  # it may touch letters put before it
            under = mask.crop((x, y, x + g.ink.width, y + g.ink.height))
            if ImageChops.darker(under, g.ink).getbbox() is not None:
                return None  # two letters share a pixel: Pillow blends them, so Pillow draws the line
            mask.paste(ImageChops.lighter(under, g.ink), (x, y))
        else:
            mask.paste(g.ink, (x, y))
        reach = max(reach, x + g.ink.width)
    return mask


def _drawn(font: Any, char: str) -> Glyph:
    from PIL import Image, ImageDraw

    advance = round(font.getlength(char) * 64)
    box = font.getbbox(char)
    left, top, right, bottom = box
    if right <= left or bottom <= top:
        return Glyph(advance, box, None, (0, 0))
    alone = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(alone).text((-left, -top), char, font=font, fill=255)
    inked = alone.getbbox()
    if inked is None:
        return Glyph(advance, box, None, (0, 0))
    return Glyph(advance, box, alone.crop(inked), (left + inked[0], top + inked[1]))


@functools.lru_cache(maxsize=32)
def letters(path: str, size: int) -> Letters:
    """The letters of the Korean face of ``path`` at ``size`` (one per process)."""
    from kowp_site.site.card_fonts import face

    return Letters(face(path, size))
