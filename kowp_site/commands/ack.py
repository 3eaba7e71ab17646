"""``kowp-site ack``: record that a translation matches the current English source."""

from __future__ import annotations

import argparse
from pathlib import Path

from kowp_site import ui
from kowp_site.commands import add_post_argument

HELP = "Record the current en.md hash in a translation (and its publication date when first published)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_post_argument(parser)


def run(args: argparse.Namespace) -> int:
    from kowp_site.errors import display_path
    from kowp_site.site import config as config_mod
    from kowp_site.translation.workflow import ack, find_folder

    config, _ = config_mod.load(args.root)
    result = ack(config, find_folder(config, args.post, Path.cwd()))
    where = display_path(result.path, config.root)
    if not result.changed:
        ui.info(f"{where}: already up to date with en.md")
        return 0
    if result.old_hash != result.new_hash:
        ui.info(f"{where}: source_hash {result.old_hash[:15] or '(none)'}… → {result.new_hash[:15]}…")
    if result.translated:
        ui.info(f"{where}: translated: {result.translated.isoformat()} (first publication)")
    return 0
