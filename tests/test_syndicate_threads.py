"""`kowp-site syndicate --target threads` against a fake Threads Graph API on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from kowp_site.cli import main
from kowp_site.social import compose
from tests.syndicate_fakes import FakeThreads

NOW = 1787270400  # 2026-08-21T00:00:00Z
DAY = 86400
GUID_A = "https://wordpress.org/news/?p=501"
GUID_B = "https://wordpress.org/news/?p=502"
URL_A = "https://example.org/kowp/2026/08/first/"
URL_B = "https://example.org/kowp/2026/08/second/"
TEXT_A = f"워드프레스 7.1 출시\n\n새 버전이 나왔습니다.\n\n{URL_A}\n\n#워드프레스 #WordPress"
STAMP = "2026-08-21T00:00:00+00:00"


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeThreads]:
    fake = FakeThreads(issued_at=NOW - 3 * DAY).start()
    for name in ("KOWP_MASTODON_URL", "KOWP_MASTODON_TOKEN", "KOWP_BLUESKY_HANDLE", "KOWP_BLUESKY_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("KOWP_THREADS_TOKEN", fake.token)
    monkeypatch.setenv("KOWP_THREADS_API", fake.url + "/v1.0")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(NOW))
    yield fake
    fake.stop()


@pytest.fixture
def root(site) -> Path:  # noqa: ANN001 - conftest's SiteBuilder
    site.post(
        "first",
        en={"guid": GUID_A, "title": "First"},
        ko={"title": "워드프레스 7.1 출시", "translated": "2026-08-20", "extra": "summary: 새 버전이 나왔습니다."},
    )
    site.post("second", en={"guid": GUID_B}, ko={"title": "두 번째 글", "translated": "2026-08-20"})
    site.post("old", en={"guid": "https://wordpress.org/news/?p=400"}, ko={"translated": "2026-08-01"})
    return site.root


def run(root: Path, *args: str) -> int:
    return main(["syndicate", "--root", str(root), "--target", "threads", *args])


def state_of(root: Path) -> dict:
    return json.loads((root / "content/.syndication.json").read_text(encoding="utf-8"))


def publishes(fake: FakeThreads) -> list:
    return fake.calls("POST", f"/v1.0/{fake.user_id}/threads_publish")


def test_two_posts_are_each_published_once_as_text_with_a_link_card(root: Path, threads: FakeThreads, capsys):
    assert run(root) == 0
    assert run(root) == 0  # nothing new the second time

    creates = threads.calls("POST", f"/v1.0/{threads.user_id}/threads")
    assert [{k: v[0] for k, v in c.form().items()} for c in creates] == [
        {"media_type": "TEXT", "text": TEXT_A, "link_attachment": URL_A},
        {
            "media_type": "TEXT",
            "text": f"두 번째 글\n\n{compose.clean('한국어 본문입니다.')}\n\n{URL_B}\n\n#워드프레스 #WordPress",
            "link_attachment": URL_B,
        },
    ]
    assert [p.form() for p in publishes(threads)] == [{"creation_id": ["9001"]}, {"creation_id": ["9002"]}]
    assert [(p["link_attachment_url"], p["text"]) for p in threads.posts] == [
        (URL_A, TEXT_A),
        (URL_B, creates[1].form()["text"][0]),
    ]
    # The token rides in the header; no posting request carries it in its address or body.
    for request in threads.requests:
        assert request.headers["authorization"] == f"Bearer {threads.token}"
        if request.path != "/v1.0/debug_token":
            assert threads.token not in json.dumps(request.query) + request.body.decode()
    assert threads.calls("GET", "/v1.0/debug_token")[0].query == {"input_token": [threads.token]}

    state = state_of(root)["threads"]
    assert state == {
        GUID_A: {"id": "18000000000000001", "time": STAMP, "url": "https://www.threads.net/@kowp.news/post/KoWp1"},
        GUID_B: {"id": "18000000000000002", "time": STAMP, "url": "https://www.threads.net/@kowp.news/post/KoWp2"},
    }
    err = capsys.readouterr().err
    assert "threads: posted: 2026/08/first/ -> https://www.threads.net/@kowp.news/post/KoWp1" in err
    assert err.rstrip().endswith(f"nothing to announce (now = {STAMP})")
    assert "warning" not in err  # a three-day-old token is fine


def test_a_500_on_publish_leaves_the_post_pending_and_the_next_run_sends_it(root: Path, threads: FakeThreads, capsys):
    threads.fail = 500
    assert run(root) == 1
    err = capsys.readouterr().err
    assert (
        "threads: 2026/08/first/: threads: publishing failed: HTTP 500, error 1: An unknown error has occurred."
        " — it will be retried by the next run"
    ) in err
    assert len(publishes(threads)) == 1  # stops at the first failure: the second post is not tried
    assert state_of(root)["threads"] == {GUID_A: {"key": URL_A, "pending": STAMP}}
    assert threads.posts == []

    threads.fail = None
    assert run(root) == 0
    assert threads.calls("GET", "/v1.0/me/threads")  # the pending post was looked for first, and not found
    assert [p["link_attachment_url"] for p in threads.posts] == [URL_A, URL_B]
    assert all("id" in entry for entry in state_of(root)["threads"].values())


def test_a_publish_whose_answer_was_lost_is_found_and_never_posted_twice(root: Path, threads: FakeThreads, capsys):
    threads.lost = 504  # Threads publishes the post, then the run sees a gateway timeout
    assert run(root) == 1
    assert "threads: publishing failed: HTTP 504, error 2: Gateway Timeout" in capsys.readouterr().err
    assert [p["link_attachment_url"] for p in threads.posts] == [URL_A]
    assert state_of(root)["threads"] == {GUID_A: {"key": URL_A, "pending": STAMP}}

    threads.lost = None
    assert run(root) == 0
    assert run(root) == 0
    looked = threads.calls("GET", "/v1.0/me/threads")
    assert len(looked) == 1
    assert looked[0].query == {"fields": ["id,permalink,link_attachment_url,text,timestamp"], "limit": ["50"]}
    assert len(publishes(threads)) == 2  # A once (the lost answer), B once; A was never sent again
    assert [p["link_attachment_url"] for p in threads.posts] == [URL_A, URL_B]
    assert state_of(root)["threads"][GUID_A] == {
        "id": "18000000000000001",
        "time": STAMP,
        "url": "https://www.threads.net/@kowp.news/post/KoWp1",
    }
    err = capsys.readouterr().err
    assert (
        "threads: found after an interrupted run: 2026/08/first/ -> https://www.threads.net/@kowp.news/post/KoWp1"
        in (err)
    )
    assert "threads: posted: 2026/08/second/" in err


def test_a_publish_that_timed_out_is_found_and_never_posted_twice(root: Path, threads: FakeThreads):
    from kowp_site.site.config import load as load_config
    from kowp_site.site.content import load as load_content
    from kowp_site.social import Secrets
    from kowp_site.social.syndicate import syndicate
    from kowp_site.social.threads import ThreadsTarget

    config, _ = load_config(root)
    content, _ = load_content(config)
    threads.slow = 3.0  # published, but the answer comes after the client gave up
    impatient = ThreadsTarget(threads.url + "/v1.0", threads.token, Secrets(), timeout=1.0)
    report = syndicate(config, content, targets=("threads",), clients={"threads": impatient})
    assert [(o.path, o.status) for o in report.outcomes] == [("2026/08/first/", "failed")]
    assert report.outcomes[0].error == "threads: publishing failed: ReadTimeout: timed out"
    assert [p["link_attachment_url"] for p in threads.posts] == [URL_A]

    threads.slow = 0.0
    assert run(root) == 0
    assert [p["link_attachment_url"] for p in threads.posts] == [URL_A, URL_B]
    assert state_of(root)["threads"][GUID_A]["id"] == "18000000000000001"


def test_a_pending_post_is_recognised_by_the_link_in_its_text_too(root: Path, threads: FakeThreads):
    threads.lost = 504
    assert run(root) == 1
    threads.posts[0]["link_attachment_url"] = ""  # a card Threads did not keep: the text still holds the link
    threads.lost = None
    assert run(root) == 0
    assert len(threads.posts) == 2 and state_of(root)["threads"][GUID_A]["id"] == "18000000000000001"


def test_an_expired_token_says_which_variable_to_replace(root: Path, threads: FakeThreads, capsys):
    threads.expired = True
    assert run(root) == 1
    err = capsys.readouterr().err
    hint = (
        "KOWP_THREADS_TOKEN의 Threads 토큰이 만료되었거나 유효하지 않습니다. Meta 앱에서 새 장기 토큰을 받아 GitHub 비밀 "
        "KOWP_THREADS_TOKEN에 저장하십시오 / the Threads access token in KOWP_THREADS_TOKEN has expired or is invalid"
    )
    assert f"threads: 2026/08/first/: threads: cannot read the account: {hint}" in err
    assert "(Error validating access token: Session has expired.)" in err
    assert f"warning: threads: cannot check the token: {hint}" in err  # said even when nothing is due
    assert "Traceback" not in err and threads.posts == []
    assert state_of(root)["threads"] == {GUID_A: {"key": URL_A, "pending": STAMP}}


@pytest.mark.parametrize(("days", "warned"), [(49, False), (51, True)])
def test_an_old_token_is_warned_about_in_the_job_log(
    root: Path, threads: FakeThreads, capsys, monkeypatch, days: int, warned: bool
):
    threads.issued_at = NOW - days * DAY
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run(root) == 0
    captured = capsys.readouterr()
    message = (
        f"threads: KOWP_THREADS_TOKEN의 토큰이 {days}일 지났습니다 (약 {60 - days}일 뒤 만료). "
        "`kowp-site syndicate --refresh-threads-token`으로 갱신하십시오 / the token is "
        f"{days} days old and expires in about {60 - days} days: refresh it (docs/syndication.md#threads)"
    )
    annotation = f"::warning title=Threads 토큰::{message}"
    assert (annotation in captured.out.splitlines()) is warned
    assert (f"warning: {message}" in captured.err) is warned
    assert len(threads.posts) == 2  # an old token still posts


def test_an_old_token_is_warned_about_on_stderr_only_with_json_and_outside_actions(
    root: Path, threads: FakeThreads, capsys, monkeypatch
):
    threads.issued_at = NOW - 55 * DAY
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run(root, "--json") == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)  # stdout is JSON only: the annotation stays out of it
    assert data["warnings"] == [w.removeprefix("warning: ") for w in captured.err.splitlines() if "55일" in w]
    assert len(data["warnings"]) == 1
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert run(root) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "warning: threads: KOWP_THREADS_TOKEN의 토큰이 55일 지났습니다" in captured.err


def test_a_token_whose_age_is_unknown_gives_a_note_and_still_posts(root: Path, threads: FakeThreads, capsys):
    threads.issued_at = None
    assert run(root) == 0
    err = capsys.readouterr().err
    assert "threads: the service did not tell the token's age (no issued_at or expires_at)" in err
    assert "warning" not in err and len(threads.posts) == 2


def test_an_unset_token_skips_threads_with_a_note(root: Path, threads: FakeThreads, capsys, monkeypatch):
    monkeypatch.delenv("KOWP_THREADS_TOKEN")
    assert run(root) == 0
    assert "threads: KOWP_THREADS_TOKEN not set — skipped" in capsys.readouterr().err
    assert threads.requests == []


def test_dry_run_json_shows_the_container_and_sends_nothing(root: Path, threads: FakeThreads, capsys):
    assert run(root, "--dry-run", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert threads.requests == [] and not (root / "content/.syndication.json").exists()
    first = data["messages"][0]
    assert (first["target"], first["path"], first["language"]) == ("threads", "2026/08/first/", "ko")
    assert first["container"] == {"media_type": "TEXT", "text": TEXT_A, "link_attachment": URL_A}
    assert first["length"] == compose.threads_length(TEXT_A) == 12 + 2 + 12 + 2 + len(URL_A) + 2 + 17
    assert data["configured"]["threads"] is True


def test_the_dry_run_report_counts_as_threads_does(root: Path, threads: FakeThreads, capsys):
    assert run(root, "--dry-run") == 0
    err = capsys.readouterr().err
    length = compose.threads_length(TEXT_A)
    assert (
        f"── threads (configured) · 2026/08/first/ · {length} characters (emoji as UTF-8 bytes) of 500 · language ko"
    ) in err
    assert TEXT_A in err
    assert f"{TEXT_A}\nlink attachment: {URL_A} (Threads builds the card from the page's Open Graph tags)" in err


def test_the_token_never_reaches_output_logs_or_state(root: Path, threads: FakeThreads, capsys, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)  # httpx logs every request address at INFO: debug_token's holds the token
    threads.token = "threads|SECRET+token/4321"  # characters a query string encodes: %7C, %2B, %2F
    monkeypatch.setenv("KOWP_THREADS_TOKEN", threads.token)
    threads.fail, threads.echo_secrets = 500, True  # the error body repeats the Authorization header
    assert run(root) == 1
    assert run(root, "--json") == 1
    assert run(root, "--dry-run", "--json") == 0
    threads.fail, threads.expired = None, True
    assert run(root) == 1
    threads.expired = False
    monkeypatch.setenv("KOWP_THREADS_API", "not an address")
    assert run(root) == 1  # a bad address fails the post that is due
    captured = capsys.readouterr()
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    everything = captured.out + captured.err + logged + (root / "content/.syndication.json").read_text()
    assert "An unknown error has occurred. (sent Bearer ***)" in captured.err  # shown, scrubbed
    assert "input_token=*** " in logged  # the request log line, scrubbed of the encoded token
    assert "KOWP_THREADS_API 'not an address' is not an http(s) address" in captured.err
    assert threads.token not in everything and "SECRET" not in everything


def test_refresh_prints_the_new_token_on_stdout_only_and_says_where_to_store_it(
    tmp_path: Path, threads: FakeThreads, capsys, caplog
):
    caplog.set_level(logging.DEBUG)
    assert main(["syndicate", "--root", str(tmp_path), "--refresh-threads-token"]) == 0
    captured = capsys.readouterr()
    assert captured.out == threads.new_token + "\n"
    (call,) = threads.requests
    assert (call.method, call.path) == ("GET", "/refresh_access_token")  # at the host's root, not under /v1.0
    assert call.query == {"grant_type": ["th_refresh_token"], "access_token": [threads.token]}
    assert "threads: refreshed; the new token is valid for 59 days and was printed on stdout only" in captured.err
    assert "kowp-site syndicate --refresh-threads-token | gh secret set KOWP_THREADS_TOKEN --env syndication" in (
        captured.err
    )
    for secret in (threads.token, threads.new_token):
        assert secret not in captured.err + caplog.text + "".join(str(r.args) for r in caplog.records)
    assert list(tmp_path.iterdir()) == []  # no file written


def test_refresh_is_refused_on_github_actions_and_alone(tmp_path: Path, threads: FakeThreads, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["syndicate", "--root", str(tmp_path), "--refresh-threads-token"]) == 1
    assert "refused on GitHub Actions, where the new token would land in the job log" in capsys.readouterr().err
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert main(["syndicate", "--root", str(tmp_path), "--refresh-threads-token", "--dry-run"]) == 1
    assert "--refresh-threads-token runs alone" in capsys.readouterr().err
    monkeypatch.delenv("KOWP_THREADS_TOKEN")
    assert main(["syndicate", "--root", str(tmp_path), "--refresh-threads-token"]) == 1
    assert "KOWP_THREADS_TOKEN is not set — there is no Threads token to refresh" in capsys.readouterr().err
    assert threads.requests == []


def test_refresh_with_an_expired_token_explains_and_prints_nothing(tmp_path: Path, threads: FakeThreads, capsys):
    threads.expired, threads.echo_secrets = True, True
    assert main(["syndicate", "--root", str(tmp_path), "--refresh-threads-token"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "threads: cannot refresh the token: KOWP_THREADS_TOKEN의 Threads 토큰이 만료되었거나" in captured.err
    assert "(sent ***)" in captured.err and threads.token not in captured.err


def test_threads_failing_does_not_stop_mastodon(root: Path, threads: FakeThreads, monkeypatch):
    from tests.syndicate_fakes import FakeMastodon

    mastodon = FakeMastodon().start()
    try:
        monkeypatch.setenv("KOWP_MASTODON_URL", mastodon.url)
        monkeypatch.setenv("KOWP_MASTODON_TOKEN", mastodon.token)
        threads.fail = 500
        assert main(["syndicate", "--root", str(root)]) == 1
        assert len(mastodon.statuses) == 2 and threads.posts == []
        state = state_of(root)
        assert set(state["mastodon"]) == {GUID_A, GUID_B} and state["threads"] == {
            GUID_A: {"key": URL_A, "pending": STAMP}
        }
    finally:
        mastodon.stop()
