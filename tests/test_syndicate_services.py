"""`kowp-site syndicate` against fake Mastodon and Bluesky services on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kowp_site.cli import main
from kowp_site.site import build, theme
from kowp_site.site.config import load as load_config
from kowp_site.site.content import load as load_content
from kowp_site.social.state import State
from kowp_site.social.syndicate import idempotency_key, record_key, syndicate
from tests.syndicate_fakes import FakeBluesky, FakeMastodon

NOW = "1787270400"  # 2026-08-21T00:00:00Z
PUBLISHED = dt.datetime(2026, 8, 20, tzinfo=dt.timezone(dt.timedelta(hours=9)))
GUID_A = "https://wordpress.org/news/?p=501"
GUID_B = "https://wordpress.org/news/?p=502"
URL_A = "https://example.org/kowp/2026/08/first/"
TAG_LINE = "#워드프레스 #WordPress"


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeMastodon, FakeBluesky]]:
    mastodon, bluesky = FakeMastodon().start(), FakeBluesky().start()
    monkeypatch.setenv("KOWP_MASTODON_URL", mastodon.url)
    monkeypatch.setenv("KOWP_MASTODON_TOKEN", mastodon.token)
    monkeypatch.setenv("KOWP_BLUESKY_HANDLE", bluesky.handle_name)
    monkeypatch.setenv("KOWP_BLUESKY_PASSWORD", bluesky.password)
    monkeypatch.setenv("KOWP_BLUESKY_SERVICE", bluesky.url)
    monkeypatch.delenv("KOWP_THREADS_TOKEN", raising=False)  # tests/test_syndicate_threads.py has its fake
    monkeypatch.setenv("SOURCE_DATE_EPOCH", NOW)
    yield mastodon, bluesky
    mastodon.stop()
    bluesky.stop()


@pytest.fixture
def root(site) -> Path:  # noqa: ANN001 - conftest's SiteBuilder
    site.post(
        "first",
        en={"guid": GUID_A, "title": "First"},
        ko={"title": "워드프레스 7.1 출시", "translated": "2026-08-20", "extra": "summary: 새 버전이 나왔습니다."},
    )
    site.post("second", en={"guid": GUID_B}, ko={"title": "두 번째 글", "translated": "2026-08-20"})
    site.post("old", en={"guid": "https://wordpress.org/news/?p=400"}, ko={"translated": "2026-08-01"})
    site.post("wip", en={"guid": "https://wordpress.org/news/?p=503"}, ko={"status": "review", "translated": None})
    return site.root


def run(root: Path, *args: str) -> int:
    return main(["syndicate", "--root", str(root), *args])


def state_of(root: Path) -> dict:
    return json.loads((root / "content/.syndication.json").read_text(encoding="utf-8"))


def test_each_new_translation_is_posted_exactly_once_per_target(root: Path, fakes, capsys, no_card_font):
    mastodon, bluesky = fakes
    assert run(root) == 0
    assert run(root) == 0  # the second run finds nothing new

    posts = mastodon.calls("POST", "/api/v1/statuses")
    assert len(posts) == 2  # first and second; not the old one, not the one in review
    first = {k: v[0] for k, v in posts[0].form().items()}
    assert first == {
        "status": f"워드프레스 7.1 출시\n\n새 버전이 나왔습니다.\n\n{URL_A}\n\n{TAG_LINE}",
        "language": "ko",
        "visibility": "public",
        "sensitive": "0",
    }
    assert posts[0].headers["idempotency-key"] == idempotency_key("mastodon", GUID_A)

    creates = bluesky.calls("POST", "/xrpc/com.atproto.repo.createRecord")
    assert len(creates) == 2
    body = creates[0].json()
    rkey = record_key(GUID_A, PUBLISHED)
    assert (body["repo"], body["collection"], body["rkey"]) == ("did:plc:kowptest", "app.bsky.feed.post", rkey)
    text = "워드프레스 7.1 출시\n\n새 버전이 나왔습니다.\n\nexample.org/kowp/2026/08/first/\n\n#워드프레스 #WordPress"
    thumb = body["record"]["embed"]["external"].pop("thumb")
    link, tag = "app.bsky.richtext.facet#link", "app.bsky.richtext.facet#tag"

    def facet(start: int, end: int, feature: dict) -> dict:  # as the atproto SDK sends it, $type included
        index = {"byteStart": start, "byteEnd": end, "$type": "app.bsky.richtext.facet#byteSlice"}
        return {"index": index, "features": [feature], "$type": "app.bsky.richtext.facet"}

    assert body["record"] == {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": "2026-08-21T00:00:00.000Z",
        "langs": ["ko"],
        "facets": [
            # 워드프레스 7.1 출시 = 26 bytes, 새 버전이 나왔습니다. = 30 bytes, each blank line 2
            facet(60, 91, {"$type": link, "uri": URL_A}),
            facet(93, 109, {"$type": tag, "tag": "워드프레스"}),
            facet(110, 120, {"$type": tag, "tag": "WordPress"}),
        ],
        "embed": {
            "$type": "app.bsky.embed.external",
            "external": {
                "$type": "app.bsky.embed.external#external",
                "uri": URL_A,
                "title": "워드프레스 7.1 출시",
                "description": "새 버전이 나왔습니다.",
            },
        },
    }
    assert text.encode()[60:91].decode() == "example.org/kowp/2026/08/first/"
    # The post has no image, so the card's thumbnail is the site's default og:image file.
    default_png = theme.bundled_theme() / "static/images/og-default.png"
    assert bluesky.blobs[0] == ("image/png", default_png.read_bytes())
    assert thumb["mimeType"] == "image/png" and thumb["size"] == default_png.stat().st_size
    assert thumb["ref"] == {"$link": "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"}

    state = state_of(root)
    assert state["mastodon"][GUID_A] == {
        "id": "101",
        "time": "2026-08-21T00:00:00+00:00",
        "url": f"{mastodon.url}/@kowp/101",
    }
    assert state["bluesky"][GUID_A] == {
        "id": f"at://did:plc:kowptest/app.bsky.feed.post/{rkey}",
        "time": "2026-08-21T00:00:00+00:00",
        "url": f"https://bsky.app/profile/did:plc:kowptest/post/{rkey}",
    }
    assert set(state["mastodon"]) == set(state["bluesky"]) == {GUID_A, GUID_B}
    assert "nothing to announce" in capsys.readouterr().err


def test_the_card_matches_the_pages_open_graph_and_uploads_only_the_sites_own_image(site, fakes, no_card_font):
    _, bluesky = fakes
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    folder = site.post(
        "pictured",
        en={"guid": GUID_A},
        ko={"translated": "2026-08-20", "body": "![새 편집기 화면](editor.png)\n\n본문입니다.\n"},
    )
    (folder / "editor.png").write_bytes(png)
    site.post(
        "remote",
        en={"guid": GUID_B},
        ko={"translated": "2026-08-20", "body": "![원격 이미지](https://wordpress.org/news/files/x.png)\n\n본문.\n"},
    )
    huge = site.post(
        "huge",
        en={"guid": "https://wordpress.org/news/?p=504"},
        ko={"translated": "2026-08-20", "body": "![큰 이미지](poster.png)\n\n본문.\n"},
    )
    (huge / "poster.png").write_bytes(png + b"0" * 1_000_000)  # over Bluesky's 1 MB thumbnail limit
    assert run(site.root) == 0

    out = build.build(site.root, build.BuildOptions())
    from lxml import html as lxml_html

    records = {
        json.loads(r.body)["record"]["embed"]["external"]["uri"]: json.loads(r.body)["record"]
        for r in bluesky.calls("POST", "/xrpc/com.atproto.repo.createRecord")
    }
    for path in ("2026/08/pictured/", "2026/08/remote/"):
        doc = lxml_html.parse(str(out.output / path / "index.html")).getroot()
        og = {m.get("property"): m.get("content") for m in doc.iter("meta") if m.get("property")}
        external = records[og["og:url"]]["embed"]["external"]
        assert (external["title"], external["description"]) == (og["og:title"], og["og:description"])
    # Own image uploaded; the remote one is never fetched and the huge one not sent: the default stands in.
    default_png = (theme.bundled_theme() / "static/images/og-default.png").read_bytes()
    assert sorted(b for _, b in bluesky.blobs) == sorted([png, default_png, default_png])


def test_a_crash_between_posting_and_recording_never_posts_twice(root: Path, fakes, monkeypatch):
    mastodon, bluesky = fakes
    original = State.mark_done

    class Crash(BaseException):
        pass

    def crash(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        raise Crash  # the process dies after the service accepted the post

    monkeypatch.setattr(State, "mark_done", crash)
    with pytest.raises(Crash):
        run(root, "--target", "mastodon")
    with pytest.raises(Crash):
        run(root, "--target", "bluesky")
    pending = state_of(root)
    assert pending["mastodon"][GUID_A] == {
        "key": idempotency_key("mastodon", GUID_A),
        "pending": "2026-08-21T00:00:00+00:00",
    }
    assert pending["bluesky"][GUID_A]["key"] == record_key(GUID_A, PUBLISHED)

    mastodon.forget_keys()  # hours later: Mastodon no longer remembers the Idempotency-Key
    monkeypatch.setattr(State, "mark_done", original)
    assert run(root) == 0
    assert run(root) == 0

    assert len(mastodon.calls("POST", "/api/v1/statuses")) == 2  # A once (found again, not resent), B once
    assert len(mastodon.statuses) == 2
    assert len(bluesky.records) == 2
    state = state_of(root)
    assert state["mastodon"][GUID_A]["id"] == "101"
    assert state["bluesky"][GUID_A]["id"].endswith(record_key(GUID_A, PUBLISHED))


def test_one_target_failing_does_not_block_the_other_and_is_retried(root: Path, fakes, capsys):
    mastodon, bluesky = fakes
    mastodon.fail = 500
    assert run(root) == 1
    err = capsys.readouterr().err
    assert "mastodon: 2026/08/first/: mastodon: posting failed" in err and "retried by the next run" in err
    assert len(bluesky.records) == 2
    assert len(mastodon.calls("POST", "/api/v1/statuses")) == 1  # stops at the first failure
    assert "pending" in state_of(root)["mastodon"][GUID_A]

    mastodon.fail = None
    assert run(root) == 0
    assert len(mastodon.statuses) == 2
    assert len(bluesky.calls("POST", "/xrpc/com.atproto.repo.createRecord")) == 2  # nothing resent
    assert all("id" in e for t in ("mastodon", "bluesky") for e in state_of(root)[t].values())


def test_bluesky_failing_leaves_mastodon_posted(root: Path, fakes):
    mastodon, bluesky = fakes
    bluesky.fail = 500
    assert run(root) == 1
    assert len(mastodon.statuses) == 2 and not bluesky.records
    bluesky.fail = None
    assert run(root) == 0
    assert len(bluesky.records) == 2 and len(mastodon.statuses) == 2


def test_concurrent_runs_post_once(root: Path, fakes):
    mastodon, bluesky = fakes
    config, _ = load_config(root)
    content, _ = load_content(config)
    results = []

    def go() -> None:
        results.append(syndicate(config, content))

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(mastodon.statuses) == 2 and len(bluesky.records) == 2
    assert sorted(len([o for o in r.outcomes if o.status == "posted"]) for r in results) == [0, 0, 4]


def test_no_secret_reaches_output_logs_or_state(root: Path, fakes, capsys, caplog, monkeypatch):
    mastodon, bluesky = fakes
    caplog.set_level(logging.DEBUG)
    mastodon.fail, mastodon.echo_secrets = 500, True  # the error body repeats the token
    bluesky.echo_secrets = True
    monkeypatch.setenv("KOWP_BLUESKY_PASSWORD", "wrong-SECRET-pass")  # the error repeats the password
    assert run(root) == 1
    assert run(root, "--json") == 1
    assert run(root, "--dry-run", "--json") == 0
    captured = capsys.readouterr()
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    everything = captured.out + captured.err + logged + (root / "content/.syndication.json").read_text()
    assert "boom (sent Bearer ***)" in captured.err  # the error is shown, scrubbed
    assert "Invalid identifier or password for ***" in captured.err
    for secret in (mastodon.token, "wrong-SECRET-pass", bluesky.password, "SECRET"):
        assert secret not in everything


def test_unconfigured_targets_are_skipped_with_a_note(root: Path, monkeypatch, capsys):
    for name in (
        "KOWP_MASTODON_URL",
        "KOWP_MASTODON_TOKEN",
        "KOWP_BLUESKY_HANDLE",
        "KOWP_BLUESKY_PASSWORD",
        "KOWP_THREADS_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", NOW)
    assert run(root) == 0
    err = capsys.readouterr().err
    assert "mastodon: KOWP_MASTODON_URL and KOWP_MASTODON_TOKEN not set — skipped" in err
    assert "bluesky: KOWP_BLUESKY_HANDLE and KOWP_BLUESKY_PASSWORD not set — skipped" in err
    assert "threads: KOWP_THREADS_TOKEN not set — skipped" in err


def test_dry_run_json_shows_exactly_what_would_be_posted_and_sends_nothing(root: Path, fakes, capsys, no_card_font):
    mastodon, bluesky = fakes
    assert run(root, "--dry-run", "--json", "--target", "bluesky") == 0
    data = json.loads(capsys.readouterr().out)
    assert not mastodon.requests and not bluesky.requests
    assert not (root / "content/.syndication.json").exists()
    assert data["now"] == "2026-08-21T00:00:00+00:00" and data["dry_run"] is True
    assert [(m["target"], m["path"]) for m in data["messages"]] == [
        ("bluesky", "2026/08/first/"),
        ("bluesky", "2026/08/second/"),
    ]
    first = data["messages"][0]
    assert first["rkey"] == record_key(GUID_A, PUBLISHED)
    assert first["record"]["langs"] == ["ko"] and first["thumbnail"] == "og-default.png"
    assert first["text"] == first["record"]["text"] and first["length"] == 12 + 2 + 12 + 2 + 31 + 2 + 17 == 78
    assert [r["status"] for r in data["results"]] == ["would post", "would post"]


def test_old_posts_are_never_announced(root: Path, fakes, monkeypatch):
    mastodon, bluesky = fakes
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW) + 15 * 86400))
    assert run(root) == 0
    assert not mastodon.requests and not bluesky.requests
