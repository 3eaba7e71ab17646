"""What a picture card shows: its size, the drawing's format number and :class:`Spec`, the value a
card's bytes follow from (without the drawing, so a build that draws no card does not import it)."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kowp_site.site.card_fonts import Fonts

WIDTH, HEIGHT = 1200, 630
FORMAT = 2  # raise when the drawing changes in a way the cards' modules' bytes do not show


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
