"""``kowp-site diff``: what changed in the English source since a translation was made."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kowp_site import ui
from kowp_site.commands import add_post_argument

HELP = "Show what changed in en.md since the version a translation's source_hash records (from the Git history)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_post_argument(parser)


def run(args: argparse.Namespace) -> int:
    from kowp_site.site import config as config_mod
    from kowp_site.translation.workflow import find_folder, source_diff

    config, _ = config_mod.load(args.root)
    result = source_diff(config, find_folder(config, args.post, Path.cwd()))
    if not result.text:
        ui.info("the translation is up to date: en.md has not changed since its source_hash")
        return 0
    if ui.out.is_terminal:
        from rich.syntax import Syntax

        ui.out.print(Syntax(result.text, "diff", theme="ansi_dark", word_wrap=True))
    else:
        sys.stdout.write(result.text)
    return 0
