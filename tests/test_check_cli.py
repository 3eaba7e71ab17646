"""`kowp-site check` as translators and CI run it: output lines, annotations, JSON, exit codes,
--strict and --changed-since, on a tree with one good and several wrong translations."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from kowp_site.cli import main
from tests.test_check_rules import EN_BODY, GLOSSARY, KO_BODY


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Tester", "-c", "user.email=tester@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def run(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["check", "--root", str(root), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def tree(site):
    """The tree of the issue's "done when": good, machine English, dropped section, glossary, outdated."""
    site.write("content/glossary.toml", GLOSSARY)
    site.post("good", en={"body": EN_BODY}, ko={"body": KO_BODY})
    site.post("machine", en={"body": EN_BODY}, ko={"body": EN_BODY})
    site.post("dropped", en={"body": EN_BODY}, ko={"body": KO_BODY.split("\n## 감사 인사")[0] + "\n"})
    site.post("terms", en={"body": EN_BODY}, ko={"body": KO_BODY.replace("알림판에서", "대시보드에서")})
    site.post("old", en={"body": EN_BODY}, ko={"body": KO_BODY}, matching_hash=False)
    return site


EXPECTED_LINES = [
    "error: content/posts/2026/08/dropped/ko.md:9: [structure] 3 paragraphs here, 4 in en.md (문단 3개 / 원문 4개)"
    " — keep the structure of the original: nothing dropped, nothing added",
    "error: content/posts/2026/08/dropped/ko.md:11: [structure] section '## Thanks' (en.md:30) has no heading here"
    " — translate the whole section, keeping its heading",
    "error: content/posts/2026/08/machine/ko.md:9: [hangul] the body is still mostly English: 0% Hangul among letters"
    " (at least 30% expected for a published post) — translate the body, or set status: draft until it is done",
    "warning: content/posts/2026/08/old/ko.md:5: [outdated] the English source (en.md) changed since this translation"
    " was made — see `kowp-site diff 2026/08/old`, update the translation, then run `kowp-site ack 2026/08/old`",
    "error: content/posts/2026/08/terms/ko.md:9: [glossary] '대시보드' for 'dashboard': the glossary says '알림판'"
    " — write 알림판 (content/glossary.toml)",
]


def test_check_reports_exactly_the_wrong_translations(tree, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    code, out, err = run(capsys, tree.root)
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[:-1] == EXPECTED_LINES
    assert lines[-1] == "checked 5 posts (all posts): 4 errors, 1 warnings"


def test_check_on_github_actions_prints_workflow_commands(tree, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run(capsys, tree.root, "content/posts/2026/08/terms", "content/posts/2026/08/old")
    assert code == 1
    assert out.splitlines() == [
        "::warning file=content/posts/2026/08/old/ko.md,line=5::[outdated] the English source (en.md) changed since"
        " this translation was made — see `kowp-site diff 2026/08/old`, update the translation, then run"
        " `kowp-site ack 2026/08/old`",
        "::error file=content/posts/2026/08/terms/ko.md,line=9::[glossary] '대시보드' for 'dashboard': the glossary"
        " says '알림판' — write 알림판 (content/glossary.toml)",
    ]


def test_a_json_run_does_not_silence_the_annotations_of_the_next_run(tree, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    run(capsys, tree.root, "--json")
    code, out, _ = run(capsys, tree.root, "content/posts/2026/08/terms")
    assert code == 1
    assert [line.split(" ", 1)[0] for line in out.splitlines()] == ["::error"]


def test_check_json_is_stable_and_lists_every_finding(tree, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")  # annotations never mix into the JSON
    code, out, _ = run(capsys, tree.root, "--json")
    assert code == 1
    data = json.loads(out)
    assert (data["posts"], data["errors"], data["warnings"]) == (5, 4, 1)
    assert [(p["path"], p["line"], p["check"], p["severity"]) for p in data["problems"]] == [
        ("content/posts/2026/08/dropped/ko.md", 9, "structure", "error"),
        ("content/posts/2026/08/dropped/ko.md", 11, "structure", "error"),
        ("content/posts/2026/08/machine/ko.md", 9, "hangul", "error"),
        ("content/posts/2026/08/old/ko.md", 5, "outdated", "warning"),
        ("content/posts/2026/08/terms/ko.md", 9, "glossary", "error"),
    ]
    assert data["problems"][4]["message"] == "'대시보드' for 'dashboard': the glossary says '알림판'"
    assert data["problems"][4]["hint"] == "write 알림판 (content/glossary.toml)"
    # The CI job summary reads this very format.
    from kowp_site.translation.ci_summary import parse_check_report

    assert [p.check for p in parse_check_report(out)] == ["structure", "structure", "hangul", "outdated", "glossary"]


def test_only_warnings_exit_0_and_strict_makes_them_errors(tree, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert run(capsys, tree.root, "content/posts/2026/08/old")[0] == 0
    code, _, err = run(capsys, tree.root, "--strict", "content/posts/2026/08/old/ko.md")
    assert code == 1
    assert err.splitlines()[0].startswith("error: content/posts/2026/08/old/ko.md:5: [outdated] ")


def test_a_good_post_passes(tree, capsys):
    code, _, err = run(capsys, tree.root, "content/posts/2026/08/good")
    assert code == 0
    assert err.strip() == "checked 1 post (content/posts/2026/08/good): 0 errors, 0 warnings"


def test_changed_since_checks_only_what_a_pull_request_touches(tree, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    root = tree.root
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "translate-good")
    ko = root / "content/posts/2026/08/good/ko.md"
    ko.write_text(ko.read_text(encoding="utf-8").replace("알림판에서", "대시보드에서"), encoding="utf-8")
    git(root, "commit", "-q", "-am", "a translation")
    code, _, err = run(capsys, root, "--changed-since", "main")
    assert code == 1
    assert err.splitlines() == [
        "error: content/posts/2026/08/good/ko.md:9: [glossary] '대시보드' for 'dashboard': the glossary says '알림판'"
        " — write 알림판 (content/glossary.toml)",
        "checked 1 post (changed since main): 1 errors, 0 warnings",
    ]
    # Nothing changed since the branch itself: nothing to check.
    code, _, err = run(capsys, root, "--changed-since", "HEAD")
    assert (code, err.strip()) == (0, "checked 0 posts (changed since HEAD): 0 errors, 0 warnings")
    # A change to the glossary changes the rules for every post.
    (root / "content/glossary.toml").write_text(GLOSSARY + "\n", encoding="utf-8")
    code, _, err = run(capsys, root, "--changed-since", "HEAD")
    assert err.splitlines()[-1] == "checked 5 posts (changed since HEAD): 5 errors, 1 warnings"


def test_changed_since_an_unknown_ref_is_a_clear_error(tree, capsys):
    git(tree.root, "init", "-q", "-b", "main")
    code, _, err = run(capsys, tree.root, "--changed-since", "origin/nope")
    assert code == 1
    assert "--changed-since origin/nope:" in err
    assert "fetch the base first" in err


def test_a_content_error_is_reported_with_its_check_id(site, capsys):
    site.post("bad", ko={"status": "done"})
    code, _, err = run(capsys, site.root)
    assert code == 1
    assert err.splitlines()[0] == (
        "error: content/posts/2026/08/bad/ko.md:3: [front-matter] status must be one of untranslated, draft, review,"
        " published, not 'done'"
    )


def test_status_lists_the_same_tree_right(tree, capsys):
    code = main(["status", "--root", str(tree.root), "--json", "--no-history"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (data["total"], data["counts"]["published"], data["outdated"]) == (5, 5, 1)
    assert [e["post"] for e in data["outdated_posts"]] == ["2026/08/old"]
    assert data["untranslated"] == [] and data["in_progress"] == []


def test_changed_since_finds_posts_with_hangul_slugs(site, capsys, monkeypatch):
    """git quotes non-ASCII paths unless told not to; a Hangul slug must still be checked."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    site.post("good")
    root = site.root
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "new-post")
    site.post("디나", ko={"body": "This translation is still entirely English text.\n"})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a post with a Hangul slug")
    code, _, err = run(capsys, root, "--changed-since", "main")
    assert code == 1
    assert "content/posts/2026/08/디나/ko.md:" in err and "[hangul]" in err
    assert err.splitlines()[-1].startswith("checked 1 post (changed since main)")


def test_json_output_carries_no_annotations(tree, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run(capsys, tree.root, "--json")
    assert code == 1
    assert "::error" not in out
    assert json.loads(out)["errors"] == 4
