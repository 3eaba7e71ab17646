"""``kowp-site check``: the rules a translation must pass before it is merged.

Each rule has an id (``CHECKS``) that ``[tool.kowp-site.check] disable`` can turn off; findings
print as ``path:line: [id] message — hint``. Pure apart from reading the files it checks.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kowp_site.errors import KowpError, Problem, display_path
from kowp_site.site.config import Config
from kowp_site.site.content import Content, Post
from kowp_site.translation import korean, mdscan, memory, scripts

CHECKS: dict[str, str] = {
    "config": "the [tool.kowp-site] settings and the glossary file are valid",
    "front-matter": "front matter follows the content model (keys, types, dates, hashes)",
    "published": "a published translation names its translators and its publication date",
    "hangul": "a published body is mostly Korean (share of Hangul among letters)",
    "script": "other languages: a published body is mostly in the site's language (its script, or its common words)",
    "structure": "same number of headings, paragraphs, list items, links, images, code blocks, table rows as en.md",
    "links": "internal links point to a page the site has",
    "link-allowlist": "external links point only to allowed domains (when link_allowlist is set)",
    "glossary": "terms the English uses are rendered as content/glossary.toml approves",
    "product-name": "the product name is spelled as configured (default 워드프레스)",
    "style": "sentence endings follow the house style (합니다체 or 해요체) throughout",
    "outdated": "the English source has not changed since the translation (error with --strict)",
    "tm-marker": "a published translation keeps no translation-memory marker (<!-- kowp-tm … -->)",
}
# Statuses whose ko.md holds a translation to check (an untranslated stub is the English text).
TRANSLATED = ("draft", "review", "published")
# Rules that compare a nearly finished translation with its source.
FINISHED = ("review", "published")

SITE_PATHS = (
    "", "archive/", "translate/", "contributors/", "feed.xml", "atom.xml", "feed.json", "sitemap.xml",
    "robots.txt", "404.html",
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One problem found by one check."""

    check: str
    path: str
    line: int | None
    message: str
    hint: str = ""
    severity: str = "error"

    def problem(self) -> Problem:
        """As a :class:`Problem`, so ui.report prints ``path:line: [id] message — hint``."""
        return Problem(self.path, self.line, f"[{self.check}] {self.message}", self.hint, self.severity)

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


def from_content(problem: Problem) -> Finding:
    """A problem of the content loader, labelled with the check it belongs to."""
    check = "published" if problem.message.startswith("a published post needs") else "front-matter"
    return Finding(check, problem.path, problem.line, problem.message, problem.hint, problem.severity)


class Checker:
    """Runs every enabled rule on chosen posts of one loaded site."""

    def __init__(self, config: Config, content: Content, *, strict: bool = False):
        self.config = config
        self.content = content
        self.strict = strict
        self.enabled = {c for c in CHECKS if c not in config.check.disable}
        self.setup: list[Finding] = [
            Finding("config", "pyproject.toml", None, f"check.disable names unknown check '{name}'",
                    f"known checks: {', '.join(CHECKS)}", "warning")
            for name in sorted(set(config.check.disable) - set(CHECKS))
        ]  # fmt: skip
        self.glossary: tuple[korean.Term, ...] = ()
        if "glossary" in self.enabled:
            try:
                self.glossary = korean.load_glossary(config.root / config.check.glossary)
            except KowpError as exc:
                self.setup.append(Finding("config", config.check.glossary, None, str(exc)))
        self.targets = site_targets(config, content)
        self.language = config.language.split("-")[0]
        self.korean = self.language == "ko"  # the Hangul, product-name and style rules are Korean
        self.drafts = {p.path for p in content.posts if p.status != "published"}

    def where(self, path: Path) -> str:
        return display_path(path, self.config.root)

    def post(self, post: Post) -> list[Finding]:
        """Every finding of the enabled rules on one post, in line order."""
        t = post.translation
        if t is None or t.status not in TRANSLATED:
            return []
        doc = mdscan.scan(t.path)
        en = mdscan.scan(post.source.path)
        found: list[Finding] = []
        if post.outdated:
            found.append(self.outdated(post, doc))
        if t.status == "published":
            found += self.hangul(post, doc) if self.korean else self.script(doc)
            found += self.tm_markers(doc)
        if t.status in FINISHED and not post.source.excerpt_only:
            found += self.structure(en, doc)
        found += self.links(post, doc)
        text_lines = self.text_lines(doc)
        found += self.glossary_findings(en, doc, text_lines)
        found += self.product_name(post, text_lines)
        found += self.style(post, doc)
        found = [f for f in found if f.check in self.enabled]
        return sorted(found, key=lambda f: (f.line or 0, f.check, f.message))

    def text_lines(self, doc: mdscan.Doc) -> list[tuple[int, str]]:
        """The title line and body lines outside code, for the word-level rules."""
        lines = doc.body_lines()
        title = doc.keys.get("title")
        if title:
            lines.insert(0, (title, doc.lines[title - 1].split(":", 1)[1]))
        return lines

    def outdated(self, post: Post, doc: mdscan.Doc) -> Finding:
        folder = post.key.path
        return Finding(
            "outdated",
            self.where(doc.path),
            doc.keys.get("source_hash"),
            "the English source (en.md) changed since this translation was made",
            f"see `kowp-site diff {folder}`, update the translation, then run `kowp-site ack {folder}`",
            "error" if self.strict else "warning",
        )

    def hangul(self, post: Post, doc: mdscan.Doc) -> list[Finding]:
        share = korean.hangul_share(doc)
        return self.share_finding(
            "hangul", doc, share.value, "Hangul among letters", self.config.check.hangul_threshold
        )

    def script(self, doc: mdscan.Doc) -> list[Finding]:
        """The Hangul rule for any language the script test knows (see :mod:`scripts`)."""
        if not scripts.supported(self.language):
            return []
        share = scripts.script_share(doc, self.language)
        return self.share_finding("script", doc, share.value, share.unit, self.config.check.script_threshold)

    def share_finding(self, check: str, doc: mdscan.Doc, value: float, unit: str, threshold: float) -> list[Finding]:
        """A finding when less than ``threshold`` of a published body is in the site's language."""
        if value >= threshold:
            return []
        first = next((doc.line_of(t) for t in doc.tokens if t.type == "inline"), doc.body_offset + 1)
        return [
            Finding(
                check,
                self.where(doc.path),
                first,
                f"the body is still mostly English: {value:.0%} {unit} "
                f"(at least {threshold:.0%} expected for a published post)",
                "translate the body, or set status: draft until it is done",
            )
        ]

    def tm_markers(self, doc: mdscan.Doc) -> list[Finding]:
        """Markers that ``fetch`` leaves on what it took from the translation memory: the
        translator reviews each block and deletes its marker before publishing."""
        code: set[int] = set()
        for tok in doc.tokens:
            if tok.type in ("fence", "code_block") and tok.map:
                code.update(range(doc.body_offset + tok.map[0] + 1, doc.body_offset + tok.map[1] + 1))
        return [
            Finding(
                "tm-marker",
                self.where(doc.path),
                line,
                "this text came from the translation memory and still carries its marker",
                "check the reused translation against the English, then delete the <!-- kowp-tm … --> marker",
            )
            for line in memory.marker_lines(doc.lines, doc.body_offset)
            if line not in code
        ]

    def structure(self, en_doc: mdscan.Doc, doc: mdscan.Doc) -> list[Finding]:
        en = mdscan.structure(en_doc)
        ko = mdscan.structure(doc)
        where = self.where(doc.path)
        found = []
        missing_headings = _missing_headings(en.headings, ko.headings)
        for text, en_line, ko_line in missing_headings:
            found.append(
                Finding(
                    "structure",
                    where,
                    ko_line or doc.body_offset + 1,
                    f"section '{text}' (en.md:{en_line}) has no heading here",
                    "translate the whole section, keeping its heading",
                )
            )
        for kind, korean_name in mdscan.KINDS.items():
            a, b = en.counts[kind], ko.counts[kind]
            if a == b or (kind == "headings" and missing_headings and b < a):
                continue
            found.append(
                Finding(
                    "structure",
                    where,
                    ko.first_line.get(kind, doc.body_offset + 1),
                    f"{b} {kind} here, {a} in en.md ({korean_name} {b}개 / 원문 {a}개)",
                    "keep the structure of the original: nothing dropped, nothing added",
                )
            )
        return found

    def links(self, post: Post, doc: mdscan.Doc) -> list[Finding]:
        found = []
        allow = tuple(d.lower().lstrip(".") for d in self.config.check.link_allowlist)
        site = urlsplit(self.config.base_url)
        for link in doc.links():
            href = link.href.strip()
            parts = urlsplit(href)
            if not href or href.startswith("#") or parts.scheme in ("mailto", "tel"):
                continue
            host = (parts.hostname or "").lower()
            if parts.scheme in ("http", "https") and host != (site.hostname or "").lower():
                if allow and not any(host == d or host.endswith("." + d) for d in allow):
                    found.append(
                        Finding(
                            "link-allowlist",
                            self.where(doc.path),
                            link.line,
                            f"link to {host}, which is not in check.link_allowlist",
                            "link to an allowed site, or add the domain to link_allowlist",
                        )
                    )
                continue
            if parts.scheme and parts.scheme not in ("http", "https"):
                continue
            target = self.resolve(post, parts.path, site.path or "/", bool(parts.scheme))
            if target is None:
                continue
            problem = self.missing(target)
            if problem:
                found.append(Finding("links", self.where(doc.path), link.line, f"link {href}: {problem}", _LINK_HINT))
        return found

    def resolve(self, post: Post, path: str, base_path: str, absolute: bool) -> str | None:
        """A link's site path (no leading slash), or None when it leaves the site."""
        path = unquote(path)
        if absolute or path.startswith("/"):
            if absolute and not path.startswith(base_path):
                return None
            path = path[len(base_path) :] if absolute else path[1:]
        else:
            path = posixpath.join(post.path, path)
        normal = posixpath.normpath("/" + path).lstrip("/") if path else ""
        if normal == ".":
            normal = ""
        if path.endswith("/") and normal:
            normal += "/"
        return normal

    def missing(self, target: str) -> str:
        """Why a site path does not exist, or "" when it does."""
        for candidate in (target, target.removesuffix("index.html"), target + "/"):
            if candidate in self.targets:
                return ""
            if candidate in self.drafts:
                return "that translation is not published yet"
        return "no page of the site has this address"

    def glossary_findings(self, en: mdscan.Doc, doc: mdscan.Doc, lines: list[tuple[int, str]]) -> list[Finding]:
        if not self.glossary:
            return []
        english = "\n".join(text for _, text in self.text_lines(en))
        return [
            Finding(
                "glossary",
                self.where(doc.path),
                hit.line,
                f"'{hit.found}' for '{hit.term}': the glossary says '{hit.expected}'",
                f"write {hit.expected} (content/glossary.toml)",
            )
            for hit in korean.glossary_hits(self.glossary, english, lines)
        ]

    def product_name(self, post: Post, lines: list[tuple[int, str]]) -> list[Finding]:
        c = self.config.check
        if not c.product_name:
            return []
        return [
            Finding(
                "product-name",
                self.where(post.translation.path),  # type: ignore[union-attr]
                hit.line,
                f"'{hit.found}': the product name is written '{hit.expected}'",
                f"write {hit.expected}",
            )
            for hit in korean.product_name_hits(c.product_name, c.product_name_variants, lines)
        ]

    def style(self, post: Post, doc: mdscan.Doc) -> list[Finding]:
        house = self.config.check.house_style
        if not house or not self.korean:  # the endings rule reads Korean sentence endings only
            return []
        endings = korean.sentence_endings(doc)
        other = [e for e in endings if e.style != house]
        if not other:
            return []
        wanted = "…니다" if house == "합니다체" else "…요"
        return [
            Finding(
                "style",
                self.where(doc.path),
                e.line,
                f"'{e.word}' ends a sentence in {e.style}; this site writes {house} "
                f"({len(endings) - len(other)} of {len(endings)} sentences in this post do)",
                f"rewrite the ending in {house} ({wanted})",
            )
            for e in other
        ]


_LINK_HINT = "fix the address, or link the original on wordpress.org"


def _missing_headings(
    en: tuple[tuple[int, str, int], ...], ko: tuple[tuple[int, str, int], ...]
) -> list[tuple[str, int, int | None]]:
    """English headings with no counterpart, matched by level order: (text, en line, ko line before)."""
    matcher = SequenceMatcher(None, [h[0] for h in en], [h[0] for h in ko], autojunk=False)
    missing = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("delete", "replace") and (i2 - i1) > (j2 - j1):
            for level, text, line in en[i1 + (j2 - j1) : i2]:
                before = ko[j2 - 1][2] if j2 > 0 else None
                missing.append(("#" * level + " " + text, line, before))
    return missing


def site_targets(config: Config, content: Content) -> set[str]:
    """Every site path a full (published-only) build writes, for the link check."""
    from kowp_site.site.theme import script_templates, theme_dirs

    targets = set(SITE_PATHS)
    for post in content.posts:
        if post.status == "published":
            targets.add(post.path)
            targets.update(f"category/{c.slug}/" for c in post.categories)
            targets.update(f"category/{c.slug}/feed.xml" for c in post.categories)
    targets.update(p.url_path for p in content.pages if not p.draft)
    targets.update(site_path for site_path, _ in content.assets)
    try:
        dirs = theme_dirs(config)
        for folder in dirs:
            static = folder / "static"
            if static.is_dir():
                targets.update("static/" + f.relative_to(static).as_posix() for f in static.rglob("*") if f.is_file())
        targets.update(f"static/js/{name}" for name in script_templates(dirs))  # rendered with the catalog
    except KowpError:
        pass
    return targets
