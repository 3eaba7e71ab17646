"""Body images of fetched posts, kept in the post's own folder so readers' browsers ask no other host.

Called by :func:`kowp_site.fetch.network.fetch` between converting the feed's entries and
planning the writes: for a post that is new or whose English changed, every image from a host of
``image_hosts`` is downloaded (with the feed's HTTP client, its timeouts and retries, a limit of
its own per image, and conditional requests from the state file), checked by its first bytes
(PNG, JPEG, GIF, WebP or AVIF only: never SVG or HTML, which would run on the site's origin), and
en.md and a new translation stub point at the local file. A WordPress sized copy
(``-1024x683.jpg``) is replaced by its original when the server has it, once per post.

A refused image (not an image, too large, a redirect to a host not allowed, a 404) becomes a plain
link to the original, so no text is lost; the fetch summary says why. Nothing is written here: the
files join the fetch's one all-or-nothing batch.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from kowp_site.errors import KowpError
from kowp_site.site.config import Config

if TYPE_CHECKING:
    from kowp_site.fetch.importer import Converted

MAX_IMAGE_BYTES = 10 * 1024 * 1024  # largest image accepted, after decoding
_MD_IMAGE = re.compile(r"!\[((?:\\.|[^\]\\])*)\]\(<?(https?://[^\s)>]+)>?((?:\s+\"[^\"]*\")?)\)")
_HTML_IMG = re.compile(r"<img\b[^>]*?\bsrc=\"(https?://[^\"]+)\"[^>]*>")
_LINK_TARGET = re.compile(r"\]\(<?(https?://[^\s)>]+)>?\)")
_ALT = re.compile(r"\balt=\"([^\"]*)\"")
_SIZED = re.compile(r"^(?P<stem>.+)-\d{2,5}x\d{2,5}(?P<ext>\.[A-Za-z0-9]{2,5})$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-\uac00-\ud7a3]+")  # dots too: the stem gets none, so never ".."
_HASH = re.compile(rb"source_hash: sha256:[0-9a-f]{64}")


def sniff(data: bytes) -> str | None:
    """The file extension for ``data`` by its first bytes, or None when it is not an allowed image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return "avif"
    return None


def allowed_host(url: str, hosts: Iterable[str]) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and any(host == h or host.endswith("." + h) for h in hosts)


def originals(url: str) -> list[str]:
    """The addresses to try for ``url``: a WordPress sized copy's original first, then the copy."""
    parts = urlsplit(url)
    head, _, last = parts.path.rpartition("/")
    sized = _SIZED.match(last)
    if sized is None:
        return [url]
    return [parts._replace(path=f"{head}/{sized['stem']}{sized['ext']}", query="").geturl(), url]


def safe_name(url: str, ext: str, taken: set[str]) -> str:
    """A file name from the address's last segment (NFC, a safe pattern, no dot first), with the
    extension of what the bytes are; ``-2``, ``-3`` … after a name another image took."""
    last = unquote(urlsplit(url).path.rpartition("/")[2])
    stem = unicodedata.normalize("NFC", last).rsplit(".", 1)[0]
    stem = _UNSAFE.sub("-", stem).strip("-_")[:80].strip("-_") or "image"
    name, n = f"{stem}.{ext}", 1
    while name.lower() in taken:
        n += 1
        name = f"{stem}-{n}.{ext}"
    taken.add(name.lower())
    return name


@dataclass
class Outcome:
    """What the images of one post became."""

    local: dict[str, str] = field(default_factory=dict)  # remote address -> file name
    refused: dict[str, str] = field(default_factory=dict)  # remote address -> why (it becomes a plain link)
    later: dict[str, str] = field(default_factory=dict)  # remote address -> why it stays remote until the next fetch
    files: dict[str, bytes] = field(default_factory=dict)  # file name -> bytes to write
    originals: dict[str, str] = field(default_factory=dict)  # address downloaded -> file name (links follow it)
    state: dict[str, dict[str, str]] = field(default_factory=dict)  # address -> validators


def image_urls(markdown: str) -> list[str]:
    """Every remote image address of a Markdown body, in order, once each."""
    found = [m.group(2) for m in _MD_IMAGE.finditer(markdown)] + [m.group(1) for m in _HTML_IMG.finditer(markdown)]
    return list(dict.fromkeys(u.replace("&amp;", "&") for u in found))


Get = Callable[..., Any]  # Http.get: (url, etag=, last_modified=, missing_ok=, max_bytes=, allow=) -> Reply


def keep_images(
    config: Config,
    get: Get,
    markdown: str,
    folder: Path,
    saved: dict[str, dict[str, str]],
    max_bytes: int = MAX_IMAGE_BYTES,
) -> Outcome:
    """Download the images of one post (see the module docstring); ``get`` is ``Http.get``."""
    outcome = Outcome()
    taken: set[str] = {"en.md", f"{config.language}.md"}
    allow = partial(allowed_host, hosts=config.image_hosts)
    fetched: dict[str, str] = {}  # address -> file name: each original once
    for url in image_urls(markdown):
        if not allow(url):
            continue
        reasons = []
        for address in originals(url):
            if address in fetched:
                outcome.local[url] = fetched[address]
                break
            found = fetch_one(get, address, folder, saved.get(address, {}), taken, max_bytes, allow)
            if isinstance(found, Transient):
                outcome.later[url] = str(found)
                break
            if isinstance(found, str):
                reasons.append(found)
                continue
            name, data, validators = found
            if data is not None:
                outcome.files[name] = data
            outcome.local[url] = fetched[address] = outcome.originals[address] = name
            outcome.state[address] = validators
            break
        else:
            outcome.refused[url] = reasons[-1]
    return outcome


class Transient(str):
    """Why an image could not be fetched this time (the server or the network failed)."""


def fetch_one(
    get: Get,
    address: str,
    folder: Path,
    validators: dict[str, str],
    taken: set[str],
    max_bytes: int,
    allow: Callable[[str], bool],
) -> tuple[str, bytes | None, dict[str, str]] | str:
    """(file name, new bytes or None when the file on disk is current, validators), or why not
    (a :class:`Transient` reason when trying again later may succeed)."""
    on_disk = validators.get("file", "")
    current = bool(on_disk) and on_disk.lower() not in taken and (folder / on_disk).is_file()
    try:
        reply = get(
            address,
            etag=validators.get("etag", "") if current else "",
            last_modified=validators.get("last_modified", "") if current else "",
            missing_ok=True,
            max_bytes=max_bytes,
            allow=allow,
        )
    except KowpError as exc:  # FetchError: refused redirect, too large, the server failing
        reason = str(exc).replace("; nothing was written", "")
        return Transient(reason) if getattr(exc, "transient", False) else reason
    if reply.status == 404:
        return f"{address}: not found (404)"
    data: bytes | None = None
    if reply.status == 304:
        name = on_disk
    else:
        ext = sniff(reply.body)
        if ext is None:
            return f"{address}: not a PNG, JPEG, GIF, WebP or AVIF image"
        name = on_disk if current and on_disk.endswith(f".{ext}") else safe_name(address, ext, set(taken))
        data = None if current and name == on_disk and (folder / on_disk).read_bytes() == reply.body else reply.body
    taken.add(name.lower())
    return name, data, {"etag": reply.etag, "last_modified": reply.last_modified, "file": name}


def rewrite(markdown: str, outcome: Outcome) -> str:
    """``markdown`` with kept images pointing at their files and refused ones as plain links."""

    def md(match: re.Match[str]) -> str:
        alt, url, title = match.group(1), match.group(2), match.group(3)
        key = url.replace("&amp;", "&")
        if key in outcome.local:
            return f"![{alt}]({outcome.local[key]}{title})"
        if key in outcome.refused:
            label = alt or unquote(urlsplit(key).path.rpartition("/")[2]) or "이미지"
            return f"[{label}]({url}{title})"
        return match.group(0)

    def html(match: re.Match[str]) -> str:
        url = match.group(1)
        key = url.replace("&amp;", "&")
        if key in outcome.local:
            return match.group(0).replace(f'src="{url}"', f'src="{outcome.local[key]}"', 1)
        if key in outcome.refused:
            alt = _ALT.search(match.group(0))
            label = (alt.group(1) if alt else "") or "이미지"
            return f'<a href="{url}">{label}</a>'
        return match.group(0)

    def link(match: re.Match[str]) -> str:  # [![…](kept)](the full-size original) -> the kept file too
        name = outcome.originals.get(match.group(1).replace("&amp;", "&"))
        return f"]({name})" if name else match.group(0)

    text = _HTML_IMG.sub(html, _MD_IMAGE.sub(md, markdown))
    return _LINK_TARGET.sub(link, text) if outcome.originals else text


def localized(converted: Converted, outcome: Outcome) -> Converted:
    """A converted post (importer.Converted) whose en.md and stub use the kept files; the stub's
    source_hash follows the new en.md."""
    from kowp_site.site.content import sha256_bytes

    if not outcome.local and not outcome.refused:
        return converted
    source = rewrite(converted.source.decode("utf-8"), outcome).encode("utf-8")
    stub = rewrite(converted.stub.decode("utf-8"), outcome).encode("utf-8")
    stub = _HASH.sub(b"source_hash: " + sha256_bytes(source).encode(), stub, count=1)
    return dataclasses.replace(converted, source=source, stub=stub)


@dataclass
class Kept:
    """The images of a whole fetch: the posts to plan, the files to write, and what to say."""

    results: list[Any]
    writes: list[Any]  # plan.Write of every new or changed image file
    state: dict[str, dict[str, str]]  # address -> validators and file, for the state file
    notes: list[str]  # one line per image left as a link or remote


def keep_all(
    config: Config, get: Get, results: list[Any], saved: dict[str, dict[str, str]], max_bytes: int = MAX_IMAGE_BYTES
) -> Kept:
    """:func:`keep_images` for every converted post that is new or whose English changed.

    A post whose en.md is the same as the conversion with remote images is left as it is, so an
    existing translation is never marked outdated by this step alone.
    """
    from kowp_site.fetch.importer import Converted
    from kowp_site.fetch.plan import Write

    kept = Kept([], [], {}, [])
    for result in results:
        if not isinstance(result, Converted):
            kept.results.append(result)
            continue
        folder = config.content_dir / "posts" / result.key.path
        en = folder / "en.md"
        if en.is_file() and en.read_bytes() == result.source:
            kept.results.append(result)
            continue
        outcome = keep_images(config, get, result.source.decode("utf-8"), folder, saved, max_bytes)
        kept.results.append(localized(result, outcome))
        kept.writes += [Write(folder / name, data) for name, data in sorted(outcome.files.items())]
        kept.state.update(outcome.state)
        for url, why in outcome.refused.items():
            kept.notes.append(f"{result.key.path}: image {url} is kept as a link to the original: {why}")
        for url, why in outcome.later.items():
            kept.notes.append(f"{result.key.path}: image {url} stays remote until the next fetch: {why}")
    return kept
