"""``kowp-site check``: the pull-request gate for translations."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kowp_site import ui

HELP = "Check translations (front matter, Korean share, structure, links, glossary, style, outdated); exit 1 on errors."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="post folders or files to check (default: every post)")
    parser.add_argument(
        "--changed-since",
        metavar="REF",
        help="check only posts with files changed since REF's merge base with HEAD (e.g. origin/main)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings (an outdated translation, an unknown key) as errors"
    )
    parser.add_argument("--json", action="store_true", help="print the findings as JSON on stdout")


def run(args: argparse.Namespace) -> int:
    from kowp_site.translation.check_run import run_check

    report = run_check(args.root, args.paths, changed_since=args.changed_since, strict=args.strict, cwd=Path.cwd())
    if args.json:
        json.dump(report.as_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        ui.report(f.problem() for f in report.findings)
        ui.info(report.summary())
    return 1 if report.errors else 0
