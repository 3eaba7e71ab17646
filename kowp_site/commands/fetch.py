"""``kowp-site fetch``: turn new English posts of the source feed into Markdown stubs."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kowp_site import ui

if TYPE_CHECKING:
    from kowp_site.fetch.network import Summary

HELP = "Download new and changed English posts from the source feed as en.md files and translation stubs."


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-08-27") from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of 1 or more")
    return int(value)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--feed", metavar="URL", help="read this feed instead of source_feed from the configuration")
    source.add_argument(
        "--from-file", metavar="FEED.xml", type=Path, help="import a feed saved on disk instead of downloading it"
    )
    pages = parser.add_mutually_exclusive_group()
    pages.add_argument(
        "--all", action="store_true", help="walk the whole archive (?paged=2, 3, …) to backfill every post"
    )
    pages.add_argument(
        "--pages", metavar="N", type=_positive, default=1, help="read the first N pages of the feed (default: 1)"
    )
    parser.add_argument(
        "--since", metavar="YYYY-MM-DD", type=_date, help="only import posts dated on or after this day"
    )
    parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    parser.add_argument(
        "--json", action="store_true", help="print a summary as JSON on stdout (new, updated, unchanged, skipped)"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="also say which translations the translation memory skipped, and why"
    )
    parser.add_argument(
        "--max-size",
        metavar="MB",
        type=_positive,
        default=20,
        help="largest feed page accepted, in megabytes (default: 20)",
    )
    parser.add_argument(
        "--max-image-size",
        metavar="MB",
        type=_positive,
        default=10,
        help="largest body image kept in a post's folder, in megabytes (default: 10)",
    )


def _print_summary(summary: Summary) -> None:
    if summary.not_modified:
        ui.info("The feed has not changed since the last fetch (304); nothing to do.")
        return
    verb = "would be " if summary.dry_run else ""
    for note in summary.notes:
        ui.info(f"note: {note}")
    for label, group in (("new", summary.new), ("updated", summary.updated)):
        for item in group:
            memory = f"  (번역 메모리 {item.pretranslated:.0%})" if item.pretranslated else ""
            ui.info(f"  {label:8} {item.path}  {item.title}{memory}")
    ui.info(
        f"{len(summary.new)} new, {len(summary.updated)} updated, {len(summary.unchanged)} unchanged, "
        f"{len(summary.skipped)} skipped"
        + (f"; {len(summary.written)} files {verb}written" if summary.written else "; no file changed")
    )


def run(args: argparse.Namespace) -> int:
    from kowp_site.fetch.network import Options, fetch
    from kowp_site.site import config as config_module

    if args.from_file is not None and (args.all or args.pages != 1):
        from kowp_site.errors import KowpError

        raise KowpError("--from-file reads one file; --all and --pages are for downloads")
    config, warnings = config_module.load(args.root)
    ui.report(warnings)
    options = Options(
        feed=args.feed or "",
        pages=args.pages,
        all_pages=args.all,
        since=args.since,
        from_file=args.from_file,
        dry_run=args.dry_run,
        max_bytes=args.max_size * 1024 * 1024,
        max_image_bytes=args.max_image_size * 1024 * 1024,
        verbose=args.verbose,
    )
    summary = fetch(config, options)
    ui.report(summary.warnings)
    _print_summary(summary)
    if args.json:
        json.dump(summary.as_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return 0
