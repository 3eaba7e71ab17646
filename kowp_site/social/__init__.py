"""The services ``kowp-site syndicate`` announces new translations on, and what they share.

* :mod:`kowp_site.social.compose` an announcement's text, counted the way each service counts (pure)
* :mod:`kowp_site.social.state`   the committed record of what was posted (content/.syndication.json)
* :mod:`kowp_site.social.mastodon`, :mod:`kowp_site.social.bluesky` and :mod:`kowp_site.social.threads`
  the only modules that post

The Mastodon and Bluesky clients need the optional extra ``kowp-site[syndicate]`` (Mastodon.py,
atproto, grapheme); they import it lazily so ``kowp-site build`` never pays for it. Threads is
plain HTTP through httpx, a core dependency.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from kowp_site.errors import KowpError

TARGETS = ("mastodon", "bluesky", "threads")
EXTRA_HINT = "install the syndication extra: pip install 'kowp-site[syndicate]'"


class TargetError(KowpError):
    """One service refused or failed; the other services go on and this one is retried next run.

    The message never holds a secret: clients build it with :meth:`Secrets.scrub`.
    """


@dataclass(frozen=True)
class Posted:
    """Where an announcement landed: the service's own id (status id, at:// URI) and its web address."""

    id: str
    url: str


class Secrets:
    """Values that must never reach output, logs, errors or the state file."""

    def __init__(self, *values: str):
        self._values: set[str] = set()
        for value in values:
            self.add(value)

    def add(self, value: str | None) -> None:
        if value and len(value) >= 4:  # a 1-3 character "secret" would blank out ordinary words
            self._values.add(value)

    def scrub(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, "***")
        return text

    def error(self, what: str, exc: BaseException) -> TargetError:
        """A :class:`TargetError` describing ``exc`` with every secret replaced by ``***``."""
        detail = str(exc).strip() or type(exc).__name__
        return TargetError(self.scrub(f"{what}: {type(exc).__name__}: {detail}"))


def require(module: str) -> ModuleType:
    """Import a module of the syndication extra, or explain how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise KowpError(f"kowp-site syndicate needs the Python package '{module}' — {EXTRA_HINT}") from None
