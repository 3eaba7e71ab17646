"""The workflow steps that decide things, run as GitHub runs them: their own `run:` script under bash.

`kowp-site` and `python` resolve to this checkout; the feed is served on loopback; the Git history
of a pull request is built in a temporary repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from kowp_site.translation import ci_summary
from tests.test_workflows import load, step


def run_step(script: str, cwd: Path, env: dict[str, str], bin_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run one workflow `run:` script the way GitHub does (bash -e), with `kowp-site` on PATH."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    full |= {**env, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=full, capture_output=True, text=True)


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """`kowp-site` and `python` as the workflows call them, from this checkout and interpreter."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "kowp-site").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kowp_site "$@"\n', encoding="utf-8")
    (folder / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    for script in folder.iterdir():
        script.chmod(0o755)
    return folder


# --- the fetch pull request, from real `kowp-site fetch --json` output -------------------------

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>WordPress News</title>
  <link>https://wordpress.org/news</link>
  <description>The latest news about WordPress</description>
  <language>en-US</language>
{items}
</channel>
</rss>
"""
ITEM = """  <item>
    <title>{title}</title>
    <link>https://wordpress.org/news/2026/08/{slug}/</link>
    <dc:creator><![CDATA[Josepha Haden]]></dc:creator>
    <pubDate>Tue, {day} Aug 2026 15:00:00 +0000</pubDate>
    <category><![CDATA[Releases]]></category>
    <guid isPermaLink="false">https://wordpress.org/news/?p={p}</guid>
    <description><![CDATA[Short excerpt.]]></description>
    <content:encoded><![CDATA[<!-- wp:paragraph --><p>{body}</p><!-- /wp:paragraph -->]]></content:encoded>
  </item>"""


def feed(*posts: tuple[str, str, str]) -> str:
    items = [
        ITEM.format(title=escape(title), slug=slug, body=body, day=11 + i, p=19000 + i)
        for i, (slug, title, body) in enumerate(posts)
    ]
    return FEED.format(items="\n".join(items))


class FeedServer:
    """The source feed on loopback, with ETag so an unchanged feed answers 304 like WordPress.org."""

    def __init__(self, httpserver: Any):
        self.server = httpserver
        self.body = ""
        self.statuses: list[int] = []
        httpserver.expect_request("/news/feed/").respond_with_handler(self.handle)

    def handle(self, request: Any) -> Any:
        from werkzeug.wrappers import Response

        etag = f'"{abs(hash(self.body))}"'
        status = 304 if request.headers.get("If-None-Match") == etag else 200
        self.statuses.append(status)
        body = "" if status == 304 else self.body
        return Response(body, status=status, headers={"ETag": etag, "Content-Type": "application/rss+xml"})


@pytest.fixture
def fetch_site(tmp_path: Path, httpserver: Any) -> tuple[Path, FeedServer]:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        f'[tool.kowp-site]\ntitle = "테스트"\nbase_url = "https://example.org/"\n'
        f'source_feed = "{httpserver.url_for("/news/feed/")}"\nrepo_url = "https://github.com/example/kowp"\n',
        encoding="utf-8",
    )
    return root, FeedServer(httpserver)


def run_fetch_workflow(root: Path, bin_dir: Path, *, own_token: bool = True) -> tuple[dict[str, str], str]:
    """fetch.yml's fetch and plan steps, as GitHub runs them; returns $GITHUB_OUTPUT and the body."""
    workflow = load("fetch")
    runner = root.parent / "runner"
    runner.mkdir(exist_ok=True)
    output, summary = runner / "output", runner / "summary"
    output.write_text("", encoding="utf-8")
    env = {
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "FETCH_ALL": "false",
        "HAS_APP": "false",
        "HAS_TOKEN": "true" if own_token else "false",
    }
    for name in ("kowp-site fetch", "풀 리퀘스트 내용"):
        result = run_step(step(workflow, "fetch", name)["run"], root, env, bin_dir)
        assert result.returncode == 0, f"{name}: {result.stderr}"
    outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    return outputs, (runner / "fetch-pr.md").read_text(encoding="utf-8")


def test_fetch_workflow_decides_from_real_fetch_output(fetch_site: tuple[Path, FeedServer], bin_dir: Path) -> None:
    root, server = fetch_site
    post = root / "content/posts/2026/08/first-post"

    # A new post upstream: one pull request, titled in Korean, listing it.
    server.body = feed(("first-post", "First post", "Hello from the first post."))
    outputs, body = run_fetch_workflow(root, bin_dir)
    assert outputs == {
        "changed": "true",
        "title": "원문 가져오기: 새 글 1편",
        "commit": "Fetch 1 new post from WordPress.org News",
    }
    assert "### 새 글 1편\n\n- **First post** — `content/posts/2026/08/first-post`" in body
    assert "수정된 글" not in body and "GITHUB_TOKEN" not in body
    # What create-pull-request commits (add-paths: content/): the post and the fetch state, nothing else.
    assert sorted(p.relative_to(root).as_posix() for p in (root / "content").rglob("*") if p.is_file()) == [
        "content/.fetch-state.json",
        "content/posts/2026/08/first-post/en.md",
        "content/posts/2026/08/first-post/ko.md",
    ]
    translation = (post / "ko.md").read_bytes()

    # Nothing new upstream (the server answers 304): no pull request.
    outputs, body = run_fetch_workflow(root, bin_dir)
    assert outputs == {"changed": "false"}
    assert server.statuses == [200, 304]

    # The same feed again with a full 200 (no validators kept): still no pull request.
    (root / "content/.fetch-state.json").unlink()
    outputs, _ = run_fetch_workflow(root, bin_dir)
    assert outputs == {"changed": "false"} and server.statuses[-1] == 200

    # The post edited upstream, and a second post: both listed; the translation is untouched.
    server.body = feed(
        ("first-post", "First post", "Hello from the first post, now edited."),
        ("second-post", "Second <post> & [more]", "Another one."),
    )
    outputs, body = run_fetch_workflow(root, bin_dir, own_token=False)
    assert outputs["changed"] == "true"
    assert outputs["title"] == "원문 가져오기: 새 글 1편, 수정된 원문 1편"
    assert outputs["commit"] == "Fetch 1 new and 1 updated posts from WordPress.org News"
    assert "- **Second \\<post\\> & \\[more\\]** — `content/posts/2026/08/second-post`" in body
    assert "### 원문이 수정된 글 1편\n\n- **First post** — `content/posts/2026/08/first-post`" in body
    assert "기본 `GITHUB_TOKEN`으로 열려 CI가 저절로 실행되지 않습니다" in body
    assert (post / "ko.md").read_bytes() == translation
    assert "edited" in (post / "en.md").read_text(encoding="utf-8")


def test_fetch_pull_request_decision() -> None:
    new = [{"title": "A", "path": "content/posts/2026/08/a"}]
    assert ci_summary.fetch_pull_request({"changed": False, "new": [], "updated": []}) is None
    # Only the feed's validators changed: nothing for a translator to see.
    assert ci_summary.fetch_pull_request({"changed": True, "new": [], "updated": []}) is None
    # A dry run wrote nothing, so there is nothing to propose.
    assert ci_summary.fetch_pull_request({"changed": True, "dry_run": True, "new": new}) is None
    pull = ci_summary.fetch_pull_request({"changed": True, "new": new * 150, "updated": []})
    assert pull is not None and pull.title == "원문 가져오기: 새 글 150편"
    assert pull.body.count("- **A**") == ci_summary.MAX_LISTED and "- … 외 50편" in pull.body
    for bad in ([], {"new": new}, {"changed": "yes"}, {"changed": True, "new": "A"}, {"changed": True, "new": [1]}):
        with pytest.raises(ValueError, match="fetch report"):
            ci_summary.fetch_pull_request(bad)


def test_titles_cannot_inject_markup_or_mentions() -> None:
    assert ci_summary.inline("Hi @matt\n[x](javascript:y) <img src=x> | `c`") == (
        "Hi @\u200bmatt \\[x\\]\\(javascript:y\\) \\<img src=x\\> \\| \\`c\\`"
    )


# --- the build steps, run as the workflows run them --------------------------------------------


def test_deploy_builds_for_the_address_configure_pages_reports(site: Any, bin_dir: Path) -> None:
    import lxml.html

    site.post("open-weight")
    script = step(load("deploy"), "build", "kowp-site build")["run"]
    for reported in ("https://someone.github.io/kowp-fork", "https://someone.github.io/kowp-fork/"):
        result = run_step(script, site.root, {"PAGES_BASE_URL": reported}, bin_dir)
        assert result.returncode == 0, result.stderr
        page = lxml.html.fromstring((site.root / "site/2026/08/open-weight/index.html").read_bytes())
        assert page.xpath("//link[@rel='canonical']/@href") == [
            "https://someone.github.io/kowp-fork/2026/08/open-weight/"
        ]


def test_ci_preview_holds_drafts_and_no_production_address(site: Any, bin_dir: Path) -> None:
    site.post("published-one")
    site.post("in-review", ko={"status": "review", "translated": None})
    script = step(load("ci"), "content", "kowp-site build --drafts --strict")["run"]
    result = run_step(script, site.root, {}, bin_dir)
    assert result.returncode == 0, result.stderr
    out = site.root / "site"
    assert (out / "2026/08/in-review/index.html").is_file()
    texts = [p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in (".html", ".xml", ".json", ".txt")]
    assert texts and not any("example.org" in text for text in texts)
    assert any("http://localhost:8000/2026/08/in-review/" in text for text in texts)


@pytest.mark.parametrize(
    ("event", "ref", "expected"),
    [
        ("pull_request", "123/merge", "ref=origin/main"),
        ("workflow_dispatch", "kowp/fetch", "ref=origin/main"),
        ("workflow_dispatch", "main", "ref="),
        ("push", "main", "ref="),
    ],
)
def test_ci_compares_a_pull_request_with_its_base(
    tmp_path: Path, bin_dir: Path, event: str, ref: str, expected: str
) -> None:
    output = tmp_path / "output"
    env = {
        "EVENT": event,
        "BASE_REF": "main" if event == "pull_request" else "",
        "REF_NAME": ref,
        "DEFAULT_BRANCH": "main",
        "GITHUB_OUTPUT": str(output),
    }
    result = run_step(step(load("ci"), "content", "비교 기준")["run"], tmp_path, env, bin_dir)
    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8") == expected + "\n"


# --- the pull-request job summary, from real `kowp-site check` output --------------------------


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@invalid"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@invalid"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def test_ci_check_and_summary_steps_on_a_pull_request(site: Any, bin_dir: Path, tmp_path: Path) -> None:
    site.post("kept-as-is", ko={"title": "그대로인 글"})
    site.post("to-be-broken", ko={"title": "고칠 글"})
    git(site.root, "init", "-q", "-b", "main")
    git(site.root, "add", "-A")
    git(site.root, "commit", "-q", "-m", "base")
    git(site.root, "switch", "-q", "-c", "translate")
    ko = site.root / "content/posts/2026/08/to-be-broken/ko.md"
    ko.write_text(ko.read_text(encoding="utf-8").replace("status: published", "status: finished"), encoding="utf-8")
    site.post("brand-new", ko={"title": "새로 번역한 글", "status": "review", "translated": None})
    (site.root / "notes.txt").write_text("not content\n", encoding="utf-8")
    git(site.root, "add", "-A")
    git(site.root, "commit", "-q", "-m", "translate")
    ci = load("ci")
    runner = tmp_path / "runner"
    runner.mkdir()
    summary = runner / "summary.md"
    env = {"BASE": "main", "RUNNER_TEMP": str(runner), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_RUN_NUMBER": "7"}

    # The gate: exit 1, with an annotation GitHub shows on the line of the diff.
    gate = run_step(
        step(ci, "content", "kowp-site check")["run"], site.root, {**env, "GITHUB_ACTIONS": "true"}, bin_dir
    )
    assert gate.returncode == 1
    annotations = [line for line in gate.stdout.splitlines() if line.startswith("::")]
    assert annotations and all(
        a.startswith("::error file=content/posts/2026/08/to-be-broken/ko.md,line=") for a in annotations
    )

    result = run_step(step(ci, "content", "작업 요약")["run"], site.root, env, bin_dir)
    assert result.returncode == 0, result.stderr
    text = summary.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "content/posts" in line]
    assert rows == [
        "| 새로 번역한 글<br>`content/posts/2026/08/brand-new` | `en.md` 추가, `ko.md` 추가 | 검토 중 (`review`) | ✅ 통과 |",
        f"| 고칠 글<br>`content/posts/2026/08/to-be-broken` | `ko.md` 수정 | — | ❌ 오류 {len(annotations)} |",
    ]
    assert "그 밖에 바뀐 파일 1개: `notes.txt`" in text
    problems = [line for line in text.splitlines() if line.startswith("- **오류** ")]
    assert len(problems) == len(annotations)
    assert all(p.startswith("- **오류** `content/posts/2026/08/to-be-broken/ko.md:") for p in problems)
    assert "`site-preview-7`" in text


def test_summary_says_so_when_the_check_report_is_unreadable(tmp_path: Path) -> None:
    changed, check = tmp_path / "changed.txt", tmp_path / "check.json"
    changed.write_text("M\tcontent/posts/2026/08/gone/ko.md\n", encoding="utf-8")
    check.write_text("Traceback (most recent call last):\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kowp_site.translation.ci_summary",
            "pr",
            "--changed",
            changed,
            "--check",
            check,
            "--root",
            tmp_path,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert "| gone<br>`content/posts/2026/08/gone` | `ko.md` 수정 | — | ❔ 결과 없음 |" in result.stdout
    assert "검사 결과를 읽지 못했습니다" in result.stdout


# --- the syndicate job's decision --------------------------------------------------------------


@pytest.mark.parametrize(
    ("secrets", "any_target"),
    [
        ({}, "false"),
        ({"THREADS_TOKEN": "t-123"}, "true"),
        ({"MASTODON_URL": "https://m.example"}, "false"),  # half a pair is not a target
        ({"MASTODON_URL": "https://m.example", "MASTODON_TOKEN": "m-123"}, "true"),
        ({"BLUESKY_HANDLE": "k.bsky.social", "BLUESKY_PASSWORD": "b-123"}, "true"),
    ],
)
def test_syndicate_runs_when_any_target_has_its_secrets(
    tmp_path: Path, bin_dir: Path, secrets: dict[str, str], any_target: str
) -> None:
    targets = step(load("deploy"), "syndicate", "설정된 대상 확인")
    output = tmp_path / "output"
    env = {name: "" for name in targets["env"]} | secrets | {"GITHUB_OUTPUT": str(output)}
    result = run_step(targets["run"], tmp_path, env, bin_dir)
    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8") == f"any={any_target}\n"
    assert ("::notice title=신디케이션 건너뜀::" in result.stdout) is (any_target == "false")
