"""``fetch`` of the project's fixture feeds gives the same bytes as the checked-in golden record.

tests/fixtures/golden/fetch-fixtures.json was written by this module (``python -m
tests.test_fetch_golden``) from the converter as it stood before block-fidelity work (commit
04e94d3): the exact en.md and ko.md stub of every entry of every feed in tests/fixtures/feeds/, the
reason of every skipped entry, the Markdown of post-body.html, and the error of a feed that is
refused. None of those posts uses the blocks that work changed (audio, video, verse, details, ...),
so any difference here is a regression in posts that were already right. Regenerate only on
purpose, and say why in the commit message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kowp_site.fetch.html2md import to_markdown
from kowp_site.fetch.importer import Converted, FeedError, convert, parse_feed
from tests.fetch_support import FEEDS

GOLDEN = Path(__file__).parent / "fixtures" / "golden" / "fetch-fixtures.json"
FEED_FILES = sorted(p.name for p in FEEDS.glob("*.xml"))


def feed_outputs(name: str) -> dict[str, Any]:
    """What fetch makes of one fixture feed: per entry the file bytes (as text) or the skip reason."""
    try:
        feed = parse_feed((FEEDS / name).read_bytes(), name)
    except FeedError as exc:
        return {"error": str(exc)}
    entries: list[dict[str, str]] = []
    for entry in feed.entries:
        result = convert(entry)
        if isinstance(result, Converted):
            entries.append({"path": result.key.path, "en.md": result.source.decode(), "stub": result.stub.decode()})
        else:
            entries.append({"skipped": result.title, "reason": result.reason})
    return {"warnings": list(feed.warnings), "entries": entries}


def all_outputs() -> dict[str, Any]:
    body = (FEEDS / "post-body.html").read_text(encoding="utf-8")
    return {
        "feeds": {name: feed_outputs(name) for name in FEED_FILES},
        "post-body.html": to_markdown(body, "https://wordpress.org/news/2025/04/cecil/"),
    }


def _golden() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_golden_record_covers_every_fixture_feed():
    golden = _golden()
    assert sorted(golden["feeds"]) == FEED_FILES
    converted = [e for f in golden["feeds"].values() for e in f.get("entries", []) if "en.md" in e]
    assert len(converted) >= 8  # the record holds real posts, not only refusals


@pytest.mark.parametrize("name", FEED_FILES)
def test_fixture_feed_converts_byte_for_byte_as_recorded(name):
    assert feed_outputs(name) == _golden()["feeds"][name]


def test_post_body_converts_byte_for_byte_as_recorded():
    assert all_outputs()["post-body.html"] == _golden()["post-body.html"]


if __name__ == "__main__":  # pragma: no cover - regenerates the record on purpose
    GOLDEN.write_text(json.dumps(all_outputs(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
