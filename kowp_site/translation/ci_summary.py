"""Korean text for the GitHub Actions workflows: the pull-request job summary and the fetch pull request.

Only the workflows call this module (nothing else imports it)::

    python -m kowp_site.translation.ci_summary pr --changed FILE --check FILE [--preview-artifact NAME]
        ci.yml: prints the job summary in Markdown: the posts a pull request adds or changes, their
        status, and what `kowp-site check --json` found in them.
    python -m kowp_site.translation.ci_summary fetch --report FILE --body FILE [--default-token]
        fetch.yml: reads `kowp-site fetch --json`, decides whether a pull request is needed, writes
        its body to FILE and prints ``changed=``, ``title=`` and ``commit=`` lines for $GITHUB_OUTPUT.

The decisions are pure functions (:func:`fetch_pull_request`, :func:`changed_posts`,
:func:`pr_summary`) so the tests can feed them real command output.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

STATUS_NAMES = {
    "untranslated": "미번역",
    "draft": "초안",
    "review": "검토 중",
    "published": "게시",
}
CHANGE_NAMES = {"A": "추가", "M": "수정", "D": "삭제"}
POST_DIR = re.compile(r"content/posts/\d{4}/\d{2}/[^/]+")
MAX_LISTED = 100  # items per list in a pull-request body; GitHub caps a body at 65,536 characters
MAX_PROBLEMS = 50  # problems listed in a job summary; the check step's log has all of them
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


def inline(text: str) -> str:
    """Text from a feed or a front matter, safe inside one Markdown line: no markup, no @mention."""
    text = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("@", "@\u200b")


# --- fetch.yml ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchPullRequest:
    """What fetch.yml puts in its pull request."""

    title: str
    commit: str
    body: str


def _entries(report: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = report.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"fetch report: {key!r} must be a list of objects")
    return value


def fetch_pull_request(report: Any, *, own_token: bool = True) -> FetchPullRequest | None:
    """The pull request for one ``kowp-site fetch --json`` report, or None when none is needed.

    A pull request is needed only when the fetch wrote new or updated posts. A run that changed
    nothing, or only the feed's ETag, makes none: an open pull request stays as it is.
    """
    if not isinstance(report, dict) or not isinstance(report.get("changed"), bool):
        raise ValueError('fetch report: expected a JSON object with a boolean "changed"')
    new, updated = _entries(report, "new"), _entries(report, "updated")
    if not report["changed"] or report.get("dry_run") or not (new or updated):
        return None
    counts = []
    if new:
        counts.append(f"새 글 {len(new)}편")
    if updated:
        counts.append(f"수정된 원문 {len(updated)}편")
    title = "원문 가져오기: " + ", ".join(counts)
    parts = []
    if new:
        parts.append(f"{len(new)} new")
    if updated:
        parts.append(f"{len(updated)} updated")
    commit = f"Fetch {' and '.join(parts)} post{'s' if len(new) + len(updated) > 1 else ''} from WordPress.org News"
    return FetchPullRequest(title, commit, _fetch_body(new, updated, own_token=own_token))


def _memory_note(entry: dict[str, Any]) -> str:
    """ " · 번역 메모리로 62% 미리 번역됨" for a stub the translation memory filled in."""
    share = entry.get("pretranslated")
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        return ""
    return f" · 번역 메모리로 {int(100 * share)}% 미리 번역됨"


def _post_lines(entries: list[dict[str, Any]]) -> list[str]:
    lines = []
    for entry in entries[:MAX_LISTED]:
        title = inline(entry.get("title") or "(제목 없음)")
        path = str(entry.get("path") or "").replace("`", "")
        line = f"- **{title}** — `{path}`" if path else f"- **{title}**"
        lines.append(line + _memory_note(entry))
    if len(entries) > MAX_LISTED:
        lines.append(f"- … 외 {len(entries) - MAX_LISTED}편")
    return lines


def _fetch_body(new: list[dict[str, Any]], updated: list[dict[str, Any]], *, own_token: bool) -> str:
    lines = [
        "`kowp-site fetch`가 WordPress.org News 피드에서 가져온 원문입니다. "
        "병합하면 번역 현황 페이지(/translate/)에 번역할 글로 나타납니다.",
        "",
    ]
    if new:
        lines += [f"### 새 글 {len(new)}편", "", *_post_lines(new), ""]
    if updated:
        lines += [
            f"### 원문이 수정된 글 {len(updated)}편",
            "",
            *_post_lines(updated),
            "",
            "이미 번역된 글은 병합 후 '원문 수정됨'으로 표시됩니다. 번역자는 `kowp-site diff <글>`로 바뀐 부분을 보고 "
            "번역을 고친 뒤 `kowp-site ack <글>`로 표시를 지웁니다.",
            "",
        ]
    lines += [
        "### 검토할 것",
        "",
        "- [ ] 본문의 제목, 목록, 링크, 이미지, 표가 원문과 같이 변환되었습니다.",
        "- [ ] 번역자의 `ko.md`는 바뀌지 않았습니다 (fetch는 `ko.md`를 새로 만들기만 합니다).",
        "",
    ]
    if any(_memory_note(e) for e in new):
        lines[-1:-1] = [
            "- [ ] 번역 메모리가 채운 문단(`<!-- kowp-tm … -->` 표시)은 번역자가 원문과 대조한 뒤 표시를 지웁니다. "
            "표시가 남은 글은 `kowp-site check`가 게시를 막습니다.",
        ]
    if not own_token:
        lines += [
            "> [!NOTE]",
            "> 이 풀 리퀘스트는 기본 `GITHUB_TOKEN`으로 열려 CI가 저절로 실행되지 않습니다. "
            "Actions 탭의 **CI** 워크플로에서 **Run workflow**로 `kowp/fetch` 브랜치를 실행하거나, "
            "풀 리퀘스트를 닫았다가 다시 여세요. 관리자는 CONTRIBUTING.md의 '관리자 안내'에 따라 "
            "GitHub App이나 토큰을 설정하면 이 과정이 필요 없습니다.",
            "",
        ]
    return "\n".join(lines)


def _output_line(key: str, value: str) -> str:
    return f"{key}={' '.join(value.split())}"


# --- ci.yml ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangedPost:
    """One post folder a pull request touches, with how each of its Markdown files changed."""

    folder: str  # content/posts/YYYY/MM/slug
    changes: tuple[tuple[str, str], ...]  # (file name, "A" | "M" | "D")


@dataclass(frozen=True)
class CheckProblem:
    path: str
    line: int | None
    message: str
    severity: str
    check: str


def parse_name_status(text: str) -> list[tuple[str, str]]:
    """``git diff --name-status --no-renames`` output -> [(status letter, path)]."""
    changes = []
    for raw in text.splitlines():
        status, _, path = raw.partition("\t")
        if path:
            changes.append((status[:1], path.strip()))
    return changes


def changed_posts(changes: list[tuple[str, str]]) -> tuple[list[ChangedPost], list[str]]:
    """Group changed files by post folder; returns the posts and the other changed paths."""
    posts: dict[str, list[tuple[str, str]]] = {}
    others: list[str] = []
    for status, path in changes:
        match = POST_DIR.match(path)
        rest = path[match.end() :] if match else ""
        if match and rest.startswith("/") and rest.count("/") == 1:
            posts.setdefault(match.group(0), []).append((rest[1:], status))
        else:
            others.append(path)
    return [ChangedPost(folder, tuple(sorted(files))) for folder, files in sorted(posts.items())], others


def parse_check_report(text: str) -> list[CheckProblem]:
    """``kowp-site check --json`` output -> problems. Raises ValueError when it is not that."""
    data = json.loads(text)
    items = data.get("problems") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError('check report: expected a list of problems or an object with "problems"')
    problems = []
    for item in items:
        if not isinstance(item, dict) or "path" not in item or "message" not in item:
            raise ValueError("check report: every problem needs a path and a message")
        line = item.get("line")
        problems.append(
            CheckProblem(
                path=str(item["path"]),
                line=line if isinstance(line, int) else None,
                message=str(item["message"]) + (f" — {item['hint']}" if item.get("hint") else ""),
                severity="warning" if item.get("severity") == "warning" else "error",
                check=str(item.get("check") or item.get("id") or ""),
            )
        )
    return problems


def _front_matter(path: Path) -> dict[str, Any]:
    try:
        meta = frontmatter.loads(path.read_text(encoding="utf-8")).metadata
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _post_row(root: Path, post: ChangedPost, language: str, problems: list[CheckProblem] | None) -> str:
    folder = root / post.folder
    source = _front_matter(folder / "en.md")
    translation = _front_matter(folder / f"{language}.md")
    status = str(translation.get("status", ""))
    title = translation.get("title") if status and status != "untranslated" else None
    title = inline(title or source.get("title") or post.folder.rsplit("/", 1)[-1])
    status_text = f"{STATUS_NAMES[status]} (`{status}`)" if status in STATUS_NAMES else "—"
    files = ", ".join(f"`{name}` {CHANGE_NAMES.get(change, change)}" for name, change in post.changes)
    mine = [p for p in problems or [] if p.path.startswith(post.folder + "/")]
    errors = sum(p.severity == "error" for p in mine)
    warnings = len(mine) - errors
    if problems is None:
        result = "❔ 결과 없음"
    elif errors:
        result = f"❌ 오류 {errors}" + (f", 경고 {warnings}" if warnings else "")
    elif warnings:
        result = f"⚠️ 경고 {warnings}"
    else:
        result = "✅ 통과"
    return f"| {title}<br>`{post.folder}` | {files} | {status_text} | {result} |"


def pr_summary(
    root: Path,
    posts: list[ChangedPost],
    others: list[str],
    problems: list[CheckProblem] | None,
    *,
    language: str = "ko",
    preview_artifact: str = "",
) -> str:
    """The Korean job summary of ci.yml. ``problems`` is None when the check report was unreadable."""
    lines = ["## 번역 검사 결과", ""]
    if posts:
        lines += [
            f"이 변경이 추가하거나 바꾼 글 {len(posts)}편:",
            "",
            "| 글 | 바뀐 파일 | 상태 | 검사 |",
            "|---|---|---|---|",
            *(_post_row(root, post, language, problems) for post in posts),
            "",
        ]
    else:
        lines += ["이 변경은 글(`content/posts/`)을 바꾸지 않았습니다.", ""]
    if others:
        shown = ", ".join(f"`{path}`" for path in others[:10])
        more = f" 외 {len(others) - 10}개" if len(others) > 10 else ""
        lines += [f"그 밖에 바뀐 파일 {len(others)}개: {shown}{more}", ""]
    if problems is None:
        lines += ["> [!WARNING]", "> 검사 결과를 읽지 못했습니다. `kowp-site check` 단계의 로그를 보세요.", ""]
    elif problems:
        errors = sum(p.severity == "error" for p in problems)
        lines += [f"### 검사가 찾은 문제 (오류 {errors}, 경고 {len(problems) - errors})", ""]
        for p in problems[:MAX_PROBLEMS]:
            where = f"{p.path}:{p.line}" if p.line else p.path
            label = "오류" if p.severity == "error" else "경고"
            check = f" [{inline(p.check)}]" if p.check else ""
            lines.append(f"- **{label}** `{where.replace('`', '')}`{check} {inline(p.message)}")
        if len(problems) > MAX_PROBLEMS:
            lines.append(f"- … 외 {len(problems) - MAX_PROBLEMS}개 (전체 목록은 `kowp-site check` 단계의 로그)")
        lines += ["", "같은 문제가 풀 리퀘스트의 **Files changed** 탭에도 줄마다 표시됩니다.", ""]
    else:
        lines += ["`kowp-site check`가 문제를 찾지 못했습니다. ✅", ""]
    if preview_artifact:
        lines += [
            "### 미리보기",
            "",
            f"이 실행의 **Artifacts**에서 `{preview_artifact}` 아티팩트를 내려받아 압축을 푼 폴더에서 "
            "`python -m http.server 8000`을 실행하고 http://localhost:8000/ 을 엽니다. "
            "초안과 검토 중인 글도 '검토 중' 표시와 함께 보입니다.",
            "",
        ]
    return "\n".join(lines)


def _language(root: Path) -> str:
    from kowp_site.errors import KowpError
    from kowp_site.site.config import load

    try:
        return load(root)[0].language
    except KowpError:
        return "ko"  # the check step reports the broken configuration


# --- command line ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kowp_site.translation.ci_summary", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    pr = sub.add_parser("pr", help="print the Korean job summary of a pull request (ci.yml)")
    pr.add_argument(
        "--changed", type=Path, required=True, metavar="FILE", help="git diff --name-status --no-renames output"
    )
    pr.add_argument("--check", type=Path, required=True, metavar="FILE", help="kowp-site check --json output")
    pr.add_argument("--preview-artifact", default="", metavar="NAME", help="name of the uploaded preview artifact")
    pr.add_argument("--root", type=Path, default=Path("."), metavar="DIR", help="site root (default: .)")
    fetch = sub.add_parser("fetch", help="decide on and describe the fetch pull request (fetch.yml)")
    fetch.add_argument("--report", type=Path, required=True, metavar="FILE", help="kowp-site fetch --json output")
    fetch.add_argument("--body", type=Path, required=True, metavar="FILE", help="where to write the pull request body")
    fetch.add_argument(
        "--default-token",
        action="store_true",
        help="the pull request is opened with GITHUB_TOKEN, so its body says how to start CI by hand",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "fetch":
            report = json.loads(args.report.read_text(encoding="utf-8"))
            pull = fetch_pull_request(report, own_token=not args.default_token)
            if pull is None:
                args.body.write_text("`kowp-site fetch`: 새 글도 수정된 원문도 없습니다.\n", encoding="utf-8")
                print("changed=false")
            else:
                args.body.write_text(pull.body, encoding="utf-8")
                print("changed=true")
                print(_output_line("title", pull.title))
                print(_output_line("commit", pull.commit))
            return 0
        changes = parse_name_status(args.changed.read_text(encoding="utf-8"))
        posts, others = changed_posts(changes)
        try:
            problems: list[CheckProblem] | None = parse_check_report(args.check.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"ci_summary: {args.check}: {exc}", file=sys.stderr)
            problems = None
        print(
            pr_summary(
                args.root,
                posts,
                others,
                problems,
                language=_language(args.root),
                preview_artifact=args.preview_artifact,
            )
        )
        return 0
    except (OSError, ValueError) as exc:
        print(f"ci_summary: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
