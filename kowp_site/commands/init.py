"""``kowp-site init``: start a new mirror for a language in one command."""

from __future__ import annotations

import argparse

from kowp_site import ui

HELP = "Start a new mirror: write the [tool.kowp-site] table, content/pages and a glossary for a language."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--language", required=True, metavar="CODE", help="the translations' language: ko, ja or es (e.g. ja)"
    )
    parser.add_argument("--dry-run", action="store_true", help="show what would be written, write nothing")


def run(args: argparse.Namespace) -> int:
    from kowp_site.site import starter

    made = starter.plan(args.root, args.language)
    verb = "would write" if args.dry_run else "wrote"
    if not args.dry_run:
        starter.write(made)
    ui.info(f"{verb} {made.pyproject.name} ([tool.kowp-site] for {args.language})")
    for path, _ in made.writes:
        ui.info(f"{verb} {path.relative_to(args.root).as_posix()}")
    for path in made.kept:
        ui.info(f"kept {path.relative_to(args.root).as_posix()} (it exists)")
    if not args.dry_run:
        ui.info("next: set base_url in pyproject.toml, then `kowp-site fetch` and `kowp-site build`")
    return 0
