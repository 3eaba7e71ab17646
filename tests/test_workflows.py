"""The GitHub Actions workflows, templates and pre-commit hooks: valid, safe, and matching the CLI.

The linters (check-jsonschema with its vendored schemas, zizmor offline) run from the test suite,
from the same environment as pytest. The workflow steps that decide things (the fetch pull request,
the job summary) are run as the workflow runs them: their own `run:` script, under bash, with the
environment GitHub provides.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import yaml

from kowp_site import ci_summary
from kowp_site.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / ".github"
WORKFLOWS = {path.stem: path for path in sorted((GITHUB / "workflows").glob("*.y*ml"))}
ISSUE_FORMS = sorted(p for p in (GITHUB / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml")
PRE_COMMIT = ROOT / ".pre-commit-config.yaml"
SHA_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s*(v\d+\.\d+\.\d+)\s*$")


def tool(name: str) -> Path:
    """A linter installed beside the interpreter running the tests (the project's venv)."""
    path = Path(sys.executable).parent / name
    assert path.is_file(), f"{name} is not installed next to {sys.executable}: pip install -e '.[test]'"
    return path


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load(WORKFLOWS[name].read_text(encoding="utf-8"))


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as True
    return {on: None} if isinstance(on, str) else dict(on)


def steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in workflow["jobs"].items() for step in job.get("steps", [])]


def step(workflow: dict[str, Any], job: str, name: str) -> dict[str, Any]:
    matches = [s for s in workflow["jobs"][job]["steps"] if s.get("name") == name]
    assert len(matches) == 1, f"no single step {name!r} in job {job!r}"
    return matches[0]


def test_the_three_workflows_exist() -> None:
    assert sorted(WORKFLOWS) == ["ci", "deploy", "fetch"]


# --- linters -----------------------------------------------------------------------------------


def test_workflows_match_the_github_workflow_schema() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *WORKFLOWS.values()],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_issue_forms_match_their_schemas() -> None:
    assert {p.name for p in ISSUE_FORMS} == {"translate.yml", "bug.yml"}
    forms = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-issue-forms", *ISSUE_FORMS],
        capture_output=True,
        text=True,
    )
    assert forms.returncode == 0, forms.stdout + forms.stderr
    config = subprocess.run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-issue-config",
            GITHUB / "ISSUE_TEMPLATE/config.yml",
        ],
        capture_output=True,
        text=True,
    )
    assert config.returncode == 0, config.stdout + config.stderr
    claim = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE/translate.yml").read_text(encoding="utf-8"))
    assert claim["name"] == "이 글을 번역할게요"


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    # The schema check above can fail: a job without runs-on or steps is refused.
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    name: no runner, no steps\n", encoding="utf-8")
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", broken], capture_output=True
    )
    assert result.returncode == 1


def zizmor(*paths: Path) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN")}
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--format", "json", "--min-severity", "medium", *paths],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode in (0, 11, 12, 13, 14), result.stderr  # 1x: findings of some severity
    return json.loads(result.stdout)


def test_zizmor_finds_nothing_of_medium_severity_or_above() -> None:
    findings = zizmor(*WORKFLOWS.values(), PRE_COMMIT)
    assert findings == [], json.dumps(findings, ensure_ascii=False, indent=1)[:4000]


def test_zizmor_would_catch_an_injection(tmp_path: Path) -> None:
    bad = tmp_path / ".github/workflows/bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: pull_request_target\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    permissions: {}\n    steps:\n      - run: echo '${{ github.event.pull_request.title }}'\n",
        encoding="utf-8",
    )
    audits = {finding["ident"] for finding in zizmor(bad)}
    assert {"template-injection", "dangerous-triggers"} <= audits


def test_every_zizmor_exception_says_why() -> None:
    for path in [*WORKFLOWS.values(), PRE_COMMIT]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "zizmor: ignore[" in line:
                reason = line.split("]", 1)[1].strip()
                assert len(reason) > 20, f"{path.name}:{number}: say why the finding is ignored"


# --- actions and permissions -------------------------------------------------------------------


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in WORKFLOWS.values():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"^\s*(-\s+)?uses:", line):
                match = SHA_USES.match(line)
                assert match, f"{path.name}:{number}: pin to a full commit SHA with '# vX.Y.Z': {line.strip()}"
                pins.setdefault(match[1], set()).add((match[2], match[3]))
    # One version of each action across the workflows, so an update touches every use.
    assert {action: len(versions) for action, versions in pins.items() if len(versions) > 1} == {}
    assert {
        "actions/checkout",
        "actions/setup-python",
        "actions/cache",
        "actions/upload-artifact",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
        "peter-evans/create-pull-request",
        "actions/create-github-app-token",
    } == set(pins)
    # Every `uses:` line was seen by the regular expression above.
    used = [s["uses"] for wf in WORKFLOWS for _, s in steps(load(wf)) if "uses" in s]
    assert len(used) == sum(
        len(re.findall(r"^\s*(?:-\s+)?uses:", p.read_text(encoding="utf-8"), re.M)) for p in WORKFLOWS.values()
    )


EXPECTED_PERMISSIONS = {
    ("ci", "test"): {"contents": "read"},
    ("ci", "browser"): {"contents": "read"},
    ("ci", "content"): {"contents": "read"},
    ("deploy", "build"): {"contents": "read", "pages": "read"},
    ("deploy", "deploy"): {"pages": "write", "id-token": "write"},
    ("deploy", "syndicate"): {"contents": "write"},
    ("fetch", "fetch"): {"contents": "write", "pull-requests": "write"},
}


def test_permissions_are_least_privilege() -> None:
    seen = {}
    for name in WORKFLOWS:
        workflow = load(name)
        assert workflow["permissions"] == {}, f"{name}.yml: grant nothing at workflow level"
        for job_id, job in workflow["jobs"].items():
            assert "permissions" in job, f"{name}.yml job {job_id}: say which permissions it needs"
            seen[(name, job_id)] = job["permissions"]
    assert seen == EXPECTED_PERMISSIONS
    # Only the Pages deploy job can publish or mint an OIDC token.
    holders = [key for key, perms in seen.items() if perms.get("id-token") or perms.get("pages") == "write"]
    assert holders == [("deploy", "deploy")]


def test_no_workflow_runs_untrusted_code_with_privileges() -> None:
    for name in WORKFLOWS:
        on = triggers(load(name))
        assert "pull_request_target" not in on and "workflow_run" not in on, name
    for name in WORKFLOWS:
        for job_id, s in steps(load(name)):
            if s.get("uses", "").startswith("actions/checkout@"):
                keep = s["with"].get("persist-credentials")
                assert keep is False or (name, job_id) == ("deploy", "syndicate"), f"{name}.yml {job_id}"
            assert "${{" not in s.get("run", ""), f"{name}.yml {job_id}: pass expressions through env"


# --- what each workflow does -------------------------------------------------------------------


def test_ci_checks_builds_summarises_and_uploads_a_preview() -> None:
    ci = load("ci")
    assert {"pull_request", "push", "workflow_dispatch"} <= set(triggers(ci))
    check = step(ci, "content", "kowp-site check")["run"]
    assert 'kowp-site check --changed-since "$BASE"' in check
    build = step(ci, "content", "kowp-site build --drafts --strict")["run"]
    assert "--drafts" in build and "--strict" in build and "--output site" in build
    # A preview never carries the production address.
    assert "--base-url http://localhost:8000/" in build
    summary = step(ci, "content", "작업 요약")["run"]
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary and "kowp_site.ci_summary pr" in summary
    upload = step(ci, "content", "미리보기 아티팩트")
    assert upload["uses"].startswith("actions/upload-artifact@") and upload["with"]["path"] == "site/"
    # Every test runs somewhere: the browser suite in its own job, with a Chromium at Debian's path.
    assert step(ci, "test", "pytest")["run"] == 'python -m pytest -m "not browser"'
    assert step(ci, "browser", "pytest -m browser")["run"] == "python -m pytest -m browser"
    assert "/usr/bin/chromium" in step(ci, "browser", "Chromium과 한글 글꼴")["run"]
    setups = [s for _, s in steps(ci) if s.get("uses", "").startswith("actions/setup-python@")]
    assert setups and all(s["with"]["cache"] == "pip" for s in setups)
    caches = [s for _, s in steps(ci) if s.get("uses", "").startswith("actions/cache@")]
    assert [c["with"]["path"] for c in caches] == [".kowp-cache"]


def test_deploy_builds_for_the_pages_address_and_deploys_one_at_a_time() -> None:
    deploy = load("deploy")
    assert set(triggers(deploy)) == {"push", "workflow_dispatch"}
    assert triggers(deploy)["push"] == {"branches": ["main"]}
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build = deploy["jobs"]["build"]["steps"]
    pages = next(s for s in build if s.get("uses", "").startswith("actions/configure-pages@"))
    run = step(deploy, "build", "kowp-site build")
    assert run["env"]["PAGES_BASE_URL"] == f"${{{{ steps.{pages['id']}.outputs.base_url }}}}"
    assert "--base-url" in run["run"] and "--drafts" not in run["run"]
    assert build[-1]["uses"].startswith("actions/upload-pages-artifact@") and build[-1]["with"]["path"] == "site"
    job = deploy["jobs"]["deploy"]
    assert job["needs"] == "build" and job["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in job["steps"]] == ["actions/deploy-pages"]


def test_syndicate_runs_after_deploy_and_only_with_secrets() -> None:
    deploy = load("deploy")
    job = deploy["jobs"]["syndicate"]
    assert job["needs"] == "deploy"
    assert job["concurrency"]["cancel-in-progress"] is False
    first, *rest = job["steps"]
    assert first["id"] == "targets" and 'echo "any=false"' in first["run"]
    assert all("steps.targets.outputs.any == 'true'" in str(s["if"]) for s in rest)
    run = step(deploy, "syndicate", "kowp-site syndicate")
    names = ("KOWP_MASTODON_URL", "KOWP_MASTODON_TOKEN", "KOWP_BLUESKY_HANDLE", "KOWP_BLUESKY_PASSWORD")
    assert run["env"] == {name: f"${{{{ secrets.{name} }}}}" for name in (*names, "KOWP_BLUESKY_SERVICE")}
    record = step(deploy, "syndicate", "게시 기록 커밋")["run"]
    from kowp_site.social.state import STATE_FILE

    assert f"git add -- content/{STATE_FILE}\n" in record and "git push origin HEAD:main" in record


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


def test_fetch_opens_a_pull_request_only_when_something_changed() -> None:
    fetch = load("fetch")
    on = triggers(fetch)
    assert re.fullmatch(r"\d{1,2} \* \* \* \*", on["schedule"][0]["cron"]) and "workflow_dispatch" in on
    assert fetch["concurrency"] == {"group": "fetch", "cancel-in-progress": False}
    assert "kowp-site fetch --json" in step(fetch, "fetch", "kowp-site fetch")["run"]
    pull = step(fetch, "fetch", "풀 리퀘스트 열기 또는 갱신")
    assert pull["uses"].startswith("peter-evans/create-pull-request@")
    assert pull["if"] == "steps.plan.outputs.changed == 'true'"
    assert pull["with"]["token"] == ("${{ steps.app-token.outputs.token || secrets.KOWP_FETCH_TOKEN || github.token }}")
    assert pull["with"]["branch"] == "kowp/fetch" and pull["with"]["add-paths"] == "content/"
    assert pull["with"]["title"] == "${{ steps.plan.outputs.title }}"
    app = step(fetch, "fetch", "GitHub App 토큰")
    assert app["if"] == "${{ vars.KOWP_APP_ID != '' }}"


# --- every kowp-site command in a workflow exists ----------------------------------------------


def operators_before(tokens: list[str], i: int) -> int:
    """Index just after the last shell operator before token i (0 at the start of a line)."""
    starts = [j + 1 for j in range(i) if set(tokens[j]) <= set("();<>|&")]
    return starts[-1] if starts else 0


def commands_in(script: str, program: tuple[str, ...]) -> list[list[str]]:
    """Each call of ``program`` in a shell script, as its argument list (shell operators end a call)."""
    calls = []
    script = script.replace("\\\n", " ")
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
        for i in range(len(tokens) - len(program) + 1):
            at_command = all(re.fullmatch(r"[A-Za-z_]\w*=.*", t) for t in tokens[operators_before(tokens, i) : i])
            if tuple(tokens[i : i + len(program)]) == program and at_command:
                args = []
                for token in tokens[i + len(program) :]:
                    if set(token) <= set("();<>|&"):
                        break
                    args.append(token)
                calls.append(args)
    return calls


def workflow_scripts() -> list[tuple[str, str]]:
    scripts = [(f"{name}.yml", s["run"]) for name in WORKFLOWS for _, s in steps(load(name)) if "run" in s]
    hooks = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))["repos"][0]["hooks"]
    scripts += [(PRE_COMMIT.name, hook["entry"] + " content/posts/2026/08/x/ko.md") for hook in hooks]
    return scripts


def test_commands_parser_sees_every_call() -> None:
    script = (
        'X=1 kowp-site check --changed-since "$BASE" --json > out.json || true\n'
        "kowp-site build \\\n  --drafts # kowp-site fetch\ncd kowp-site && echo kowp-site; kowp-site status"
    )
    assert commands_in(script, ("kowp-site",)) == [
        ["check", "--changed-since", "$BASE", "--json"],
        ["build", "--drafts"],
        ["status"],
    ]


def test_every_kowp_site_command_and_flag_in_the_workflows_exists() -> None:
    parser = build_parser()
    used = set()
    for where, script in workflow_scripts():
        for args in commands_in(script, ("kowp-site",)):
            command = args[0]
            used.add(command)
            try:
                parser.parse_args(args)
            except SystemExit:
                pytest.fail(f"{where}: `kowp-site {shlex.join(args)}` is not a valid command line")
    assert used == {"build", "check", "fetch", "syndicate"}


def test_every_ci_summary_call_in_the_workflows_is_valid() -> None:
    parser = ci_summary.build_parser()
    calls = [
        (where, args)
        for where, script in workflow_scripts()
        for args in commands_in(script, ("python", "-m", "kowp_site.ci_summary"))
    ]
    assert {args[0] for _, args in calls} == {"fetch", "pr"}
    for where, args in calls:
        try:
            parser.parse_args(args)
        except SystemExit:
            pytest.fail(f"{where}: `python -m kowp_site.ci_summary {shlex.join(args)}` is not valid")


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


def test_every_kowp_site_command_in_contributing_exists() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    calls = [args for block in blocks for args in commands_in(block, ("kowp-site",))]
    assert {args[0] for args in calls} >= {"status", "serve", "check", "diff", "ack"}
    parser = build_parser()
    for args in calls:
        try:
            parser.parse_args(args)
        except SystemExit:
            pytest.fail(f"CONTRIBUTING.md: `kowp-site {shlex.join(args)}` is not a valid command line")
    for needed in ("/translate/", "content/glossary.toml", "합니다체", "kowp-site check", "GitHub Actions"):
        assert needed in text


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
            "kowp_site.ci_summary",
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
