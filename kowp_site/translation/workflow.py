"""Translation workflow logic behind ``status``, ``ack`` and ``diff``.

``status`` counts posts by status and lists what to do next; ``ack`` records in ko.md that the
translation matches the current en.md; ``diff`` finds, in the Git history, the en.md a translation
was made from and shows what changed since. Only ``ack`` writes, one ko.md, atomically.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import yaml

from kowp_site import gitlog
from kowp_site.errors import KowpError, display_path
from kowp_site.paths import UnsafePath, key_from_link, key_from_parts
from kowp_site.site.config import Config, source_date
from kowp_site.site.content import HASH_RE, STATUSES, Content, Post, sha256_bytes

# --- status ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """How much en.md changed between two versions."""

    since: str  # commit of the version the translation was made from
    lines_added: int
    lines_removed: int
    words_added: int
    words_removed: int


def measure(old: str, new: str, since: str) -> Change:
    lines = list(difflib.ndiff(old.splitlines(), new.splitlines()))
    words = list(difflib.ndiff(old.split(), new.split()))
    return Change(
        since,
        sum(1 for x in lines if x.startswith("+ ")),
        sum(1 for x in lines if x.startswith("- ")),
        sum(1 for x in words if x.startswith("+ ")),
        sum(1 for x in words if x.startswith("- ")),
    )


@dataclass(frozen=True)
class Entry:
    """One post in a status list."""

    post: Post
    change: Change | None = None  # for outdated posts, when the history has the old en.md
    pretranslated: float | None = None  # untranslated and in-progress posts: share from the memory

    def as_json(self, config: Config) -> dict[str, object]:
        post = self.post
        t = post.translation
        data: dict[str, object] = {
            "post": post.key.path,
            "status": post.status,
            "title": post.title,
            "original_title": post.source.title,
            "link": post.source.link,
            "date": post.source.date.isoformat(),
            "file": f"content/posts/{post.key.path}/{config.language}.md",
            "translators": list(t.translators) if t else [],
            "reviewers": list(t.reviewers) if t else [],
        }
        if self.pretranslated is not None:
            data["pretranslated"] = self.pretranslated
        if post.outdated and post.status != "untranslated":
            c = self.change
            data["change"] = (
                None
                if c is None
                else {
                    "since": c.since,
                    "lines_added": c.lines_added,
                    "lines_removed": c.lines_removed,
                    "words_added": c.words_added,
                    "words_removed": c.words_removed,
                }
            )
        return data


@dataclass(frozen=True)
class Status:
    total: int
    counts: dict[str, int]
    untranslated: tuple[Entry, ...]  # newest first
    outdated: tuple[Entry, ...]
    in_progress: tuple[Entry, ...]  # draft and review

    @property
    def percent(self) -> float:
        return round(100 * self.counts["published"] / self.total, 1) if self.total else 0.0

    def as_json(self, config: Config) -> dict[str, object]:
        return {
            "total": self.total,
            "counts": dict(self.counts),
            "outdated": len(self.outdated),
            "percent_published": self.percent,
            "untranslated": [e.as_json(config) for e in self.untranslated],
            "outdated_posts": [e.as_json(config) for e in self.outdated],
            "in_progress": [e.as_json(config) for e in self.in_progress],
        }


def is_outdated(post: Post) -> bool:
    """A translation (not an untranslated stub) made from an older en.md."""
    return post.outdated and post.status != "untranslated"


def status(config: Config, content: Content, *, history: bool = True) -> Status:
    """Counts and lists of every post; with ``history``, how much each outdated source changed."""
    posts = content.posts  # newest first
    counts = dict.fromkeys(STATUSES, 0)
    for post in posts:
        counts[post.status] += 1
    git = history and gitlog.is_work_tree(config.root)
    outdated = tuple(Entry(p, change_since(config, p) if git else None) for p in posts if is_outdated(p))
    return Status(
        total=len(posts),
        counts=counts,
        untranslated=tuple(Entry(p, pretranslated=pretranslated(p)) for p in posts if p.status == "untranslated"),
        outdated=outdated,
        in_progress=tuple(Entry(p, pretranslated=pretranslated(p)) for p in posts if p.status in ("draft", "review")),
    )


def pretranslated(post: Post) -> float:
    """The share (0-1) of the post's segments the translation memory filled in and nobody has
    reviewed yet (their ``kowp-tm`` markers are still there)."""
    from kowp_site.translation.memory import share

    if post.translation is None:
        return 0.0
    try:
        return share(post.translation.path.read_bytes(), post.source.path.read_bytes())
    except OSError:
        return 0.0


def change_since(config: Config, post: Post) -> Change | None:
    try:
        old = gitlog.find_version(config.root, post.source.path, post.translation.source_hash)  # type: ignore[union-attr]
    except gitlog.GitUnavailable:
        return None
    if old is None:
        return None
    new = post.source.path.read_bytes().decode("utf-8", "replace")
    return measure(old.data.decode("utf-8", "replace"), new, old.commit)


# --- POST arguments -------------------------------------------------------------------------


def find_folder(config: Config, spec: str, cwd: Path | None = None) -> Path:
    """The post folder named by a path (folder, en.md or ko.md), a YYYY/MM/slug key, or the
    original URL. Works without loading the content, so a ko.md with errors can still be acked."""
    posts = config.content_dir / "posts"
    if re.match(r"https?://", spec):
        try:
            key = key_from_link(spec)
        except UnsafePath as exc:
            raise KowpError(f"{spec}: {exc}") from None
        folder = posts / key.path
        if not (folder / "en.md").is_file():
            raise KowpError(f"{spec}: there is no content/posts/{key.path}/en.md — run `kowp-site fetch` first")
        return folder
    given = Path(spec)
    candidates = [given] if given.is_absolute() else [(cwd or Path.cwd()) / given, config.root / given, posts / given]
    for candidate in candidates:
        if not candidate.exists():
            continue
        folder = (candidate if candidate.is_dir() else candidate.parent).resolve()
        try:
            rel = folder.relative_to(posts.resolve()).parts
            if len(rel) == 3:
                key_from_parts(*rel)
                if (folder / "en.md").is_file():
                    return folder
        except (ValueError, UnsafePath):
            pass
    raise KowpError(f"{spec}: not a post — give content/posts/YYYY/MM/slug, its ko.md, or the original URL")


@dataclass(frozen=True)
class Files:
    """A post folder's en.md and translation, read without the full content model."""

    folder: Path
    en: Path
    ko: Path
    meta: dict[str, object]  # the translation's front matter


def read_files(config: Config, folder: Path) -> Files:
    en = folder / "en.md"
    ko = folder / f"{config.language}.md"
    where = display_path(ko, config.root)
    if not ko.is_file():
        raise KowpError(f"{where} does not exist: there is no translation yet")
    try:
        meta = frontmatter.loads(ko.read_bytes().decode("utf-8").lstrip("\ufeff")).metadata
    except (UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise KowpError(f"{where}: the front matter cannot be read ({exc}) — run `kowp-site check {where}`") from None
    return Files(folder, en, ko, dict(meta))


# --- ack ------------------------------------------------------------------------------------


def build_date(config: Config) -> dt.date:
    """Today in the site's time zone; SOURCE_DATE_EPOCH, when set, stands in for now."""
    return (source_date() or dt.datetime.now(dt.UTC)).astimezone(config.tz).date()


@dataclass(frozen=True)
class Ack:
    path: Path
    old_hash: str
    new_hash: str
    translated: dt.date | None  # set by this ack (first publication)

    @property
    def changed(self) -> bool:
        return self.old_hash != self.new_hash or self.translated is not None


FENCE = re.compile(rb"-{3,}[ \t]*(\r?\n)?")
HASH_LINE = re.compile(rb"(source_hash[ \t]*:[ \t]*)([\"']?)([^\r\n]*?)\2([ \t]*(?:#[^\r\n]*)?)(\r?\n)?")


def acked_text(data: bytes, new_hash: str, today: dt.date | None) -> bytes:
    """``data`` with its source_hash line set to ``new_hash`` (and a ``translated`` line added
    after it when ``today`` is given); every other byte stays as it was."""
    lines = data.splitlines(keepends=True)
    if not lines or not FENCE.fullmatch(lines[0].removeprefix(b"\xef\xbb\xbf")):
        raise KowpError("the file has no front matter between '---' lines")
    end = next((i for i in range(1, len(lines)) if FENCE.fullmatch(lines[i])), None)
    if end is None:
        raise KowpError("the front matter is not closed with a '---' line")
    newline = b"\r\n" if lines[0].endswith(b"\r\n") else b"\n"
    at = end
    for i in range(1, end):
        m = HASH_LINE.fullmatch(lines[i])
        if m:
            quote = m.group(2)
            lines[i] = m.group(1) + quote + new_hash.encode() + quote + m.group(4) + (m.group(5) or newline)
            at = i + 1
            break
    else:
        lines.insert(at, b"source_hash: " + new_hash.encode() + newline)
        at += 1
    if today is not None:
        lines.insert(at, b"translated: " + today.isoformat().encode() + newline)
    return b"".join(lines)


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ack(config: Config, folder: Path) -> Ack:
    """Record in the translation that it matches the current en.md; on first publication, also
    the date (``translated``)."""
    files = read_files(config, folder)
    new_hash = sha256_bytes(files.en.read_bytes())
    data = files.ko.read_bytes()
    old_hash = str(files.meta.get("source_hash") or "")
    first_publication = files.meta.get("status") == "published" and files.meta.get("translated") in (None, "")
    if first_publication and "translated" in files.meta:
        raise KowpError(f"{display_path(files.ko, config.root)}: 'translated' is empty — remove the line or fill it in")
    today = build_date(config) if first_publication else None
    result = Ack(files.ko, old_hash, new_hash, today)
    if result.changed:
        write_atomic(files.ko, acked_text(data, new_hash, today))
    return result


# --- diff -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceDiff:
    since: str  # commit holding the en.md the translation was made from; "" when up to date
    text: str  # unified diff, "" when up to date


def source_diff(config: Config, folder: Path) -> SourceDiff:
    """What changed in en.md since the version the translation records. Raises KowpError when
    that version cannot be found."""
    files = read_files(config, folder)
    where = display_path(files.en, config.root)
    wanted = str(files.meta.get("source_hash") or "")
    current = files.en.read_bytes()
    if wanted == sha256_bytes(current):
        return SourceDiff("", "")
    if not HASH_RE.fullmatch(wanted):
        raise KowpError(
            f"{display_path(files.ko, config.root)}: no valid source_hash to compare with — run `kowp-site ack`"
        )
    if not gitlog.is_work_tree(config.root):
        raise KowpError(f"{where}: the site is not a Git work tree, so the older en.md cannot be found")
    try:
        old = gitlog.find_version(config.root, files.en, wanted)
    except gitlog.GitUnavailable as exc:
        raise KowpError(f"{where}: git failed: {exc}") from None
    if old is None:
        why = (
            "this clone is shallow — run `git fetch --unshallow` and try again"
            if gitlog.is_shallow(config.root)
            else "no commit has an en.md with that hash (the history was rewritten, or that version was never committed)"
        )
        raise KowpError(
            f"{where}: the version this translation was made from ({wanted[:15]}…) is not in the Git history: {why}"
        )
    lines = difflib.unified_diff(
        old.data.decode("utf-8", "replace").splitlines(keepends=True),
        current.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=f"{where} @ {old.commit[:12]} (번역 기준)",
        tofile=f"{where} (현재)",
    )
    return SourceDiff(old.commit, "".join(_ensure_newline(line) for line in lines))


def _ensure_newline(line: str) -> str:
    return line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
