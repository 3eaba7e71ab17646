"""Announcement text, counted the way Mastodon, Bluesky and Threads count it, and the pure selection rules."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import grapheme
import pytest

from kowp_site.errors import KowpError, ProblemsError
from kowp_site.social import Posted, Secrets, compose
from kowp_site.social.state import State, locked
from kowp_site.social.syndicate import due, idempotency_key, now_from, record_key

TAGS = ("워드프레스", "WordPress")
URL = "https://example.org/kowp/2026/08/x/"
TAG_LINE = "#워드프레스 #WordPress"


def test_korean_bluesky_text_has_link_and_tag_facets_at_utf8_byte_offsets():
    got = compose.bluesky("워드프레스 7.1 출시", "요약입니다.", URL, TAGS)

    assert got.text == "워드프레스 7.1 출시\n\n요약입니다.\n\nexample.org/kowp/2026/08/x/\n\n#워드프레스 #WordPress"
    # 워드프레스 7.1 출시 = 15 + 5 + 6 bytes; 요약입니다. = 16; blank lines 2 each.
    assert [f.record() for f in got.facets] == [
        {"index": {"byteStart": 46, "byteEnd": 73}, "features": [{"$type": compose.LINK_FEATURE, "uri": URL}]},
        {"index": {"byteStart": 75, "byteEnd": 91}, "features": [{"$type": compose.TAG_FEATURE, "tag": "워드프레스"}]},
        {"index": {"byteStart": 92, "byteEnd": 102}, "features": [{"$type": compose.TAG_FEATURE, "tag": "WordPress"}]},
    ]
    raw = got.text.encode("utf-8")
    assert [raw[f.start : f.end].decode() for f in got.facets] == [
        "example.org/kowp/2026/08/x/",
        "#워드프레스",
        "#WordPress",
    ]
    assert got.length == 12 + 2 + 6 + 2 + 27 + 2 + 17 == 68


def test_mastodon_text_is_the_same_layout_with_the_full_link():
    got = compose.mastodon("워드프레스 7.1 출시", "요약입니다.", URL, TAGS)
    assert got.text == f"워드프레스 7.1 출시\n\n요약입니다.\n\n{URL}\n\n{TAG_LINE}"
    assert got.length == len(got.text) - len(URL) + 23


def _fixed_mastodon(title: str, url: str) -> int:
    # title, blank line, (summary), blank line, link as 23, blank line, tags
    return len(title) + 2 + 2 + 23 + 2 + len(TAG_LINE)


@pytest.mark.parametrize("extra", [0, 1, 50])
def test_mastodon_limit_edge_with_hangul_and_a_long_link(extra: int):
    url = "https://example.org/kowp/2026/08/" + "a" * 300 + "/"
    title = "보안 릴리스"
    room = 500 - _fixed_mastodon(title, url)
    summary = "가" * (room + extra)

    got = compose.mastodon(title, summary, url, TAGS)

    assert got.length == 500  # the 300-character link counts 23
    assert url in got.text
    if extra == 0:
        assert got.text == f"{title}\n\n{summary}\n\n{url}\n\n{TAG_LINE}"
    else:
        assert got.text == f"{title}\n\n{'가' * (room - 1)}…\n\n{url}\n\n{TAG_LINE}"


def test_mastodon_counts_code_points_so_a_zwj_emoji_never_overflows_any_instance():
    family = "👨‍👩‍👧‍👦"  # 7 code points, 1 grapheme
    title = "가족"
    room = 500 - _fixed_mastodon(title, URL)
    got = compose.mastodon(title, family * 100, URL, TAGS)
    summary = got.text.split("\n\n")[1]
    assert got.length <= 500
    assert summary == family * ((room - 1) // 7) + "…"  # whole clusters only, never half a family


@pytest.mark.parametrize("extra", [0, 1])
def test_bluesky_grapheme_limit_edge_with_hangul(extra: int):
    title = "보안 릴리스"
    shown = "example.org/kowp/2026/08/x/"
    fixed = len(title) + 2 + 2 + len(shown) + 2 + len(TAG_LINE)
    room = 300 - fixed
    summary = "한" * (room + extra)

    got = compose.bluesky(title, summary, URL, TAGS)

    assert got.length == 300 == grapheme.length(got.text)
    expected = summary if extra == 0 else "한" * (room - 1) + "…"
    assert got.text == f"{title}\n\n{expected}\n\n{shown}\n\n{TAG_LINE}"
    tags = [f for f in got.facets if f.kind == "tag"]
    assert got.text.encode()[tags[0].start : tags[0].end].decode() == "#워드프레스"


def test_bluesky_byte_limit_binds_before_graphemes_for_zwj_emoji():
    family = "👨‍👩‍👧‍👦"  # 1 grapheme, 25 UTF-8 bytes: 300 of them would be 7500 bytes
    got = compose.bluesky("가족", family * 290, URL, TAGS)
    summary = got.text.split("\n\n")[1]
    assert len(got.text.encode("utf-8")) <= 3000
    assert len(got.text.encode("utf-8")) > 3000 - 25 - len("…".encode())  # as long as it can be
    assert set(grapheme.graphemes(summary[:-1])) == {family}  # cut between clusters only
    assert summary.endswith("…")


def test_bluesky_long_link_is_shown_short_and_linked_in_full():
    url = "https://example.org/kowp/2026/08/" + "very-long-slug-" * 20 + "/"
    got = compose.bluesky("제목", "요약", url, TAGS)
    shown = got.text.split("\n\n")[2]
    assert shown == "example.org/kowp/2026/08/very-long-slug…"
    assert grapheme.length(shown) == 40
    link = got.facets[0]
    assert (link.kind, link.value) == ("link", url)
    assert got.text.encode()[link.start : link.end].decode() == shown


def test_threads_text_is_the_same_layout_with_the_full_link_counted_in_full():
    got = compose.threads("워드프레스 7.1 출시", "요약입니다.", URL, TAGS)
    assert got.text == f"워드프레스 7.1 출시\n\n요약입니다.\n\n{URL}\n\n{TAG_LINE}"
    assert got.length == 12 + 2 + 6 + 2 + len(URL) + 2 + 17 == 76


@pytest.mark.parametrize("extra", [0, 1, 40])
def test_threads_limit_edge_with_hangul(extra: int):
    title = "보안 릴리스"
    room = 500 - (len(title) + 2 + 2 + len(URL) + 2 + len(TAG_LINE))
    got = compose.threads(title, "한" * (room + extra), URL, TAGS)
    assert got.length == 500 == len(got.text)  # Hangul, ASCII and "…" count one each
    expected = "한" * room if extra == 0 else "한" * (room - 1) + "…"
    assert got.text == f"{title}\n\n{expected}\n\n{URL}\n\n{TAG_LINE}"


def test_threads_counts_an_emoji_as_its_utf8_bytes_and_cuts_between_clusters():
    family = "👨‍👩‍👧‍👦"  # 7 code points, 25 UTF-8 bytes, 1 grapheme
    assert compose.threads_length(family) == 25
    assert compose.threads_length("©️") == 2 + 3  # a symbol and its variation selector: bytes
    assert compose.threads_length("𠀀한…·") == 2 + 1 + 1 + 1  # a letter outside the BMP: 2 UTF-16 units
    room = 500 - (len("가족") + 2 + 2 + len(URL) + 2 + len(TAG_LINE))
    got = compose.threads("가족", family * 40, URL, TAGS)
    summary = got.text.split("\n\n")[1]
    assert summary == family * ((room - 1) // 25) + "…"
    assert got.length == compose.threads_length(got.text) <= 500
    assert got.length > 500 - 25  # as long as it can be


def test_a_title_too_long_for_any_summary_is_trimmed_and_the_summary_left_out():
    got = compose.bluesky("긴" * 400, "요약입니다", URL, TAGS)
    parts = got.text.split("\n\n")
    assert len(parts) == 3 and parts[0].endswith("…") and parts[2] == TAG_LINE
    assert got.length == 300


def test_decomposed_hangul_is_normalised_to_syllables():
    nfd = unicodedata.normalize("NFD", "한국어 소식")
    got = compose.mastodon(nfd, nfd, URL, TAGS)
    assert got.text.startswith("한국어 소식\n\n한국어 소식\n\n")
    assert unicodedata.is_normalized("NFC", got.text)


def test_hashtags_lose_spaces_and_a_leading_hash():
    got = compose.mastodon("제목", "", URL, ("#워드 프레스", "", "WordPress"))
    assert got.text.endswith("\n\n#워드프레스 #WordPress")


def test_record_key_is_a_stable_tid_per_post():
    when = dt.datetime(2026, 9, 4, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    a = record_key("https://wordpress.org/news/?p=1", when)
    assert a == record_key("https://wordpress.org/news/?p=1", when)
    assert a != record_key("https://wordpress.org/news/?p=2", when)
    assert re.fullmatch(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", a)
    value = 0
    for ch in a:
        value = value * 32 + "234567abcdefghijklmnopqrstuvwxyz".index(ch)
    assert int((value >> 10) // 1_000_000) == int(when.timestamp())  # the publication second
    assert idempotency_key("mastodon", "g") == idempotency_key("mastodon", "g") != idempotency_key("mastodon", "h")


class _Post:
    def __init__(self, status: str, published: dt.datetime, path: str):
        self.status, self.published = status, published
        self.translation = object()
        self.key = type("K", (), {"path": path})()


def test_due_posts_are_published_within_the_age_limit_and_not_in_the_future():
    now = dt.datetime(2026, 9, 15, tzinfo=dt.UTC)
    posts = [
        _Post("published", now - dt.timedelta(days=14), "edge"),
        _Post("published", now - dt.timedelta(days=14, seconds=1), "too-old"),
        _Post("published", now + dt.timedelta(seconds=1), "future"),
        _Post("review", now, "review"),
        _Post("published", now, "now"),
    ]
    assert [p.key.path for p in due(posts, now, 14)] == ["edge", "now"]  # type: ignore[arg-type]


def test_now_honours_source_date_epoch():
    assert now_from({"SOURCE_DATE_EPOCH": "1789387200"}) == dt.datetime(2026, 9, 14, 12, tzinfo=dt.UTC)
    with pytest.raises(KowpError, match="SOURCE_DATE_EPOCH"):
        now_from({"SOURCE_DATE_EPOCH": "soon"})


def test_state_round_trip_and_bad_files(tmp_path: Path):
    path = tmp_path / ".syndication.json"
    now = dt.datetime(2026, 9, 14, 12, tzinfo=dt.UTC)
    state = State.load(path)
    state.mark_pending("bluesky", "g1", "3mabc", now)
    state.mark_done("mastodon", "g2", Posted("101", "https://m.example/@k/101"), now)
    again = State.load(path)
    assert again.get("bluesky", "g1").done is False and again.get("bluesky", "g1").key == "3mabc"
    assert again.get("mastodon", "g2").url == "https://m.example/@k/101"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind

    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ProblemsError, match="not valid JSON"):
        State.load(path)
    path.write_text('{"version": 9}', encoding="utf-8")
    with pytest.raises(ProblemsError, match="version 1"):
        State.load(path)


def test_a_second_run_cannot_take_the_lock(tmp_path: Path):
    with (
        locked(tmp_path),
        pytest.raises(KowpError, match="another kowp-site syndicate run"),
        locked(tmp_path, timeout=0.2),
    ):
        pass
    with locked(tmp_path, timeout=0.2):  # released again
        pass


def test_secrets_are_scrubbed_from_error_messages():
    secrets = Secrets("tok-SECRET-123")
    secrets.add("ab")  # too short to scrub safely; never a real secret
    err = secrets.error("mastodon: posting failed", RuntimeError("401 for Bearer tok-SECRET-123 ab"))
    assert str(err) == "mastodon: posting failed: RuntimeError: 401 for Bearer *** ab"


def test_a_missing_extra_is_explained():
    from kowp_site.social import require

    with pytest.raises(KowpError, match=r"pip install 'kowp-site\[syndicate\]'"):
        require("kowp_no_such_module")
