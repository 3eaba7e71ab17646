"""One module per command (``HELP``, ``add_arguments``, ``run``); arguments they share live here."""

from __future__ import annotations

import argparse


def add_post_argument(parser: argparse.ArgumentParser) -> None:
    """The POST argument of commands that act on one post (see translate.find_folder)."""
    parser.add_argument(
        "post", metavar="POST", help="the post: its folder, en.md or ko.md, YYYY/MM/slug, or the original URL"
    )
