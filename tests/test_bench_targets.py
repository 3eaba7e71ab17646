"""The benchmark's verdict: which of the speed issue's build targets a table of medians misses."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("kowp_bench", ROOT / "benchmarks" / "bench.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["kowp_bench"] = bench  # its dataclasses look their module up
_spec.loader.exec_module(bench)


def row(tool: str, name: str, wall: float, rss: float = 100.0) -> tuple[object, object]:
    return bench.Scenario(tool, name, lambda _: None, [], ROOT), bench.Run(wall, wall, rss)


def test_a_table_meeting_every_target_misses_none() -> None:
    rows = [
        row("kowp-site", "cold full build", 4.4),
        row("kowp-site", "no-change rebuild", 0.3),
        row("kowp-site", "one post edited", 0.6),
        row("Hugo", "cold full build", 3.0),
    ]
    assert bench.missed_targets(rows) == []


def test_each_missed_target_is_named_with_its_figure() -> None:
    rows = [
        row("kowp-site", "cold full build", 9.6, rss=188),
        row("kowp-site", "no-change rebuild", 0.31),
        row("kowp-site", "one post edited", 0.55, rss=301),
        row("Hugo", "cold full build", 2.56, rss=658),
    ]
    assert bench.missed_targets(rows) == [
        "kowp-site no-change rebuild (0.31 s > 0.3 s)",
        "kowp-site cold full build (3.75x Hugo > 1.5x)",
        "kowp-site one post edited peak RSS (301 MiB > 300)",
    ]


def test_without_hugo_the_cold_ratio_is_not_judged() -> None:
    assert bench.missed_targets([row("kowp-site", "cold full build", 60.0)]) == []


def test_the_targets_are_judged_only_for_the_corpus_size_they_are_set_for() -> None:
    rows = [row("kowp-site", "cold full build", 100.0, rss=1467), row("kowp-site", "one post edited", 2.0)]
    assert bench.missed_targets(rows, posts=50000) == []
    assert bench.missed_targets(rows, posts=5000) == [
        "kowp-site one post edited (2.00 s > 0.6 s)",
        "kowp-site cold full build peak RSS (1467 MiB > 300)",
    ]
