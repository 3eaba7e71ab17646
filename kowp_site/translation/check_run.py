"""``kowp-site check`` from start to finish: load, choose posts, run the rules, collect findings.

Kept apart from :mod:`kowp_site.translation.checks` (the rules) so the rules stay pure and testable alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kowp_site import gitlog
from kowp_site.errors import KowpError, display_path
from kowp_site.site import config as config_mod
from kowp_site.site import content as content_mod
from kowp_site.site.content import Post
from kowp_site.translation import checks
from kowp_site.translation.checks import Finding


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    posts: int  # posts checked
    scope: str  # what was checked, for the summary line

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    def summary(self) -> str:
        return f"checked {self.posts} post{'s' if self.posts != 1 else ''} ({self.scope}): {self.errors} errors, {self.warnings} warnings"

    def as_json(self) -> dict[str, object]:
        return {
            "posts": self.posts,
            "errors": self.errors,
            "warnings": self.warnings,
            "problems": [f.as_json() for f in self.findings],
        }


def _relative(root: Path, raw: str, cwd: Path) -> str:
    """A PATH argument as a path relative to the site root."""
    for base in (cwd, root):
        try:
            return (base / raw).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    raise KowpError(f"{raw} is not inside the site root {root}")


def _under(path: str, scopes: list[str]) -> bool:
    return any(s in ("", ".") or path == s or path.startswith(s + "/") or s.startswith(path + "/") for s in scopes)


def run_check(
    root: Path, paths: list[str], *, changed_since: str | None = None, strict: bool = False, cwd: Path | None = None
) -> Report:
    config, config_warnings = config_mod.load(root)
    content, problems = content_mod.load(config)
    findings: list[Finding] = [
        Finding("config", w.path, w.line, w.message, w.hint, w.severity) for w in config_warnings
    ]
    scopes = [_relative(root, p, cwd or Path.cwd()) for p in paths]
    scope = ", ".join(scopes) if scopes else "all posts"
    if changed_since:
        try:
            changed = gitlog.changed_files(root, changed_since)
        except gitlog.GitUnavailable as exc:
            raise KowpError(
                f"--changed-since {changed_since}: {exc} (in a shallow clone, fetch the base first)"
            ) from None
        settings = {"pyproject.toml", config.check.glossary}
        if settings & set(changed):
            changed_scopes = [""]  # the rules themselves changed: everything is checked
        else:
            changed_scopes = [
                "/".join(c.split("/")[:5]) if c.startswith("content/posts/") else c
                for c in changed
                if c.startswith("content/")
            ]
        scopes = [s for s in changed_scopes if not scopes or _under(s, scopes)] if scopes else changed_scopes
        scope = f"changed since {changed_since}"
        if not scopes:
            scopes = ["\x00nothing"]
    checker = checks.Checker(config, content, strict=strict)
    findings += checker.setup
    for problem in problems:
        if not scopes or _under(problem.path, scopes):
            findings.append(checks.from_content(problem))
    chosen: list[Post] = [
        p for p in content.posts if not scopes or _under(display_path(p.source.path.parent, config.root), scopes)
    ]
    for post in chosen:
        findings += checker.post(post)
    findings = [f for f in findings if f.check in checker.enabled]
    if strict:
        findings = [Finding(f.check, f.path, f.line, f.message, f.hint, "error") for f in findings]
    findings.sort(key=lambda f: (f.path, f.line or 0, f.check, f.message))
    return Report(tuple(findings), len(chosen), scope)
