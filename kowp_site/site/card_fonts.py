"""The picture cards' Korean fonts: where they are found, their faces, and which letters they draw."""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kowp_site.errors import ConfigError, Problem
from kowp_site.site.config import Config

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


@dataclass(frozen=True)
class Fonts:
    """The font files of the cards: title (bold) and the rest (regular); a file may be both."""

    bold: str
    regular: str

    def identity(self) -> tuple[object, ...]:
        """What names a font file's bytes without reading them: path, size and modification time."""
        return _kept_identity(self.bold, self.regular)


def file_identity(*paths: str) -> tuple[object, ...]:
    """Path, size and modification time of each file, read now (one stat each)."""
    found: list[object] = []
    for path in paths:
        st = os.stat(path)
        found += [path, st.st_size, st.st_mtime_ns]
    return tuple(found)


_kept_identity = functools.lru_cache(maxsize=8)(file_identity)  # once per process, for every card


def find_fonts(config: Config) -> Fonts | None:
    """The card fonts: ``card_font`` (one file for everything), else the first pair found on the
    machine, else None. A ``card_font`` that is not a file is a configuration error."""
    if not config.cards:  # turned off (serve previews, or a site that wants none): nothing is drawn
        return None
    return _find_fonts(config.root, config.card_font)


@functools.lru_cache(maxsize=8)
def _find_fonts(root: Path, card_font: str) -> Fonts | None:
    if card_font:
        return _configured_font(root, card_font)
    return _fonts_in_font_dirs() or _fonts_below_font_dirs()


def _configured_font(root: Path, card_font: str) -> Fonts:
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


def _fonts_in_font_dirs() -> Fonts | None:
    for folder in FONT_DIRS:
        base = Path(folder).expanduser()
        for bold, regular in FONT_NAMES:
            if (base / bold).is_file() and (base / regular).is_file():
                return Fonts(str(base / bold), str(base / regular))
    return None


def _fonts_below_font_dirs() -> Fonts | None:
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


@functools.lru_cache(maxsize=32)
def face(path: str, size: int) -> Any:
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
    font = face(path, 40)
    box = font.getbbox(char)
    notdef = _notdef(path)
    if box != notdef[0]:  # a glyph of its own shape: the cheap answer, almost always
        return True
    return _glyph(font, char) != notdef  # the same box as .notdef: compare the drawings


@functools.lru_cache(maxsize=8)
def _notdef(path: str) -> tuple[object, ...]:
    return _glyph(face(path, 40), "\uffff")  # U+FFFF is never in a font: .notdef


def _glyph(font: Any, char: str) -> tuple[object, ...]:
    from PIL import Image, ImageDraw

    box = font.getbbox(char)
    image = Image.new("L", (64, 80))
    ImageDraw.Draw(image).text((4, 0), char, font=font, fill=255)
    return box, font.getlength(char), image.tobytes()


_DRAWN: dict[Fonts, set[str]] = {}  # letters known to be drawn by each pair of fonts


def drawn_letters(fonts: Fonts) -> set[str]:
    """The letters found drawn by ``fonts`` so far (a build may add those kept by an earlier one)."""
    return _DRAWN.setdefault(fonts, set())


def missing(fonts: Fonts, text: str) -> list[str]:
    """The letters of ``text`` that the card fonts cannot draw, in order of first appearance."""
    known = drawn_letters(fonts)
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
