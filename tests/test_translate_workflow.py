"""`kowp-site status`, `ack` and `diff` on a real Git history built in the test."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from kowp_site.cli import main
from kowp_site.site.content import sha256_bytes
from tests.test_check_cli import git

EN_V1 = "First paragraph.\n\nSecond paragraph says hello.\n"
EN_V2 = "First paragraph.\n\nSecond paragraph says hello to everyone here.\n\nA new third paragraph.\n"
FOLDER = "content/posts/2026/08/hello"


def run(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    code = main([args[0], "--root", str(root), *args[1:]])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def repo(site):
    """A site in Git: the translation was made from en.md v1, then en.md became v2."""
    site.post("hello", en={"body": EN_V1}, ko={"body": "첫 문단입니다.\n\n두 번째 문단은 인사합니다.\n"})
    site.post("waiting", month=9, ko={"status": "untranslated", "translators": (), "translated": None})
    site.post("drafting", month=7, ko={"status": "draft", "translators": ("minji",), "translated": None})
    site.post("none", month=10, translation=False)
    root = site.root
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    en = root / FOLDER / "en.md"
    en.write_text(en.read_text(encoding="utf-8").replace(EN_V1, EN_V2), encoding="utf-8")
    git(root, "commit", "-q", "-am", "v2")
    return site


def test_status_json_counts_lists_and_measures_the_change(repo, capsys):
    code, out, _ = run(capsys, repo.root, "status", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["total"] == 4
    assert data["counts"] == {"untranslated": 2, "draft": 1, "review": 0, "published": 1}
    assert data["outdated"] == 1
    assert data["percent_published"] == 25.0
    assert [e["post"] for e in data["untranslated"]] == ["2026/10/none", "2026/09/waiting"]  # newest first
    assert data["untranslated"][0]["file"] == "content/posts/2026/10/none/ko.md"
    assert data["untranslated"][0]["link"] == "https://wordpress.org/news/2026/10/none/"
    [old] = data["outdated_posts"]
    v1 = git(repo.root, "rev-list", "--max-parents=0", "HEAD").strip()
    assert old["post"] == "2026/08/hello"
    assert old["translators"] == ["minji"]
    assert old["change"] == {"since": v1, "lines_added": 3, "lines_removed": 1, "words_added": 8, "words_removed": 1}
    assert [(e["post"], e["status"]) for e in data["in_progress"]] == [("2026/07/drafting", "draft")]


def test_status_without_history_says_the_change_is_unknown(repo, capsys):
    code, out, _ = run(capsys, repo.root, "status", "--json", "--no-history")
    assert json.loads(out)["outdated_posts"][0]["change"] is None


def test_status_table_for_people(repo, capsys):
    code, out, _ = run(capsys, repo.root, "status")
    assert code == 0
    assert "4 posts: 미번역 2  초안 1  검토 중 0  게시됨 1  ·  outdated 1  ·  25% published" in out
    assert "+3/-1 lines" in out
    assert "2026/10/none" in out and "2026/07/drafting" in out


def test_diff_shows_what_changed_since_the_translation(repo, capsys):
    code, out, _ = run(capsys, repo.root, "diff", FOLDER)
    assert code == 0
    v1 = git(repo.root, "rev-list", "--max-parents=0", "HEAD").strip()
    lines = out.splitlines()
    assert lines[0] == f"--- {FOLDER}/en.md @ {v1[:12]} (번역 기준)"
    assert lines[1] == f"+++ {FOLDER}/en.md (현재)"
    assert [x for x in lines[2:] if x[:1] in "+-"] == [
        "-Second paragraph says hello.",
        "+Second paragraph says hello to everyone here.",
        "+",
        "+A new third paragraph.",
    ]


@pytest.mark.parametrize(
    "spec",
    [
        FOLDER,
        f"{FOLDER}/ko.md",
        f"{FOLDER}/en.md",
        "2026/08/hello",
        "https://wordpress.org/news/2026/08/hello/",
    ],
)
def test_post_may_be_a_path_or_the_original_url(repo, capsys, spec):
    code, out, _ = run(capsys, repo.root, "diff", spec)
    assert code == 0
    assert "+A new third paragraph." in out


def test_diff_of_an_up_to_date_translation_says_so(repo, capsys):
    run(capsys, repo.root, "ack", FOLDER)
    code, out, err = run(capsys, repo.root, "diff", FOLDER)
    assert (code, out) == (0, "")
    assert "up to date" in err


def test_diff_explains_a_version_missing_from_the_history(repo, capsys):
    ko = repo.root / FOLDER / "ko.md"
    text = ko.read_text(encoding="utf-8")
    old = text.split("source_hash: ")[1].split("\n")[0]
    ko.write_text(text.replace(old, "sha256:" + "1" * 64), encoding="utf-8")
    code, _, err = run(capsys, repo.root, "diff", FOLDER)
    assert code == 1
    assert "is not in the Git history" in err
    assert "history was rewritten" in err


def test_diff_in_a_shallow_clone_says_to_unshallow(repo, tmp_path, capsys):
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth=1", f"file://{repo.root}", str(clone)], check=True, capture_output=True
    )
    code, _, err = run(capsys, clone, "diff", FOLDER)
    assert code == 1
    assert "this clone is shallow — run `git fetch --unshallow`" in err


def test_diff_outside_git_is_a_clear_error(site, capsys):
    site.post("hello", matching_hash=False)
    code, _, err = run(capsys, site.root, "diff", FOLDER)
    assert code == 1
    assert "not a Git work tree" in err


def test_unknown_post_is_a_clear_error(repo, capsys):
    for spec in ("content/posts/2026/08/nope", "https://wordpress.org/news/2026/08/nope/", "https://example.org/"):
        code, _, err = run(capsys, repo.root, "ack", spec)
        assert code == 1
        assert err.startswith("error: ")


def test_ack_rewrites_only_the_hash_line(repo, capsys):
    ko = repo.root / FOLDER / "ko.md"
    # A translator's own formatting: CRLF line endings, a comment, quotes, a trailing space.
    before = ko.read_bytes().replace(b"\n", b"\r\n").replace(b"title:", b"# my note\r\ntitle:  ")
    before = before.replace(b"source_hash: sha256:", b'source_hash: "sha256:')
    before = before.replace(b"\r\ntranslated:", b'"\r\ntranslated:')
    ko.write_bytes(before)
    code, _, err = run(capsys, repo.root, "ack", FOLDER)
    assert code == 0
    new_hash = sha256_bytes((repo.root / FOLDER / "en.md").read_bytes())
    old_hash = before.split(b'source_hash: "')[1].split(b'"')[0]
    assert ko.read_bytes() == before.replace(old_hash, new_hash.encode())
    assert f"source_hash {old_hash.decode()[:15]}… → {new_hash[:15]}…" in err
    # Now up to date: nothing to do, nothing written.
    code, _, err = run(capsys, repo.root, "ack", FOLDER)
    assert "already up to date" in err
    assert ko.read_bytes() == before.replace(old_hash, new_hash.encode())


def test_ack_sets_translated_on_first_publication_from_source_date_epoch(site, capsys, monkeypatch):
    site.post("fresh", ko={"translated": None}, matching_hash=False)
    ko = site.root / "content/posts/2026/08/fresh/ko.md"
    before = ko.read_text(encoding="utf-8")
    # 2026-09-01T20:00:00Z is already 2 September in Seoul.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1788292800")
    code, _, err = run(capsys, site.root, "ack", "content/posts/2026/08/fresh")
    assert code == 0
    new_hash = sha256_bytes((site.root / "content/posts/2026/08/fresh/en.md").read_bytes())
    old_line = next(line for line in before.splitlines() if line.startswith("source_hash:"))
    assert ko.read_text(encoding="utf-8") == before.replace(
        old_line, f"source_hash: {new_hash}\ntranslated: 2026-09-02"
    )
    assert "translated: 2026-09-02 (first publication)" in err
    # The post now builds and checks cleanly.
    assert main(["check", "--root", str(site.root)]) == 0


def test_ack_keeps_an_existing_translated_date_and_does_not_date_a_draft(site, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1788292800")
    site.post("kept", matching_hash=False)
    site.post("draft", ko={"status": "draft", "translated": None}, matching_hash=False)
    for slug in ("kept", "draft"):
        run(capsys, site.root, "ack", f"content/posts/2026/08/{slug}")
    assert "translated: 2026-08-20\n" in (site.root / "content/posts/2026/08/kept/ko.md").read_text(encoding="utf-8")
    assert "translated:" not in (site.root / "content/posts/2026/08/draft/ko.md").read_text(encoding="utf-8")


def test_ack_adds_a_missing_hash_line_and_refuses_a_post_without_translation(site, capsys):
    site.post("nohash")
    ko = site.root / "content/posts/2026/08/nohash/ko.md"
    ko.write_text(
        "".join(x for x in ko.read_text(encoding="utf-8").splitlines(keepends=True) if "source_hash" not in x)
    )
    assert run(capsys, site.root, "ack", "content/posts/2026/08/nohash")[0] == 0
    assert main(["check", "--root", str(site.root)]) == 0
    site.post("untouched", translation=False)
    code, _, err = run(capsys, site.root, "ack", "content/posts/2026/08/untouched")
    assert code == 1
    assert "there is no translation yet" in err
