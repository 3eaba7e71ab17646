"""Command-line interface: parse flags, call one function, set the exit code. Nothing else.

Each command lives in ``kowp_site/commands/<name>.py`` with ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``. Exit codes: 0 success, 1 a problem in content, configuration or the
network, 2 a usage error.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import sys
from pathlib import Path

from kowp_site import __version__, ui
from kowp_site.errors import KowpError, ProblemsError

COMMANDS = ("init", "build", "serve", "fetch", "status", "check", "ack", "diff", "suggest", "syndicate")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: exit 2, no traceback
        self.print_usage(sys.stderr)
        ui.fail(message)
        raise SystemExit(2)


def _root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="site root holding pyproject.toml, content/ and themes/ (default: current directory)",
    )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole CLI as one parser; the docs test walks it to check every flag is documented.

    With ``only`` (the command a command line names) just that command's module is imported and
    its flags added; the others are named, for usage messages, without their help.
    """
    parser = _Parser(
        prog="kowp-site",
        description="Build and maintain the Korean mirror of WordPress.org News from Markdown in Git.",
    )
    parser.add_argument("--version", action="version", version=f"kowp-site {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        if only is not None and name != only:
            subparsers.add_parser(name)
            continue
        if importlib.util.find_spec(f"kowp_site.commands.{name}") is None:
            continue
        module = importlib.import_module(f"kowp_site.commands.{name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        _root_option(sub)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    named = next((word for word in words if not word.startswith("-")), None)  # options of the CLI itself come first
    parser = build_parser(named if named in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    if not args.root.is_dir():
        ui.fail(f"site root {args.root} is not a folder")
        return 2
    ui.annotations = not getattr(args, "json", False)  # with --json, stdout carries JSON only
    try:
        return int(args.run(args) or 0)
    except ProblemsError as exc:
        ui.report(exc.problems)
        n = sum(1 for p in exc.problems if p.severity == "error")
        ui.fail(f"{n} error{'s' if n != 1 else ''}; nothing was written")
        return 1
    except KowpError as exc:
        ui.fail(str(exc))
        return 1
    except KeyboardInterrupt:
        ui.info("interrupted")
        return 130


def console() -> int:
    """The ``kowp-site`` command and ``python -m kowp_site``: :func:`main`, then the process ends.

    What a command leaves behind (a build holds every post of its cache, some of it in reference
    cycles) is moved out of the collector's reach first, so ending the process does not walk and
    free it all for nothing. Code that calls :func:`main` in a process that goes on is unaffected.
    """
    code = main()
    gc.freeze()
    return code
