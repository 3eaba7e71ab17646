"""The picture cards' PNG files: an 8-bit palette picture written with the standard library's zlib,
compressing only the rows something was drawn on.

A card is mostly background: of its 630 rows, those with text or a rule are a third to a half. A
run of background rows is the same bytes on every card, so its compressed form is made once per
process; only the drawn rows are compressed for each card. Each part is compressed on its own and
ends on a byte boundary (a sync flush), so the parts follow each other in one zlib stream whose
checksum is put together from the parts' own. The pixels are those of the picture; every row has
filter type 0 (none), as palette pictures are best written.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Iterable
from typing import Any

SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KiB window, as zlib writes it for its run-length strategy
LAST_BLOCK = b"\x03\x00"  # an empty final block (fixed Huffman codes): the end of the stream
ADLER_BASE = 65521


def encode(canvas: Any, palette: bytes, drawn: Iterable[tuple[int, int]]) -> bytes:
    """The PNG bytes of the "L" image ``canvas`` as palette indices into ``palette`` (RGB triples);
    ``drawn``: the (top, bottom) rows of everything drawn, all other rows being index 0."""
    width, height = canvas.size
    parts: list[bytes] = []
    checksum = 1  # the Adler-32 of nothing
    row = 0
    for top, bottom in [*_bands(drawn, height), (height, height)]:  # the last: the rows after the bands
        if top > row:
            part, part_sum, length = _blank(width, top - row)
            parts.append(part)
            checksum = adler32_combine(checksum, part_sum, length)
        if bottom > top:
            raw = _rows(canvas, top, bottom)
            part, part_sum, length = _compressed(raw)
            parts.append(part)
            checksum = adler32_combine(checksum, part_sum, length)
        row = bottom
    stream = b"".join([ZLIB_HEADER, *parts, LAST_BLOCK, struct.pack(">I", checksum)])
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)  # 8-bit, palette, no interlace
    return b"".join(
        [SIGNATURE, _chunk(b"IHDR", header), _chunk(b"PLTE", palette), _chunk(b"IDAT", stream), _chunk(b"IEND", b"")]
    )


def _bands(drawn: Iterable[tuple[int, int]], height: int) -> list[tuple[int, int]]:
    """The drawn rows as sorted runs that do not overlap or touch, within the picture."""
    out: list[tuple[int, int]] = []
    for top, bottom in sorted((max(0, t), min(height, b)) for t, b in drawn):
        if bottom <= top:
            continue
        if out and top <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], bottom))
        else:
            out.append((top, bottom))
    return out


def _rows(canvas: Any, top: int, bottom: int) -> bytes:
    """Rows ``top`` to ``bottom`` of ``canvas`` as PNG scanlines: each one's filter byte (0) first."""
    from PIL import Image

    width = canvas.size[0]
    lines = Image.new("L", (width + 1, bottom - top), 0)
    lines.paste(canvas.crop((0, top, width, bottom)), (1, 0))
    return lines.tobytes()


def _deflated(raw: bytes) -> bytes:
    """``raw`` as deflate blocks of their own, ending on a byte boundary and not the stream's last."""
    # zlib's run-length strategy: several times faster than the default on these flat pictures and
    # nearly as small; memory level 8 (zlib's default) keeps the tables it clears every 32 KiB small.
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_RLE)
    return compressor.compress(raw) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _compressed(raw: bytes) -> tuple[bytes, int, int]:
    """``raw``'s deflate blocks, Adler-32 and length."""
    return _deflated(raw), zlib.adler32(raw), len(raw)


@functools.lru_cache(maxsize=64)
def _blank(width: int, rows: int) -> tuple[bytes, int, int]:
    """``rows`` background scanlines, compressed once per process."""
    return _compressed(bytes((width + 1) * rows))


def adler32_combine(first: int, second: int, length: int) -> int:
    """The Adler-32 of two pieces of data one after the other, from each one's own and the second's
    length: the sums add up, the second's running sum gaining the first's sum once a byte."""
    a1, b1 = first & 0xFFFF, first >> 16
    a2, b2 = second & 0xFFFF, second >> 16
    a = (a1 + a2 - 1) % ADLER_BASE
    b = (b1 + b2 + length * (a1 - 1)) % ADLER_BASE
    return (b << 16) | a


def _chunk(kind: bytes, data: bytes) -> bytes:
    return b"".join([struct.pack(">I", len(data)), kind, data, struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))])
