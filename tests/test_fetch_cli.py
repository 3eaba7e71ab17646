"""`kowp-site fetch` through the real CLI entry point: flags, JSON, exit codes, and a build afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest

from kowp_site.cli import build_parser, main
from kowp_site.fetch.plan import Write, apply
from kowp_site.site.content import sha256_bytes
from tests.fetch_support import FEED_PATH, FEEDS, NEWS_PATHS, content_files, feed, snapshot

NEWS = str(FEEDS / "wordpress-news.xml")


def fetch_cli(root: Path, *args: str) -> int:
    return main(["fetch", "--root", str(root), *args])


def test_json_summary_on_stdout_and_people_summary_on_stderr(site, capsys):
    assert fetch_cli(site.root, "--from-file", NEWS, "--json") == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["changed"] is True and data["not_modified"] is False and data["dry_run"] is False
    assert [i["path"] for i in data["new"]] == NEWS_PATHS
    assert data["new"][0] == {
        "title": "WordPress 6.8.2 Maintenance Release",
        "path": "content/posts/2025/07/wordpress-6-8-2-maintenance-release",
        "pretranslated": 0.0,  # an empty site: nothing in the translation memory
    }
    assert data["updated"] == data["unchanged"] == data["skipped"] == []
    assert "4 new, 0 updated, 0 unchanged, 0 skipped; 8 files written" in err

    before = snapshot(site.root)
    assert fetch_cli(site.root, "--from-file", NEWS, "--json") == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["changed"] is False
    assert [i["path"] for i in data["unchanged"]] == NEWS_PATHS
    assert "0 new, 0 updated, 4 unchanged, 0 skipped; no file changed" in err
    assert snapshot(site.root) == before


def test_skipped_entries_in_json_carry_link_and_reason(site, capsys):
    assert fetch_cli(site.root, "--from-file", str(FEEDS / "bad-entries.xml"), "--json") == 0
    out, err = capsys.readouterr()
    skipped = json.loads(out)["skipped"]
    assert skipped[1] == {
        "title": "No date",
        "path": "",
        "link": "https://wordpress.org/news/2025/05/no-date/",
        "reason": "the entry has no date",
    }
    assert "warning: bad-entries.xml" not in err  # the path is shown as given
    assert f"warning: {FEEDS / 'bad-entries.xml'}: skipped 'No date'" in err


def test_dry_run_writes_nothing(site, capsys):
    assert fetch_cli(site.root, "--from-file", NEWS, "--dry-run", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dry_run"] is True and len(data["new"]) == 4
    assert content_files(site.root) == []
    assert not (site.root / "content").exists()


def test_since_keeps_newer_posts_only(site, capsys):
    assert fetch_cli(site.root, "--from-file", NEWS, "--since", "2025-06-21", "--json") == 0
    assert [i["path"] for i in json.loads(capsys.readouterr().out)["new"]] == NEWS_PATHS[:2]


def test_html_file_is_refused_with_exit_1(site, tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><html><body><h1>WordPress News</h1></body></html>")
    assert fetch_cli(site.root, "--from-file", str(page)) == 1
    err = capsys.readouterr().err
    assert f"error: {page}: this is an HTML page, not a feed" in err
    assert content_files(site.root) == []


def test_missing_file_and_conflicting_flags(site, tmp_path, capsys):
    assert fetch_cli(site.root, "--from-file", str(tmp_path / "nope.xml")) == 1
    assert "cannot read the feed file" in capsys.readouterr().err
    assert fetch_cli(site.root, "--from-file", NEWS, "--all") == 1
    assert "--from-file reads one file" in capsys.readouterr().err
    assert fetch_cli(site.root, "--feed", "ftp://wordpress.org/news/feed/") == 1
    assert "is not an http(s) address" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        fetch_cli(site.root, "--all", "--pages", "2")
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        fetch_cli(site.root, "--since", "yesterday")
    assert exc.value.code == 2


def test_every_fetch_flag_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices["fetch"]
    flags = {opt: a.help for a in sub._actions for opt in a.option_strings}
    for flag in ("--feed", "--all", "--pages", "--since", "--from-file", "--dry-run", "--json", "--max-size"):
        assert flags.get(flag), flag


def test_error_half_way_through_writing_leaves_content_as_it_was(site, capsys):
    blocker = site.write("content/posts/2025/04", "a file where a folder must go\n")
    before = snapshot(site.root)
    assert fetch_cli(site.root, "--from-file", NEWS) == 1
    assert "could not write" in capsys.readouterr().err
    assert snapshot(site.root) == before
    assert blocker.read_text() == "a file where a folder must go\n"


def test_apply_never_replaces_an_existing_translation(tmp_path):
    ko = tmp_path / "ko.md"
    ko.write_text("translator's work\n")
    apply([Write(ko, b"stub\n", create_only=True), Write(tmp_path / "new" / "ko.md", b"stub\n", create_only=True)])
    assert ko.read_text() == "translator's work\n"
    assert (tmp_path / "new" / "ko.md").read_text() == "stub\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["ko.md", "ko.md", "new"]


def test_post_whose_address_changed_is_not_duplicated(site, capsys):
    assert fetch_cli(site.root, "--from-file", NEWS) == 0
    moved = site.write("moved.xml", feed("wordpress-news.xml").replace(b"/2025/04/cecil/", b"/2025/04/cecil-renamed/"))
    before = snapshot(site.root / "content")
    assert fetch_cli(site.root, "--from-file", str(moved), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["skipped"] == [
        {
            "title": "WordPress 6.8 “Cecil”",
            "path": "content/posts/2025/04/cecil-renamed",
            "link": "https://wordpress.org/news/2025/04/cecil-renamed/",
            "reason": "this post (guid https://wordpress.org/news/?p=18500) is already in content/posts/2025/04/cecil; "
            "if its address changed, move that folder with `git mv` to content/posts/2025/04/cecil-renamed",
        }
    ]
    assert snapshot(site.root / "content") == before


def test_unreadable_state_file_is_rewritten(site, httpserver, capsys):
    httpserver.expect_request(FEED_PATH).respond_with_data(feed("wordpress-news.xml"), headers={"ETag": '"e"'})
    url = httpserver.url_for(FEED_PATH)
    site.write("content/.fetch-state.json", "{not json")
    assert fetch_cli(site.root, "--feed", url) == 0
    assert ".fetch-state.json is unreadable" in capsys.readouterr().err
    assert json.loads((site.root / "content/.fetch-state.json").read_text()) == {"feeds": {url: {"etag": '"e"'}}}


def test_fetched_stubs_build_and_only_published_posts_appear(site, build_site):
    assert fetch_cli(site.root, "--from-file", NEWS) == 0
    out = build_site(site.root)
    assert not (out / "2025").exists()  # untranslated stubs are not published

    folder = site.root / NEWS_PATHS[0]
    stub = (folder / "ko.md").read_text()
    assert stub.startswith("---\ntitle: WordPress 6.8.2 Maintenance Release\nstatus: untranslated\ntranslators: []\n")
    assert f"source_hash: {sha256_bytes((folder / 'en.md').read_bytes())}\n" in stub
    published = stub.replace("status: untranslated\ntranslators: []\n", "status: published\ntranslators: [mina]\n")
    published = published.replace("---\n\n", "translated: 2025-07-20\n---\n\n", 1)
    published = published.replace(
        "title: WordPress 6.8.2 Maintenance Release", "title: 워드프레스 6.8.2 유지보수 릴리스"
    )
    (folder / "ko.md").write_text(published)

    out = build_site(site.root)
    doc = lxml.html.fromstring((out / "2025/07/wordpress-6-8-2-maintenance-release/index.html").read_bytes())
    assert doc.xpath("string(//h1)") == "워드프레스 6.8.2 유지보수 릴리스"
    assert [h.text_content().strip() for h in doc.xpath("//main//h2")][:1] == ["Download WordPress 6.8.2"]
    assert "https://wordpress.org/wordpress-6.8.2.zip" in doc.xpath("//a/@href")
    assert sorted(p.parent.name for p in (out / "2025").rglob("index.html")) == ["wordpress-6-8-2-maintenance-release"]


def test_posts_gone_from_the_feed_are_kept(site):
    assert fetch_cli(site.root, "--from-file", NEWS) == 0
    before = snapshot(site.root / "content/posts/2025")
    assert fetch_cli(site.root, "--from-file", str(FEEDS / "archive-page-2.xml")) == 0
    after = snapshot(site.root / "content/posts/2025")
    assert after == before
    assert (site.root / "content/posts/2024/11/rollins/en.md").is_file()
