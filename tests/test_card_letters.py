"""Drawing picture cards cheaply and exactly: lines put together from letters drawn once, texts
kept between cards, and the PNG written by rows; each gives the pixels Pillow draws on its own."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from kowp_site.site import card_drawing, card_fonts, card_glyphs, card_png
from kowp_site.site.card_spec import Spec
from tests.conftest import korean_font_found

needs_font = pytest.mark.skipif(not korean_font_found(), reason="no Korean font: install fonts-noto-cjk")

TEXTS = (
    "워드프레스 7.1 출시와 새 편집기",
    "2026년 8월 30일",
    "릴리스 · 보안 · 커뮤니티",
    "WordPress 6.5 “Regina” — (beta) [RC1] #42, 100% & more…",
    "every Survey repository. report",  # letters that share a pixel at some sizes
    "Tj fj ff AVAWAY To Ty LT «»",
)


def _fonts() -> card_fonts.Fonts:
    found = card_fonts._fonts_in_font_dirs() or card_fonts._fonts_below_font_dirs()
    assert found is not None
    return found


def _pillow(font, text: str) -> tuple[tuple[int, int, int, int], bytes]:
    """The text's box and its pixels drawn by Pillow alone (the reference)."""
    left, top, right, bottom = box = font.getbbox(text)
    image = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(image).text((-left, -top), text, font=font, fill=255)
    return box, image.tobytes()


@needs_font
@pytest.mark.parametrize("size", [*card_drawing.TITLE_SIZES, card_drawing.META_SIZE])
def test_a_line_put_together_from_letters_is_the_line_pillow_draws(size):
    fonts = _fonts()
    fell_back = 0
    for path in (fonts.bold, fonts.regular):
        letters = card_glyphs.letters(path, size)
        assert not letters.kerns  # Noto Sans CJK in basic layout: no kerning, so lines are put together
        for text in TEXTS:
            assert letters.length(text) == letters.font.getlength(text)
            line = letters.line(text)
            if line is None:  # two letters share a pixel: the caller draws the line with Pillow
                fell_back += 1
                continue
            box, mask = line
            assert (box, mask.tobytes()) == _pillow(letters.font, text)
    assert fell_back < 2 * len(TEXTS)  # most lines are put together


@needs_font
def test_letters_that_share_a_pixel_are_left_to_pillow_and_the_piece_is_pillows():
    letters = card_glyphs.letters(_fonts().bold, 46)
    shared = [word for word in ("every", "Survey", "repository.", "report", "important") if letters.line(word) is None]
    assert shared  # this face at 46 px has such pairs (r and y, r and t)
    for word in shared:
        box, piece = card_drawing._piece(letters, word, "fg")
        assert (box, piece.tobytes()) == _pillow_piece(letters.font, word, "fg")


def _pillow_piece(font, text: str, ink: str) -> tuple[tuple[int, int, int, int], bytes]:
    first = card_drawing.INKS.index(ink) * card_drawing.SHADES
    left, top, right, bottom = box = font.getbbox(text)
    piece = Image.new("L", (right - left, bottom - top), first)
    ImageDraw.Draw(piece).text((-left, -top), text, font=font, fill=first + card_drawing.SHADES - 1)
    return box, piece.tobytes()


@needs_font
@pytest.mark.parametrize("ink", card_drawing.INKS)
def test_a_kept_text_draws_the_same_pixels_as_a_fresh_one_in_every_ink(ink):
    letters = card_glyphs.letters(_fonts().regular, card_drawing.META_SIZE)
    for text in TEXTS:
        fresh = card_drawing._piece(letters, text, ink)
        kept = card_drawing._kept_piece(letters, text, ink)
        again = card_drawing._kept_piece(letters, text, ink)
        assert kept is again  # drawn once
        assert (fresh[0], fresh[1].tobytes()) == (kept[0], kept[1].tobytes()) == _pillow_piece(letters.font, text, ink)


class _KerningFont:
    """A stand-in font whose pairs are narrower than their letters (as a kerning face measures)."""

    def getlength(self, text: str) -> float:
        return 10.0 * len(text) - (2.0 if len(text) > 1 else 0.0)


def test_a_kerning_face_is_measured_and_drawn_by_pillow():
    letters = card_glyphs.Letters(_KerningFont())
    assert letters.kerns
    assert letters.length("abc") == 28.0  # the font's own measure, not the sum of its letters
    assert letters.line("abc") is None


@needs_font
def test_a_card_is_the_same_picture_when_every_line_is_drawn_by_pillow(monkeypatch):
    fonts = _fonts()
    colours = tuple(
        sorted({"bg": "#ffffff", "fg": "#1d2327", "muted": "#50575e", "accent": "#2271b1", "border": "#dcdcde"}.items())
    )
    specs = [
        Spec(title, "릴리스 · 보안", "2026년 8월 30일", "워드프레스 소식", colours, fonts, ("test",))
        for title in (*TEXTS, " ".join(TEXTS), "아주긴단어" * 40)
    ]
    ours = [card_drawing.draw(spec) for spec in specs]
    assert ours == [card_drawing.draw(spec) for spec in specs]  # deterministic, with the letters kept
    card_drawing._kept_piece.cache_clear()
    monkeypatch.setattr(card_glyphs.Letters, "line", lambda self, text: None)
    for spec, data in zip(specs, ours, strict=True):
        theirs = _decoded(card_drawing.draw(spec))
        mine = _decoded(data)
        assert (mine.getpalette(), mine.tobytes()) == (theirs.getpalette(), theirs.tobytes()), spec.title
    card_drawing._kept_piece.cache_clear()


def _decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert (image.format, image.mode, image.size) == ("PNG", "P", (card_drawing.WIDTH, card_drawing.HEIGHT))
    return image


# --- the PNG file -------------------------------------------------------------------------------------


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == card_png.SIGNATURE
    out, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body)
        out.append((kind, body))
        at += 12 + length
    return out


@pytest.mark.parametrize("seed", range(6))
def test_the_png_decodes_to_the_exact_palette_and_pixels(seed):
    rnd = random.Random(seed)
    width, height = rnd.choice([(1200, 630), (37, 50), (1, 1)])
    canvas = Image.new("L", (width, height), 0)
    drawn = []
    for _ in range(rnd.randrange(0, 6)):  # bands, some overlapping, touching or past the edges
        top = rnd.randrange(-5, height)
        bottom = top + rnd.randrange(0, 90)
        band = bytes(
            rnd.choice([0, 0, rnd.randrange(256)]) for _ in range(width * max(0, min(bottom, height) - max(top, 0)))
        )
        if band:
            canvas.paste(Image.frombytes("L", (width, len(band) // width), band), (0, max(top, 0)))
        drawn.append((top, bottom))
    palette = bytes(rnd.randrange(256) for _ in range(768))

    data = card_png.encode(canvas, palette, drawn)
    image = Image.open(io.BytesIO(data))
    image.load()
    assert (image.mode, image.size, image.info) == ("P", (width, height), {})
    assert bytes(image.getpalette()) == palette
    assert image.tobytes() == canvas.tobytes()
    chunks = _chunks(data)
    assert [kind for kind, _ in chunks] == [b"IHDR", b"PLTE", b"IDAT", b"IEND"]
    raw = zlib.decompress(chunks[2][1])  # the zlib stream on its own, its checksum checked
    rows = [raw[y * (width + 1) : (y + 1) * (width + 1)] for y in range(height)]
    assert len(raw) == height * (width + 1) and all(row[0] == 0 for row in rows)  # filter type 0 everywhere


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_the_checksums_of_two_pieces_put_together_are_the_checksum_of_both(first, second):
    combined = card_png.adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second))
    assert combined == zlib.adler32(first + second)


def test_long_runs_of_the_same_byte_checksum_as_zlib_does():
    for first, second in ((b"\xff" * 70000, b"\xff" * 90000), (bytes(5), b"\x01" * 65521), (b"", b"")):
        assert card_png.adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second)) == zlib.adler32(
            first + second
        )
