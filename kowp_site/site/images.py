"""Pictures of a post folder: read their size, make smaller copies for phones, and dress the ``<img>`` tags.

Three steps, in the build's one direction:

- :func:`probe` reads one image file once it changed (Pillow, header and a full decode check) and
  returns its :class:`ImageInfo`, or what is wrong with it (truncated, a decompression bomb, a side
  past :data:`MAX_SIDE`); a bad image is reported as ``path: what is wrong`` and shown as it is.
- :func:`dress` (pure, on sanitized HTML) gives every ``<img>`` of a post-folder file its
  ``width`` and ``height``, and one wider than the reading column a ``<picture>`` with WebP and
  original-format copies in ``srcset`` and ``sizes``; the first image of a body loads eagerly with
  ``fetchpriority="high"``, the others stay lazy.
- :func:`variant_bytes` makes one smaller copy, deterministically, kept in
  ``.kowp-cache/images/`` by the source's content hash so an incremental build makes none again.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path

VARIANT_WIDTHS = (480, 800, 1200)  # px; a phone at 360 CSS px and 2-3x density picks 800 or 1200
COLUMN = 640  # px: the default theme's reading column (42rem less its padding)
SIZES = "(max-width: 42rem) calc(100vw - 2rem), 40rem"
MAX_SIDE = 20_000  # px; a longer side is refused before it is decoded
MAX_PIXELS = 64_000_000  # a larger image is treated as a decompression bomb
RESIZABLE = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}  # GIF (animation) and AVIF are served as they are
FORMATS = {"PNG", "JPEG", "GIF", "WEBP", "AVIF"}

_IMG = re.compile(r"<img((?:\s[\w:-]+(?:=\"[^\"]*\")?)*)>")
_SRC = re.compile(r'\ssrc="([^"]*)"')
_WIDTH = re.compile(r'\s(?:width|height)="[^"]*"')
_LAZY = ' loading="lazy"'


@dataclass(frozen=True)
class ImageInfo:
    """What a page needs to know of one image file."""

    width: int
    height: int
    format: str  # PNG, JPEG, GIF, WEBP or AVIF
    digest: str  # of the file's bytes: the key of its copies

    def widths(self) -> tuple[int, ...]:
        """Widths of the smaller copies made for it (none when it fits the column or cannot be resized)."""
        if self.format not in RESIZABLE or self.width <= COLUMN:
            return ()
        return tuple(w for w in VARIANT_WIDTHS if w < self.width)


def probe(path: Path) -> ImageInfo | str:
    """The size and format of the image at ``path``, or a sentence saying what is wrong with it."""
    from PIL import Image, UnidentifiedImageError

    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    try:
        with warnings.catch_warnings(), Image.open(io.BytesIO(data)) as im:
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # judged below, with a clear message
            width, height, fmt = im.width, im.height, im.format or ""
            if max(width, height) > MAX_SIDE:
                return f"is {width}x{height} px; sides longer than {MAX_SIDE:,} px are not resized or sized"
            if width * height > MAX_PIXELS:
                return f"is {width}x{height} px, too many pixels to decode safely (a decompression bomb?)"
            if fmt not in FORMATS:
                return f"is a {fmt or 'unknown'} image; use PNG, JPEG, GIF, WebP or AVIF"
            im.verify()  # reads the whole image: a truncated or damaged file fails here
    except Image.DecompressionBombError:
        return "has too many pixels to decode safely (a decompression bomb?)"
    except UnidentifiedImageError:
        return "is not an image Pillow can read"
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or damaged data
        return f"is damaged or truncated ({exc})"
    return ImageInfo(width, height, fmt, hashlib.blake2b(data, digest_size=16).hexdigest())


def variant_name(name: str, width: int, ext: str) -> str:
    """``poster.png`` at 480 px as WebP -> ``poster-480w.webp``."""
    stem = name.rsplit(".", 1)[0]
    return f"{stem}-{width}w.{ext}"


def variants(name: str, info: ImageInfo) -> list[tuple[str, int, str]]:
    """(file name, width, format) of every copy made of image ``name``: WebP at each width and at the
    original width, and the original format at each smaller width."""
    if not info.widths():
        return []
    ext = RESIZABLE[info.format]
    found = [(variant_name(name, w, "webp"), w, "WEBP") for w in (*info.widths(), info.width)]
    if info.format != "WEBP":
        found += [(variant_name(name, w, ext), w, info.format) for w in info.widths()]
    return found


def dress(html: str, images: Mapping[str, ImageInfo] | None) -> str:
    """Sanitized body HTML with sized, responsive images (see the module docstring)."""
    if "<img" not in html:
        return html
    first = True

    def one(match: re.Match[str]) -> str:
        nonlocal first
        attrs = match.group(1)
        eager, first = first, False
        if eager:
            attrs = attrs.replace(_LAZY, "", 1) + ' fetchpriority="high"'
        src = _SRC.search(attrs)
        info = images.get(src.group(1)) if images and src else None
        if info is None:
            return f"<img{attrs}>"
        attrs = _WIDTH.sub("", attrs) + f' width="{info.width}" height="{info.height}"'
        widths = info.widths()
        if not widths:
            return f"<img{attrs}>"
        name = src.group(1)  # type: ignore[union-attr]
        webp = ", ".join(f"{escape(variant_name(name, w, 'webp'))} {w}w" for w in (*widths, info.width))
        own = [f"{escape(variant_name(name, w, RESIZABLE[info.format]))} {w}w" for w in widths]
        fallback = ", ".join([*own, f"{escape(name)} {info.width}w"])
        return (
            f'<picture><source type="image/webp" srcset="{webp}" sizes="{SIZES}">'
            f'<img{attrs} srcset="{fallback}" sizes="{SIZES}"></picture>'
        )

    return _IMG.sub(one, html)


def variant_bytes(source: Path, info: ImageInfo, width: int, fmt: str, cache_dir: Path) -> bytes:
    """One smaller copy of ``source`` (``fmt`` at ``width`` px), from the cache when it holds it."""
    cached = cache_dir / f"{info.digest}-{width}.{fmt.lower()}"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    from PIL import Image

    with Image.open(source) as im:
        im.load()
        height = max(1, round(info.height * width / info.width))
        small = im if width == im.width else im.resize((width, height), Image.Resampling.LANCZOS)
        if fmt in ("JPEG", "WEBP") and small.mode not in ("RGB", "RGBA", "L"):
            small = small.convert("RGBA" if "A" in small.getbands() or "transparency" in im.info else "RGB")
        if fmt == "JPEG" and small.mode == "RGBA":
            small = small.convert("RGB")
        out = io.BytesIO()
        options = {"PNG": {"optimize": True}, "JPEG": {"quality": 82, "optimize": True}, "WEBP": {"quality": 80}}
        small.save(out, fmt, **options[fmt])  # no metadata is copied: the same source gives the same bytes
    data = out.getvalue()
    from kowp_site.site.cache import write_atomic

    with contextlib.suppress(OSError):  # the cache is an optimisation only
        write_atomic(cached, data)
    return data
