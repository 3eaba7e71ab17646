"""``kowp-site status``: what to translate next and which translations fell behind."""

from __future__ import annotations

import argparse
import json
import sys

from kowp_site import ui

HELP = "Show translation progress: counts by status, untranslated posts, outdated translations, work in progress."

STATUS_NAMES = {"untranslated": "미번역", "draft": "초안", "review": "검토 중", "published": "게시됨"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the status as JSON on stdout (stable keys)")
    parser.add_argument(
        "--no-history", action="store_true", help="do not read the Git history to measure how much the English changed"
    )


def run(args: argparse.Namespace) -> int:
    from kowp_site.site import config as config_mod
    from kowp_site.site import content as content_mod
    from kowp_site.translation.workflow import status

    config, warnings = config_mod.load(args.root)
    content, problems = content_mod.load(config)
    report = status(config, content, history=not args.no_history)
    if args.json:
        json.dump(report.as_json(config), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    _print(report, config)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        ui.info(f"{len(errors)} file(s) could not be read and are not counted; run `kowp-site check` to see why")
    return 0


def _print(report, config) -> None:  # noqa: ANN001 - Status, Config
    from rich.table import Table

    out = ui.out
    counts = "  ".join(f"{STATUS_NAMES[s]} {n}" for s, n in report.counts.items())
    out.print(
        f"[bold]{report.total}[/] posts: {counts}  ·  outdated {len(report.outdated)}  ·  "
        f"{report.percent:g}% published",
        markup=True,
    )
    if report.untranslated:
        table = Table(title="Untranslated (newest first) · 미번역", title_justify="left")
        table.add_column("date")
        table.add_column("post")
        table.add_column("title")
        table.add_column("미리 번역됨", justify="right")
        for e in report.untranslated:
            table.add_row(
                e.post.source.date.astimezone(config.tz).date().isoformat(),
                e.post.key.path,
                e.post.source.title,
                _share(e.pretranslated),
            )
        out.print(table)
    if report.outdated:
        table = Table(title="Outdated translations · 원문이 바뀐 번역", title_justify="left")
        table.add_column("post")
        table.add_column("translators")
        table.add_column("English changed since")
        for e in report.outdated:
            c = e.change
            changed = (
                f"+{c.lines_added}/-{c.lines_removed} lines, +{c.words_added}/-{c.words_removed} words (since {c.since[:7]})"
                if c
                else "unknown (old en.md not in the Git history)"
            )
            table.add_row(e.post.key.path, ", ".join(e.post.translation.translators), changed)
        out.print(table)
    if report.in_progress:
        table = Table(title="In progress · 진행 중", title_justify="left")
        table.add_column("status")
        table.add_column("post")
        table.add_column("translators")
        table.add_column("reviewers")
        table.add_column("미리 번역됨", justify="right")
        for e in report.in_progress:
            t = e.post.translation
            table.add_row(
                STATUS_NAMES[e.post.status],
                e.post.key.path,
                ", ".join(t.translators),
                ", ".join(t.reviewers),
                _share(e.pretranslated),
            )
        out.print(table)


def _share(value: float | None) -> str:
    """ "62%" for a post the translation memory pre-filled, "" otherwise."""
    return f"{value:.0%}" if value else ""
