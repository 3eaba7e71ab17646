"""``kowp-site syndicate``: announce new published translations on Mastodon, Bluesky and Threads."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from typing import Any

from kowp_site import ui

HELP = "Announce newly published translations once each on Mastodon, Bluesky and Threads (see docs/syndication.md)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=("mastodon", "bluesky", "threads"),
        action="append",
        help="post only to this service (repeatable; default: every service whose variables are set)",
    )
    parser.add_argument("--dry-run", action="store_true", help="show exactly what would be posted; post nothing")
    parser.add_argument("--json", action="store_true", help="print the messages and results as JSON on stdout")
    parser.add_argument(
        "--now",
        metavar="DATETIME",
        help="pretend it is this ISO 8601 time, e.g. 2026-09-15T09:00:00+09:00 (default: SOURCE_DATE_EPOCH or the clock)",
    )
    parser.add_argument(
        "--refresh-threads-token",
        action="store_true",
        help="post nothing; refresh KOWP_THREADS_TOKEN for another 60 days and print the new token, alone, on "
        "stdout (pipe it into: gh secret set KOWP_THREADS_TOKEN --env syndication); refused on GitHub Actions",
    )


def _now(value: str | None) -> dt.datetime | None:
    from kowp_site.errors import KowpError

    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise KowpError(f"--now {value!r} is not an ISO 8601 time — use e.g. 2026-09-15T09:00:00+09:00") from None
    if when.tzinfo is None:
        raise KowpError(f"--now {value!r} has no UTC offset — add one, e.g. +09:00")
    return when


def refresh_threads_token(args: argparse.Namespace) -> int:
    """Refresh the Threads token: the new one goes to stdout and nowhere else; advice goes to stderr.

    Printing a token is what the flag asks for, so it happens only here, and never on GitHub
    Actions, where stdout is the job log anyone with read access can open.
    """
    from kowp_site.errors import KowpError
    from kowp_site.social import Secrets
    from kowp_site.social.threads import API_ENV, SECRET_ENVIRONMENT, TOKEN_ENV, refresh

    if args.dry_run or args.target or args.json or args.now:
        raise KowpError("--refresh-threads-token runs alone: drop --dry-run, --target, --json and --now")
    if ui.in_github_actions():
        raise KowpError(
            "--refresh-threads-token는 GitHub Actions에서 실행하지 않습니다: 새 토큰이 작업 로그에 남습니다 / "
            "refused on GitHub Actions, where the new token would land in the job log — run it on your own machine"
        )
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise KowpError(f"{TOKEN_ENV} is not set — there is no Threads token to refresh")
    fresh = refresh(os.environ.get(API_ENV, ""), token, Secrets(token))
    print(fresh.token, flush=True)
    days = f"{fresh.expires_in // 86400} days" if fresh.expires_in is not None else "60 days (the usual life)"
    ui.info(f"threads: refreshed; the new token is valid for {days} and was printed on stdout only")
    ui.info(
        f"새 토큰을 GitHub 저장소 Settings → Environments → {SECRET_ENVIRONMENT} → 비밀 {TOKEN_ENV}에 저장하십시오 / "
        f"store it as the secret {TOKEN_ENV} of the {SECRET_ENVIRONMENT} environment, e.g.\n"
        f"  kowp-site syndicate --refresh-threads-token | gh secret set {TOKEN_ENV} --env {SECRET_ENVIRONMENT}\n"
        f"Refresh again within 50 days; a token not refreshed for 60 days cannot be refreshed."
    )
    if sys.stdout.isatty():
        ui.info("the token above is a secret: clear this terminal once it is stored")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.refresh_threads_token:
        return refresh_threads_token(args)

    from kowp_site.site.build import BuildOptions, load_site
    from kowp_site.social import TARGETS
    from kowp_site.social.syndicate import syndicate

    config, content, warnings = load_site(args.root, BuildOptions())
    ui.report(warnings)
    targets = tuple(t for t in TARGETS if not args.target or t in args.target)
    report = syndicate(config, content, targets=targets, now=_now(args.now), dry_run=args.dry_run)
    if args.json:
        print(json.dumps(as_json(report), ensure_ascii=False, indent=2))
    else:
        show(report)
    for note in report.notes:
        ui.info(note)
    for warning in report.warnings:
        ui.warning(warning, title="Threads 토큰")
    for outcome in report.outcomes:
        if outcome.status == "failed":
            ui.fail(f"{outcome.target}: {outcome.path}: {outcome.error} — it will be retried by the next run")
    return 1 if report.failed else 0


def show(report: Any) -> None:
    """The human-readable report on stderr: each message in full for a dry run, one line per result."""
    when = report.now.isoformat()
    if not (report.messages if report.dry_run else report.outcomes):  # skipped targets announce nothing
        ui.info(f"nothing to announce (now = {when})")
        return
    if not report.dry_run:
        for o in report.outcomes:
            if o.status in ("posted", "recorded"):
                verb = "posted" if o.status == "posted" else "found after an interrupted run"
                ui.info(f"{o.target}: {verb}: {o.path} -> {o.url}")
        return
    ui.info(f"dry run (now = {when}): {len(report.messages)} message(s) would be posted")
    for m in report.messages:
        unit = UNITS[m.target]
        state = "configured" if report.configured.get(m.target) else "not configured: would be skipped"
        ui.info("")
        ui.info(f"── {m.target} ({state}) · {m.path} · {m.text.length} {unit} · language {m.language}")
        ui.info(m.text.text)
        if m.text.facets:
            text = m.text.text.encode("utf-8")
            spans = [f"{f.kind} {f.start}-{f.end} {text[f.start : f.end].decode()!r}" for f in m.text.facets]
            ui.info("facets: " + "; ".join(spans))
        if m.target == "threads":
            ui.info(f"link attachment: {m.url} (Threads builds the card from the page's Open Graph tags)")
        if m.card is not None:
            ui.info(f"card: {m.card.title} | {m.card.description}")
            ui.info(f"card image: {m.card.image} (thumbnail: {_thumb(m.card.thumb)})")


UNITS = {
    "mastodon": "characters (links count 23) of 500",
    "bluesky": "graphemes of 300",
    "threads": "characters (emoji as UTF-8 bytes) of 500",
}


def _thumb(path: Any) -> str:
    return path.name if path is not None else "none"


def as_json(report: Any) -> dict[str, Any]:
    from kowp_site.social.bluesky import post_record
    from kowp_site.social.threads import container_params

    messages = []
    for m in report.messages:
        item: dict[str, Any] = {
            "target": m.target,
            "guid": m.guid,
            "path": m.path,
            "url": m.url,
            "text": m.text.text,
            "length": m.text.length,
            "language": m.language,
        }
        if m.target == "mastodon":
            item["idempotency_key"] = m.key
        elif m.target == "threads":
            item["container"] = container_params(m)
        else:
            item["rkey"] = m.key
            item["record"] = post_record(m)
            item["thumbnail"] = _thumb(m.card.thumb) if m.card else "none"
        messages.append(item)
    return {
        "now": report.now.isoformat(),
        "dry_run": report.dry_run,
        "configured": report.configured,
        "messages": messages,
        "results": [
            {"target": o.target, "guid": o.guid, "path": o.path, "status": o.status, "url": o.url, "error": o.error}
            for o in report.outcomes
        ],
        "notes": report.notes,
        "warnings": report.warnings,
    }
