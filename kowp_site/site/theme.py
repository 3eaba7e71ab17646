"""Where a site's theme lives: its own folder under themes/, then the bundled default theme."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kowp_site.errors import KowpError
from kowp_site.site.config import Config


def bundled_theme() -> Path:
    """The default theme shipped with kowp-site (inside the wheel, or beside the source tree)."""
    here = Path(__file__).resolve().parent.parent  # the kowp_site package
    for candidate in (here / "themes" / "default", here.parent / "themes" / "default"):
        if (candidate / "templates").is_dir():
            return candidate
    raise KowpError("the bundled default theme is missing; reinstall kowp-site")


def theme_dirs(config: Config) -> list[Path]:
    """Theme folders, most specific first: the site's chosen theme, then the bundled default."""
    dirs: list[Path] = []
    own = config.root / "themes" / config.theme
    if own.is_dir():
        dirs.append(own)
    elif config.theme != "default":
        raise KowpError(f"theme '{config.theme}' not found: create themes/{config.theme}/ or set theme = \"default\"")
    default = bundled_theme()
    if default.resolve() not in [d.resolve() for d in dirs]:
        dirs.append(default)
    return dirs


def script_templates(dirs: Sequence[Path]) -> list[str]:
    """The scripts the theme folders ``dirs`` have as templates (``templates/js/*.js``, no
    dot-names), which a build renders with the site's messages to ``static/js/``."""
    found: set[str] = set()
    for folder in (d / "templates" / "js" for d in dirs):
        if folder.is_dir():
            found.update(p.name for p in folder.iterdir() if p.suffix == ".js" and p.is_file() and p.name[0] != ".")
    return sorted(found)
