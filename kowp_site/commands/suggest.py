"""``kowp-site suggest``: translation-memory matches for the segments of a post still in English."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kowp_site import ui
from kowp_site.commands import add_post_argument

HELP = "Show, for each segment of a translation still in English, the best matches from the translation memory."


def _limit(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 20:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number from 1 to 20")
    return int(value)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_post_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the segments and their matches as JSON on stdout")
    parser.add_argument(
        "--limit", metavar="N", type=_limit, default=3, help="matches shown per segment, 1 to 20 (default: 3)"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="also say which translations the memory skipped, and why"
    )


def run(args: argparse.Namespace) -> int:
    from kowp_site.errors import KowpError
    from kowp_site.site import config as config_mod
    from kowp_site.translation.memory import Memory
    from kowp_site.translation.suggestions import suggest
    from kowp_site.translation.workflow import find_folder

    config, warnings = config_mod.load(args.root)
    ui.report(warnings)
    folder = find_folder(config, args.post, Path.cwd())
    post = folder.relative_to((config.content_dir / "posts").resolve()).as_posix()
    target = folder / f"{config.language}.md"
    if not target.is_file():
        target = folder / "en.md"
    if not config.tm:
        raise KowpError("the translation memory is off (tm = false in [tool.kowp-site])")
    memory = Memory(config, exclude=frozenset({post}))
    found = suggest(memory, target.read_bytes().decode("utf-8", "replace"), limit=args.limit)
    if args.verbose:
        for note in dict.fromkeys(memory.notes):
            ui.info(f"note: {note}")
    shown = f"content/posts/{post}/{target.name}"
    if args.json:
        data = {
            "post": post,
            "file": shown,
            "segments": [
                {
                    "line": w.line,
                    "en": w.en,
                    "suggestions": [
                        {"score": s.score, "kind": s.kind, "ko": s.ko, "en": s.en, "post": s.post}
                        for s in w.suggestions
                    ],
                }
                for w in found
            ],
        }
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    from rich.markup import escape

    with_match = [w for w in found if w.suggestions]
    for w in found:
        ui.out.print(f"[bold]{escape(shown)}:{w.line}[/]  {escape(w.en)}", markup=True, highlight=False)
        for s in w.suggestions:
            ui.out.print(
                f"  {s.score:5.1f} {s.kind:9} {escape(s.ko)}  [dim]({escape(s.post)})[/]", markup=True, highlight=False
            )
        if not w.suggestions:
            ui.out.print("  [dim](번역 메모리에 비슷한 문장이 없습니다)[/]", markup=True, highlight=False)
    ui.info(f"{len(found)} segments still in English; {len(with_match)} with a match in the translation memory")
    return 0
