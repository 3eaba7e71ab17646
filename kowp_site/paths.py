"""Safe mapping between feed URLs, content folders and output paths.

Every path built from a string that came from a feed or from front matter goes through here, so
no ``..``, separator or control character can ever lead outside ``content/`` or the output.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

# Letters and digits of any script, joined by single hyphens or underscores: what WordPress
# produces for post slugs (including percent-encoded Hangul ones once decoded).
SLUG_RE = re.compile(r"[^\W_](?:[\w]|-(?=[^\W_]|-)|_)*", re.UNICODE)
MAX_SLUG = 120


class UnsafePath(ValueError):
    """A slug or path that could lead outside the content or output directory."""


@dataclass(frozen=True, order=True)
class PostKey:
    """Where a post lives: ``YYYY/MM/slug``, the same in content/ and in the site."""

    year: int
    month: int
    slug: str

    @cached_property  # asked for thousands of times per build (output names, keys)
    def path(self) -> str:
        return f"{self.year:04d}/{self.month:02d}/{self.slug}"

    def __str__(self) -> str:
        return self.path


def check_slug(raw: str) -> str:
    """Percent-decode, NFC-normalise and validate a slug; raise UnsafePath when it is not safe."""
    try:
        slug = unicodedata.normalize("NFC", unquote(raw, errors="strict"))
    except UnicodeDecodeError:
        raise UnsafePath(f"slug {raw!r} is not percent-encoded UTF-8") from None
    if not slug:
        raise UnsafePath("empty slug")
    if len(slug) > MAX_SLUG:
        raise UnsafePath(f"slug longer than {MAX_SLUG} characters")
    if SLUG_RE.fullmatch(slug):  # letters, digits, "-" and "_" only: no control or invisible character
        return slug
    if any(unicodedata.category(ch).startswith("C") for ch in slug):
        raise UnsafePath("slug contains control or invisible characters")
    raise UnsafePath(f"slug {slug!r} may hold only letters, digits, '-' and '_'")


def key_from_parts(year: str, month: str, slug: str) -> PostKey:
    if not re.fullmatch(r"(19|20|21)\d\d", year) or not re.fullmatch(r"0[1-9]|1[0-2]", month):
        raise UnsafePath(f"'{year}/{month}' is not a YYYY/MM date")
    return PostKey(int(year), int(month), check_slug(slug))


def key_from_link(link: str) -> PostKey:
    """``https://wordpress.org/news/2026/08/open-weight/`` -> ``2026/08/open-weight``."""
    try:
        parts = urlsplit(link)
    except ValueError as exc:
        raise UnsafePath(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UnsafePath(f"link {link!r} is not an http(s) URL")
    path = parts.path
    parts = [p for p in path.split("/") if p]
    for i in range(len(parts) - 2):
        if re.fullmatch(r"\d{4}", parts[i]) and re.fullmatch(r"\d{2}", parts[i + 1]):
            rest = parts[i + 2 :]
            if len(rest) == 1 or (len(rest) == 2 and rest[1] in ("amp",)):
                return key_from_parts(parts[i], parts[i + 1], rest[0])
    raise UnsafePath(f"link {link!r} does not end in /YYYY/MM/slug/")


def inside(base: Path, *parts: str) -> Path:
    """``base/parts…``, refusing anything that would resolve outside ``base``."""
    for part in parts:
        for piece in PurePosixPath(part).parts:
            if piece in ("..", "/") or "\\" in piece or "\x00" in piece:
                raise UnsafePath(f"unsafe path part {part!r}")
    target = base.joinpath(*parts)
    base_resolved = base.resolve()
    resolved = target.resolve()
    if resolved != base_resolved and base_resolved not in resolved.parents:
        raise UnsafePath(f"{target} is outside {base}")
    return target
