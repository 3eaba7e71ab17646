"""Entry point for ``python -m kowp_site``."""

from kowp_site.cli import console

raise SystemExit(console())
