"""A new stub pre-filled from the translation memory: exact and placeable matches written in, each marked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import yaml

from kowp_site.site.config import Config
from kowp_site.translation.memory import FRONT_RE, MARKER, Memory, Unit, front_matter, one_line
from kowp_site.translation.segments import Block, Key, blocks, is_segment, sentences


@dataclass(frozen=True)
class Filled:
    data: bytes  # the stub, with what the memory could fill
    filled: int  # segments (sentences, and the title) taken from the memory
    total: int  # segments of the post

    @property
    def share(self) -> float:
        return round(self.filled / self.total, 4) if self.total else 0.0


def marker(filled: int, total: int, posts: list[str]) -> str:
    return f"<!-- {MARKER} {filled}/{total}: {', '.join(dict.fromkeys(posts))} -->"


def fill(memory: Memory, stub: bytes) -> Filled:
    """``stub`` (a new translation file holding the English) with every exact or
    placeable-substituted match of the memory in place of its English segment. Headings, list
    shape, links and code stay as the English has them; the rest stays English."""
    text = stub.decode("utf-8")
    offset, found = blocks(text)
    lines = text.split("\n")
    head = FRONT_RE.match(text)
    title = str(front_matter(stub).get("title") or "")
    plan = [(block, sentences(one_line(block.text))) for block in found if block.is_segment]
    title_key = memory.key(title) if title and is_segment(title) else None
    hits = memory.resolve(_wanted(memory, plan, title_key))
    total = sum(len(parts) for _, parts in plan) + (1 if title_key else 0)
    filled = 0
    replaced: dict[int, tuple[int, str]] = {}  # first line -> (last line, new text)
    for block, parts in plan:
        done = _filled_block(memory, block, parts, hits, lines) if block.rewritable else None
        if done is not None:
            replaced[block.first] = (block.last, done[0])
            filled += done[1]
    body = "\n".join(_with_replaced(lines, replaced)[offset:])
    front = text[: head.end()] if head else ""
    if title_key is not None and head is not None:
        hit = hits.get(title_key)
        if hit is not None:
            front = _filled_front(stub, hit)
            filled += 1
    if not filled:
        return Filled(stub, 0, total)
    return Filled((front + body).encode("utf-8"), filled, total)


def _wanted(memory: Memory, plan: list[tuple[Block, list[str]]], title_key: Key | None) -> list[Key]:
    """The keys to look up: each prose block whole, each of its sentences when it has several, the title."""
    keys: list[Key] = []
    for block, parts in plan:
        keys.append(memory.key(one_line(block.text)))
        if len(parts) > 1:
            keys += [memory.key(p) for p in parts if is_segment(p)]
    if title_key is not None:
        keys.append(title_key)
    return keys


def _filled_block(
    memory: Memory, block: Block, parts: list[str], hits: dict[Key, tuple[Unit, str]], lines: list[str]
) -> tuple[str, int] | None:
    """The block's new line (the whole block's match, else each sentence's, and its marker) and how
    many sentences came from the memory; None when none did or the line cannot be rewritten."""
    hit = hits.get(memory.key(one_line(block.text)))
    if hit is not None:
        pieces, used, posts = [hit[1]], len(parts), [hit[0].post]
    else:
        pieces, used, posts = [], 0, []
        for part in parts:
            key = memory.key(part)
            hit = hits.get(key) if len(parts) > 1 and is_segment(part) else None
            pieces.append(hit[1] if hit else part)
            if hit:
                used += 1
                posts.append(hit[0].post)
    if not used:
        return None
    first_line, head_text = lines[block.first].rstrip(), block.text.split("\n")[0]
    at = len(first_line) - len(head_text) if first_line.endswith(head_text) else first_line.find(head_text)
    if at < 0:
        return None
    return first_line[:at] + " ".join(pieces) + " " + marker(used, len(parts), posts), used


def _with_replaced(lines: list[str], replaced: dict[int, tuple[int, str]]) -> list[str]:
    """``lines`` with each replaced block's lines (first to last) as its one new line."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i in replaced:
            last, new = replaced[i]
            out.append(new)
            i = last
            continue
        out.append(lines[i])
        i += 1
    return out


def _filled_front(stub: bytes, hit: tuple[Unit, str]) -> str:
    """The stub's front matter with the memory's title, marked by a YAML comment above it."""
    meta = front_matter(stub)
    meta["title"] = one_line(hit[1])
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=2**30, default_flow_style=False)
    return f"---\n# {marker(1, 1, [hit[0].post]).removeprefix('<!-- ').removesuffix(' -->')}\n{dumped}---\n"


class Filler:
    """For ``kowp-site fetch``: fills each new stub from one memory, built on first use."""

    def __init__(self, config: Config, note: Callable[[str], None] | None = None):
        self.config = config
        self.note = note
        self._memory: Memory | None = None

    def __call__(self, stub: bytes) -> Filled:
        if self._memory is None:
            self._memory = Memory(self.config)
        result = fill(self._memory, stub)
        if self.note is not None:
            for line in dict.fromkeys(self._memory.notes):
                self.note(line)
            self._memory.notes.clear()
        return result
