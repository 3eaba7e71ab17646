"""Entry point for ``python -m kowp_site``."""

from kowp_site.cli import main

raise SystemExit(main())
