"""The GitHub Actions workflows, templates and pre-commit hooks: valid, safe, and matching the CLI.

The linters (check-jsonschema with its vendored schemas, zizmor offline) run from the test suite,
from the same environment as pytest. test_workflows_run.py runs the steps that decide things.
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

import pytest
import yaml

from kowp_site.cli import build_parser
from kowp_site.translation import ci_summary

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
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary and "kowp_site.translation.ci_summary pr" in summary
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
    names += ("KOWP_BLUESKY_SERVICE", "KOWP_THREADS_TOKEN")
    assert run["env"] == {name: f"${{{{ secrets.{name} }}}}" for name in names}
    # Every variable a target needs is passed, and each target's secrets decide whether the job runs.
    from kowp_site.social.syndicate import ENV

    assert {n for needed in ENV.values() for n in needed} <= set(run["env"])
    decide = first["env"]
    for needed in ENV.values():
        for name in needed:
            assert f"${{{{ secrets.{name} }}}}" in decide.values(), name
    record = step(deploy, "syndicate", "게시 기록 커밋")["run"]
    from kowp_site.social.state import STATE_FILE

    assert f"git add -- content/{STATE_FILE}\n" in record and "git push origin HEAD:main" in record


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
        for args in commands_in(script, ("python", "-m", "kowp_site.translation.ci_summary"))
    ]
    assert {args[0] for _, args in calls} == {"fetch", "pr"}
    for where, args in calls:
        try:
            parser.parse_args(args)
        except SystemExit:
            pytest.fail(f"{where}: `python -m kowp_site.translation.ci_summary {shlex.join(args)}` is not valid")


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
