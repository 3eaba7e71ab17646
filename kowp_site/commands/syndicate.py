"""``kowp-site syndicate``: announce new published translations on Mastodon and Bluesky."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from kowp_site import ui

HELP = "Announce newly published translations once each on Mastodon and Bluesky (see docs/syndication.md)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=("mastodon", "bluesky"),
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


def run(args: argparse.Namespace) -> int:
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
    for outcome in report.outcomes:
        if outcome.status == "failed":
            ui.fail(f"{outcome.target}: {outcome.path}: {outcome.error} — it will be retried by the next run")
    return 1 if report.failed else 0


def show(report: Any) -> None:
    """The human-readable report on stderr: each message in full for a dry run, one line per result."""
    when = report.now.isoformat()
    if not report.messages:
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
        unit = "characters (links count 23) of 500" if m.target == "mastodon" else "graphemes of 300"
        state = "configured" if report.configured.get(m.target) else "not configured: would be skipped"
        ui.info("")
        ui.info(f"── {m.target} ({state}) · {m.path} · {m.text.length} {unit} · language {m.language}")
        ui.info(m.text.text)
        if m.text.facets:
            text = m.text.text.encode("utf-8")
            spans = [f"{f.kind} {f.start}-{f.end} {text[f.start : f.end].decode()!r}" for f in m.text.facets]
            ui.info("facets: " + "; ".join(spans))
        if m.card is not None:
            ui.info(f"card: {m.card.title} | {m.card.description}")
            ui.info(f"card image: {m.card.image} (thumbnail: {_thumb(m.card.thumb)})")


def _thumb(path: Any) -> str:
    return path.name if path is not None else "none"


def as_json(report: Any) -> dict[str, Any]:
    from kowp_site.social.bluesky import post_record

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
    }
