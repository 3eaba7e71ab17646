"""Helpers shared by the tests/test_fetch_*.py files: fixture feeds, snapshots, recorded sleeps."""

from __future__ import annotations

from pathlib import Path

from kowp_site.site import config as config_module
from kowp_site.site.config import Config

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
FEED_PATH = "/news/feed/"

# The four posts of wordpress-news.xml, newest first.
NEWS_PATHS = [
    "content/posts/2025/07/wordpress-6-8-2-maintenance-release",
    "content/posts/2025/06/워드캠프-서울",
    "content/posts/2025/04/cecil",
    "content/posts/2025/03/people-of-wordpress",
]


def feed(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def load_config(root: Path) -> Config:
    config, _ = config_module.load(root)
    return config


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of the site root with its bytes and inode: a rewrite shows even with equal bytes."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_ino)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def content_files(root: Path) -> list[str]:
    content = root / "content"
    return sorted(p.relative_to(root).as_posix() for p in content.rglob("*") if p.is_file()) if content.exists() else []


class Sleeps(list):
    """Stands in for time.sleep: records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
