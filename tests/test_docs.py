"""Every command and flag has help text and is documented in the README; so is every config key."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from kowp_site.cli import COMMANDS, build_parser
from kowp_site.site.config_schema import CHECK_SCHEMA, SCHEMA, SYNDICATION_SCHEMA

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_planned_command_exists():
    assert sorted(subcommands()) == sorted(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_flags_have_help_and_are_in_readme(name):
    sub = subcommands().get(name)
    assert sub is not None, f"command {name} is missing"
    section = re.search(rf"### `kowp-site {name}[^`]*`(.*?)(?=\n### |\n## )", README, re.DOTALL)
    assert section, f"README has no section for kowp-site {name}"
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help and action.help.strip(), f"{name} {action.option_strings or action.dest} has no help"
        if action.option_strings and "--root" not in action.option_strings:
            longest = max(action.option_strings, key=len)
            assert longest in section.group(1), f"README does not document {name} {longest}"


def test_readme_documents_every_configuration_key():
    for key in SCHEMA:
        assert f"| `{key}` |" in README, key
    for key in CHECK_SCHEMA:
        assert f"| `check.{key}` |" in README, key
    for key in SYNDICATION_SCHEMA:
        assert f"| `syndication.{key}` |" in README, key


def test_readme_gives_the_two_fresh_machine_commands():
    assert "pip install -e . && .venv/bin/kowp-site build" in README
    assert "pip install -e '.[test]' && .venv/bin/python -m pytest -q" in README
    ci = (ROOT / ".ci/run").read_text()
    assert "pip install --quiet -e '.[test]'" in ci
    assert "python -m pytest -q" in ci


def test_a_command_line_imports_only_the_command_it_names():
    import subprocess
    import sys

    code = (
        "import sys; from kowp_site import cli; p = cli.build_parser('status'); "
        "a = p.parse_args(['status', '--json']); "
        "print(a.json, sorted(m for m in sys.modules if m.startswith('kowp_site.commands.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "True ['kowp_site.commands.status']"
    with pytest.raises(SystemExit):  # another command is named for usage messages, without its flags
        build_parser("status").parse_args(["build", "--drafts"])
    assert build_parser().parse_args(["build", "--drafts"]).drafts is True
