"""``kowp-site build``: make the static site and its feeds in site/."""

from __future__ import annotations

import argparse
from pathlib import Path

from kowp_site import ui

HELP = "Build the Korean site and its RSS, Atom and JSON feeds into site/."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--drafts", action="store_true", help="also render draft and review posts (for pull-request previews)"
    )
    parser.add_argument("--output", type=Path, metavar="DIR", help="output folder (default: site/ under the root)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--base-url", metavar="URL", help="override base_url (e.g. the address Pages assigns)")
    parser.add_argument("--timings", action="store_true", help="print how long each build phase took")


def run(args: argparse.Namespace) -> int:
    from kowp_site.site.build import BuildOptions, build

    with ui.phases() as progress:  # bars on a terminal only
        options = BuildOptions(
            drafts=args.drafts, output=args.output, strict=args.strict, base_url=args.base_url, progress=progress
        )
        result = build(args.root, options)
    ui.report(result.warnings)
    ui.info(
        f"built {result.posts} posts and {result.pages} pages: {result.files} files in {result.output}"
        f" ({result.written} written, {result.removed} removed)"
    )
    if args.timings:
        ui.info("  ".join(f"{name} {seconds:.3f}s" for name, seconds in result.timings.items()))
    return 0
