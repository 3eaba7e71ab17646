"""What each output of a site reads, declared beside how it is made; one function derives its cache key.

A group of outputs (post pages, lists, feeds, the archive, search shards, cards …) is a function
that returns :class:`Output` values. Each names its path, how its bytes are made, and in
:class:`Reads` every input those bytes depend on besides the site's settings (configuration,
theme, tool and build options, which every output reads). :meth:`Keys.key` is the only place
that turns a declaration into the key an incremental build compares; an output whose key is the
same as in the previous build is not made again. An output that declares nothing (``reads`` is
None) is made at once and compared by its bytes: fine for cheap ones.

Example, a page that lists three posts and shows their bodies::

    Output("list/index.html", partial(render_list, page), Reads(posts=names, values=(page.number,)))
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kowp_site.site import cache
from kowp_site.site.output import KeptGroup, Record

Maker = Callable[[], "bytes | str"]


@dataclass(frozen=True, slots=True)
class Reads:
    """The inputs one output reads, each named by what it is.

    Posts are named by their key path (``YYYY/MM/slug``); "" names no post (an empty neighbour
    slot), so the position of a name in the sequence can carry meaning.
    """

    posts: Sequence[str] = ()  # posts read whole (body HTML, summary, image): the digest of their files
    light: Sequence[str] = ()  # posts read light (front matter, status, dates; no body): their card
    entries: Sequence[str] = ()  # posts read as archive entries (title, address, dates, categories)
    values: tuple[object, ...] = ()  # everything else shown: page numbers, a category, a date from Git


@dataclass(frozen=True, slots=True)
class Output:
    """One file of the site: where it goes, how it is made, and what it reads."""

    path: str  # relative to the output folder
    make: Maker | bytes | str | Path  # a Path is a file copied as it is
    reads: Reads | None = None  # None: made now and compared by its bytes
    owner: str = ""  # who made it, named in the error when two outputs claim one path
    together: str = ""  # outputs of one name are cut from one value (the search index): made in one process


Group = Callable[..., Iterable[Output]]


@dataclass(frozen=True)
class Keys:
    """What the inputs of a build are, as digests: the site's settings and every post's files."""

    site: str  # tool, configuration, theme templates and build options
    posts: Mapping[str, str]  # post key path -> digest of its files
    cards: Mapping[str, str] = field(default_factory=dict)  # post key path -> digest of the light post
    entries: Mapping[str, str] = field(default_factory=dict)  # post key path -> digest of its archive entry

    _memo: dict[tuple[int, str], tuple[Sequence[str], str]] = field(default_factory=dict, compare=False, repr=False)

    def key(self, output: Output) -> str:
        """The cache key of ``output``: its path, its declared inputs and the site's settings.

        One string is hashed: the site key, the path, the repr of the values, then the digests of
        the posts read whole, light and as archive entries, each kind after a separator (a digest
        is hex; a repr has no control character). Thousands of calls a build: the common case, a
        few posts read whole, is inline.
        """
        reads = output.reads
        if reads is None:
            raise ValueError(f"{output.path} declares no inputs: it has no key")
        names, posts = reads.posts, self.posts
        parts = [self.site, output.path, repr(reads.values) if reads.values else ""]
        if len(names) <= LONG:
            parts += [posts.get(p, "") for p in names]
        else:
            parts.append(self.digests(names, "posts"))  # type: ignore[arg-type]
        if reads.light or reads.entries:
            parts.append("\x01")
            parts += self.digest_parts(reads.light, "light")
            parts.append("\x01")
            parts += self.digest_parts(reads.entries, "entries")
        return hashlib.blake2b("\x00".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def digest_parts(self, names: Sequence[str], kind: str) -> list[str]:
        found = self.digests(names, kind) if names else []
        return found if isinstance(found, list) else [found]

    def digests(self, names: Sequence[str], kind: str) -> list[str] | str:
        """The digests of the posts ``names`` as ``kind`` reads them. A long sequence (search files
        read every published post) is hashed once and the same object reuses the hash."""
        if len(names) <= LONG:
            return self.lookup(names, kind)
        found = self._memo.get((id(names), kind))
        if found is None or found[0] is not names:  # the sequence itself is kept, so its id stays its own
            found = (names, "*" + cache.hash_text(kind, self.lookup(names, kind)))  # "*": not a post's digest
            self._memo[(id(names), kind)] = found
        return found[1]

    def lookup(self, names: Sequence[str], kind: str) -> list[str]:
        posts = self.posts
        if kind == "posts":
            return [posts.get(p, "") for p in names]
        table = self.cards if kind == "light" else self.entries
        return [table.get(p) or posts.get(p, "") for p in names]


LONG = 64  # sequences longer than this are hashed once per build (see Keys.digests)


# A group may also say, in one digest, everything its outputs read together (the picture cards:
# the settings, which posts are shown, each one's light post). While that digest is the last
# build's, the group's outputs and their keys are the last build's: the group is not run, and its
# outputs are added with their kept keys and a maker that runs it if one of them is asked for.


def kept_keys(kept: KeptGroup | None, digest: str, records: Mapping[str, Record]) -> list[tuple[str, str]] | None:
    """(path, key) of every output of a group the last build declared from ``digest``, with the
    records it wrote; None when the group must be declared again."""
    if not digest or not isinstance(kept, KeptGroup) or kept.digest != digest:
        return None
    found = []
    for path in kept.paths:
        record = records.get(path)
        if record is None or not record.key:  # not written, or written by content (a preview's page)
            return None
        found.append((path, record.key))
    return found


def remembered(digest: str, outputs: Sequence[Output]) -> KeptGroup | None:
    """What to keep of a group declared from ``digest``; None when its outputs cannot be kept as one
    (one is made at once or cut from a shared value, or two owners share the group)."""
    owners = {o.owner for o in outputs}
    if not digest or len(owners) > 1 or any(o.reads is None or o.together for o in outputs):
        return None
    return KeptGroup(digest, owners.pop() if owners else "", tuple(o.path for o in outputs))


@dataclass
class LateGroup:
    """The outputs of a kept group, made only if one is asked for (a fresh output folder gets every
    output): the group runs then, once."""

    group: Group
    data: object
    made: dict[str, Output] | None = None

    def make(self, path: str) -> bytes | str:
        if self.made is None:
            self.made = {o.path: o for o in self.group(self.data)}
        maker = self.made[path].make
        return maker() if callable(maker) else maker  # type: ignore[return-value]
